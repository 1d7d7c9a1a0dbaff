"""JSONPath as structure §8.1 allows it: the grammar, and values found the way python-jsonpath finds them."""

from __future__ import annotations

import pytest

from lrs.profiles.jsonpaths import canonical_path, compile_path, path_problem

from .helpers import FILES, profile

STATEMENT = {
    "verb": {"id": "v"},
    "result": {"success": True, "extensions": {"https://x.org/e|1": [1, 2]}},
    "context": {"contextActivities": {"grouping": [{"id": "g1", "definition": {"type": "t"}}, {"id": "g2"}]}},
}


@pytest.mark.parametrize(("path", "values"), [
    ("$.verb.id", ["v"]),
    ("verb.id", ["v"]),  # relative, as in the spec's own example
    ("$.context.contextActivities.grouping[*].id", ["g1", "g2"]),
    ("$.context.contextActivities.grouping[1].id", ["g2"]),
    ("$.context.contextActivities.grouping[0,1]['id']", ["g1", "g2"]),
    ("$.result.extensions['https://x.org/e|1']", [[1, 2]]),  # one value, itself an array
    ("$.result.success | $.verb.id", [True, "v"]),
    ("$.result.success|$.nothing", [True]),
    ("$.nothing", []),
    ("$..type", ["t"]),
])
def test_allowed_paths_find_every_value_structure_s8_1(path, values):
    assert path_problem(path) is None
    assert compile_path(path)(STATEMENT) == values


@pytest.mark.parametrize(("path", "why"), [
    ("$.a[?(@.b)]", "filter"),
    ("$.a[(@.length-1)]", "script"),
    ("$.a[-1]", "non-negative"),
    ("$.a[0:2]", "slices"),
    ("$.a[", "unterminated"),
    ("$.a.", "member name"),
    ("$.a | ", "empty"),
    ("$.a['b]", "unterminated"),
    ("$.a b", "unexpected"),
])
def test_forbidden_paths_are_refused_structure_s8_1(path, why):
    assert why in path_problem(path)


def test_every_location_of_the_five_profiles_is_allowed_structure_s8_1():
    for name in FILES:
        for template in profile(name).get("templates", []):
            for rule in template.get("rules", []):
                assert path_problem(rule["location"]) is None
                assert canonical_path(rule["location"]).startswith("$")


def test_compiled_paths_are_cached():
    assert compile_path("$.verb.id") is compile_path("$.verb.id")
