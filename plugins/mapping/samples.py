"""Sample statements: what a template gives when every reference is replaced by a typical value.

When a source is added, each statement template is rendered twice without a payload: once with every
optional part present and once with every optional part left out. A reference becomes a placeholder
that suits its place in the statement (a mailto IRI for ``mbox``, a UUID for ``registration``...), and
its location is remembered as *dynamic*: a problem there depends on the payload and is left to delivery,
a problem elsewhere is the mapping's and refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plugins.mapping.paths import Loc, text, under

OMIT: Any = type("Omit", (), {"__repr__": lambda self: "OMIT"})()

IRI = "https://example.com/placeholder"
UUID = "00000000-0000-4000-8000-000000000000"
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")
_IRI_KEYS = ("openid", "homePage", "moreInfo", "type", "usageType", "fileUrl")
_BY_KEY = {
    "mbox": "mbox", "mbox_sha1sum": "sha1", "registration": "uuid", "timestamp": "timestamp",
    "duration": "duration", "language": "language", "success": "boolean", "completion": "boolean",
    "scaled": "scaled", "raw": "number", "min": "number", "max": "number", "interactionType": "interaction",
    "display": "langmap", "description": "langmap", "actor": "agent", "instructor": "agent",
    "object": "activity", "verb": "verb", "extensions": "extensions", "account": "account",
    "correctResponsesPattern": "strings", "result": "object", "context": "object", "definition": "object",
    "contextActivities": "object", "score": "object",
    **{key: "iri" for key in _IRI_KEYS},
    **{key: "activities" for key in CONTEXT_ACTIVITY_KINDS},
    **{key: "components" for key in COMPONENT_LISTS},
}
PLACEHOLDERS: dict[str, Any] = {
    "mbox": "mailto:placeholder@example.com", "sha1": "0" * 40, "iri": IRI, "uuid": UUID,
    "timestamp": "2026-01-01T00:00:00Z", "duration": "PT1S", "language": "en-US", "boolean": True,
    "scaled": 0.5, "number": 1, "interaction": "other", "langmap": {"en-US": "placeholder"},
    "agent": {"mbox": "mailto:placeholder@example.com"}, "activity": {"id": IRI}, "activities": [{"id": IRI}],
    "verb": {"id": IRI}, "object": {}, "extensions": {}, "account": {"homePage": IRI, "name": "placeholder"},
    "components": [{"id": "placeholder"}], "component": {"id": "placeholder"}, "strings": ["placeholder"],
    "string": "placeholder", "any": "placeholder",
}


def kind(loc: Loc) -> str:
    """What the statement expects at a location, as far as a placeholder needs to know."""
    keys = [part for part in loc if isinstance(part, str)]
    if "extensions" in keys[:-1]:
        return "any"
    last = keys[-1] if keys else ""
    parent = keys[-2] if len(keys) > 1 else ""
    if loc and isinstance(loc[-1], int):
        if last in CONTEXT_ACTIVITY_KINDS:
            return "activity"
        return "component" if last in COMPONENT_LISTS else "string"
    if parent in ("display", "description") or (parent == "name" and "definition" in keys):
        return "string"
    if last == "id":
        if parent in COMPONENT_LISTS:
            return "string"
        return "uuid" if parent == "statement" else "iri"
    if last == "name" and parent == "definition":
        return "langmap"
    return _BY_KEY.get(last, "string")


def placeholder(loc: Loc, lead: str = "") -> Any:
    """A typical value for the location; ``lead`` is literal text a template puts before the value."""
    wanted = kind(loc)
    if wanted in ("iri", "string", "any") and lead:
        return lead + "placeholder"
    value = PLACEHOLDERS[wanted]
    return [dict(v) for v in value] if isinstance(value, list) else dict(value) if isinstance(value, dict) \
        else value


@dataclass
class SampleContext:
    present: bool  # optional parts present (True) or left out (False)
    homepage: str
    dynamic: set[str] = field(default_factory=set)  # statement locations (text) whose value is a placeholder
    where: dict[str, str] = field(default_factory=dict)  # statement location (text) -> mapping path

    def is_dynamic(self, path: str) -> bool:
        return any(under(path, d) for d in self.dynamic)


def settle(statement: dict, cx: SampleContext) -> dict:
    """Make placeholders agree with the literal values around them (score bounds, interaction types)."""
    result = statement.get("result")
    score = result.get("score") if isinstance(result, dict) else None
    if isinstance(score, dict):
        _settle_score(score, cx, text(("result", "score")))
    _settle_interactions(statement, cx, "$")
    return statement


def _settle_score(score: dict, cx: SampleContext, path: str) -> None:
    fixed = {k: v for k, v in score.items() if not cx.is_dynamic(f"{path}.{k}") and _number(v)}
    low = fixed.get("min", fixed["max"] - 1 if "max" in fixed else 0)
    high = fixed.get("max", low + 1)
    if low >= high:
        return  # the literal bounds are wrong already: the validator says so
    wanted = {"min": low, "max": high, "raw": (low + high) / 2, "scaled": 0.5}
    for key in score:
        if key in wanted and key not in fixed and cx.is_dynamic(f"{path}.{key}"):
            score[key] = wanted[key]


def _settle_interactions(node: Any, cx: SampleContext, path: str) -> None:
    if isinstance(node, dict):
        if "interactionType" in node and cx.is_dynamic(f"{path}.interactionType"):
            node["interactionType"] = _interaction_for(node)
        for key, value in node.items():
            _settle_interactions(value, cx, text((key,), path))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _settle_interactions(value, cx, f"{path}[{index}]")


def _interaction_for(definition: dict) -> str:
    for lists, interaction in ((("choices",), "choice"), (("scale",), "likert"),
                               (("source", "target"), "matching"), (("steps",), "performance")):
        if any(key in definition for key in lists):
            return interaction
    return "fill-in"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
