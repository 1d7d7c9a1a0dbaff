"""Statement template matching: Determining Properties (structure §8) and rules (structure §8.1), with
the evaluation of communication §2.1 ``follows_rule``."""

from __future__ import annotations

import pytest

from lrs.profiles import compile_template, match_template

V = "https://example.org/verbs/"
AT = "https://example.org/types/"


def template(*rules, **determining):
    return {
        "id": "https://example.org/templates/t",
        "type": "StatementTemplate",
        **determining,
        "rules": list(rules),
    }


def statement(**parts):
    base = {
        "actor": {"mbox": "mailto:a@example.org"},
        "verb": {"id": V + "did"},
        "object": {"id": "https://example.org/a", "definition": {"type": AT + "thing"}},
    }
    return {**base, **parts}


def failures(tmpl, st, **kw):
    return [(f.kind, f.path) for f in match_template(tmpl, st, **kw)]


# Determining Properties (structure §8, communication §2.1 matches_determining_properties)


@pytest.mark.parametrize(
    ("determining", "fits"),
    [
        ({"verb": V + "did"}, True),
        ({"verb": V + "other"}, False),
        ({"objectActivityType": AT + "thing"}, True),
        ({"objectActivityType": AT + "other"}, False),
        ({"contextGroupingActivityType": [AT + "g"]}, True),
        ({"contextGroupingActivityType": [AT + "g", AT + "h"]}, True),  # a superset is fine
        ({"contextGroupingActivityType": [AT + "g", AT + "x"]}, False),
        ({"contextParentActivityType": [AT + "p"]}, True),  # single object normalised to an array
        ({"contextOtherActivityType": [AT + "g"]}, False),
        ({"contextCategoryActivityType": [AT + "c"]}, True),
        ({"attachmentUsageType": ["https://example.org/usage/u"]}, True),
        ({"attachmentUsageType": ["https://example.org/usage/other"]}, False),
        ({}, True),
    ],
)
def test_determining_properties_structure_s8(determining, fits):
    st = statement(
        context={
            "contextActivities": {
                "grouping": [
                    {"id": "https://example.org/g", "definition": {"type": AT + "g"}},
                    {"id": "https://example.org/h", "definition": {"type": AT + "h"}},
                ],
                "parent": {"id": "https://example.org/p", "definition": {"type": AT + "p"}},
                "category": [{"id": "https://example.org/c", "definition": {"type": AT + "c"}}],
            }
        },
        attachments=[
            {
                "usageType": "https://example.org/usage/u",
                "contentType": "text/plain",
                "length": 1,
                "sha2": "00",
                "display": {"en": "u"},
            }
        ],
    )
    found = match_template(template(**determining), st)
    assert (found == []) is fits
    assert all(f.determining for f in found)


def test_object_activity_type_needs_an_activity_object_structure_s8():
    st = statement(
        object={"objectType": "Agent", "mbox": "mailto:b@example.org", "definition": {"type": AT + "thing"}}
    )
    assert failures(template(objectActivityType=AT + "thing"), st) == [("determining", "objectActivityType")]


def test_rules_are_not_checked_when_the_template_does_not_apply_communication_s2_1():
    tmpl = template({"location": "$.result", "presence": "included"}, verb=V + "other")
    assert failures(tmpl, statement()) == [("determining", "verb")]


# presence (structure §8.1)


@pytest.mark.parametrize(
    ("presence", "result", "ok"),
    [
        ("included", {"success": True}, True),
        ("included", None, False),
        ("excluded", None, True),
        ("excluded", {"success": False}, False),
        ("recommended", None, True),
        ("recommended", {"success": True}, True),
    ],
)
def test_presence_structure_s8_1(presence, result, ok):
    st = statement(result=result) if result is not None else statement()
    tmpl = template({"location": "$.result.success", "presence": presence})
    assert (failures(tmpl, st) == []) is ok


# any / all / none (structure §8.1, communication §2.1)


@pytest.mark.parametrize(
    ("rule", "values", "ok"),
    [
        ({"any": ["a", "b"]}, ["b", "z"], True),
        ({"any": ["a", "b"]}, ["z"], False),
        ({"any": ["a"]}, [], False),  # strict: no value cannot intersect
        ({"presence": "recommended", "any": ["a"]}, [], True),
        ({"presence": "recommended", "any": ["a"]}, ["z"], False),
        ({"all": ["a", "b"]}, ["a", "b", "a"], True),
        ({"all": ["a"]}, ["a", "z"], False),
        ({"all": ["a"]}, [], True),  # nothing outside 'all'
        ({"presence": "included", "all": ["a"]}, [], False),
        ({"none": ["x"]}, ["a", "b"], True),
        ({"none": ["x"]}, ["a", "x"], False),
        ({"none": ["x"]}, [], True),
        ({"presence": "excluded", "none": ["x"]}, [], True),
        ({"any": ["a"], "none": ["b"]}, ["a", "b"], False),
    ],
)
def test_any_all_none_structure_s8_1(rule, values, ok):
    st = statement(context={"contextActivities": {"category": [{"id": v} for v in values]}})
    tmpl = template({"location": "$.context.contextActivities.category[*].id", **rule})
    assert (failures(tmpl, st) == []) is ok


def test_values_compare_as_json_true_is_not_one_structure_s8_1():
    tmpl = template({"location": "$.result.success", "all": [True]})
    assert failures(tmpl, statement(result={"success": True})) == []
    assert failures(tmpl, statement(result={"success": 1})) == [("rule", "rules[0]")]
    score = template({"location": "$.result.score.raw", "any": [1]})
    assert failures(score, statement(result={"score": {"raw": 1.0}})) == []


def test_object_values_compare_by_content_structure_s8_1():
    tmpl = template(
        {"location": "$.context.extensions['https://example.org/e']", "any": [{"b": 1, "a": [2]}]}
    )
    st = statement(context={"extensions": {"https://example.org/e": {"a": [2], "b": 1}}})
    assert failures(tmpl, st) == []


# selector (structure §8.1): unmatchable values

GROUPING = {
    "contextActivities": {
        "grouping": [
            {"id": "https://example.org/g1", "definition": {"type": AT + "g"}},
            {"id": "https://example.org/g2"},
        ]
    }
}


@pytest.mark.parametrize(
    ("rule", "ok"),
    [
        ({"presence": "included"}, False),  # g2 has no type: unmatchable
        ({"presence": "recommended"}, True),
        ({"presence": "excluded"}, False),  # g1's type is a matchable value
        ({"any": [AT + "g"]}, True),
        ({"all": [AT + "g"]}, False),  # all fails on an unmatchable value
        ({"none": [AT + "x"]}, True),
    ],
)
def test_selector_and_unmatchable_values_structure_s8_1(rule, ok):
    tmpl = template(
        {"location": "$.context.contextActivities.grouping[*]", "selector": "$.definition.type", **rule}
    )
    assert (failures(tmpl, statement(context=GROUPING)) == []) is ok


def test_selector_with_only_unmatchable_values_is_excluded_structure_s8_1():
    tmpl = template(
        {
            "location": "$.context.contextActivities.grouping[*]",
            "selector": "$.objectType",
            "presence": "excluded",
        }
    )
    assert failures(tmpl, statement(context=GROUPING)) == []


def test_single_context_activity_objects_are_normalised_structure_s8_1():
    tmpl = template(
        {
            "location": "$.context.contextActivities.parent[*].id",
            "presence": "included",
            "all": ["https://example.org/p"],
        }
    )
    st = statement(context={"contextActivities": {"parent": {"id": "https://example.org/p"}}})
    assert failures(tmpl, st) == []


def test_every_failing_rule_is_reported_with_its_path_structure_s8_1():
    tmpl = template(
        {"location": "$.id", "presence": "included"},
        {"location": "$.verb.id", "presence": "included"},
        {"location": "$.timestamp", "presence": "included"},
    )
    found = match_template(tmpl, statement())
    assert [f.path for f in found] == ["rules[0]", "rules[2]"]
    assert "$.timestamp" in found[1].message


# StatementRef templates (structure §8, communication §2.1 follows_rules)

ORIGINAL = {"id": "https://example.org/templates/original", "type": "StatementTemplate", "verb": V + "did"}
REF = "c1b9a2b0-1111-4c4c-8a8a-000000000001"


def ref_template(key):
    return {
        "id": "https://example.org/templates/ref",
        "type": "StatementTemplate",
        "verb": V + "undid",
        key: [ORIGINAL["id"]],
    }


def resolve(template_id):
    return compile_template(ORIGINAL) if template_id == ORIGINAL["id"] else None


@pytest.mark.parametrize("key", ["objectStatementRefTemplate", "contextStatementRefTemplate"])
def test_statement_ref_templates_communication_s2_1(key):
    ref = {"objectType": "StatementRef", "id": REF}
    if key == "objectStatementRefTemplate":
        st = {"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": V + "undid"}, "object": ref}
        missing = {**st, "object": {"id": "https://example.org/a"}}
    else:
        st = statement(verb={"id": V + "undid"}, context={"statement": ref})
        missing = statement(verb={"id": V + "undid"})
    tmpl = ref_template(key)
    stored = {REF: statement()}
    assert failures(tmpl, st, lookup=stored.get, resolve=resolve) == []
    assert failures(tmpl, missing, lookup=stored.get, resolve=resolve) == [("statement-ref", key)]
    other = {REF: statement(verb={"id": V + "something-else"})}
    assert failures(tmpl, st, lookup=other.get, resolve=resolve) == [("statement-ref", key)]
    assert failures(tmpl, st, lookup={}.get, resolve=resolve) == []  # unavailable: passes
    assert failures(tmpl, st) == []  # no lookup at all: unavailable
