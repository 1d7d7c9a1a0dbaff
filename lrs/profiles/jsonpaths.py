"""JSONPath as the profiles spec allows it (structure §8.1), parsed here and evaluated by python-jsonpath.

The spec restricts Goessner's JSONPath: no filter or script expressions; inside brackets only strings,
non-negative integers, ``*`` and comma unions of these; and several paths may be joined with ``|``, the
result being all their values. ``path_problem`` checks a string against that grammar; ``compile_path``
turns an accepted string into a cached python-jsonpath query over a canonical bracketed form, so the
evaluation sees only what the grammar allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jsonpath

_NAME = re.compile(r"[^\s.\[\]|,'\"()?@$*]+")
_INT = re.compile(r"-?\d+")


class JSONPathSyntaxError(ValueError):
    pass


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
    while True:
        while i < len(text) and text[i] == " ":
            i += 1
        if i >= len(text):
            raise JSONPathSyntaxError("unterminated bracket")
        ch = text[i]
        if ch in "'\"":
            item, i = _string(text, i)
        elif ch == "*":
            item, i = "*", i + 1
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


def _segments(text: str) -> list[tuple[bool, list[Any]]]:
    """Parse one path (no pipes) into (descendant?, selectors) segments."""
    text = text.strip()
    if not text:
        raise JSONPathSyntaxError("empty path")
    i, out = 0, []
    if text[0] == "$":
        i = 1
    elif m := _NAME.match(text):  # relative path as in the spec's own example: "context.x"
        out.append((False, [m.group()]))
        i = m.end()
    while i < len(text):
        descendant = text.startswith("..", i)
        if text[i] == ".":
            i += 2 if descendant else 1
            if i < len(text) and text[i] == "*":
                out.append((descendant, ["*"]))
                i += 1
                continue
            if descendant and i < len(text) and text[i] == "[":
                items, i = _bracket(text, i + 1)
                out.append((True, items))
                continue
            m = _NAME.match(text, i)
            if not m:
                raise JSONPathSyntaxError(f"a member name is expected at position {i}")
            out.append((descendant, [m.group()]))
            i = m.end()
        elif text[i] == "[":
            items, i = _bracket(text, i + 1)
            out.append((False, items))
        else:
            raise JSONPathSyntaxError(f"unexpected '{text[i]}' at position {i}")
    return out


def _canonical(segments: list[tuple[bool, list[Any]]]) -> str:
    parts = ["$"]
    for descendant, items in segments:
        rendered = ", ".join("*" if s == "*" else json.dumps(s) if isinstance(s, str) else str(s) for s in items)
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


@lru_cache(maxsize=4096)
def compile_path(text: str) -> Callable[[Any], list[Any]]:
    """A function returning every value ``text`` selects in a JSON document (cached per string)."""
    return jsonpath.compile(canonical_path(text)).findall
