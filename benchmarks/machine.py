"""What a result was measured on: CPU, cores, BLAS, library versions and the commit."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info
from workload import REPO

import scratchnn


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (else what platform reports)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas() -> str:
    """The BLAS libraries loaded in this process, with version, kernel architecture and threads."""
    found = [
        f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture', '?')}, "
        f"{Path(info['filepath']).name}, {info.get('num_threads')} threads)"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return "; ".join(found) or "none found"


def version(package: str) -> str:
    """An installed distribution's version, or 'not installed'."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def git(*args: str) -> str:
    """The output of a git command in the repository ('' when it fails)."""
    result = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def commit() -> str:
    """HEAD of the repository, plus how many files under scratchnn/ differ from it."""
    head = git("rev-parse", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "scratchnn").splitlines()
    if changed:
        return f"{head} (with {len(changed)} uncommitted changes under scratchnn/ in the tree)"
    return head


def describe() -> list[str]:
    """Markdown bullet lines describing the machine and software."""
    return [
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores "
        f"({len(os.sched_getaffinity(0))} usable by this process)",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- NumPy {np.__version__}; BLAS: {blas()}",
        f"- PyTorch {version('torch')}; scikit-learn {version('scikit-learn')}; "
        f"threadpoolctl {version('threadpoolctl')}; numba {version('numba')} (scratchnn's "
        f"compiled loops {'on' if scratchnn.compiled_enabled() else 'off'}; "
        "scratchnn_numpy: off)",
        f"- scratchnn commit: {commit()}, imported from {Path(scratchnn.__file__).parent}",
    ]
