"""Peak memory of one training epoch: resident set size above the state after imports and data.

Linux keeps a high-water mark of the resident set (`VmHWM` in /proc/self/status). Writing "5"
to /proc/self/clear_refs lowers it to the current size, so the peak of the epoch is not hidden by
a larger transient of data loading (decompression, uint8 to float32). `ru_maxrss` is the same
mark but also keeps the size of the parent at the time it started this process (Linux carries
it over exec), so it is only the fallback where /proc is missing; then the baseline is the
high-water mark itself, which can only understate the epoch's peak.
"""

from __future__ import annotations

import gc
import resource
from pathlib import Path

KIB = 1024


def current_rss() -> int:
    """Resident set size now, in bytes (from /proc/self/statm; else the high-water mark)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return peak_rss()
    return pages * resource.getpagesize()


def peak_rss() -> int:
    """High-water mark of this process's resident set in bytes (VmHWM; else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * KIB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KIB  # KiB on Linux


def reset_peak() -> bool:
    """Lower the high-water mark to the current resident set; False where Linux does not allow."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def baseline() -> int:
    """The resident set to subtract: call after imports and data loading, before the model."""
    gc.collect()
    return current_rss() if reset_peak() else peak_rss()
