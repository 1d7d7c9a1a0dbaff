"""Pattern matching (structure §9, communication §2.2), incremental and with a JSON state.

Semantics. The spec's matching is greedy and never backtracks: ``optional``, ``zeroOrMore``,
``oneOrMore`` and ``alternates`` match as much as they can before anything later in a sequence is
tried; ``alternates`` takes the member that matches the longest run; a repetition stops at the first
attempt of its member that fails (the statements of that failed attempt go to what follows). Given the
statements so far, each primary pattern is:

* ``match``   -- the pattern matches all of them (it may still go on if more arrive);
* ``partial`` -- it does not match yet, but has not failed: more statements may complete it;
* ``failure`` -- no continuation can make it match (some statement broke it, or arrived after it ended).

``match`` and ``partial`` are judged as if the statements so far were all there is (an attempt still
waiting for statements fails at the end), which is where this matcher departs from the pseudocode of
communication §2.2 in two places: where the pseudocode answers ``success`` for a repetition whose last
attempt merely ran out of statements (``zeroOrMore(sequence[A, B])`` after ``A``) this answers
``partial``, an unfinished attempt not being a finished one; and where the pseudocode answers
``partial`` only because an attempt ran out although the statements match if they end there
(``sequence[optional(sequence[A, A, C]), B]`` after one statement matching A and B) this answers
``match``. Otherwise both agree (the tests compare them on random patterns and sequences).

Incremental state. ``PatternMatcher.advance(state, template_ids)`` feeds one statement (the ids of the
templates it matched) and returns the new state and the verdicts; ``evaluate(sequence)`` does the same
for a whole sequence at once. The state is plain JSON, meant for a database row per registration (and
subregistration, see ``registration``)::

    {"v": 1,
     "pos": 7,                                  # statements fed so far
     "base": 5, "buf": [["<template id>"], ...], # statements from position `base` on, kept while an
                                                 # undecided greedy choice may still need to re-read them
     "roots": {"<primary pattern id>": <attempt> | {"end": n} | "failure"}}

An attempt is the running match of one pattern or template that started at statement ``s``::

    {"t": "<template id>", "s": 4}                                   # waits for statement 4
    {"p": "<sequence id>", "s": 2, "i": 1, "c": <attempt>}           # at member i
    {"p": "<alternates id>", "s": 2, "c": [<attempt>|null, ...], "r": [null|-1|end, ...]}
    {"p": "<optional id>", "s": 2, "c": <attempt>}
    {"p": "<zeroOrMore/oneOrMore id>", "s": 2, "it": 3, "n": 1, "c": <attempt>}  # iteration n from `it`

Pattern ids change whenever a pattern's structure changes (§9), so a state stays meaningful across
profile versions that keep its patterns; a state naming a pattern the matcher does not know raises
``PatternStateError``. Buffered statements are usually few: a repetition of single templates keeps none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from .errors import PatternStateError
from .structure_patterns import KINDS

STATE_VERSION = 1
FAIL = -1


class Verdict(StrEnum):
    MATCH = "match"
    PARTIAL = "partial"
    FAILURE = "failure"


@dataclass(frozen=True)
class _Node:
    kind: str  # one of KINDS
    members: tuple[str, ...]


def _node(pattern: Mapping) -> _Node:
    for kind in KINDS:
        if kind in pattern:
            value = pattern[kind]
            return _Node(kind, tuple(value) if isinstance(value, list) else (value,))
    raise ValueError(f"pattern {pattern.get('id')} has none of {', '.join(KINDS)}")


class _Run:
    """One call's view of the buffer: statements [base, limit) and whether the input has ended."""

    def __init__(self, nodes: Mapping[str, _Node], state: dict, eof: bool) -> None:
        self.nodes, self.base, self.buf = nodes, state["base"], state["buf"]
        self.limit, self.eof = state["pos"], eof

    def new(self, ident: str, start: int) -> dict:
        node = self.nodes.get(ident)
        if node is None:
            return {"t": ident, "s": start}
        if node.kind == "alternates":
            return {
                "p": ident,
                "s": start,
                "c": [self.new(m, start) for m in node.members],
                "r": [None] * len(node.members),
            }
        if node.kind in ("zeroOrMore", "oneOrMore"):
            return {"p": ident, "s": start, "it": start, "n": 0, "c": self.new(node.members[0], start)}
        attempt = {"p": ident, "s": start, "c": self.new(node.members[0], start)}
        if node.kind == "sequence":
            attempt["i"] = 0
        return attempt

    def run(self, a: dict) -> int | None:
        """Advance an attempt over the available statements: None (undecided), FAIL, or its end."""
        if "t" in a:
            s = a["s"]
            if s < self.base:
                raise PatternStateError(f"the state no longer holds statement {s} (it starts at {self.base})")
            if s < self.limit:
                return s + 1 if a["t"] in self.buf[s - self.base] else FAIL
            return FAIL if self.eof else None
        node = self.nodes.get(a["p"])
        if node is None:
            raise PatternStateError(f"the state names pattern {a['p']}, which this matcher does not have")
        return getattr(self, "_" + node.kind)(a, node)

    def _sequence(self, a: dict, node: _Node) -> int | None:
        while True:
            r = self.run(a["c"])
            if r is None or r == FAIL:
                return r
            a["i"] += 1
            if a["i"] == len(node.members):
                return r
            a["c"] = self.new(node.members[a["i"]], r)

    def _alternates(self, a: dict, node: _Node) -> int | None:
        for k, child in enumerate(a["c"]):
            if child is not None:
                r = self.run(child)
                if r is not None:
                    a["r"][k], a["c"][k] = r, None
        if any(child is not None for child in a["c"]):
            return None
        return max(a["r"])  # the longest success, or FAIL when every member failed

    def _optional(self, a: dict, node: _Node) -> int | None:
        r = self.run(a["c"])
        return a["s"] if r == FAIL else r

    def _zeroOrMore(self, a: dict, node: _Node) -> int | None:  # noqa: N802 - named after the spec
        return self._repeat(a, node, minimum=0)

    def _oneOrMore(self, a: dict, node: _Node) -> int | None:  # noqa: N802
        return self._repeat(a, node, minimum=1)

    def _repeat(self, a: dict, node: _Node, minimum: int) -> int | None:
        while True:
            r = self.run(a["c"])
            if r is None:
                return None
            if r == FAIL or r == a["it"]:  # the attempt failed, or matched nothing: stop here
                return FAIL if r == FAIL and a["n"] < minimum else a["it"]
            a["it"], a["n"] = r, a["n"] + 1
            a["c"] = self.new(node.members[0], r)


def _copy(data: Any) -> Any:
    """A deep copy of plain JSON data (several times faster than copy.deepcopy)."""
    return orjson.loads(orjson.dumps(data))


def _floor(a: dict, nodes: Mapping[str, _Node]) -> int:
    """The earliest statement an attempt may still read or end at (what the buffer must keep)."""
    if "t" in a:
        return a["s"]
    kind = nodes[a["p"]].kind
    if kind == "sequence":
        return _floor(a["c"], nodes)
    if kind == "alternates":
        ends = [r for r in a["r"] if r is not None and r >= 0]
        return min([*ends, *(_floor(c, nodes) for c in a["c"] if c is not None)])
    if kind == "optional":
        return a["s"]
    return a["it"]


class PatternMatcher:
    """The primary patterns of one profile, ready to follow statement sequences.

    ``external`` maps ids of patterns re-used from other profiles (§9) to their pattern objects. Feed
    each statement as the ids of all the templates it matched (of any profile: re-used templates count).
    A profile without primary patterns has nothing to follow (``primary`` is empty, the verdicts too).
    """

    def __init__(self, profile: Mapping, external: Mapping[str, Mapping] | None = None) -> None:
        patterns = [*profile.get("patterns", ()), *(external or {}).values()]
        self.nodes = {p["id"]: _node(p) for p in patterns}
        self.primary = tuple(p["id"] for p in profile.get("patterns", ()) if p.get("primary") is True)
        self.templates = frozenset(m for n in self.nodes.values() for m in n.members if m not in self.nodes)

    def start(self) -> dict:
        """The state before any statement."""
        state: dict[str, Any] = {"v": STATE_VERSION, "pos": 0, "base": 0, "buf": [], "roots": {}}
        run = _Run(self.nodes, state, eof=False)
        state["roots"] = {pid: run.new(pid, 0) for pid in self.primary}
        return state

    def advance(self, state: Mapping, template_ids: Iterable[str]) -> tuple[dict, dict[str, Verdict]]:
        """Feed one statement; returns a new state (the given one is not changed) and the verdicts."""
        return self.advance_many(state, [template_ids])

    def advance_many(
        self, state: Mapping, sequence: Iterable[Iterable[str]]
    ) -> tuple[dict, dict[str, Verdict]]:
        """Feed several statements in order (a batch, ordered as communication §2.2 says)."""
        new = self._load(state)
        for template_ids in sequence:
            new["buf"].append(sorted(self.templates.intersection(template_ids)))
            new["pos"] += 1
        self._run(new)
        return new, self.verdicts(new)

    def evaluate(self, sequence: Sequence[Iterable[str]]) -> dict[str, Verdict]:
        """The verdicts for a whole sequence of statements, each given as its matched template ids."""
        return self.advance_many(self.start(), sequence)[1]

    def verdicts(self, state: Mapping) -> dict[str, Verdict]:
        out = {}
        for pid, root in state["roots"].items():
            if root == "failure":
                out[pid] = Verdict.FAILURE
            elif "end" in root:
                out[pid] = Verdict.MATCH if root["end"] == state["pos"] else Verdict.FAILURE
            else:
                probe = _copy(root)
                end = _Run(self.nodes, dict(state), eof=True).run(probe)
                out[pid] = Verdict.MATCH if end == state["pos"] else Verdict.PARTIAL
        return out

    @staticmethod
    def follows(verdicts: Mapping[str, Verdict]) -> Verdict:
        """communication §2.2 ``follows``: the best verdict over the primary patterns."""
        for verdict in (Verdict.MATCH, Verdict.PARTIAL):
            if verdict in verdicts.values():
                return verdict
        return Verdict.FAILURE

    def _load(self, state: Mapping) -> dict:
        if state.get("v") != STATE_VERSION:
            raise PatternStateError(f"unknown pattern state version {state.get('v')!r}")
        unknown = set(state["roots"]) - set(self.primary)
        if unknown:
            raise PatternStateError(
                f"the state follows patterns this profile does not have: {sorted(unknown)}"
            )
        return _copy(state)

    def _run(self, state: dict) -> None:
        run = _Run(self.nodes, state, eof=False)
        for pid, root in state["roots"].items():
            if root == "failure" or "end" in root:
                if root != "failure" and root["end"] < state["pos"]:
                    state["roots"][pid] = "failure"  # a statement arrived after the pattern ended
                continue
            r = run.run(root)
            if r is not None:
                state["roots"][pid] = "failure" if r == FAIL or r < state["pos"] else {"end": r}
        live = [_floor(r, self.nodes) for r in state["roots"].values() if r != "failure" and "end" not in r]
        base = min(live, default=state["pos"])
        del state["buf"][: base - state["base"]]
        state["base"] = base
