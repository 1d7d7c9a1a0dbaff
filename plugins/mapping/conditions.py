"""The ``match`` of a rule (and the test of ``$when``): JSONPaths of the payload and what they must hold.

``{"$.event": "quiz.answered", "$.data.answer": {"exists": true}}`` holds when every entry does. An
entry's value is a literal (string, number, boolean, null: one selected value equals it, booleans and
numbers never equal to each other) or an object with one operator:

- ``{"equals": value}``: one selected value equals it (any JSON value);
- ``{"in": [v1, v2]}``: one selected value equals one of them;
- ``{"exists": true}`` / ``{"exists": false}``: the path selects a value that is not null / selects none;
- ``{"matches": "regex"}``: one selected string matches the regular expression (Python ``re.search``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from lrs.plugin_host.base import EventError, PluginConfigError
from lrs.xapi.validation import member, type_name
from plugins.mapping.paths import Query, Scope, compile_query

log = logging.getLogger(__name__)
OPERATORS = ("equals", "in", "exists", "matches")


def same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    numbers = isinstance(a, int | float) and isinstance(b, int | float)
    return (numbers or type(a) is type(b)) and a == b


@dataclass(frozen=True)
class Condition:
    query: Query
    operator: str
    expected: Any

    def holds(self, scope: Scope) -> bool:
        try:
            found = [value for value, _ in self.query.find(scope)]
        except EventError as exc:  # a filter that cannot run on this payload selects nothing
            log.debug("condition %s: %s", self.query.source, exc.detail)
            found = []
        if self.operator == "exists":
            return any(value is not None for value in found) == self.expected
        if self.operator == "equals":
            return any(same(value, self.expected) for value in found)
        if self.operator == "in":
            return any(same(value, wanted) for value in found for wanted in self.expected)
        return any(isinstance(value, str) and self.expected.search(value) for value in found)


def compile_conditions(raw: Any, where: str, *, relative_ok: bool = False) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise PluginConfigError("a match is an object: each key a JSONPath of the payload, each value what "
                                "it must hold", where)
    return tuple(_condition(path, test, member(where, path), relative_ok) for path, test in raw.items())


def _condition(path: str, test: Any, where: str, relative_ok: bool) -> Condition:
    query = compile_query(path, where, relative_ok=relative_ok)
    if isinstance(test, list):
        raise PluginConfigError('an array is not a value to compare with: write {"in": [...]} for one of '
                                'several values, or {"equals": [...]} for the array itself', where)
    if not isinstance(test, dict):
        return Condition(query, "equals", test)
    if len(test) != 1:
        raise PluginConfigError(f"a condition has one operator ({', '.join(OPERATORS)}); this one has "
                                f"{len(test)}: write {{\"equals\": {{...}}}} to compare with an object",
                                where)
    operator, expected = next(iter(test.items()))
    at = member(where, operator)
    if operator not in OPERATORS:
        raise PluginConfigError(f"unknown condition {operator!r}; the conditions are {', '.join(OPERATORS)}",
                                at)
    if operator == "exists" and not isinstance(expected, bool):
        raise PluginConfigError(f"exists takes true or false, not {type_name(expected)}", at)
    if operator == "in" and not (isinstance(expected, list) and expected):
        raise PluginConfigError("in takes a non-empty array of values", at)
    if operator == "matches":
        if not isinstance(expected, str):
            raise PluginConfigError("matches takes a regular expression (a string), not "
                                    f"{type_name(expected)}", at)
        try:
            expected = re.compile(expected)
        except re.error as exc:
            raise PluginConfigError(f"{test['matches']!r} is not a valid regular expression: {exc}",
                                    at) from exc
    return Condition(query, operator, expected)
