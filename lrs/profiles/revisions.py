"""Rules that need more than one profile document: a new version against the stored one, and a profile
against the other profiles it is loaded beside. Both return ProfileErrors with paths into ``current``.

* ``revision_problems(previous, current)``: the versions array keeps every earlier version (§6), each
  new version says which it revises (§6.1), and a statement template or pattern whose Determining
  Properties, StatementRef properties, rules (scopeNote aside) or members changed got a new id (§8, §9).
* ``concept_conflicts(current, others)``: a concept already defined in another profile may only be
  defined again by a profile that supersedes all that profile's versions with wasRevisionOf (§7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .checker import S6, S7, S8, S9, S61, child, items
from .errors import ProfileError
from .structure_patterns import KINDS
from .structure_templates import DETERMINING_ARRAYS, DETERMINING_IRI, STATEMENT_REFS


def _template_shape(template: Mapping) -> Any:
    keys = (*DETERMINING_IRI, *DETERMINING_ARRAYS, *STATEMENT_REFS)
    shape = {k: sorted(template[k]) if isinstance(template.get(k), list) else template.get(k) for k in keys}
    shape["rules"] = [
        {k: v for k, v in rule.items() if k != "scopeNote"} for rule in template.get("rules", [])
    ]
    return shape


def _pattern_shape(pattern: Mapping) -> Any:
    return {k: pattern.get(k) for k in KINDS}


def _version_ids(doc: Mapping) -> list[str]:
    return [
        v["id"] for _, v in items(doc, "versions") if isinstance(v, dict) and isinstance(v.get("id"), str)
    ]


def revision_problems(previous: Mapping, current: Mapping) -> list[ProfileError]:
    """What a new document of the same profile breaks with respect to the stored one."""
    errors: list[ProfileError] = []
    kept = set(_version_ids(current))
    for old in _version_ids(previous):
        if old not in kept:
            errors.append(
                ProfileError(
                    "$.versions",
                    "versions-history",
                    S6,
                    f"version {old} of the stored profile is missing from versions",
                )
            )
    new_versions = [
        (i, v) for i, v in items(current, "versions") if v.get("id") not in _version_ids(previous)
    ]
    if _version_ids(previous) and new_versions and not any("wasRevisionOf" in v for _, v in new_versions):
        i = new_versions[0][0]
        errors.append(
            ProfileError(
                f"$.versions[{i}]",
                "was-revision-of",
                S61,
                "a new version must say which version it revises in wasRevisionOf",
            )
        )
    for key, shape, rule, section in (
        ("templates", _template_shape, "template-changed", S8),
        ("patterns", _pattern_shape, "pattern-changed", S9),
    ):
        before = {x["id"]: shape(x) for _, x in items(previous, key) if isinstance(x, dict) and "id" in x}
        for i, now in items(current, key):
            ident = now.get("id") if isinstance(now, dict) else None
            if ident in before and before[ident] != shape(now):
                errors.append(
                    ProfileError(
                        child(f"$.{key}[{i}]", "id"),
                        rule,
                        section,
                        f"{ident} changed but kept its id; a changed one needs a new id",
                    )
                )
    return errors


def concept_conflicts(current: Mapping, others: Iterable[Mapping]) -> list[ProfileError]:
    """Concepts of ``current`` already defined by another profile it does not supersede (§7)."""
    revised = {
        ref
        for _, v in items(current, "versions")
        if isinstance(v, dict)
        for ref in v.get("wasRevisionOf", []) or []
    }
    defined: dict[str, tuple[str, list[str]]] = {}
    for other in others:
        if other.get("id") == current.get("id"):
            continue
        versions = _version_ids(other)
        for _, concept in items(other, "concepts"):
            if isinstance(concept, dict) and isinstance(concept.get("id"), str):
                defined.setdefault(concept["id"], (other["id"], versions))
    errors = []
    for i, concept in items(current, "concepts"):
        ident = concept.get("id") if isinstance(concept, dict) else None
        if ident in defined and not set(defined[ident][1]) <= revised:
            errors.append(
                ProfileError(
                    f"$.concepts[{i}].id",
                    "concept-defined-elsewhere",
                    S7,
                    f"{ident} is defined by {defined[ident][0]}, which this profile does "
                    "not supersede (list all its versions in wasRevisionOf)",
                )
            )
    return errors
