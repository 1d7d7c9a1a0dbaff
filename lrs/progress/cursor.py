"""A consumer's cursor on the statement log that never skips a sequence number that commits late.

Under concurrent PostgreSQL writers, sequence number 11 can become visible after 12. A consumer that
moved its cursor to 12 would never see 11. So the cursor keeps a low watermark (everything up to it is
handled), the numbers above it already handled, and the holes below them with when each was first seen.
A hole that stays open past the grace period belongs to a transaction that rolled back (or a statement
erased before it was read) and is passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CursorState:
    position: int = 0
    pending: set[int] = field(default_factory=set)
    gaps: dict[int, int] = field(default_factory=dict)  # seq -> first seen missing (microseconds)

    def unhandled(self, seqs: list[int]) -> list[int]:
        """Of sequence numbers read above the position, those not handled yet."""
        return [s for s in seqs if s > self.position and s not in self.pending]

    def advance(self, handled: list[int], now_us: int, grace_us: int) -> None:
        """Record handled numbers and move the low watermark as far as is safe."""
        self.pending.update(s for s in handled if s > self.position)
        if not self.pending:
            self.gaps.clear()
            return
        top = max(self.pending)
        seq = self.position + 1
        while seq <= top:
            if seq in self.pending:
                self.pending.discard(seq)
                self.gaps.pop(seq, None)
                self.position = seq
            else:
                first = self.gaps.setdefault(seq, now_us)
                if now_us - first < grace_us:
                    break
                self.gaps.pop(seq)
                self.position = seq
            seq += 1
        self.gaps = {s: t for s, t in self.gaps.items() if s > self.position}
