"""Locations and JSONPath queries: where a value sits (in the mapping, the payload or a statement).

A location is a tuple of member names and array indexes; ``text`` writes it the way the xAPI validator
names paths (``$.actor.mbox``, ``$.definition.name['en-US']``, ``$.choices[0]``), so that the paths a
mapping reports, the paths the validator reports and the payload paths an event error names all look
alike. A ``Query`` is a JSONPath of the mapping compiled with python-jsonpath: ``$...`` reads the
payload, ``@...`` the current item of a ``$each``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jsonpath

from lrs.plugin_host.base import EventError, PluginConfigError
from lrs.xapi.validation import member

Loc = tuple[str | int, ...]


def text(loc: Loc, root: str = "$") -> str:
    out = root
    for part in loc:
        out = f"{out}[{part}]" if isinstance(part, int) else member(out, part)
    return out


def under(path: str, prefix: str) -> bool:
    """Is ``path`` the value at ``prefix`` or inside it?"""
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def longest_prefix(path: str, known: dict[str, Any]) -> str | None:
    found = None
    for candidate in known:
        if under(path, candidate) and (found is None or len(candidate) > len(found)):
            found = candidate
    return found


def short(where: str) -> str:
    """A mapping path without the ``options.mapping.`` in front, for messages."""
    return where.removeprefix("options.mapping.")


@dataclass
class Scope:
    """What a template is rendered against: the payload, and the item of the innermost ``$each``."""

    root: Any
    homepage: str = ""
    item: Any = None
    item_loc: Loc = ()
    # statement location (text) -> payload location (text) of the value it came from
    trace: dict[str, str] = field(default_factory=dict)

    def within(self, item: Any, item_loc: Loc) -> Scope:
        return Scope(self.root, self.homepage, item, item_loc, self.trace)


@dataclass(frozen=True)
class Query:
    source: str  # as written in the mapping
    relative: bool  # "@..." (the item of a $each) rather than "$..." (the payload)
    compiled: Any  # jsonpath.JSONPath or jsonpath.CompoundJSONPath
    whole: bool  # just "$" or "@"

    def find(self, scope: Scope) -> Iterator[tuple[Any, Loc]]:
        """Every value the query selects, with its location in the payload."""
        document, base = (scope.item, scope.item_loc) if self.relative else (scope.root, ())
        if self.whole or not isinstance(document, dict | list):
            # python-jsonpath would parse a string document as JSON: a scalar has no members to select.
            if self.whole:
                yield document, base
            return
        try:
            for match in self.compiled.finditer(document):
                yield match.obj, base + tuple(match.parts)
        except jsonpath.JSONPathError as exc:
            raise EventError(f"{self.source} cannot be evaluated on this payload: {first_line(exc)}",
                             text(base)) from exc

    def where_missing(self, scope: Scope) -> str:
        """The payload path to name when the query selects nothing."""
        return text(scope.item_loc) + self.source[1:] if self.relative else self.source


def first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def compile_query(source: Any, where: str, *, relative_ok: bool) -> Query:
    if not isinstance(source, str) or not source.strip():
        raise PluginConfigError("a JSONPath (a string starting with $) is expected here", where)
    query = source.strip()
    if query.startswith("@"):
        if not relative_ok:
            raise PluginConfigError(f"{query!r} starts with @, which only means something inside a $each "
                                    "template (the current item); start with $ to read the payload", where)
        body = "$" + query[1:]
    elif query.startswith("$"):
        body = query
    else:
        raise PluginConfigError(f"{query!r} is not a JSONPath: start it with $ (the payload), e.g. $.{query}",
                                where)
    try:
        compiled = jsonpath.compile(body)
    except jsonpath.JSONPathError as exc:
        raise PluginConfigError(f"{query!r} is not a valid JSONPath: {first_line(exc)}", where) from exc
    return Query(query, query.startswith("@"), compiled, body == "$")
