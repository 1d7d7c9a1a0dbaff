"""The error collector the structure rules share: typed property checks that record ProfileErrors.

Sections are named as in the spec (``structure §8.1``); paths are JSONPaths into the profile document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ProfileError
from .values import is_iri, is_uri, language_map_problem

S2, S4 = "structure §2", "structure §4"
S6, S61, S62 = "structure §6", "structure §6.1", "structure §6.2"
S7, S71, S72, S73, S74 = (
    "structure §7",
    "structure §7.1",
    "structure §7.2",
    "structure §7.3",
    "structure §7.4",
)
S8, S81, S9 = "structure §8", "structure §8.1", "structure §9"

PROFILE_CONTEXT = "https://w3id.org/xapi/profiles/context"
ACTIVITY_CONTEXT = "https://w3id.org/xapi/profiles/activity-context"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def child(path: str, key: str | int) -> str:
    """``$.a`` + ``b`` -> ``$.a.b``; odd keys in brackets (``$['@context']``); ints as ``[n]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENT.match(key):
        return f"{path}.{key}"
    return f"{path}['{key}']"


def is_property_iri(key: str) -> bool:
    """§4: a property the spec does not describe must be an absolute or a compact IRI (``prefix:name``)."""
    return key.startswith("@") or is_iri(key)


class Checker:
    """Collects errors; each check returns whether the value was acceptable (absent optional counts)."""

    def __init__(self) -> None:
        self.errors: list[ProfileError] = []

    def error(self, path: str, rule: str, section: str, message: str) -> None:
        self.errors.append(ProfileError(path, rule, section, message))

    def present(self, obj: Mapping, key: str, path: str, section: str, required: bool) -> bool:
        if key in obj:
            return True
        if required:
            self.error(child(path, key), "required", section, f"'{key}' is required")
        return False

    def iri(
        self, obj: Mapping, key: str, path: str, section: str, *, required: bool = False, uri: bool = False
    ) -> bool:
        if not self.present(obj, key, path, section, required):
            return not required
        value, ok = obj[key], (is_uri if uri else is_iri)(obj[key])
        if not ok:
            kind = "URI" if uri else "IRI"
            self.error(child(path, key), "iri", section, f"'{key}' must be an absolute {kind}, not {value!r}")
        return ok

    def iri_array(self, obj: Mapping, key: str, path: str, section: str, *, required: bool = False) -> list:
        """The IRIs of an array-valued property (the good ones); errors for non-arrays and non-IRIs."""
        if not self.present(obj, key, path, section, required):
            return []
        value = obj[key]
        if not isinstance(value, list):
            self.error(child(path, key), "value-type", section, f"'{key}' must be an array of IRIs")
            return []
        good = []
        for i, item in enumerate(value):
            if is_iri(item):
                good.append(item)
            else:
                self.error(child(child(path, key), i), "iri", section, f"{item!r} is not an absolute IRI")
        return good

    def language_map(
        self,
        obj: Mapping,
        key: str,
        path: str,
        section: str,
        *,
        required: bool = False,
        rule: str = "required",
    ) -> bool:
        if key not in obj:
            if required:
                self.error(child(path, key), rule, section, f"'{key}' is required")
            return not required
        problem = language_map_problem(obj[key])
        if problem:
            self.error(child(path, key), "language-map", section, f"'{key}': {problem}")
        return problem is None

    def boolean(self, obj: Mapping, key: str, path: str, section: str) -> None:
        if key in obj and not isinstance(obj[key], bool):
            self.error(child(path, key), "value-type", section, f"'{key}' must be a boolean")

    def string(self, obj: Mapping, key: str, path: str, section: str, *, required: bool = False) -> bool:
        if not self.present(obj, key, path, section, required):
            return not required
        if not isinstance(obj[key], str):
            self.error(child(path, key), "value-type", section, f"'{key}' must be a string")
            return False
        return True

    def type_is(self, obj: Mapping, path: str, section: str, allowed: Iterable[str]) -> bool:
        allowed = tuple(allowed)
        if not self.present(obj, "type", path, section, True):
            return False
        if obj["type"] not in allowed:
            want = " or ".join(f"'{a}'" for a in allowed)
            self.error(child(path, "type"), "type", section, f"'type' must be {want}, not {obj['type']!r}")
            return False
        return True

    def unknown(self, obj: Mapping, known: Iterable[str], path: str) -> None:
        known = set(known)
        for key in obj:
            if key not in known and not is_property_iri(key):
                self.error(
                    child(path, key),
                    "unknown-property",
                    S4,
                    f"'{key}' is not a property of this object and is not an IRI",
                )

    def object(self, value: Any, path: str, section: str, what: str) -> bool:
        if not isinstance(value, dict):
            self.error(path, "not-object", section, f"{what} must be a JSON object")
            return False
        return True


@dataclass
class Scope:
    """What the cross-reference rules need to know about the whole profile."""

    profile_id: Any
    version_ids: set[str] = field(default_factory=set)
    concepts: dict[str, str] = field(default_factory=dict)  # id -> type
    templates: set[str] = field(default_factory=set)
    patterns: dict[str, dict] = field(default_factory=dict)
    external: Mapping[str, str] = field(default_factory=dict)  # re-used components of other profiles
    extra_context: bool = False  # the profile's @context adds contexts of its own


def check_context(value: Any, path: str, required: str, section: str, ck: Checker) -> None:
    """§2/§6/§7.4: an ``@context`` that is the normative context URI or an array containing it."""
    if isinstance(value, list):
        if required not in value:
            ck.error(path, "context", section, f"an array-valued @context must contain {required}")
        for i, item in enumerate(value):
            if not (is_uri(item) or isinstance(item, dict)):
                ck.error(child(path, i), "context", section, "@context entries must be URIs or objects")
    elif value != required:
        ck.error(path, "context", section, f"@context must be {required} (or an array containing it)")


def check_in_scheme(
    obj: Mapping, path: str, section: str, scope: Scope, ck: Checker, *, required: bool = True
) -> None:
    """``inScheme`` must be the id of one of this profile's versions."""
    if not ck.iri(obj, "inScheme", path, section, required=required) or "inScheme" not in obj:
        return
    if obj["inScheme"] not in scope.version_ids:
        ck.error(
            child(path, "inScheme"),
            "in-scheme",
            section,
            f"inScheme {obj['inScheme']} is not the id of a version of this profile",
        )


def items(doc: Mapping, key: str) -> list[tuple[int, Any]]:
    """The (index, member) pairs of an array-valued property; nothing when it is absent or not an array."""
    value = doc.get(key)
    return list(enumerate(value)) if isinstance(value, list) else []
