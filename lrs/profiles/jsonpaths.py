"""JSONPath as the profiles spec allows it (structure §8.1): parsed and evaluated here.

The spec restricts Goessner's JSONPath: no filter or script expressions; inside brackets only strings,
non-negative integers, ``*`` and comma unions of these; and several paths may be joined with ``|``, the
result being all their values. ``path_problem`` checks a string against that grammar and also has
python-jsonpath compile its canonical bracketed form (``canonical_path``), so nothing is accepted that
the library would refuse.

``compile_path`` returns a cached function giving every value a path selects. It walks the parsed
segments itself rather than calling python-jsonpath's ``findall``: that builds match objects and
normalised paths for every node (15 to 40 microseconds a path, most of the cost of checking a statement)
and parses any *string* it is given as JSON, which a selector applied to a string value must not do.
The values are those python-jsonpath finds on the same document; the tests compare both on every path
of the five profiles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

import jsonpath

_NAME = re.compile(r"[^\s.\[\]|,'\"()?@$*]+")
_INT = re.compile(r"-?\d+")


class JSONPathSyntaxError(ValueError):
    pass


class _Name(str):
    """A member name (as opposed to the wildcard)."""

    __slots__ = ()


class _Wildcard:
    """``*``, in brackets or after a dot (a member literally named "*" is a _Name)."""

    def __repr__(self) -> str:
        return "*"


WILDCARD = _Wildcard()
Segment = tuple[bool, list[Any]]  # (descendant?, selectors: _Name, int or WILDCARD)


def _string(text: str, i: int) -> tuple[str, int]:
    quote, out, i = text[i], [], i + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise JSONPathSyntaxError("unterminated string")


def _bracket(text: str, i: int) -> tuple[list[Any], int]:
    """Parse ``[item, item]`` starting after the ``[``; items are str, int or '*'."""
    items: list[Any] = []
    item: Any
    while True:
        while i < len(text) and text[i] == " ":
            i += 1
        if i >= len(text):
            raise JSONPathSyntaxError("unterminated bracket")
        ch = text[i]
        if ch in "'\"":
            name, i = _string(text, i)
            item = _Name(name)
        elif ch == "*":
            item, i = WILDCARD, i + 1
        elif ch in "?(":
            raise JSONPathSyntaxError("filter and script expressions are not allowed")
        elif m := _INT.match(text, i):
            if m.group().startswith("-"):
                raise JSONPathSyntaxError("array indexes must be non-negative")
            item, i = int(m.group()), m.end()
        else:
            raise JSONPathSyntaxError(f"'{ch}' is not allowed in a bracket expression")
        items.append(item)
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        if i < len(text) and text[i] == "]":
            return items, i + 1
        raise JSONPathSyntaxError("slices and other operators are not allowed in brackets")


def _segments(text: str) -> list[Segment]:
    """Parse one path (no pipes) into (descendant?, selectors) segments."""
    text = text.strip()
    if not text:
        raise JSONPathSyntaxError("empty path")
    i = 0
    out: list[Segment] = []
    if text[0] == "$":
        i = 1
    elif m := _NAME.match(text):  # relative path as in the spec's own example: "context.x"
        out.append((False, [_Name(m.group())]))
        i = m.end()
    while i < len(text):
        descendant = text.startswith("..", i)
        if text[i] == ".":
            i += 2 if descendant else 1
            if i < len(text) and text[i] == "*":
                out.append((descendant, [WILDCARD]))
                i += 1
                continue
            if descendant and i < len(text) and text[i] == "[":
                items, i = _bracket(text, i + 1)
                out.append((True, items))
                continue
            m = _NAME.match(text, i)
            if not m:
                raise JSONPathSyntaxError(f"a member name is expected at position {i}")
            out.append((descendant, [_Name(m.group())]))
            i = m.end()
        elif text[i] == "[":
            items, i = _bracket(text, i + 1)
            out.append((False, items))
        else:
            raise JSONPathSyntaxError(f"unexpected '{text[i]}' at position {i}")
    return out


def _canonical(segments: list[Segment]) -> str:
    parts = ["$"]
    for descendant, items in segments:
        rendered = ", ".join(
            json.dumps(str(s)) if isinstance(s, _Name) else "*" if s is WILDCARD else str(s) for s in items
        )
        parts.append(("..[" if descendant else "[") + rendered + "]")
    return "".join(parts)


def _split_pipes(text: str) -> list[str]:
    """Split on the ``|`` operator, leaving pipes inside quoted member names alone."""
    parts, start, quote, i = [], 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "|":
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def canonical_path(text: str) -> str:
    """The canonical bracketed form of a spec JSONPath; raises JSONPathSyntaxError when it is not one."""
    if not isinstance(text, str):
        raise JSONPathSyntaxError("a JSONPath must be a string")
    return " | ".join(_canonical(_segments(part)) for part in _split_pipes(text))


def path_problem(text: Any) -> str | None:
    """Why ``text`` is not a JSONPath the spec allows, or None."""
    try:
        jsonpath.compile(canonical_path(text))
    except (JSONPathSyntaxError, jsonpath.JSONPathError) as exc:
        return str(exc).splitlines()[0]
    return None


def _children(node: Any) -> Any:
    if isinstance(node, dict):
        return node.values()
    return node if isinstance(node, list) else ()


def _select(node: Any, items: list[Any], out: list[Any]) -> None:
    for item in items:
        if item is WILDCARD:
            out.extend(_children(node))
        elif isinstance(item, _Name):
            if isinstance(node, dict) and item in node:
                out.append(node[item])
        elif isinstance(node, list):
            if item < len(node):
                out.append(node[item])
        elif isinstance(node, dict) and str(item) in node:  # Goessner: obj[0] is obj["0"]
            out.append(node[str(item)])


def _descend(node: Any, items: list[Any], out: list[Any]) -> None:
    _select(node, items, out)
    for inner in _children(node):
        _descend(inner, items, out)


def _find(paths: list[list[Segment]], document: Any) -> list[Any]:
    found: list[Any] = []
    for segments in paths:
        nodes = [document]
        for descendant, items in segments:
            step: list[Any] = []
            for node in nodes:
                (_descend if descendant else _select)(node, items, step)
            nodes = step
        found.extend(nodes)
    return found


def _find_member(names: tuple[str, ...], document: Any) -> list[Any]:
    """The common case, a chain of member names (``$.result.extensions['...']``)."""
    for name in names:
        if not isinstance(document, dict) or name not in document:
            return []
        document = document[name]
    return [document]


@lru_cache(maxsize=4096)
def compile_path(text: str) -> Callable[[Any], list[Any]]:
    """A function returning every value ``text`` selects in a JSON document (cached per string).

    Raises JSONPathSyntaxError for a string the spec does not allow (validate profiles first)."""
    paths = [_segments(part) for part in _split_pipes(text)]
    if len(paths) == 1 and all(not d and len(s) == 1 and isinstance(s[0], _Name) for d, s in paths[0]):
        return partial(_find_member, tuple(str(items[0]) for _, items in paths[0]))
    return partial(_find, paths)
