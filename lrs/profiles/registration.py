"""Which pattern run a statement belongs to (structure §9): its registration, and the subregistration
the statement gives for a profile version in the ``subregistration`` context extension.

The service keeps one pattern state per (registration, subregistration or None, profile); statements
without a registration follow no primary pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SUBREGISTRATION = "https://w3id.org/xapi/profiles/extensions/subregistration"
_UUID_V2 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)


def _context(statement: Mapping) -> Mapping:
    context = statement.get("context")
    return context if isinstance(context, dict) else {}


def subregistration_problems(statement: Mapping, profile_versions: Iterable[str] = ()) -> list[str]:
    """§9's rules on the subregistration extension; ``profile_versions`` are the versions in category."""
    context = _context(statement)
    value: Any = (context.get("extensions") or {}).get(SUBREGISTRATION)
    if value is None:
        return []
    problems = []
    if not context.get("registration"):
        problems.append("the subregistration extension is only allowed in statements with a registration")
    if not isinstance(value, list) or not value:
        return [*problems, "the subregistration extension must be a non-empty array"]
    known = set(profile_versions)
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("profile"), str):
            problems.append(f"subregistration[{i}] needs a 'profile'")
            continue
        if not _UUID_V2.match(str(entry.get("subregistration", ""))):
            problems.append(f"subregistration[{i}].subregistration must be a variant 2 UUID")
        if known and entry["profile"] not in known:
            problems.append(
                f"subregistration[{i}].profile {entry['profile']} is not in the category activities"
            )
    return problems


def pattern_scope(statement: Mapping, profile_version: str) -> tuple[str, str | None] | None:
    """(registration, subregistration or None) of the statement for one profile version, or None
    when the statement has no registration (then no primary pattern applies to it)."""
    context = _context(statement)
    registration = context.get("registration")
    if not registration:
        return None
    entries = (context.get("extensions") or {}).get(SUBREGISTRATION)
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and entry.get("profile") == profile_version:
            return registration, entry.get("subregistration")
    return registration, None
