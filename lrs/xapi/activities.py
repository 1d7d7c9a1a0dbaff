"""Canonical activity definitions built from the statements the LRS stores (Communication 2.5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

LANGUAGE_MAPS = ("name", "description")


def _activities(statement: dict) -> Iterator[dict]:
    def from_context(context: dict) -> Iterator[dict]:
        for value in context.get("contextActivities", {}).values():
            yield from value if isinstance(value, list) else [value]

    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        yield target
    elif kind == "SubStatement":
        if target["object"].get("objectType", "Activity") == "Activity":
            yield target["object"]
        yield from from_context(target.get("context", {}))
    yield from from_context(statement.get("context", {}))


def collect_definitions(statements: list[dict]) -> dict[str, dict]:
    """Every activity the statements mention, with the definitions they give merged in order."""
    found: dict[str, dict] = {}
    for statement in statements:
        for activity in _activities(statement):
            found[activity["id"]] = merge_definition(found.get(activity["id"], {}),
                                                     activity.get("definition", {}))
    return found


def merge_definition(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Update a definition: language maps gain or replace languages; other properties are replaced."""
    merged = dict(current)
    for key, value in update.items():
        if key in LANGUAGE_MAPS and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
