"""The progress engine: statements from any source become progress, incrementally and exactly."""

from __future__ import annotations

import uuid

from tests.api.conftest import make_user_client
from tests.conftest import statement

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PEOPLE = """employee_id,name,email,manager_id,teams,github
E1,Grace Hopper,grace@example.com,,Leads,
E2,Ada Lovelace,ada@example.com,E1,Platform,adal
E3,Alan Turing,alan@example.com,E1,Platform,
"""


def setup_people(app, client):
    admin = make_user_client(app, client, "admin")
    assert admin.post("/people/import", data=PEOPLE, headers={"Content-Type": "text/csv"}).status_code == 200
    ids = {p["employee_id"]: p["id"] for p in admin.get("/people").get_json()}
    return admin, ids


def done(mbox, activity, **extra):
    return statement(actor={"mbox": f"mailto:{mbox}"}, object={"id": activity}, **extra)


def count_rule(target, verb=COMPLETED):
    return {"match": {"verbs": [verb]}, "measure": {"kind": "count", "target": target}}


def progress_of(admin, goal_id):
    return admin.get(f"/goals/{goal_id}").get_json()


def test_statements_move_a_goal_to_achieved(app, client, xapi):
    admin, ids = setup_people(app, client)
    goal = admin.post("/goals", json={"title": "Finish 2 courses", "person_id": ids["E2"],
                                      "rule": count_rule(2)}).get_json()["goals"][0]
    assert goal["progress"]["status"] == "not_started"
    xapi.store(done("ada@example.com", "http://x.example/c1"))
    assert progress_of(admin, goal["id"])["progress"]["fraction"] == 0.5
    assert progress_of(admin, goal["id"])["progress"]["status"] == "in_progress"
    xapi.store(done("ada@example.com", "http://x.example/c2"))
    view = progress_of(admin, goal["id"])
    assert view["progress"]["status"] == "achieved" and view["progress"]["achieved_at"]
    assert len(view["evidence"]) == 2
    # Another person's statement does not count.
    xapi.store(done("alan@example.com", "http://x.example/c3"))
    assert progress_of(admin, goal["id"])["progress"]["value"] == 2


def test_statements_stored_before_the_goal_count(app, client, xapi):
    admin, ids = setup_people(app, client)
    xapi.store(done("ada@example.com", "http://x.example/c1"))
    goal = admin.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": count_rule(1)}).get_json()
    assert goal["goals"][0]["progress"]["status"] == "achieved"
    assert goal["warnings"] == []


def test_unknown_verbs_are_warned_about(app, client):
    admin, ids = setup_people(app, client)
    made = admin.post("/goals", json={"title": "g", "person_id": ids["E2"],
                                      "rule": count_rule(1, "http://x.example/verbs/never")}).get_json()
    assert made["warnings"] == ["no statement with verb http://x.example/verbs/never has been stored yet"]


def test_voiding_removes_credit(app, client, xapi):
    admin, ids = setup_people(app, client)
    goal = admin.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": count_rule(1)}).get_json()
    goal_id = goal["goals"][0]["id"]
    sid = xapi.store(done("ada@example.com", "http://x.example/c1"))
    assert progress_of(admin, goal_id)["progress"]["status"] == "achieved"
    xapi.store(statement(actor={"mbox": "mailto:ada@example.com"},
                         verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                         object={"objectType": "StatementRef", "id": sid}))
    assert progress_of(admin, goal_id)["progress"]["status"] == "not_started"


def test_github_identity_and_group_members_are_credited(app, client, xapi):
    admin, ids = setup_people(app, client)
    goal_id = admin.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": count_rule(2)}
                         ).get_json()["goals"][0]["id"]
    xapi.store(statement(actor={"account": {"homePage": "https://github.com", "name": "adal"}}))
    xapi.store(statement(actor={"objectType": "Group", "member": [{"mbox": "mailto:ada@example.com"},
                                                                  {"mbox": "mailto:x@example.com"}]}))
    assert progress_of(admin, goal_id)["progress"]["value"] == 2


def test_linking_an_identity_credits_past_statements(app, client, xapi):
    admin, ids = setup_people(app, client)
    goal_id = admin.post("/goals", json={"title": "g", "person_id": ids["E3"], "rule": count_rule(1)}
                         ).get_json()["goals"][0]["id"]
    xapi.store(statement(actor={"account": {"homePage": "https://lms.example.com", "name": "alan-7"}}))
    assert progress_of(admin, goal_id)["progress"]["value"] == 0
    admin.post(f"/people/{ids['E3']}/identities", json={"identity": "account:https://lms.example.com|alan-7"})
    assert progress_of(admin, goal_id)["progress"]["value"] == 1


def test_team_goal_is_copied_to_each_member_and_team_progress(app, client, xapi):
    admin, ids = setup_people(app, client)
    teams = {p["employee_id"]: p["teams"] for p in admin.get("/people").get_json()}
    assert teams["E2"] == ["Platform"]
    from lrs.extensions import db
    from lrs.models import Team

    with app.app_context():
        team_id = db.session.query(Team).filter_by(name="Platform").one().id
    made = admin.post("/goals", json={"title": "Team", "team_id": team_id, "rule": count_rule(1)}).get_json()
    assert sorted(g["person_id"] for g in made["goals"]) == sorted([ids["E2"], ids["E3"]])
    xapi.store(done("ada@example.com", "http://x.example/c1"))
    team = admin.get(f"/teams/{team_id}/progress").get_json()
    summary = {p["person_id"]: p["summary"] for p in team["people"]}
    assert summary[ids["E2"]]["achieved"] == 1 and summary[ids["E3"]]["not_started"] == 1


def test_goal_rules_and_targets_are_checked(app, client):
    admin, ids = setup_people(app, client)
    bad = admin.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": {"measure": {"kind": "x"}}})
    assert bad.status_code == 400 and bad.get_json()["path"] == "$.rule.measure.kind"
    other = make_user_client(app, client, "admin", tenant="other")
    assert other.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": count_rule(1)}
                      ).status_code == 404
    neither = admin.post("/goals", json={"title": "g", "rule": count_rule(1)})
    assert neither.status_code == 400 and neither.get_json()["path"] == "$.person_id"


def test_learners_set_goals_for_themselves_only(app, client):
    admin, ids = setup_people(app, client)
    learner = make_user_client(app, client, "learner", email="alan@example.com")
    from lrs.extensions import db
    from lrs.models import User

    with app.app_context():
        db.session.query(User).filter_by(email="alan@example.com").update({"person_id": ids["E3"]})
        db.session.commit()
    assert learner.post("/goals", json={"title": "mine", "person_id": ids["E3"], "rule": count_rule(1)}
                        ).status_code == 201
    assert learner.post("/goals", json={"title": "hers", "person_id": ids["E2"], "rule": count_rule(1)}
                        ).status_code == 403
    assert [g["title"] for g in learner.get("/goals").get_json()] == ["mine"]


def test_rebuild_gives_the_same_progress(app, client, xapi, runner):
    admin, ids = setup_people(app, client)
    goal_id = admin.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": count_rule(3)}
                         ).get_json()["goals"][0]["id"]
    for n in range(2):
        xapi.store(done("ada@example.com", f"http://x.example/c{n}", id=str(uuid.uuid4())))
    before = progress_of(admin, goal_id)
    result = runner.invoke(args=["progress", "rebuild"])
    assert result.exit_code == 0, result.output
    assert progress_of(admin, goal_id) == before


def test_unmatched_actors_are_listed_until_linked(app, client, xapi):
    admin, ids = setup_people(app, client)
    goal_id = admin.post("/goals", json={"title": "g", "person_id": ids["E3"], "rule": count_rule(1)}
                         ).get_json()["goals"][0]["id"]
    xapi.store(statement(actor={"name": "A. T.", "account": {"homePage": "https://lms.example.com",
                                                             "name": "alan-7"}}))
    xapi.store(done("ada@example.com", "http://x.example/c1"))
    unmatched = admin.get("/people/unmatched").get_json()
    assert [u["agent"]["account"]["name"] for u in unmatched] == ["alan-7"]
    assert unmatched[0]["statements"] == 1
    admin.post(f"/people/{ids['E3']}/identities", json={"identity": "account:https://lms.example.com|alan-7"})
    assert admin.get("/people/unmatched").get_json() == []
    assert progress_of(admin, goal_id)["progress"]["status"] == "achieved"


def test_rules_can_count_statements_by_profile_template(app, client, xapi):
    """A goal may count the statements that matched a template of a profile (report mode records them)."""
    from tests.profiles.samples import code_review

    admin, ids = setup_people(app, client)
    template = "https://w3id.org/xapi/lrs/profiles/code-review/templates/approved"
    goal_id = admin.post("/goals", json={"title": "Approve reviews", "person_id": ids["E2"], "rule": {
        "match": {"templates": [template]}, "measure": {"kind": "count", "target": 1}}}).get_json()["goals"][0]["id"]
    opened = code_review("opened")
    opened["actor"] = {"mbox": "mailto:ada@example.com"}
    xapi.store(opened)
    assert progress_of(admin, goal_id)["progress"]["value"] == 0
    approved = code_review("approved")
    approved["actor"] = {"mbox": "mailto:ada@example.com"}
    xapi.store(approved)
    assert progress_of(admin, goal_id)["progress"]["status"] == "achieved"


def test_pattern_goals_count_completed_registrations(app, client, xapi, runner):
    """A goal may ask for a profile pattern completed: here micro-learning's lesson session, per registration."""
    import uuid as uuid_module

    from tests.profiles.samples import micro_learning

    admin, ids = setup_people(app, client)
    pattern = "https://w3id.org/xapi/lrs/profiles/micro-learning/patterns/lesson-session"
    goal_id = admin.post("/goals", json={"title": "Finish a lesson session", "person_id": ids["E2"], "rule": {
        "measure": {"kind": "pattern", "pattern": pattern}}}).get_json()["goals"][0]["id"]
    registration = str(uuid_module.uuid4())

    def step(kind, when):
        item = micro_learning(kind)
        item["actor"] = {"mbox": "mailto:ada@example.com"}
        item["context"]["registration"] = registration
        item["timestamp"] = when
        return item

    xapi.store(step("started", "2026-04-01T10:00:00Z"))
    assert progress_of(admin, goal_id)["progress"]["status"] == "not_started"
    xapi.store(step("completed", "2026-04-01T10:05:00Z"))
    view = progress_of(admin, goal_id)
    assert view["progress"]["status"] == "achieved" and view["progress"]["achieved_at"].startswith("2026-04-01T10:05")
    assert len(view["evidence"]) == 2
    before = progress_of(admin, goal_id)
    assert runner.invoke(args=["progress", "rebuild"]).exit_code == 0
    assert progress_of(admin, goal_id) == before
    # A statement that breaks the pattern takes the credit back.
    xapi.store(step("answered", "2026-04-01T10:06:00Z"))
    assert progress_of(admin, goal_id)["progress"]["status"] == "not_started"
