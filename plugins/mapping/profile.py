"""The micro-learning profile: its version as a category context activity, its templates as the check.

Statements of a mapping name the profile version in ``context.contextActivities.category`` (xAPI
Profiles structure §5), so they must follow its statement templates: ``check`` says which template
rule a statement breaks, and where in the statement.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonpath

from lrs.profiles import TemplateIndex
from lrs.profiles.builtin import project_profiles
from plugins.mapping.paths import text

PROFILE_ID = "https://w3id.org/xapi/lrs/profiles/micro-learning"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"
_NAMES = re.compile(r"\$((?:\.[A-Za-z_][A-Za-z0-9_-]*)*)")


@dataclass(frozen=True)
class Breach:
    """A template rule a statement breaks: where (statement paths, most specific first) and why."""

    template: str
    message: str
    locations: tuple[str, ...]  # the values the rule's location selects (empty: it selects none)
    fallback: str  # the statement path to name when it selects none
    excluded: bool  # the rule forbids the property (its presence is the problem, whatever its value)


@dataclass(frozen=True)
class Profile:
    id: str
    version: str
    labels: dict[str, str]  # template id -> its English label
    rules: dict[str, list[dict]]  # template id -> its rules, as the profile writes them
    index: TemplateIndex

    def category(self) -> dict:
        return {"objectType": "Activity", "id": self.version, "definition": {"type": PROFILE_ACTIVITY_TYPE}}

    def claim(self, statement: dict) -> dict:
        """The statement with the profile version among its category context activities (added once)."""
        context = statement.setdefault("context", {})
        activities = context.setdefault("contextActivities", {})
        category = activities.get("category", [])
        category = category if isinstance(category, list) else [category]
        if not any(isinstance(a, dict) and a.get("id") == self.version for a in category):
            category.append(self.category())
        activities["category"] = category
        return statement

    def templates_text(self) -> str:
        return ", ".join(f"{label} ({tid.rsplit('/', 1)[-1]})" for tid, label in self.labels.items())

    def check(self, statement: dict) -> tuple[str, list[Breach]]:
        """("success" | "unmatched" | "invalid", the breaches when invalid)."""
        outcome = self.index.validate(statement, profiles=[self.id])[self.id]
        if outcome.outcome != "invalid":
            return outcome.outcome, []
        return "invalid", [self._breach(statement, failure) for failure in outcome.failures]

    def _breach(self, statement: dict, failure: Any) -> Breach:
        label = self.labels.get(failure.template, failure.template)
        compiled = self.index.template(self.id, failure.template)
        rule = next((r for r in compiled.rules if r.path == failure.path), None) if compiled else None
        if rule is None:
            return Breach(label, failure.message, (), "$", False)
        found = tuple(text(tuple(m.parts)) for m in jsonpath.compile(rule.location).finditer(statement))
        written = self.rules.get(failure.template, [])[int(failure.path[6:-1])]
        return Breach(label, f"{failure.message}; the rule is {json.dumps(written)}", found,
                      _plain_prefix(rule.location), rule.presence == "excluded")

    def describe(self, statement: dict) -> str:
        definition = _object(_object(statement.get("object")).get("definition"))
        verb = _object(statement.get("verb")).get("id")
        return f"verb {verb} with an object of type {definition.get('type', '(none)')}"


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _plain_prefix(location: str) -> str:
    """``$.result.duration`` of ``$.result.duration``; ``$.context.contextActivities.grouping`` of
    ``$.context.contextActivities.grouping[*].definition.type``: the part without wildcards or unions."""
    names = _NAMES.match(location.split("|")[0].strip())
    return text(tuple(name for name in (names.group(1) if names else "").split(".") if name))


@lru_cache(maxsize=1)
def micro_learning() -> Profile:
    document = next(p for p in project_profiles() if p["id"] == PROFILE_ID)
    labels = {t["id"]: t.get("prefLabel", {}).get("en", t["id"]) for t in document.get("templates", ())}
    rules = {t["id"]: t.get("rules", []) for t in document.get("templates", ())}
    return Profile(PROFILE_ID, document["versions"][0]["id"], labels, rules, TemplateIndex([document]))
