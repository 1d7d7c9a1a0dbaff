"""Structure rules for Concepts (structure §7): verbs, activity and attachment usage types (§7.1),
extensions (§7.2), document resources (§7.3) and activities (§7.4)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .checker import (
    ACTIVITY_CONTEXT,
    S7,
    S71,
    S72,
    S73,
    S74,
    Checker,
    Scope,
    check_context,
    check_in_scheme,
    child,
    items,
)
from .values import is_iri, is_media_type

RELATIONAL = ("Verb", "ActivityType", "AttachmentUsageType")
EXTENSIONS = ("ContextExtension", "ResultExtension", "ActivityExtension")
RESOURCES = ("StateResource", "AgentProfileResource", "ActivityProfileResource")
CONCEPT_TYPES = (*RELATIONAL, *EXTENSIONS, *RESOURCES, "Activity")

_COMMON = ("id", "type", "inScheme", "prefLabel", "definition", "deprecated")
_LOCAL_LINKS = ("broader", "narrower", "related")
_EXTERNAL_LINKS = ("broadMatch", "narrowMatch", "relatedMatch", "exactMatch")
_SCHEMA = ("context", "schema", "inlineSchema")
_INTERACTIONS = {
    "true-false": (),
    "choice": ("choices",),
    "fill-in": (),
    "long-fill-in": (),
    "matching": ("source", "target"),
    "performance": ("steps",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "numeric": (),
    "other": (),
}
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_DEFINITION_KEYS = (
    "@context",
    "name",
    "description",
    "type",
    "moreInfo",
    "interactionType",
    "correctResponsesPattern",
    "extensions",
    *_COMPONENT_LISTS,
)


def check_concepts(doc: Mapping, scope: Scope, ck: Checker) -> None:
    for i, concept in items(doc, "concepts"):
        path = f"$.concepts[{i}]"
        if not ck.object(concept, path, S7, "a concept") or not ck.type_is(concept, path, S7, CONCEPT_TYPES):
            continue
        kind = concept["type"]
        section = (
            S71 if kind in RELATIONAL else S72 if kind in EXTENSIONS else S73 if kind in RESOURCES else S74
        )
        ck.iri(concept, "id", path, section, required=True)
        check_in_scheme(concept, path, section, scope, ck)
        ck.boolean(concept, "deprecated", path, section)
        if kind != "Activity":
            ck.language_map(concept, "prefLabel", path, section, required=True)
            ck.language_map(concept, "definition", path, section, required=True)
        if kind in RELATIONAL:
            _relational(concept, path, scope, ck)
        elif kind in EXTENSIONS:
            _extension(concept, path, ck)
        elif kind in RESOURCES:
            _resource(concept, path, ck)
        else:
            _activity(concept, path, ck)


def _relational(concept: Mapping, path: str, scope: Scope, ck: Checker) -> None:
    """§7.1: broader/narrower/related stay inside this profile and the same type; *Match point outside."""
    for key in _LOCAL_LINKS:
        for j, ref in enumerate(ck.iri_array(concept, key, path, S71)):
            if scope.concepts.get(ref) != concept["type"]:
                ck.error(
                    child(child(path, key), j),
                    "concept-link",
                    S71,
                    f"{key} must name a {concept['type']} of this profile; {ref} is not one",
                )
    if "related" in concept and concept.get("deprecated") is not True:
        ck.error(
            child(path, "related"),
            "related-not-deprecated",
            S71,
            "'related' may only be used on deprecated concepts",
        )
    for key in _EXTERNAL_LINKS:
        for j, ref in enumerate(ck.iri_array(concept, key, path, S71)):
            if ref in scope.concepts:
                ck.error(
                    child(child(path, key), j),
                    "concept-match-external",
                    S71,
                    f"{key} names concepts of other profiles; {ref} is in this one (use the non-Match form)",
                )
    ck.unknown(concept, (*_COMMON, *_LOCAL_LINKS, *_EXTERNAL_LINKS), path)


def _extension(concept: Mapping, path: str, ck: Checker) -> None:
    kind = concept["type"]
    for key, allowed in (
        ("recommendedActivityTypes", ("ActivityExtension",)),
        ("recommendedVerbs", ("ContextExtension", "ResultExtension")),
    ):
        if key in concept and kind not in allowed:
            ck.error(
                child(path, key),
                "extension-recommendation",
                S72,
                f"{key} is only allowed on {' and '.join(allowed)}, not on {kind}",
            )
        ck.iri_array(concept, key, path, S72)
    _schemas(concept, path, S72, ck, allow_object=True)
    ck.unknown(concept, (*_COMMON, "recommendedActivityTypes", "recommendedVerbs", *_SCHEMA), path)


def _resource(concept: Mapping, path: str, ck: Checker) -> None:
    if ck.present(concept, "contentType", path, S73, True) and not is_media_type(concept["contentType"]):
        ck.error(
            child(path, "contentType"),
            "content-type",
            S73,
            f"contentType must be an RFC 2046 media type, not {concept['contentType']!r}",
        )
    _schemas(concept, path, S73, ck, allow_object=False)
    ck.unknown(concept, (*_COMMON, "contentType", *_SCHEMA), path)


def _schemas(concept: Mapping, path: str, section: str, ck: Checker, *, allow_object: bool) -> None:
    ck.iri(concept, "context", path, section)
    ck.iri(concept, "schema", path, section)
    if "schema" in concept and "inlineSchema" in concept:
        ck.error(
            child(path, "inlineSchema"),
            "schema-exclusive",
            section,
            "use at most one of schema and inlineSchema",
        )
    if "inlineSchema" not in concept:
        return
    schema: Any = concept["inlineSchema"]
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError:
            ck.error(child(path, "inlineSchema"), "inline-schema", section, "inlineSchema is not valid JSON")
            return
    elif not (allow_object and isinstance(schema, dict)):
        ck.error(
            child(path, "inlineSchema"), "inline-schema", section, "inlineSchema must be a JSON Schema string"
        )
        return
    if not isinstance(schema, dict | bool):
        ck.error(
            child(path, "inlineSchema"),
            "inline-schema",
            section,
            "inlineSchema must hold a JSON Schema (an object or a boolean)",
        )


def _activity(concept: Mapping, path: str, ck: Checker) -> None:
    ck.unknown(concept, ("id", "type", "inScheme", "deprecated", "activityDefinition"), path)
    if not ck.present(concept, "activityDefinition", path, S74, True):
        return
    definition, dpath = concept["activityDefinition"], child(path, "activityDefinition")
    if not ck.object(definition, dpath, S74, "activityDefinition"):
        return
    if ck.present(definition, "@context", dpath, S74, True):
        check_context(definition["@context"], child(dpath, "@context"), ACTIVITY_CONTEXT, S74, ck)
    for key in ("name", "description"):
        ck.language_map(definition, key, dpath, S74)
    ck.iri(definition, "type", dpath, S74)
    ck.iri(definition, "moreInfo", dpath, S74)
    _interaction(definition, dpath, ck)
    _activity_extensions(definition, dpath, ck)
    for key in definition:
        if key not in _DEFINITION_KEYS:
            ck.error(
                child(dpath, key),
                "activity-definition",
                S74,
                f"'{key}' is not a property of an xAPI Activity Definition",
            )


def _interaction(definition: Mapping, path: str, ck: Checker) -> None:
    kind = definition.get("interactionType")
    if kind is not None and kind not in _INTERACTIONS:
        ck.error(
            child(path, "interactionType"), "activity-definition", S74, f"unknown interactionType {kind!r}"
        )
    allowed = _INTERACTIONS.get(kind, ()) if isinstance(kind, str) else ()
    pattern = definition.get("correctResponsesPattern")
    if pattern is not None and not (isinstance(pattern, list) and all(isinstance(p, str) for p in pattern)):
        ck.error(
            child(path, "correctResponsesPattern"),
            "activity-definition",
            S74,
            "correctResponsesPattern must be an array of strings",
        )
    for key in _COMPONENT_LISTS:
        if key not in definition:
            continue
        kpath = child(path, key)
        if key not in allowed:
            ck.error(
                kpath, "activity-definition", S74, f"'{key}' is not allowed with interactionType {kind!r}"
            )
        components = definition[key]
        if not isinstance(components, list):
            ck.error(kpath, "activity-definition", S74, f"'{key}' must be an array of interaction components")
            continue
        ids = [c.get("id") for c in components if isinstance(c, dict)]
        if (
            len(ids) != len(components)
            or not all(isinstance(x, str) for x in ids)
            or len(set(ids)) != len(ids)
        ):
            ck.error(kpath, "activity-definition", S74, "interaction components need distinct string ids")
        for j, component in enumerate(components):
            if isinstance(component, dict):
                ck.language_map(component, "description", child(kpath, j), S74)


def _activity_extensions(definition: Mapping, path: str, ck: Checker) -> None:
    """§7.4: extension keys are IRIs; object values (or each object of an array) carry an @context."""
    extensions = definition.get("extensions")
    if extensions is None:
        return
    epath = child(path, "extensions")
    if not isinstance(extensions, dict):
        ck.error(epath, "activity-definition", S74, "extensions must be an object")
        return
    for key, value in extensions.items():
        if not is_iri(key):
            ck.error(child(epath, key), "activity-definition", S74, "extension keys must be IRIs")
        members = value if isinstance(value, list) else [value]
        if any(isinstance(m, dict) and "@context" not in m for m in members):
            ck.error(
                child(epath, key),
                "extension-context",
                S74,
                "object-valued extensions need a JSON-LD @context in every top-level object",
            )
