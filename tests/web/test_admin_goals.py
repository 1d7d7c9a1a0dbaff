"""/admin/goals and /admin/certifications: editors whose rules are JSON, with every error shown by field."""

from __future__ import annotations

import json

import pytest

from lrs.extensions import db
from lrs.models import CertificationHolder, Goal, GoalProgress, Team
from tests.web.conftest import COMPLETED, count_rule, log_in_as, post


def _admin(app, client, seed):
    return log_in_as(app, client, seed.users["admin"])


def _goal(**fields) -> dict:
    return {"title": "Read two papers", "description": "", "person": "E2", "team": "", "starts_on": "",
            "due_on": "", "weight": "1", "rule": json.dumps(count_rule(2)), **fields}


def test_the_goals_page_lists_the_tenants_goals_with_an_example_rule(app, client, seed):
    page = _admin(app, client, seed).get("/admin/goals").get_data(as_text=True)
    for title in ("Finish two Python courses", "Complete the cryptography module", "Review kernel patches"):
        assert title in page
    assert "Acme confidential goal" not in page and "Complete a course" not in page  # nor requirement goals
    assert "&#34;measure&#34;" in page  # the example rule in the editor


def test_an_admin_creates_a_goal_and_past_statements_count(app, client, seed):
    _admin(app, client, seed)
    response = post(client, "/admin/goals", _goal(due_on="2030-01-31", weight="2.5"))
    assert response.status_code == 302
    page = client.get("/admin/goals").get_data(as_text=True)
    assert "Goal “Read two papers” created for 1 person(s)" in page
    with app.app_context():
        goal = db.session.query(Goal).filter_by(title="Read two papers").one()
        assert goal.person_id == seed.people["E2"] and goal.weight == 2.5 and str(goal.due_on) == "2030-01-31"
        assert db.session.get(GoalProgress, goal.id).value == 1  # Ada's completion, stored before


def test_a_team_goal_is_copied_to_each_member_and_unknown_verbs_are_noted(app, client, seed):
    with app.app_context():
        platform = db.session.query(Team).filter_by(name="Platform").one().id
    _admin(app, client, seed)
    rule = json.dumps(count_rule(1, "http://example.com/verbs/never-seen"))
    post(client, "/admin/goals", _goal(person="", team=str(platform), rule=rule))
    page = client.get("/admin/goals").get_data(as_text=True)
    assert "created for 2 person(s)" in page and "no statement with verb http://example.com/verbs/never-seen" in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"rule": "{"}, "rule", "The rule is not valid JSON"),
    ({"rule": json.dumps({"match": {"verbs": ["nope"]}, "measure": {"kind": "count", "target": 1}})}, "rule",
     "(at $.rule.match.verbs[0])"),
    ({"rule": json.dumps({"measure": {"kind": "forever"}})}, "rule", "$.rule.measure"),
    ({"title": " "}, "title", "a goal needs a title"),
    ({"person": "E99"}, "person", "No person with employee id"),
    ({"person": ""}, "person", "Name a person (employee id) or choose a team."),
    ({"person": "", "team": "999999"}, "team", "Choose a team of the list."),
    ({"due_on": "31/01/2030"}, "due_on", "Write the date as YYYY-MM-DD."),
    ({"starts_on": "2030-02-01", "due_on": "2030-01-01"}, "due_on", "due_on is before starts_on"),
    ({"team": "999999"}, "team", "Choose a team of the list."),
    ({"weight": "heavy"}, "weight", "The weight is a number"),
    ({"weight": "0"}, "weight", "weight must be more than 0"),
])
def test_goal_errors_are_shown_beside_their_field_and_the_form_is_kept(app, client, seed, fields, field, message):
    _admin(app, client, seed)
    response = post(client, "/admin/goals", _goal(**fields))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p class="error" id="f-{field}-error">' in page and message in page
    assert f'href="#f-{field}"' in page  # the summary links to the field
    with app.app_context():
        assert db.session.query(Goal).filter_by(title="Read two papers").count() == 0


def test_recounting_progress_gives_the_same_numbers(app, client, seed):
    _admin(app, client, seed)
    with app.app_context():
        db.session.query(GoalProgress).delete()
        db.session.commit()
    assert post(client, "/admin/goals/recount").status_code == 302
    assert "Progress recounted for 4 people." in client.get("/admin/goals").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(GoalProgress, seed.goals["ada"]).value == 1
        assert db.session.get(GoalProgress, seed.goals["mallory"]) is None  # another tenant: untouched


CERTIFICATION = {"requirements": [{"title": "Complete a course", "rule": count_rule(1)}], "validity_months": 12}


def test_an_admin_creates_a_certification_and_assigns_it_to_a_team(app, client, seed):
    with app.app_context():
        platform = db.session.query(Team).filter_by(name="Platform").one().id
    _admin(app, client, seed)
    response = post(client, "/admin/certifications", {"title": "Python basics", "description": "Entry level",
                                                      "definition": json.dumps(CERTIFICATION)})
    assert response.status_code == 302
    with app.app_context():
        from lrs.models import Certification

        certification = db.session.query(Certification).filter_by(title="Python basics").one().id
    assert post(client, f"/admin/certifications/{certification}/assign", {"team": str(platform)}).status_code == 302
    page = client.get("/admin/certifications").get_data(as_text=True)
    assert "assigned to 2 more person(s)" in page and "2 holder(s)" in page and "valid 12 months" in page
    assert "Acme licence" not in page
    with app.app_context():
        assert db.session.query(CertificationHolder).filter_by(certification_id=certification).count() == 2
    ada = log_in_as(app, app.test_client(), seed.users["learner"]).get("/me").get_data(as_text=True)
    assert "Python basics" in ada


@pytest.mark.parametrize(("fields", "message"), [
    ({"definition": "[1,"}, "The definition is not valid JSON"),
    ({"definition": json.dumps({"requirements": []})}, "(at $.definition.requirements)"),
    ({"definition": json.dumps({**CERTIFICATION, "mode": "n_of", "n": 5})}, "(at $.definition.n)"),
    ({"definition": json.dumps({"requirements": [{"title": "x", "rule": {"match": {"verbs": [1]}}}]})},
     "$.definition.requirements[0].rule"),
    ({"title": ""}, "a certification needs a title"),
])
def test_certification_errors_are_shown(app, client, seed, fields, message):
    _admin(app, client, seed)
    response = post(client, "/admin/certifications",
                    {"title": "Broken", "description": "", "definition": json.dumps(CERTIFICATION), **fields})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_assigning_nobody_or_an_unknown_person_says_so(app, client, seed):
    _admin(app, client, seed)
    post(client, f"/admin/certifications/{seed.certification}/assign", {"person": "E99"})
    assert "No person with employee id" in client.get("/admin/certifications").get_data(as_text=True)
    post(client, f"/admin/certifications/{seed.certification}/assign", {})
    assert "Name a person" in client.get("/admin/certifications").get_data(as_text=True)
    post(client, f"/admin/certifications/{seed.certification}/assign", {"person": "E3"})
    assert "assigned to 1 more person(s)" in client.get("/admin/certifications").get_data(as_text=True)


def test_the_verb_completed_is_the_editors_example(app, client, seed):
    page = _admin(app, client, seed).get("/admin/certifications").get_data(as_text=True)
    assert COMPLETED in page and "Safety induction" in page
