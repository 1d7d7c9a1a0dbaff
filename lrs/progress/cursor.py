"""A consumer's cursor on the statement log that never skips a sequence number that commits late.

Under concurrent PostgreSQL writers, sequence number 11 can become visible after 12. A consumer that
moved its cursor to 12 would never see 11. So the cursor keeps a low watermark (everything up to it is
handled), the numbers above it already handled, and for each hole below them when it was first seen.
Numbers above a hole are handled at once; only the watermark waits. A hole still open after the grace
period belongs to a transaction that rolled back (or to statements erased before they were read) and is
passed; so is a hole wider than any set of transactions in flight could be.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# More numbers than concurrent writers could hold in flight at once (batches are at most 1000 statements).
MAX_HOLE = 100_000


@dataclass
class CursorState:
    position: int = 0
    pending: set[int] = field(default_factory=set)
    gaps: dict[int, int] = field(default_factory=dict)  # first number of a hole -> when first seen (µs)

    def unhandled(self, seqs: list[int]) -> list[int]:
        """Of sequence numbers read above the position, those not handled yet."""
        return [s for s in seqs if s > self.position and s not in self.pending]

    def advance(self, handled: list[int], now_us: int, grace_us: int) -> None:
        """Record handled numbers and move the low watermark as far as is safe."""
        self.pending.update(s for s in handled if s > self.position)
        for low in sorted(self.pending):
            start = self.position + 1
            if low > start:
                first = self.gaps.setdefault(start, now_us)
                if low - start <= MAX_HOLE and now_us - first < grace_us:
                    break
            self.pending.discard(low)
            self.position = low
        self.gaps = {s: t for s, t in self.gaps.items() if s > self.position}
