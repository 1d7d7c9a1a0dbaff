"""Goal rules: which statements count, and how they add up. Plain data in, plain data out.

A rule is JSON:

    {
      "match": {                        # every given condition must hold (all optional)
        "verbs": [IRI, ...],            # the statement's verb is one of these
        "activities": [IRI, ...],       # its object is one of these activities
        "activity_types": [IRI, ...],   # its object's definition.type is one of these
        "templates": [IRI, ...],        # it matches one of these profile statement templates
        "registration": UUID,           # context.registration
        "success": true|false,          # result.success
        "completion": true|false,       # result.completion
        "min_scaled": number            # result.score.scaled >= this
      },
      "measure": {"kind": "count", "target": N}                 # at least N statements
              | {"kind": "distinct_activities", "target": N}    # N different activities
              | {"kind": "duration", "target": "PT10H"}         # total result.duration
              | {"kind": "all_activities", "activities": [IRI, ...]}
              | {"kind": "pattern", "pattern": IRI}             # a profile pattern completed in a registration
    }

A pattern goal counts the person's statements in registrations whose state in that primary pattern of a
profile is "match" (the pattern completed); it is achieved when the first such registration completed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lrs.errors import DomainError
from lrs.xapi import formats

MATCH_KEYS = frozenset({"verbs", "activities", "activity_types", "templates", "registration", "success",
                        "completion", "min_scaled"})
MEASURES = ("count", "distinct_activities", "duration", "all_activities", "pattern")
_DURATION_PARTS = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


class RuleError(DomainError):
    pass


def duration_seconds(text: str | None) -> float:
    """Seconds in an ISO 8601 duration (years as 365 days, months as 30): 0 when absent or unreadable."""
    if not text:
        return 0.0
    match = _DURATION_PARTS.match(text.replace(",", "."))
    if not match:
        return 0.0
    part = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    days = part["y"] * 365 + part["mo"] * 30 + part["w"] * 7 + part["d"]
    return days * 86400 + part["h"] * 3600 + part["mi"] * 60 + part["s"]


@dataclass(frozen=True)
class Rule:
    verbs: frozenset[str] = frozenset()
    activities: frozenset[str] = frozenset()
    activity_types: frozenset[str] = frozenset()
    templates: frozenset[str] = frozenset()
    registration: str | None = None
    success: bool | None = None
    completion: bool | None = None
    min_scaled: float | None = None
    measure: str = "count"
    target: float = 1
    required_activities: tuple[str, ...] = ()
    pattern: str | None = None

    def to_json(self) -> dict:
        match: dict[str, Any] = {}
        for key in ("verbs", "activities", "activity_types", "templates"):
            if getattr(self, key):
                match[key] = sorted(getattr(self, key))
        for key in ("registration", "success", "completion", "min_scaled"):
            if getattr(self, key) is not None:
                match[key] = getattr(self, key)
        measure: dict[str, Any] = {"kind": self.measure}
        if self.measure in ("count", "distinct_activities"):
            measure["target"] = int(self.target)
        elif self.measure == "duration":
            measure["target"] = f"PT{int(self.target)}S"
        elif self.measure == "pattern":
            measure["pattern"] = self.pattern
        else:
            measure["activities"] = list(self.required_activities)
        return {"match": match, "measure": measure}


def _iris(value: Any, path: str) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise RuleError("must be a non-empty array of IRIs", path)
    for index, item in enumerate(value):
        if not formats.is_iri(item):
            raise RuleError(f"{item!r} is not an IRI", f"{path}[{index}]")
    return frozenset(value)


def parse_rule(data: Any, path: str = "$.rule") -> Rule:
    """Check a rule's JSON and build a Rule; raises RuleError naming the path of the first problem."""
    if not isinstance(data, dict):
        raise RuleError("a rule must be a JSON object with 'match' and 'measure'", path)
    unknown = set(data) - {"match", "measure"}
    if unknown:
        raise RuleError(f"unknown property {sorted(unknown)[0]!r}", f"{path}.{sorted(unknown)[0]}")
    match = data.get("match", {})
    if not isinstance(match, dict):
        raise RuleError("must be a JSON object", f"{path}.match")
    for key in match:
        if key not in MATCH_KEYS:
            raise RuleError(f"unknown condition {key!r}; conditions are {', '.join(sorted(MATCH_KEYS))}",
                            f"{path}.match.{key}")
    fields: dict[str, Any] = {}
    for key in ("verbs", "activities", "activity_types", "templates"):
        if key in match:
            fields[key] = _iris(match[key], f"{path}.match.{key}")
    if "registration" in match:
        if not formats.is_uuid(match["registration"]):
            raise RuleError("must be a UUID", f"{path}.match.registration")
        fields["registration"] = match["registration"].lower()
    for key in ("success", "completion"):
        if key in match:
            if not isinstance(match[key], bool):
                raise RuleError("must be true or false", f"{path}.match.{key}")
            fields[key] = match[key]
    if "min_scaled" in match:
        value = match["min_scaled"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
            raise RuleError("must be a number between -1 and 1", f"{path}.match.min_scaled")
        fields["min_scaled"] = float(value)
    fields.update(_measure(data.get("measure"), f"{path}.measure"))
    return Rule(**fields)


def _measure(measure: Any, path: str) -> dict[str, Any]:
    if not isinstance(measure, dict) or "kind" not in measure:
        raise RuleError(f"must be an object with a 'kind', one of {', '.join(MEASURES)}", path)
    kind = measure["kind"]
    allowed = {"count": {"kind", "target"}, "distinct_activities": {"kind", "target"},
               "duration": {"kind", "target"}, "all_activities": {"kind", "activities"},
               "pattern": {"kind", "pattern"}}.get(kind)
    if allowed is None:
        raise RuleError(f"kind must be one of {', '.join(MEASURES)}, not {kind!r}", f"{path}.kind")
    extra = set(measure) - allowed
    if extra:
        raise RuleError(f"{sorted(extra)[0]!r} does not belong to a {kind} measure", f"{path}.{sorted(extra)[0]}")
    if kind in ("count", "distinct_activities"):
        target = measure.get("target")
        if isinstance(target, bool) or not isinstance(target, int) or not 1 <= target <= 100_000:
            raise RuleError("target must be a whole number from 1 to 100000", f"{path}.target")
        return {"measure": kind, "target": target}
    if kind == "duration":
        target = measure.get("target")
        seconds = duration_seconds(target) if formats.is_duration(target) else 0
        if seconds <= 0:
            raise RuleError("target must be a positive ISO 8601 duration such as PT10H", f"{path}.target")
        return {"measure": kind, "target": seconds}
    if kind == "pattern":
        if not formats.is_iri(measure.get("pattern")):
            raise RuleError("pattern must be the IRI of a primary pattern of a profile", f"{path}.pattern")
        return {"measure": kind, "target": 1, "pattern": measure["pattern"]}
    activities = _iris(measure.get("activities"), f"{path}.activities")
    return {"measure": kind, "target": len(activities), "required_activities": tuple(sorted(activities))}


def _object_activity(statement: dict) -> dict | None:
    target = statement["object"]
    return target if target.get("objectType", "Activity") == "Activity" else None


def matches(rule: Rule, statement: dict, templates: frozenset[str] = frozenset()) -> bool:
    """Whether a statement counts under the rule's conditions (``templates``: those it matches)."""
    if rule.verbs and statement["verb"]["id"] not in rule.verbs:
        return False
    activity = _object_activity(statement)
    if rule.activities and (activity is None or activity["id"] not in rule.activities):
        return False
    if rule.activity_types:
        kind = (activity or {}).get("definition", {}).get("type")
        if kind not in rule.activity_types:
            return False
    if rule.templates and not rule.templates & templates:
        return False
    if rule.registration is not None:
        if str(statement.get("context", {}).get("registration", "")).lower() != rule.registration:
            return False
    result = statement.get("result", {})
    if rule.success is not None and result.get("success") is not rule.success:
        return False
    if rule.completion is not None and result.get("completion") is not rule.completion:
        return False
    if rule.min_scaled is not None:
        scaled = result.get("score", {}).get("scaled")
        if scaled is None or scaled < rule.min_scaled:
            return False
    if rule.measure == "all_activities" and (activity is None or activity["id"] not in rule.required_activities):
        return False
    return True


@dataclass(frozen=True)
class Evidence:
    """What a counted statement contributes: enough to compute progress without re-reading it."""

    statement_id: str
    activity_id: str | None
    seconds: float
    timestamp_us: int


def evidence_of(statement: dict) -> Evidence:
    activity = _object_activity(statement)
    moment = formats.parse_timestamp(statement.get("timestamp") or statement.get("stored"))
    return Evidence(statement["id"], activity["id"] if activity else None,
                    duration_seconds(statement.get("result", {}).get("duration")),
                    formats.to_micros(moment) if moment else 0)


def progress_value(rule: Rule, evidence: list[Evidence]) -> float:
    """How far along the measure is, in its own unit (statements, activities, seconds)."""
    if rule.measure == "count":
        return float(len(evidence))
    if rule.measure == "duration":
        return sum(e.seconds for e in evidence)
    if rule.measure == "pattern":
        return 1.0 if evidence else 0.0
    return float(len({e.activity_id for e in evidence if e.activity_id}))


def achieved_at(rule: Rule, evidence: list[Evidence]) -> int | None:
    """The timestamp of the statement that reached the target, taking evidence in time order. For a pattern
    (whose evidence carries the registration in ``activity_id``): when the first registration completed."""
    if rule.measure == "pattern":
        ends: dict[str | None, int] = {}
        for item in evidence:
            ends[item.activity_id] = max(ends.get(item.activity_id, item.timestamp_us), item.timestamp_us)
        return min(ends.values()) if ends else None
    seen: list[Evidence] = []
    for item in sorted(evidence, key=lambda e: (e.timestamp_us, e.statement_id)):
        seen.append(item)
        if progress_value(rule, seen) >= rule.target:
            return item.timestamp_us
    return None


def fraction(rule: Rule, value: float) -> float:
    return min(1.0, value / rule.target) if rule.target else 1.0
