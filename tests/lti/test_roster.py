"""Names and Role Provisioning Services: a course's roster into its team (people, identities, membership),
by the course's instructor (API, page) or an admin (API, CLI), with a client-credentials token."""

from __future__ import annotations

import json

from sqlalchemy import select

from lrs.accounts.service import issue_token
from lrs.extensions import db
from lrs.models import Identity, Person, TeamMember, User
from lrs.models.lti import LtiContext, LtiMember
from tests.api.conftest import ApiClient
from tests.conftest import SECRET_KEY
from tests.lti.conftest import api_client, forms
from tests.lti.platform import INSTRUCTOR, LEARNER, MEMBERSHIP, LaunchSpec

TEACHER = {"sub": "teacher-1", "roles": [INSTRUCTOR], "name": "Grace Hopper", "email": "grace@example.com"}
ROSTER = [
    {"user_id": "teacher-1", "roles": [INSTRUCTOR], "name": "Grace Hopper", "email": "grace@example.com",
     "status": "Active"},
    {"user_id": "learner-1", "roles": ["Learner"], "name": "Ada Lovelace", "email": "ada@example.com",
     "status": "Active"},
    {"user_id": "learner-2", "roles": [LEARNER], "given_name": "Alan", "family_name": "Turing",
     "email": "alan@example.com"},
    {"user_id": "learner-3", "roles": [LEARNER], "name": "Left Early", "status": "Inactive"},
]


def teach(app, tool, platform, browser, client) -> tuple[ApiClient, int]:
    """The instructor launches once (so the course and its roster URL are known); their API token."""
    assert browser.launch(tool, platform, platform.prepare(LaunchSpec(**TEACHER))).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "grace@example.com"))
        token = issue_token(db.session, SECRET_KEY, user).token
        db.session.commit()
        return ApiClient(client, token), db.session.scalar(select(LtiContext.id))


def members_of_team(app) -> set[str]:
    with app.app_context():
        team_id = db.session.scalar(select(LtiContext.team_id))
        return set(db.session.scalars(select(Person.name).join(TeamMember, TeamMember.person_id == Person.id)
                                      .where(TeamMember.team_id == team_id)))


def test_instructor_syncs_the_roster_into_the_course_team(app, client, tool, platform, browser):
    manager, context = teach(app, tool, platform, browser, client)
    platform.members["course-1"] = ROSTER
    platform.page_size = 2  # two pages: the Link header is followed
    response = manager.post(f"/lti/contexts/{context}/sync-roster")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("members", "learners", "managers", "inactive", "people_created", "left")} == {
        "members": 4, "learners": 2, "managers": 1, "inactive": 1, "people_created": 3, "left": 0}
    assert members_of_team(app) == {"Ada Lovelace", "Alan Turing"}
    with app.app_context():
        alan = db.session.scalar(select(Person).where(Person.name == "Alan Turing"))
        assert set(db.session.scalars(select(Identity.value).where(Identity.person_id == alan.id))) == {
            "mbox:mailto:alan@example.com", f"account:{platform.issuer}\x1flearner-2"}
        assert db.session.get(LtiMember, (context, alan.id)).user_sub == "learner-2"
    assert all(MEMBERSHIP in scopes for scopes in platform.tokens.values())


def test_a_second_sync_removes_who_left_and_keeps_people(app, client, tool, platform, browser):
    manager, context = teach(app, tool, platform, browser, client)
    platform.members["course-1"] = ROSTER
    manager.post(f"/lti/contexts/{context}/sync-roster")
    platform.members["course-1"] = [m for m in ROSTER if m["user_id"] != "learner-1"]
    body = manager.post(f"/lti/contexts/{context}/sync-roster").get_json()
    assert body["left"] == 1 and body["people_created"] == 0
    assert members_of_team(app) == {"Alan Turing"}
    with app.app_context():
        assert db.session.scalar(select(Person.id).where(Person.name == "Ada Lovelace")) is not None


def test_a_learner_launch_and_the_roster_are_one_person(app, client, tool, platform, browser):
    manager, context = teach(app, tool, platform, browser, client)
    learner = type(browser)(tool.certificate)
    learner.launch(tool, platform, platform.prepare(LaunchSpec()))
    platform.members["course-1"] = ROSTER
    assert manager.post(f"/lti/contexts/{context}/sync-roster").get_json()["people_created"] == 2
    with app.app_context():
        assert len(list(db.session.scalars(select(Person).where(Person.name == "Ada Lovelace")))) == 1


def test_who_may_sync(app, client, tool, platform, browser):
    manager, context = teach(app, tool, platform, browser, client)
    platform.members["course-1"] = ROSTER
    assert api_client(app, client, "learner").post(f"/lti/contexts/{context}/sync-roster").status_code == 403
    other_manager = api_client(app, client, "manager")
    assert other_manager.post(f"/lti/contexts/{context}/sync-roster").status_code == 404
    assert other_manager.get("/lti/contexts").get_json() == []
    other_tenant = api_client(app, client, "admin", tenant="other")
    assert other_tenant.post(f"/lti/contexts/{context}/sync-roster").status_code == 404
    admin = api_client(app, client, "admin")
    assert admin.post(f"/lti/contexts/{context}/sync-roster").status_code == 200
    assert [c["title"] for c in manager.get("/lti/contexts").get_json()] == ["Course One"]


def test_a_course_without_the_roster_service_is_a_409(app, client, tool, platform, browser):
    spec = LaunchSpec(nrps=False, **TEACHER)
    browser.launch(tool, platform, platform.prepare(spec))
    with app.app_context():
        context = db.session.scalar(select(LtiContext.id))
    response = api_client(app, client, "admin").post(f"/lti/contexts/{context}/sync-roster")
    assert response.status_code == 409
    assert response.get_json()["path"] == "memberships_url" and "launch the tool" in response.get_json()["detail"]


def test_a_platform_that_refuses_the_roster_is_a_502(app, client, tool, platform, browser):
    manager, context = teach(app, tool, platform, browser, client)
    platform.tokens.clear()
    original = platform.authorized
    platform.authorized = lambda header, scope: False
    try:
        response = manager.post(f"/lti/contexts/{context}/sync-roster")
    finally:
        platform.authorized = original
    assert response.status_code == 502 and "refused the roster: 401" in response.get_json()["detail"]


def test_sync_from_the_instructors_page(app, client, tool, platform, browser):
    teach(app, tool, platform, browser, client)
    platform.members["course-1"] = ROSTER
    home = browser.get(f"{tool.url}/lti/home")
    assert "Sync the roster" in home.text
    done = browser.submit(home)
    assert done.status_code == 200 and "Roster of Course One synced: 2 learners, 1 instructors" in done.text
    assert members_of_team(app) == {"Ada Lovelace", "Alan Turing"}
    forged = browser.http.post(f"{tool.url}{forms(home.text)[0]['action']}", data={"csrf_token": "x"})
    assert forged.status_code == 400


def test_cli_sync(app, client, tool, platform, browser, runner):
    _, context = teach(app, tool, platform, browser, client)
    platform.members["course-1"] = ROSTER
    listed = json.loads(runner.invoke(args=["lti", "contexts", "--json"]).output)
    assert [c["id"] for c in listed] == [context]
    result = runner.invoke(args=["lti", "roster", "sync", str(context), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["learners"] == 2
    assert runner.invoke(args=["lti", "roster", "sync", "9999"]).exit_code != 0
