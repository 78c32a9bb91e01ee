"""History: one record of metrics per epoch, readable by metric name."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class History:
    """What fit() measured: `history.records[e]` is epoch e's dict; `history["val_acc"]` a list."""

    records: list[dict[str, float]] = field(default_factory=list)

    def append(self, record: dict[str, float]) -> None:
        self.records.append(dict(record))

    def __getitem__(self, key: str) -> list[float]:
        return [record[key] for record in self.records if key in record]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def last(self) -> dict[str, float]:
        return self.records[-1] if self.records else {}
