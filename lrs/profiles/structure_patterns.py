"""Structure rules for Patterns (structure §9): one kind per pattern, members that exist, member
counts, no optional/zeroOrMore directly inside alternates, labels on primary patterns, and no pattern
inside itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checker import S9, Checker, Scope, check_in_scheme, child, items
from .values import is_iri

KINDS = ("alternates", "optional", "oneOrMore", "sequence", "zeroOrMore")
_ARRAY_KINDS = ("alternates", "sequence")
_PATTERN_KEYS = ("id", "type", "primary", "inScheme", "prefLabel", "definition", "deprecated", *KINDS)


def members_of(pattern: Mapping) -> list[str]:
    """The ids a pattern refers to, whichever of the five kinds it is."""
    out: list[str] = []
    for kind in KINDS:
        value = pattern.get(kind)
        out.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
    return out


def check_patterns(doc: Mapping, scope: Scope, ck: Checker) -> None:
    used = {m for _, p in items(doc, "patterns") if isinstance(p, dict) for m in members_of(p)}
    for i, pattern in items(doc, "patterns"):
        path = f"$.patterns[{i}]"
        if not ck.object(pattern, path, S9, "a pattern"):
            continue
        ck.type_is(pattern, path, S9, ["Pattern"])
        ck.iri(pattern, "id", path, S9, required=True, uri=True)
        ck.boolean(pattern, "primary", path, S9)
        check_in_scheme(pattern, path, S9, scope, ck, required=False)
        ck.boolean(pattern, "deprecated", path, S9)
        primary = pattern.get("primary") is True
        for key in ("prefLabel", "definition"):
            ck.language_map(pattern, key, path, S9, required=primary, rule="pattern-primary-label")
        kinds = [k for k in KINDS if k in pattern]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            ck.error(
                path, "pattern-kind", S9, f"a pattern needs exactly one of {', '.join(KINDS)}; it has {found}"
            )
        for kind in kinds:
            _members(pattern, kind, path, primary and pattern.get("id") not in used, scope, ck)
        ck.unknown(pattern, _PATTERN_KEYS, path)
    _cycles(doc, scope, ck)


def _members(pattern: Mapping, kind: str, path: str, lone_primary: bool, scope: Scope, ck: Checker) -> None:
    value, kpath = pattern[kind], child(path, kind)
    if kind in _ARRAY_KINDS:
        if not isinstance(value, list):
            ck.error(kpath, "value-type", S9, f"'{kind}' must be an array of template or pattern ids")
            return
        refs: list[tuple[int | None, Any]] = list(enumerate(value))
    elif isinstance(value, str):
        refs = [(None, value)]
    else:
        ck.error(kpath, "value-type", S9, f"'{kind}' must be a single template or pattern id")
        return
    for j, ref in refs:
        _member(ref, kind, kpath if j is None else child(kpath, j), scope, ck)
    if kind == "alternates" and len(value) < 2:
        ck.error(kpath, "pattern-member-count", S9, "alternates needs at least two members")
    if kind == "sequence" and len(value) < 2:
        single_template = len(value) == 1 and value[0] in scope.templates
        if not (lone_primary and single_template):
            ck.error(
                kpath,
                "pattern-member-count",
                S9,
                "sequence needs at least two members, unless it is a "
                "primary pattern used nowhere else whose one member is a statement template",
            )


def _member(ref: object, kind: str, path: str, scope: Scope, ck: Checker) -> None:
    if not is_iri(ref):
        ck.error(path, "iri", S9, f"{ref!r} is not an absolute IRI")
        return
    assert isinstance(ref, str)
    if ref in scope.concepts:
        ck.error(path, "pattern-member", S9, f"{ref} is a concept, not a statement template or pattern")
    elif ref not in scope.templates and ref not in scope.patterns and ref not in scope.external:
        ck.error(path, "pattern-member", S9, f"{ref} is not a statement template or pattern of this profile")
    inner = scope.patterns.get(ref)
    if kind == "alternates" and inner is not None and ("optional" in inner or "zeroOrMore" in inner):
        ck.error(
            path,
            "pattern-alternates-optional",
            S9,
            "optional and zeroOrMore patterns must not be put directly inside alternates",
        )


def _cycles(doc: Mapping, scope: Scope, ck: Checker) -> None:
    """§9: no pattern may contain itself at any depth. Each pattern on a cycle is reported."""
    graph = {pid: [m for m in members_of(p) if m in scope.patterns] for pid, p in scope.patterns.items()}
    for i, pattern in items(doc, "patterns"):
        start = pattern.get("id") if isinstance(pattern, dict) else None
        if start not in graph:
            continue
        parent: dict[str, str] = {}
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(parent[chain[-1]])
                    loop = " -> ".join([start, *reversed(chain[:-1]), start])
                    ck.error(f"$.patterns[{i}]", "pattern-cycle", S9, f"the pattern contains itself: {loop}")
                    stack = []
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = node
                    stack.append(nxt)
