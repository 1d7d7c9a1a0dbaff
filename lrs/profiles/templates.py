"""Statement Template matching (structure §8/§8.1, communication §2.1).

``match_template(template, statement, lookup=None) -> list[RuleFailure]``: an empty list means the
statement fits the template's Determining Properties and follows all its rules. Failures of kind
``determining`` mean the template does not apply to the statement at all (rules are then not checked);
``statement-ref`` and ``rule`` failures mean the template applies and is not followed.

Templates are compiled once (``compile_template``): JSONPaths are compiled and cached, rule values are
turned into sets of ``json_key`` so that ``true`` never equals ``1``. contextActivities are normalised
(a single object becomes an array of one) before anything is evaluated, as §8.1 requires.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RuleFailure
from .jsonpaths import compile_path
from .values import json_key

Lookup = Callable[[str], Mapping | None]
CONTEXT_KINDS = (
    ("grouping", "contextGroupingActivityType"),
    ("parent", "contextParentActivityType"),
    ("other", "contextOtherActivityType"),
    ("category", "contextCategoryActivityType"),
)
_UNMATCHABLE = object()
_MAX_REF_DEPTH = 8


@dataclass(frozen=True)
class CompiledRule:
    path: str
    location: str
    find: Callable[[Any], list]
    select: Callable[[Any], list] | None
    presence: str | None
    any: frozenset | None
    all: frozenset | None
    none: frozenset | None


@dataclass(frozen=True)
class CompiledTemplate:
    id: str
    profile: str | None
    verb: str | None
    object_activity_type: str | None
    context_types: tuple[tuple[str, frozenset[str]], ...]
    attachment_usage_types: frozenset[str]
    object_refs: frozenset[str] | None
    context_refs: frozenset[str] | None
    rules: tuple[CompiledRule, ...]


def _keys(values: Any) -> frozenset | None:
    return None if values is None else frozenset(json_key(v) for v in values)


def compile_template(template: Mapping, profile: str | None = None) -> CompiledTemplate:
    """Compile a (structurally valid) template dict; ``profile`` is the id of the profile holding it."""
    rules = tuple(
        CompiledRule(
            f"rules[{i}]",
            r["location"],
            compile_path(r["location"]),
            compile_path(r["selector"]) if "selector" in r else None,
            r.get("presence"),
            _keys(r.get("any")),
            _keys(r.get("all")),
            _keys(r.get("none")),
        )
        for i, r in enumerate(template.get("rules", ()))
    )
    refs = {
        k: frozenset(template[k]) if k in template else None
        for k in ("objectStatementRefTemplate", "contextStatementRefTemplate")
    }
    return CompiledTemplate(
        template["id"],
        profile,
        template.get("verb"),
        template.get("objectActivityType"),
        tuple((kind, frozenset(template[key])) for kind, key in CONTEXT_KINDS if key in template),
        frozenset(template.get("attachmentUsageType", ())),
        refs["objectStatementRefTemplate"],
        refs["contextStatementRefTemplate"],
        rules,
    )


@dataclass
class StatementView:
    """What template matching reads from one statement, computed once per statement."""

    statement: Mapping  # with contextActivities normalised
    verb: Any
    object_type: Any
    context_types: dict[str, frozenset]
    attachment_types: frozenset
    object_ref: Any
    context_ref: Any
    cache: dict[str, list]  # location -> values, shared by all templates checked on this statement

    @classmethod
    def of(cls, statement: Mapping) -> StatementView:
        context = as_object(statement.get("context"))
        activities = as_object(context.get("contextActivities"))
        normal = {k: v if isinstance(v, list) else [v] for k, v in activities.items()}
        if any(not isinstance(v, list) for v in activities.values()):
            statement = {**statement, "context": {**context, "contextActivities": normal}}
        obj = as_object(statement.get("object"))
        return cls(
            statement,
            as_object(statement.get("verb")).get("id"),
            _definition_type(obj) if obj.get("objectType", "Activity") == "Activity" else None,
            {
                kind: frozenset(_definition_type(a) for a in normal.get(kind, ()) if isinstance(a, dict))
                for kind, _ in CONTEXT_KINDS
            },
            frozenset(a.get("usageType") for a in statement.get("attachments") or () if isinstance(a, dict)),
            _statement_ref(obj),
            _statement_ref(context.get("statement")),
            {},
        )


def as_object(value: Any) -> Mapping:
    """``value`` when it is a JSON object, else an empty one (statements reach here already validated)."""
    return value if isinstance(value, dict) else {}


def _definition_type(activity: Mapping) -> Any:
    definition = activity.get("definition")
    return definition.get("type") if isinstance(definition, dict) else None


def _statement_ref(value: Any) -> Any:
    if isinstance(value, dict) and value.get("objectType") == "StatementRef":
        return value.get("id")
    return None


def fits(template: CompiledTemplate, view: StatementView) -> bool:
    """Does the statement have every Determining Property of the template (communication §2.1)?"""
    return (
        (template.verb is None or view.verb == template.verb)
        and (template.object_activity_type is None or view.object_type == template.object_activity_type)
        and all(types <= view.context_types[kind] for kind, types in template.context_types)
        and template.attachment_usage_types <= view.attachment_types
    )


def determining_failures(template: CompiledTemplate, view: StatementView) -> list[RuleFailure]:
    out = []

    def fail(path: str, message: str) -> None:
        out.append(RuleFailure(template.id, "determining", path, "determining-property", message))

    if template.verb is not None and view.verb != template.verb:
        fail("verb", f"the verb is {view.verb!r}, not {template.verb}")
    if template.object_activity_type is not None and view.object_type != template.object_activity_type:
        fail(
            "objectActivityType",
            f"the object's activity type is {view.object_type!r}, not {template.object_activity_type}",
        )
    for kind, types in template.context_types:
        if missing := types - view.context_types[kind]:
            key = dict(CONTEXT_KINDS)[kind]
            fail(key, f"no {kind} context activity of type {', '.join(sorted(missing))}")
    if missing := template.attachment_usage_types - view.attachment_types:
        fail("attachmentUsageType", f"no attachment with usage type {', '.join(sorted(missing))}")
    return out


def match_template(
    template: CompiledTemplate | Mapping,
    statement: Mapping | StatementView,
    lookup: Lookup | None = None,
    *,
    resolve: Callable[[str], CompiledTemplate | None] | None = None,
) -> list[RuleFailure]:
    """Every reason ``statement`` does not match ``template`` (empty: it matches).

    ``lookup(statement_id)`` returns a stored statement (or None) for the StatementRef requirements;
    ``resolve(template_id)`` returns a compiled template of the same profile (TemplateIndex passes its
    own). Without them a referenced statement counts as unavailable, which the spec lets pass.
    """
    compiled = template if isinstance(template, CompiledTemplate) else compile_template(template)
    view = statement if isinstance(statement, StatementView) else StatementView.of(statement)
    return determining_failures(compiled, view) or rule_failures(compiled, view, lookup, resolve)


def rule_failures(
    template: CompiledTemplate,
    view: StatementView,
    lookup: Lookup | None = None,
    resolve: Callable[[str], CompiledTemplate | None] | None = None,
    depth: int = 0,
) -> list[RuleFailure]:
    """The StatementRef and rule failures of a statement already known to fit the template."""
    out = _ref_failures(template, view, lookup, resolve, depth)
    for rule in template.rules:
        message = _rule_problem(rule, view)
        if message:
            out.append(RuleFailure(template.id, "rule", rule.path, "template-rule", message))
    return out


def _ref_failures(
    template: CompiledTemplate,
    view: StatementView,
    lookup: Lookup | None,
    resolve: Callable[[str], CompiledTemplate | None] | None,
    depth: int,
) -> list[RuleFailure]:
    out = []
    for key, refs, target, where in (
        ("objectStatementRefTemplate", template.object_refs, view.object_ref, "the object"),
        ("contextStatementRefTemplate", template.context_refs, view.context_ref, "context.statement"),
    ):
        if refs is None:
            continue
        if target is None:
            out.append(
                RuleFailure(
                    template.id, "statement-ref", key, "statement-ref", f"{where} must be a StatementRef"
                )
            )
            continue
        if lookup is None or resolve is None or depth >= _MAX_REF_DEPTH:
            continue  # nothing to look the statement up in: it counts as unavailable
        other = lookup(target)
        if other is None:
            continue  # not available to the checking system: the spec lets it pass
        other_view = StatementView.of(other)
        candidates = [t for t in map(resolve, sorted(refs)) if t is not None and fits(t, other_view)]
        if not any(not rule_failures(t, other_view, lookup, resolve, depth + 1) for t in candidates):
            out.append(
                RuleFailure(
                    template.id,
                    "statement-ref",
                    key,
                    "statement-ref",
                    f"statement {target} matches none of {', '.join(sorted(refs))}",
                )
            )
    return out


def _evaluate(rule: CompiledRule, view: StatementView) -> list:
    values = view.cache.get(rule.location)
    if values is None:
        values = view.cache[rule.location] = rule.find(view.statement)
    if rule.select is None:
        return values
    selected: list = []
    for value in values:
        found = rule.select(value)
        if found:
            selected.extend(found)
        else:
            selected.append(_UNMATCHABLE)
    return selected


def _rule_problem(rule: CompiledRule, view: StatementView) -> str | None:
    """communication §2.1 ``follows_rule``: why the rule is not followed, or None."""
    values = _evaluate(rule, view)
    unmatchable = rule.select is not None and any(v is _UNMATCHABLE for v in values)
    matchable = [v for v in values if v is not _UNMATCHABLE] if unmatchable else values
    where = rule.location
    if rule.presence == "included" and (unmatchable or not values):
        return f"{where}: a value is required" + (" (the selector found nothing)" if unmatchable else "")
    if rule.presence == "excluded" and matchable:
        return f"{where}: must not be present"
    if rule.presence == "recommended" and not values:
        return None
    if rule.any is None and rule.all is None and rule.none is None:
        return None
    keys = [json_key(v) for v in matchable]
    if rule.any is not None and not rule.any.intersection(keys):
        return f"{where}: none of the values is one of 'any'"
    if rule.all is not None and (unmatchable or any(k not in rule.all for k in keys)):
        return f"{where}: every value must be one of 'all'"
    if rule.none is not None and any(k in rule.none for k in keys):
        return f"{where}: a value is one of 'none'"
    return None
