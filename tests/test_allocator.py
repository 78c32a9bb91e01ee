"""keep_freed_memory: a large array's memory stays with the process after it is freed."""

from __future__ import annotations

import subprocess
import sys

import pytest

RELEASED_SCRIPT = """
import resource, sys
from pathlib import Path
import numpy as np
from scratchnn.allocator import keep_freed_memory

def resident():
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()

def released_by_freeing(megabytes):
    array = np.ones(megabytes * 2**20 // 8)
    held = resident()
    del array
    return (held - resident()) / 2**20

default = released_by_freeing(20)
agreed = keep_freed_memory()
kept = released_by_freeing(20)
print(default, agreed, kept)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc and /proc")
def test_freed_memory_stays_for_the_next_array():
    result = subprocess.run(
        [sys.executable, "-c", RELEASED_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    default, agreed, kept = result.stdout.split()
    assert agreed == "True"
    assert float(default) > 15  # by default the 20 MiB go back to the operating system
    assert float(kept) < 1  # kept: the next array of that size needs no new pages
