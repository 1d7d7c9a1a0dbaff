"""Structure rules for Statement Templates (structure §8) and their rules (§8.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checker import S8, S81, Checker, Scope, check_in_scheme, child, is_property_iri, items
from .jsonpaths import path_problem

DETERMINING_IRI = ("verb", "objectActivityType")
DETERMINING_ARRAYS = (
    "contextGroupingActivityType",
    "contextParentActivityType",
    "contextOtherActivityType",
    "contextCategoryActivityType",
    "attachmentUsageType",
)
STATEMENT_REFS = ("objectStatementRefTemplate", "contextStatementRefTemplate")
PRESENCE = ("included", "excluded", "recommended")
_TEMPLATE_KEYS = (
    "id",
    "type",
    "inScheme",
    "prefLabel",
    "definition",
    "deprecated",
    *DETERMINING_IRI,
    *DETERMINING_ARRAYS,
    *STATEMENT_REFS,
    "rules",
)
_RULE_KEYS = ("location", "selector", "presence", "any", "all", "none", "scopeNote")


def check_templates(doc: Mapping, scope: Scope, ck: Checker) -> None:
    for i, template in items(doc, "templates"):
        path = f"$.templates[{i}]"
        if not ck.object(template, path, S8, "a statement template"):
            continue
        ck.type_is(template, path, S8, ["StatementTemplate"])
        ck.iri(template, "id", path, S8, required=True, uri=True)
        check_in_scheme(template, path, S8, scope, ck)
        ck.language_map(template, "prefLabel", path, S8, required=True)
        ck.language_map(template, "definition", path, S8, required=True, rule="template-definition-missing")
        ck.boolean(template, "deprecated", path, S8)
        for key in DETERMINING_IRI:
            ck.iri(template, key, path, S8)
        for key in DETERMINING_ARRAYS:
            ck.iri_array(template, key, path, S8)
        _statement_refs(template, path, scope, ck)
        _rules(template, path, scope, ck)
        ck.unknown(template, _TEMPLATE_KEYS, path)


def _statement_refs(template: Mapping, path: str, scope: Scope, ck: Checker) -> None:
    for key in STATEMENT_REFS:
        for j, ref in enumerate(ck.iri_array(template, key, path, S8)):
            if ref not in scope.templates:
                ck.error(
                    child(child(path, key), j),
                    "statement-ref-template",
                    S8,
                    f"{key} must name statement templates of this profile; {ref} is not one",
                )
    if "objectStatementRefTemplate" in template and "objectActivityType" in template:
        ck.error(
            child(path, "objectStatementRefTemplate"),
            "object-ref-and-type",
            S8,
            "a template must not have both objectStatementRefTemplate and objectActivityType",
        )


def _rules(template: Mapping, path: str, scope: Scope, ck: Checker) -> None:
    if "rules" not in template:
        return
    if not isinstance(template["rules"], list):
        ck.error(child(path, "rules"), "value-type", S8, "'rules' must be an array of rule objects")
        return
    for j, rule in items(template, "rules"):
        rpath = child(child(path, "rules"), j)
        if ck.object(rule, rpath, S81, "a statement template rule"):
            _rule(rule, rpath, scope, ck)


def _rule(rule: Mapping, path: str, scope: Scope, ck: Checker) -> None:
    if ck.string(rule, "location", path, S81, required=True):
        _jsonpath(rule, "location", path, ck)
    if "selector" in rule and ck.string(rule, "selector", path, S81):
        _jsonpath(rule, "selector", path, ck)
    if "presence" in rule and rule["presence"] not in PRESENCE:
        ck.error(
            child(path, "presence"),
            "presence",
            S81,
            f"presence must be included, excluded or recommended, not {rule['presence']!r}",
        )
    for key in ("any", "all", "none"):
        if key not in rule:
            continue
        if not isinstance(rule[key], list):
            ck.error(child(path, key), "value-type", S81, f"'{key}' must be an array of values")
        elif not scope.extra_context:
            _value_keys(rule[key], child(path, key), ck)
    if not any(key in rule for key in ("presence", "any", "all", "none")):
        ck.error(path, "rule-requirement", S81, "a rule needs at least one of presence, any, all or none")
    ck.language_map(rule, "scopeNote", path, S81)
    ck.unknown(rule, _RULE_KEYS, path)


def _jsonpath(rule: Mapping, key: str, path: str, ck: Checker) -> None:
    problem = path_problem(rule[key])
    if problem:
        ck.error(child(path, key), "jsonpath", S81, f"{key} {rule[key]!r} is not a valid JSONPath: {problem}")


def _value_keys(values: list[Any], path: str, ck: Checker) -> None:
    """§8.1: keys of object values in any/all/none must expand to IRIs: IRIs, unless @context adds terms."""
    for i, value in enumerate(values):
        if isinstance(value, dict) and not all(is_property_iri(k) for k in value):
            ck.error(
                child(path, i),
                "rule-value-context",
                S81,
                "object values need their keys in an additional @context (or written as IRIs)",
            )
