"""Profile structure validation (xAPI Profiles, Part Two): ``validate_profile(doc) -> list[ProfileError]``.

An empty list means the document follows every structure rule checked here; callers refuse a profile
whole when the list is not empty. This module checks the profile as a whole (§2, §4, §6, §6.1, §6.2) and
hands concepts, statement templates and patterns to ``structure_concepts``, ``structure_templates`` and
``structure_patterns``.

Tolerated deviation: the ADL's published cmi5 profile has statement templates without ``definition``
(a MUST in §8). By default that one rule (``template-definition-missing``) is not reported, so the real
cmi5 profile loads; ``strict=True`` reports it too.

Patterns may re-use templates and patterns of other profiles (§9): pass their ids in
``known_components`` (id -> ``"StatementTemplate"`` or ``"Pattern"``), otherwise such members are errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checker import PROFILE_CONTEXT, S2, S4, S6, S61, S62, Checker, Scope, check_context, child
from .errors import ProfileError
from .structure_concepts import check_concepts
from .structure_patterns import check_patterns
from .structure_templates import check_templates
from .values import is_timestamp

SPEC_VERSION = "https://w3id.org/xapi/profiles#1.0"
TOLERATED_RULES = frozenset({"template-definition-missing"})

_PROFILE_KEYS = (
    "id",
    "@context",
    "type",
    "conformsTo",
    "prefLabel",
    "definition",
    "seeAlso",
    "versions",
    "author",
    "concepts",
    "templates",
    "patterns",
)


def validate_profile(
    doc: Any, *, strict: bool = False, known_components: Mapping[str, str] | None = None
) -> list[ProfileError]:
    """Every structure error of ``doc`` (an xAPI profile as parsed JSON), in document order."""
    ck = Checker()
    if not ck.object(doc, "$", S6, "a profile"):
        return ck.errors
    _empty_values(doc, "$", ck)
    _profile(doc, ck)
    scope = _scope(doc, known_components or {})
    _unique_ids(doc, scope, ck)
    check_concepts(doc, scope, ck)
    check_templates(doc, scope, ck)
    check_patterns(doc, scope, ck)
    if strict:
        return ck.errors
    return [e for e in ck.errors if e.rule not in TOLERATED_RULES]


def _empty_values(value: Any, path: str, ck: Checker) -> None:
    """§4: no empty objects, null, empty strings or empty arrays anywhere."""
    if value is None or value == "" or value == [] or value == {}:
        kind = {type(None): "null", str: "an empty string", list: "an empty array", dict: "an empty object"}
        ck.error(path, "empty-value", S4, f"a value must not be {kind[type(value)]}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _empty_values(item, child(path, key), ck)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _empty_values(item, child(path, i), ck)


def _profile(doc: dict, ck: Checker) -> None:
    ck.iri(doc, "id", "$", S6, required=True)
    if ck.present(doc, "@context", "$", S6, True):
        check_context(doc["@context"], "$['@context']", PROFILE_CONTEXT, S6, ck)
    ck.type_is(doc, "$", S6, ["Profile"])
    if ck.present(doc, "conformsTo", "$", S6, True) and doc["conformsTo"] != SPEC_VERSION:
        ck.error(
            "$.conformsTo",
            "conforms-to",
            S6,
            f"conformsTo must be {SPEC_VERSION}, the specification version implemented here",
        )
    ck.language_map(doc, "prefLabel", "$", S6, required=True)
    ck.language_map(doc, "definition", "$", S6, required=True)
    ck.iri(doc, "seeAlso", "$", S6)
    for key in ("concepts", "templates", "patterns"):
        if key in doc and not isinstance(doc[key], list):
            ck.error(child("$", key), "value-type", S6, f"'{key}' must be an array")
    _versions(doc, ck)
    _author(doc, ck)
    ck.unknown(doc, _PROFILE_KEYS, "$")


def _versions(doc: dict, ck: Checker) -> None:
    if not ck.present(doc, "versions", "$", S6, True):
        return
    versions = doc["versions"]
    if not isinstance(versions, list):
        ck.error("$.versions", "value-type", S6, "'versions' must be an array of version objects")
        return
    seen: set[str] = set()
    dated = []
    for i, version in enumerate(versions):
        path = child("$.versions", i)
        if not ck.object(version, path, S61, "a profile version"):
            continue
        if ck.iri(version, "id", path, S61, required=True):
            vid = version["id"]
            if vid in seen or vid == doc.get("id"):
                ck.error(
                    child(path, "id"),
                    "version-id",
                    S61,
                    "version ids must be unique and differ from the profile id",
                )
            seen.add(vid)
        if ck.present(version, "generatedAtTime", path, S61, True):
            if is_timestamp(version["generatedAtTime"]):
                dated.append((version["generatedAtTime"], i, version))
            else:
                ck.error(
                    child(path, "generatedAtTime"),
                    "timestamp",
                    S61,
                    "generatedAtTime must be an ISO 8601 date and time",
                )
        for ref in ck.iri_array(version, "wasRevisionOf", path, S61):
            if ref == version.get("id"):
                ck.error(
                    child(path, "wasRevisionOf"),
                    "was-revision-of",
                    S61,
                    "a version cannot be a revision of itself",
                )
        ck.unknown(version, ("id", "wasRevisionOf", "generatedAtTime"), path)
    _revision_chain(dated, ck)


def _revision_chain(dated: list, ck: Checker) -> None:
    """§6.1: every version that succeeds another must say which one with wasRevisionOf."""
    from datetime import datetime

    def when(stamp: str) -> float:
        moment = datetime.fromisoformat(stamp)
        return moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=None).timestamp()

    ordered = sorted(dated, key=lambda item: when(item[0]))
    for _stamp, i, version in ordered[1:]:
        if "wasRevisionOf" not in version:
            ck.error(
                f"$.versions[{i}]",
                "was-revision-of",
                S61,
                "a version that succeeds another must list it in wasRevisionOf",
            )


def _author(doc: dict, ck: Checker) -> None:
    if not ck.present(doc, "author", "$", S6, True):
        return
    author = doc["author"]
    if not ck.object(author, "$.author", S62, "author"):
        return
    ck.type_is(author, "$.author", S62, ["Organization", "Person"])
    if ck.string(author, "name", "$.author", S62, required=True) and not author["name"].strip():
        ck.error("$.author.name", "required", S62, "the author needs a name")
    ck.iri(author, "url", "$.author", S62)
    ck.unknown(author, ("type", "name", "url"), "$.author")


def _items(doc: dict, key: str) -> list[tuple[int, dict]]:
    value = doc.get(key)
    return (
        [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]
        if isinstance(value, list)
        else []
    )


def _scope(doc: dict, external: Mapping[str, str]) -> Scope:
    scope = Scope(doc.get("id"), external=external)
    scope.extra_context = isinstance(doc.get("@context"), list) and len(doc["@context"]) > 1
    for _, version in _items(doc, "versions"):
        if isinstance(version.get("id"), str):
            scope.version_ids.add(version["id"])
    for _, concept in _items(doc, "concepts"):
        if isinstance(concept.get("id"), str) and isinstance(concept.get("type"), str):
            scope.concepts.setdefault(concept["id"], concept["type"])
    for _, template in _items(doc, "templates"):
        if isinstance(template.get("id"), str):
            scope.templates.add(template["id"])
    for _, pattern in _items(doc, "patterns"):
        if isinstance(pattern.get("id"), str):
            scope.patterns.setdefault(pattern["id"], pattern)
    return scope


def _unique_ids(doc: dict, scope: Scope, ck: Checker) -> None:
    """§2/§6.1: one IRI names one thing; components may not reuse the profile's or a version's id."""
    seen = {scope.profile_id, *scope.version_ids}
    for key in ("concepts", "templates", "patterns"):
        for i, item in _items(doc, key):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                ck.error(
                    f"$.{key}[{i}].id",
                    "duplicate-id",
                    S2,
                    f"{ident} is already the id of the profile, a version or another component",
                )
            seen.add(ident)
