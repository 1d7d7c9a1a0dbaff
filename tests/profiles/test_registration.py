"""The registration and subregistration a pattern run is keyed by (structure §9)."""

from __future__ import annotations

from lrs.profiles import SUBREGISTRATION, pattern_scope, subregistration_problems

VERSION = "https://w3id.org/xapi/lrs/profiles/code-review/v1.0"
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
SUB = "a3b3a4bb-1b7b-4c0d-9b4c-5a8f4bdbb2a1"


def statement(registration=REGISTRATION, subregistration=None):
    context: dict = {"contextActivities": {"category": [{"id": VERSION}]}}
    if registration:
        context["registration"] = registration
    if subregistration is not None:
        context["extensions"] = {SUBREGISTRATION: subregistration}
    return {"verb": {"id": "https://example.org/v"}, "context": context}


def test_statements_without_registration_follow_no_pattern_structure_s9():
    assert pattern_scope(statement(registration=None), VERSION) is None


def test_registration_alone_structure_s9():
    assert pattern_scope(statement(), VERSION) == (REGISTRATION, None)


def test_subregistration_for_the_profile_version_structure_s9():
    subs = [
        {
            "profile": "https://example.org/other/v1",
            "subregistration": "00000000-0000-4000-8000-000000000000",
        },
        {"profile": VERSION, "subregistration": SUB},
    ]
    assert pattern_scope(statement(subregistration=subs), VERSION) == (REGISTRATION, SUB)
    assert subregistration_problems(statement(subregistration=subs)) == []


def test_subregistration_rules_structure_s9():
    good = [{"profile": VERSION, "subregistration": SUB}]
    assert subregistration_problems(statement(registration=None, subregistration=good)) == [
        "the subregistration extension is only allowed in statements with a registration"
    ]
    assert subregistration_problems(statement(subregistration=[])) == [
        "the subregistration extension must be a non-empty array"
    ]
    bad_uuid = [{"profile": VERSION, "subregistration": "a3b3a4bb-1b7b-4c0d-1b4c-5a8f4bdbb2a1"}]
    assert "variant 2 UUID" in subregistration_problems(statement(subregistration=bad_uuid))[0]
    assert (
        "needs a 'profile'"
        in subregistration_problems(statement(subregistration=[{"subregistration": SUB}]))[0]
    )
    elsewhere = [{"profile": "https://example.org/other/v1", "subregistration": SUB}]
    assert (
        "not in the category" in subregistration_problems(statement(subregistration=elsewhere), [VERSION])[0]
    )
