"""Certification cycles: earned, renewed, expired, computed from the evidence of their requirements.

Plain functions. A certification has requirements (each a goal rule), needs all of them or N of them,
is valid for a number of months from when it was earned (or forever), and can be renewed within a window
before it expires by meeting the requirements again with newer statements. The history of a person's
certification is a pure function of the requirements' evidence and the current time, so rebuilding from
the log gives the same history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrs.progress.rules import Evidence, Rule, RuleError, achieved_at, parse_rule

DAY_US = 86_400_000_000
MONTH_US = 30 * DAY_US


@dataclass(frozen=True)
class Requirements:
    rules: tuple[Rule, ...]
    titles: tuple[str, ...]
    needed: int  # how many must be met (all, or N of them)
    validity_months: int | None
    renewal_days: int


@dataclass(frozen=True)
class CycleEvent:
    kind: str  # earned | renewed | expired
    at_us: int
    expires_us: int | None


def parse_requirements(data: Any, path: str = "$") -> Requirements:
    """{"requirements": [{"title", "rule"}...], "mode": "all" | "n_of", "n", "validity_months", "renewal_days"}."""
    if not isinstance(data, dict):
        raise RuleError("must be a JSON object", path)
    items = data.get("requirements")
    if not isinstance(items, list) or not items:
        raise RuleError("requirements must be a non-empty array", f"{path}.requirements")
    rules, titles = [], []
    for index, item in enumerate(items):
        where = f"{path}.requirements[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not item["title"].strip():
            raise RuleError("each requirement needs a title and a rule", f"{where}.title")
        rules.append(parse_rule(item.get("rule"), f"{where}.rule"))
        titles.append(item["title"].strip())
    mode = data.get("mode", "all")
    if mode == "all":
        needed = len(rules)
    elif mode == "n_of":
        needed = data.get("n")
        if isinstance(needed, bool) or not isinstance(needed, int) or not 1 <= needed <= len(rules):
            raise RuleError(f"n must be a whole number from 1 to {len(rules)}", f"{path}.n")
    else:
        raise RuleError("mode must be all or n_of", f"{path}.mode")
    validity = data.get("validity_months")
    wrong = isinstance(validity, bool) or not isinstance(validity, int) or not 1 <= validity <= 600
    if validity is not None and wrong:
        raise RuleError("validity_months must be a whole number from 1 to 600, or null for no expiry",
                        f"{path}.validity_months")
    renewal = data.get("renewal_days", 90)
    if isinstance(renewal, bool) or not isinstance(renewal, int) or not 0 <= renewal <= 3650:
        raise RuleError("renewal_days must be a whole number from 0 to 3650", f"{path}.renewal_days")
    return Requirements(tuple(rules), tuple(titles), needed, validity, renewal)


def _met_at(requirements: Requirements, evidence: list[list[Evidence]], since_us: int) -> int | None:
    """When the requirements were met using only statements from ``since_us`` on (None: not met)."""
    times = []
    for rule, items in zip(requirements.rules, evidence, strict=True):
        moment = achieved_at(rule, [e for e in items if e.timestamp_us >= since_us])
        if moment is not None:
            times.append(moment)
    if len(times) < requirements.needed:
        return None
    return sorted(times)[requirements.needed - 1]


def cycles(requirements: Requirements, evidence: list[list[Evidence]], now_us: int) -> list[CycleEvent]:
    """The certification's history up to ``now_us``: each earning, renewal and expiry, in order."""
    validity = requirements.validity_months * MONTH_US if requirements.validity_months else None
    window = requirements.renewal_days * DAY_US
    events: list[CycleEvent] = []
    since = -(2 ** 62)
    while True:
        met = _met_at(requirements, evidence, since)
        current = events[-1] if events else None
        active = current is not None and current.kind != "expired"
        if active and current.expires_us is not None and (met is None or met > current.expires_us):
            if current.expires_us > now_us:
                return events
            events.append(CycleEvent("expired", current.expires_us, None))
            since = current.expires_us
            continue
        if met is None or met > now_us:
            return events
        kind = "renewed" if active else "earned"
        expires = met + validity if validity else None
        events.append(CycleEvent(kind, met, expires))
        if expires is None:
            return events
        since = max(expires - window, met + 1)


def status(events: list[CycleEvent], requirements: Requirements, now_us: int, revoked: bool) -> str:
    if revoked:
        return "revoked"
    if not events:
        return "not_earned"
    last = events[-1]
    if last.kind == "expired":
        return "expired"
    if last.expires_us is not None and now_us >= last.expires_us - requirements.renewal_days * DAY_US:
        return "expiring"
    return "active"
