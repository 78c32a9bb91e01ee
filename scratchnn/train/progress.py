"""Progress display: a tqdm bar per epoch on a terminal, one plain line per epoch otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm


def number(value: float) -> str:
    """Four decimals, or scientific notation for values too small to show that way."""
    return f"{value:.4f}" if value == 0 or abs(value) >= 1e-3 else f"{value:.2e}"


def format_epoch_line(epoch: int, epochs: int, record: dict[str, float], seconds: float) -> str:
    """`epoch 3/10  loss 0.0812  acc 97.6%  val_loss 0.0901  val_acc 97.3%  4.1s`."""
    parts = [f"epoch {epoch}/{epochs}"]
    for key, value in record.items():
        if key in ("epoch", "time", "lr"):
            continue
        shown = f"{value * 100:.1f}%" if key.endswith("acc") else number(value)
        parts.append(f"{key} {shown}")
    if "lr" in record:
        parts.append(f"lr {record['lr']:.3g}")
    parts.append(f"{seconds:.1f}s")
    return "  ".join(parts)


class EpochProgress:
    """Shows one epoch's progress; `update` after each batch, `close` prints the summary line."""

    def __init__(
        self,
        epoch: int,
        epochs: int,
        batches: int,
        enabled: bool = True,
        stream: TextIO | None = None,
    ) -> None:
        self.epoch, self.epochs = epoch, epochs
        self.stream = stream or sys.stdout
        self.enabled = enabled
        self.start = time.perf_counter()
        self.bar = None
        if enabled and self.stream.isatty():
            self.bar = tqdm(
                total=batches,
                desc=f"epoch {epoch}/{epochs}",
                unit="batch",
                leave=False,
                file=self.stream,
                dynamic_ncols=True,
            )
        self.samples = 0

    def update(self, batch_size: int, loss: float, acc: float | None) -> None:
        self.samples += batch_size
        if self.bar is None:
            return
        rate = self.samples / max(time.perf_counter() - self.start, 1e-9)
        postfix = {"loss": f"{loss:.4f}"}
        if acc is not None:
            postfix["acc"] = f"{acc * 100:.1f}%"
        postfix["samples/s"] = f"{rate:,.0f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self, record: dict[str, float]) -> float:
        """End the epoch: print its line; return its seconds."""
        seconds = time.perf_counter() - self.start
        if self.bar is not None:
            self.bar.close()
        if self.enabled:
            print(format_epoch_line(self.epoch, self.epochs, record, seconds), file=self.stream)
            self.stream.flush()
        return seconds
