"""Certifications: requirements (all or N of), validity, renewal window, statuses, and the statements
that announce earning, renewing, expiring and revoking."""

from __future__ import annotations

import pytest

from lrs.progress.certifications import DAY_US, MONTH_US, cycles, parse_requirements, status
from lrs.progress.rules import Evidence, RuleError
from tests.api.conftest import make_user_client
from tests.conftest import statement
from tests.progress.test_engine import setup_people

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
TWO_RULES = {
    "requirements": [
        {"title": "Course", "rule": {"match": {"verbs": [COMPLETED]}, "measure": {"kind": "count", "target": 1}}},
        {"title": "Exam", "rule": {"match": {"verbs": [PASSED]}, "measure": {"kind": "count", "target": 1}}},
    ],
    "validity_months": 12, "renewal_days": 60,
}


def ev(day: int, sid: str = "") -> Evidence:
    return Evidence(sid or f"s{day}", None, 0, day * DAY_US)


def test_earned_when_all_requirements_are_met():
    req = parse_requirements(TWO_RULES)
    events = cycles(req, [[ev(10)], [ev(20)]], now_us=30 * DAY_US)
    assert [(e.kind, e.at_us) for e in events] == [("earned", 20 * DAY_US)]
    assert events[0].expires_us == 20 * DAY_US + 12 * MONTH_US
    assert status(events, req, 30 * DAY_US, revoked=False) == "active"


def test_n_of_needs_only_n():
    req = parse_requirements({**TWO_RULES, "mode": "n_of", "n": 1})
    assert [e.kind for e in cycles(req, [[ev(10)], []], now_us=30 * DAY_US)] == ["earned"]


def test_expiring_within_the_window_then_expired():
    req = parse_requirements(TWO_RULES)
    expires = 20 * DAY_US + 12 * MONTH_US
    events = cycles(req, [[ev(10)], [ev(20)]], now_us=expires - 10 * DAY_US)
    assert status(events, req, expires - 10 * DAY_US, revoked=False) == "expiring"
    events = cycles(req, [[ev(10)], [ev(20)]], now_us=expires + DAY_US)
    assert [e.kind for e in events] == ["earned", "expired"]
    assert status(events, req, expires + DAY_US, revoked=False) == "expired"


def test_renewed_by_meeting_the_requirements_again_in_the_window():
    req = parse_requirements(TWO_RULES)
    expires = 20 * DAY_US + 12 * MONTH_US
    renew_day = (expires - 30 * DAY_US) // DAY_US
    events = cycles(req, [[ev(10), ev(renew_day, "r1")], [ev(20), ev(renew_day + 1, "r2")]],
                    now_us=expires + DAY_US)
    assert [e.kind for e in events] == ["earned", "renewed"]
    assert events[1].expires_us == (renew_day + 1) * DAY_US + 12 * MONTH_US


def test_statements_before_the_window_do_not_renew():
    req = parse_requirements(TWO_RULES)
    expires = 20 * DAY_US + 12 * MONTH_US
    early = (expires - 200 * DAY_US) // DAY_US
    events = cycles(req, [[ev(10), ev(early)], [ev(20), ev(early)]], now_us=expires + DAY_US)
    assert [e.kind for e in events] == ["earned", "expired"]


def test_no_validity_never_expires():
    req = parse_requirements({**TWO_RULES, "validity_months": None})
    events = cycles(req, [[ev(1)], [ev(2)]], now_us=10_000 * DAY_US)
    assert [e.kind for e in events] == ["earned"] and events[0].expires_us is None


@pytest.mark.parametrize("definition, path", [
    ({}, "$.requirements"),
    ({"requirements": [{"rule": {}}]}, "$.requirements[0].title"),
    ({"requirements": [{"title": "x", "rule": {"measure": {"kind": "x"}}}]}, "$.requirements[0].rule.measure.kind"),
    ({**TWO_RULES, "mode": "n_of", "n": 3}, "$.n"),
    ({**TWO_RULES, "mode": "some"}, "$.mode"),
    ({**TWO_RULES, "validity_months": 0}, "$.validity_months"),
    ({**TWO_RULES, "renewal_days": -1}, "$.renewal_days"),
])
def test_malformed_definitions_name_the_path(definition, path):
    with pytest.raises(RuleError) as caught:
        parse_requirements(definition)
    assert caught.value.path == path


def test_earning_a_certification_through_statements_emits_a_statement(app, client, xapi):
    admin, ids = setup_people(app, client)
    made = admin.post("/certifications", json={"title": "Reviewer", "definition": TWO_RULES})
    assert made.status_code == 201, made.get_json()
    cert_id = made.get_json()["id"]
    holders = admin.post(f"/certifications/{cert_id}/holders", json={"person_ids": [ids["E2"]]}).get_json()
    assert holders[0]["status"] == "not_earned"
    xapi.store(statement(actor={"mbox": "mailto:ada@example.com"}, verb={"id": COMPLETED}))
    xapi.store(statement(actor={"mbox": "mailto:ada@example.com"}, verb={"id": PASSED}))
    mine = admin.get(f"/people/{ids['E2']}/certifications").get_json()
    assert mine[0]["status"] == "active" and mine[0]["expires_at"]
    earned = xapi.get({"verb": "http://id.tincanapi.com/verb/earned"}).get_json()["statements"]
    assert len(earned) == 1
    assert earned[0]["actor"]["mbox"] == "mailto:ada@example.com"
    assert earned[0]["object"]["definition"]["name"] == {"en": "Reviewer"}
    # It is a valid statement that follows the certification profile's "earned" template.
    from lrs.profiles import TemplateIndex
    from lrs.profiles.builtin import project_profiles
    from lrs.xapi.validation import validate_statements

    validate_statements(earned, "1.0.3")
    index = TemplateIndex(project_profiles())
    results = index.validate(earned[0], profiles=index.claimed_profiles(earned[0]))
    assert [r.outcome for r in results.values()] == ["success"]
    assert results["https://w3id.org/xapi/lrs/profiles/certification"].matched == (
        "https://w3id.org/xapi/lrs/profiles/certification/templates/earned",)
    # Requirement goals are not listed as the person's own goals.
    assert admin.get(f"/people/{ids['E2']}/progress").get_json()["goals"] == []


def test_revoking_emits_a_statement_and_shows_revoked(app, client, xapi):
    admin, ids = setup_people(app, client)
    cert_id = admin.post("/certifications", json={"title": "R", "definition": {**TWO_RULES, "mode": "n_of",
                                                                                 "n": 1}}).get_json()["id"]
    xapi.store(statement(actor={"mbox": "mailto:ada@example.com"}, verb={"id": COMPLETED}))
    admin.post(f"/certifications/{cert_id}/holders", json={"person_ids": [ids["E2"]]})
    revoked = admin.post(f"/certifications/{cert_id}/holders/{ids['E2']}/revoke", json={"reason": "audit"})
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    found = xapi.get({"verb": "https://w3id.org/xapi/lrs/profiles/certification/verbs/revoked"}).get_json()
    assert len(found["statements"]) == 1
    again = admin.post(f"/certifications/{cert_id}/holders/{ids['E2']}/revoke", json={"reason": "audit"})
    assert again.status_code == 409


def test_certification_definitions_and_access(app, client):
    admin, ids = setup_people(app, client)
    bad = admin.post("/certifications", json={"title": "x", "definition": {"requirements": []}})
    assert bad.status_code == 400 and bad.get_json()["path"] == "$.definition.requirements"
    learner = make_user_client(app, client, "learner")
    assert learner.post("/certifications", json={"title": "x", "definition": TWO_RULES}).status_code == 403
    other = make_user_client(app, client, "admin", tenant="other")
    cert_id = admin.post("/certifications", json={"title": "x", "definition": TWO_RULES}).get_json()["id"]
    assert other.post(f"/certifications/{cert_id}/holders", json={"person_ids": [ids["E2"]]}).status_code == 404


def test_certifications_from_the_cli(app, client, runner, xapi):
    admin, ids = setup_people(app, client)
    import json

    made = runner.invoke(args=["certifications", "create", "--title", "Reviewer", "--definition",
                               json.dumps({**TWO_RULES, "mode": "n_of", "n": 1}), "--json"])
    assert made.exit_code == 0, made.output
    cert_id = json.loads(made.output)["id"]
    xapi.store(statement(actor={"mbox": "mailto:ada@example.com"}, verb={"id": COMPLETED}))
    assigned = runner.invoke(args=["certifications", "assign", str(cert_id), "--team", "Platform"])
    assert assigned.exit_code == 0 and "assigned 2" in assigned.output
    assert admin.get(f"/people/{ids['E2']}/certifications").get_json()[0]["status"] == "active"
    bad = runner.invoke(args=["certifications", "create", "--title", "x", "--definition", "{}"])
    assert bad.exit_code != 0 and "$.definition.requirements" in bad.output
