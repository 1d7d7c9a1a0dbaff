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


@pytest.mark.parametrize(
    ("path", "values"),
    [
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
    ],
)
def test_allowed_paths_find_every_value_structure_s8_1(path, values):
    assert path_problem(path) is None
    assert compile_path(path)(STATEMENT) == values


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("$.a[?(@.b)]", "filter"),
        ("$.a[(@.length-1)]", "script"),
        ("$.a[-1]", "non-negative"),
        ("$.a[0:2]", "slices"),
        ("$.a[", "unterminated"),
        ("$.a.", "member name"),
        ("$.a | ", "empty"),
        ("$.a['b]", "unterminated"),
        ("$.a b", "unexpected"),
    ],
)
def test_forbidden_paths_are_refused_structure_s8_1(path, why):
    assert why in path_problem(path)


def test_every_location_of_the_five_profiles_is_allowed_structure_s8_1():
    for name in FILES:
        for template in profile(name).get("templates", []):
            for rule in template.get("rules", []):
                assert path_problem(rule["location"]) is None
                assert canonical_path(rule["location"]).startswith("$")


def test_compiled_paths_are_cached_structure_s8_1():
    assert compile_path("$.verb.id") is compile_path("$.verb.id")


def _documents():
    from .samples import SAMPLES

    for make, kinds in SAMPLES.values():
        for kind in kinds:
            yield make(kind)
    yield STATEMENT
    yield {"a": {"*": 1, "0": 2, "b": [{"c": 3}, {"c": [4, 5]}]}, "d": "text", "e": '{"a": 1}'}


EXTRA_PATHS = [
    "$.a['*']",
    "$.a[*]",
    "$.a[0]",
    "$.a.b[0, 1].c",
    "$..c",
    "$..[*]",
    "$.a.b[*].c[1]",
    "$.e.a",
    "$..['c', 'b']",
    "$.a.b[5]",
    "$.d[0]",
]


def test_values_are_those_python_jsonpath_finds_structure_s8_1():
    import jsonpath

    paths = set(EXTRA_PATHS)
    for name in FILES:
        for template in profile(name).get("templates", []):
            for rule in template.get("rules", []):
                paths.update(rule[k] for k in ("location", "selector") if k in rule)
    for document in _documents():
        for path in sorted(paths):
            expected = jsonpath.compile(canonical_path(path)).findall(document)
            assert compile_path(path)(document) == expected, path


def test_a_selector_on_a_string_value_finds_nothing_structure_s8_1():
    assert compile_path("$.a")('{"a": 1}') == []
    assert compile_path("$[0]")("text") == []
