"""Two independent evaluators the pattern tests compare the incremental matcher with.

``greedy_end`` is the greedy, no-backtracking matching of communication §2.2 on a complete sequence,
written as plainly as possible. ``spec_matches`` is the pseudocode of communication §2.2 transcribed
line by line, with one fix: a zeroOrMore whose member ran out of statements answers partial (the
pseudocode falls through to success there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Nodes = Mapping[str, tuple[str, tuple[str, ...]]]  # pattern id -> (kind, members); other ids are templates


def greedy_end(nodes: Nodes, element: str, seq: Sequence[frozenset], i: int) -> int | None:
    """Where ``element`` stops matching from statement ``i`` (None: it fails)."""
    if element not in nodes:
        return i + 1 if i < len(seq) and element in seq[i] else None
    kind, members = nodes[element]
    if kind == "sequence":
        for member in members:
            i = greedy_end(nodes, member, seq, i)
            if i is None:
                return None
        return i
    if kind == "alternates":
        ends = [e for e in (greedy_end(nodes, m, seq, i) for m in members) if e is not None]
        return max(ends) if ends else None
    if kind == "optional":
        end = greedy_end(nodes, members[0], seq, i)
        return i if end is None else end
    if kind == "oneOrMore":
        end = greedy_end(nodes, members[0], seq, i)
        if end is None:
            return None
        if end == i:
            return i
        i = end
    while True:  # zeroOrMore, and oneOrMore after its first match
        end = greedy_end(nodes, members[0], seq, i)
        if end is None or end == i:
            return i
        i = end


def spec_matches(nodes: Nodes, element: str, statements: Sequence[frozenset]) -> tuple[str, Sequence]:
    if element not in nodes:
        if not statements:
            return "partial", []
        if element in statements[0]:
            return "success", statements[1:]
        return "failure", statements
    kind, members = nodes[element]
    if kind == "sequence":
        nxt = statements
        for member in members:
            outcome, nxt = spec_matches(nodes, member, nxt)
            if outcome == "failure":
                return "failure", statements
            if outcome == "partial":
                return "partial", []
        return "success", nxt
    if kind == "alternates":
        best, best_rest = "failure", statements
        for member in members:
            outcome, rest = spec_matches(nodes, member, statements)
            if outcome == "success":
                if best != "success" or len(rest) < len(best_rest):
                    best_rest = rest
                best = "success"
            if outcome == "partial" and best == "failure":
                best = "partial"
        return (best, []) if best == "partial" else (best, best_rest)
    if kind == "oneOrMore":
        found, last = "failure", statements
        while True:
            outcome, nxt = spec_matches(nodes, members[0], last)
            if outcome == "success":
                found = "success"
            elif found == "failure" and outcome == "partial":
                return "partial", []
            else:
                if outcome == "partial" and last:
                    return "partial", last
                return found, last
            if len(nxt) == len(last):
                return "success", nxt
            last = nxt
    if kind == "zeroOrMore":
        last = statements
        while True:
            outcome, nxt = spec_matches(nodes, members[0], last)
            if outcome == "failure":
                return "success", last
            if outcome == "partial" and (nxt or last):  # the fix: `or last`
                return "partial", nxt
            if len(nxt) == len(last):
                return "success", nxt
            last = nxt
    # optional
    if not statements:
        return "success", []
    outcome, rest = spec_matches(nodes, members[0], statements)
    if outcome in ("success", "partial"):
        return outcome, rest
    return "success", statements
