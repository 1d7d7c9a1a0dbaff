"""TemplateIndex: every statement template of a set of profiles, compiled once and indexed by a
Determining Property, so that a statement is checked only against templates that can apply to it.

``index.validate(statement)`` runs communication §2.1 ``validates`` per profile and returns a
``TemplateValidation`` for each: ``success`` (the templates matched and followed), ``invalid`` (some
template applies and is not followed; ``templates`` lists those, ``failures`` says why) or ``unmatched``.
``index.claimed_profiles(statement)`` lists the profiles whose version id is a category context activity
of the statement (structure §5: such statements MUST follow the matching templates and patterns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import RuleFailure
from .templates import (
    CompiledTemplate,
    Lookup,
    StatementView,
    as_object,
    compile_template,
    fits,
    rule_failures,
)

Key = tuple[str, object]


@dataclass(frozen=True)
class TemplateValidation:
    profile: str
    outcome: str  # "success" | "invalid" | "unmatched"
    templates: tuple[str, ...]  # matched ids on success, failing ids when invalid (as §2.1 returns them)
    matched: tuple[str, ...]
    failures: tuple[RuleFailure, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome != "invalid"


def _bucket(template: CompiledTemplate) -> Key | None:
    """The most selective Determining Property of a template (None: it applies to every statement)."""
    if template.verb is not None:
        return ("verb", template.verb)
    if template.object_activity_type is not None:
        return ("object", template.object_activity_type)
    for kind, types in template.context_types:
        return (kind, min(types))
    if template.attachment_usage_types:
        return ("attachment", min(template.attachment_usage_types))
    return None


class TemplateIndex:
    """Built once per set of (valid) profiles; read-only afterwards, safe to share between threads."""

    def __init__(self, profiles: Iterable[Mapping]) -> None:
        self.profiles: list[str] = []
        self._versions: dict[str, str] = {}
        self._by_id: dict[str, dict[str, CompiledTemplate]] = {}
        self._order: dict[int, int] = {}
        self._buckets: dict[Key, list[CompiledTemplate]] = {}
        self._always: list[CompiledTemplate] = []
        self._extensions: dict[str, str] = {}  # extension id -> its concept type
        for profile in profiles:
            self._add(profile)

    def _add(self, profile: Mapping) -> None:
        pid = profile["id"]
        self.profiles.append(pid)
        for version in profile.get("versions", ()):
            self._versions[version["id"]] = pid
        for concept in profile.get("concepts", ()):
            if concept.get("type", "").endswith("Extension"):
                self._extensions.setdefault(concept["id"], concept["type"])
        own = self._by_id.setdefault(pid, {})
        for template in profile.get("templates", ()):
            compiled = compile_template(template, pid)
            own[compiled.id] = compiled
            self._order[id(compiled)] = len(self._order)
            key = _bucket(compiled)
            (self._always if key is None else self._buckets.setdefault(key, [])).append(compiled)

    def template(self, profile: str, template_id: str) -> CompiledTemplate | None:
        return self._by_id.get(profile, {}).get(template_id)

    def __len__(self) -> int:
        return len(self._order)

    def claimed_profiles(self, statement: Mapping) -> list[str]:
        """Profiles (ids) that the statement names by a version id in its category context activities."""
        activities = as_object(as_object(statement.get("context")).get("contextActivities"))
        category = activities.get("category") or []
        found: list[str] = []
        for activity in category if isinstance(category, list) else [category]:
            pid = self._versions.get(as_object(activity).get("id", ""))
            if pid is not None and pid not in found:
                found.append(pid)
        return found

    def extension_problems(self, statement: Mapping) -> list[str]:
        """structure §7.2: extensions the profiles define, used where their type does not allow."""
        context, result = as_object(statement.get("context")), as_object(statement.get("result"))
        places = [
            ("$.context.extensions", context.get("extensions"), "ContextExtension"),
            ("$.result.extensions", result.get("extensions"), "ResultExtension"),
        ]
        obj = as_object(statement.get("object"))
        if obj.get("objectType", "Activity") == "Activity":
            definition = as_object(obj.get("definition"))
            places.append(
                ("$.object.definition.extensions", definition.get("extensions"), "ActivityExtension")
            )
        for kind, members in as_object(context.get("contextActivities")).items():
            for i, activity in enumerate(members if isinstance(members, list) else [members]):
                path = f"$.context.contextActivities.{kind}[{i}].definition.extensions"
                extensions = as_object(as_object(activity).get("definition")).get("extensions")
                places.append((path, extensions, "ActivityExtension"))
        problems = []
        for path, extensions, allowed in places:
            for key in as_object(extensions):
                kind = self._extensions.get(key)
                if kind is not None and kind != allowed:
                    problems.append(f"{path}['{key}']: a {kind} must not be used here")
        return problems

    def candidates(
        self, view: StatementView, profiles: Iterable[str] | None = None
    ) -> list[CompiledTemplate]:
        """The templates whose Determining Properties the statement has, in profile order."""
        keys: list[Key] = [("verb", view.verb), ("object", view.object_type)]
        keys += [(kind, t) for kind, types in view.context_types.items() for t in types]
        keys += [("attachment", u) for u in view.attachment_types]
        found = {id(t): t for key in keys for t in self._buckets.get(key, ())}
        found.update((id(t), t) for t in self._always)
        wanted = None if profiles is None else set(profiles)
        return sorted(
            (t for t in found.values() if (wanted is None or t.profile in wanted) and fits(t, view)),
            key=lambda t: self._order[id(t)],
        )

    def validate(
        self, statement: Mapping, *, profiles: Iterable[str] | None = None, lookup: Lookup | None = None
    ) -> dict[str, TemplateValidation]:
        """communication §2.1 ``validates`` for each profile (all of the index's by default).

        Pass ``profiles=index.claimed_profiles(statement)`` to check what the statement claims (§5):
        otherwise templates without Determining Properties (cmi5's general restrictions) judge every
        statement."""
        view = StatementView.of(statement)
        chosen = list(self.profiles if profiles is None else profiles)
        matched: dict[str, list[str]] = {p: [] for p in chosen}
        failing: dict[str, list[str]] = {p: [] for p in chosen}
        failures: dict[str, list[RuleFailure]] = {p: [] for p in chosen}
        for template in self.candidates(view, chosen):
            pid = template.profile or ""
            problems = rule_failures(template, view, lookup, self._resolver(pid))
            (failing if problems else matched)[pid].append(template.id)
            failures[pid].extend(problems)
        out = {}
        for pid in chosen:
            if failing[pid]:
                out[pid] = TemplateValidation(
                    pid, "invalid", tuple(failing[pid]), tuple(matched[pid]), tuple(failures[pid])
                )
            else:
                outcome = "success" if matched[pid] else "unmatched"
                out[pid] = TemplateValidation(pid, outcome, tuple(matched[pid]), tuple(matched[pid]))
        return out

    def _resolver(self, profile: str):  # noqa: ANN202 - a small closure
        own = self._by_id.get(profile, {})
        return own.get
