"""Assignment and Grade Services: a learner who achieves a placed goal or certification gets the score in the
course's gradebook, posted with a client-credentials token the platform grants against the tool's signed
assertion; failures are retried with back-off and visible under /api/v1/lti/grades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from lrs.extensions import db
from lrs.lti.grades import deliver_due_grades, scores_url
from lrs.models.lti import LtiGradeDelivery, LtiPlacement, LtiPlatform
from tests.conftest import SECRET_KEY, XapiClient, issue_credential, statement
from tests.lti.conftest import certification, completed, team_goal
from tests.lti.platform import LINEITEM, SCORE, LaunchSpec


def deliver(app) -> int:
    with app.app_context():
        return deliver_due_grades(db.session, SECRET_KEY)


def delivery(app) -> LtiGradeDelivery:
    with app.app_context():
        row = db.session.scalar(select(LtiGradeDelivery))
        db.session.expunge(row)
        return row


def place_and_launch(app, tool, platform, browser, custom: dict, ags: dict | None = None, link: str = "link-1"):
    lineitem = platform.add_lineitem("course-1", "Placed", link)
    ags = ags if ags is not None else platform.ags_claim(lineitem=lineitem)
    launched = browser.launch(tool, platform, platform.prepare(LaunchSpec(resource_link_id=link, custom=custom,
                                                                          ags=ags)))
    assert launched.status_code == 303, launched.text
    return lineitem


def test_scores_url_keeps_the_query():
    assert scores_url("https://lms.example/li/7?type_id=3") == "https://lms.example/li/7/scores?type_id=3"
    assert scores_url("https://lms.example/li/7/") == "https://lms.example/li/7/scores"


def test_achieving_a_placed_goal_posts_the_score(app, client, tool, platform, browser, admin):
    goal_id = team_goal(app)
    lineitem = place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    assert deliver(app) == 0 and delivery(app).status == "waiting"
    xapi = XapiClient(client, issue_credential(app))
    xapi.store(completed("ada@example.com"))  # the progress engine's hook notes the score as due
    assert delivery(app).status == "pending"
    assert deliver(app) == 1
    [(item, score)] = platform.scores
    assert item == lineitem
    assert score["userId"] == "learner-1" and score["scoreGiven"] == 100 and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"].endswith("Z")
    [assertion] = platform.assertions
    assert assertion["iss"] == assertion["sub"] == platform.client_id and assertion["aud"] == platform.token_url
    listed = admin.get("/lti/grades").get_json()
    assert [(g["status"], g["attempts"], g["last_error"]) for g in listed] == [("delivered", 1, None)]
    assert listed[0]["placement"]["title"] == "Finish the safety course"
    assert deliver(app) == 0  # delivered once


def test_failures_back_off_and_are_retried(app, client, tool, platform, browser, admin):
    goal_id = team_goal(app)
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    XapiClient(client, issue_credential(app)).store(completed("ada@example.com"))
    platform.fail_scores = 2
    assert deliver(app) == 0
    row = delivery(app)
    assert (row.status, row.attempts) == ("failing", 1) and "503" in row.last_error
    assert row.next_attempt_at > datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    assert deliver(app) == 0 and delivery(app).attempts == 1  # not due yet
    failing = admin.get("/lti/grades?status=failing").get_json()
    assert failing[0]["attempts"] == 1 and "maintenance" in failing[0]["last_error"]
    waits = []
    for _ in range(2):
        with app.app_context():
            before = db.session.scalar(select(LtiGradeDelivery))
            waits.append(before.next_attempt_at - before.last_attempt_at)
            db.session.execute(update(LtiGradeDelivery).values(next_attempt_at=datetime(2000, 1, 1)))
            db.session.commit()
        deliver(app)
    assert waits[1] > waits[0]  # the back-off grows
    row = delivery(app)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 3, None)
    assert len(platform.scores) == 1


def test_a_refused_client_assertion_is_visible(app, client, tool, platform, browser):
    goal_id = team_goal(app)
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    XapiClient(client, issue_credential(app)).store(completed("ada@example.com"))
    with app.app_context():
        db.session.execute(update(LtiPlatform).values(client_id="a-client-the-platform-does-not-know"))
        db.session.commit()
    assert deliver(app) == 0
    row = delivery(app)
    assert row.status == "failing" and "refused an access token: 401" in row.last_error
    assert platform.refused == ["assertion claims"] and platform.scores == []


def test_achieved_before_the_launch_is_due_at_the_launch(app, client, tool, platform, browser):
    goal_id = team_goal(app)
    XapiClient(client, issue_credential(app)).store(completed("ada@example.com"))
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    assert delivery(app).status == "pending"
    assert deliver(app) == 1 and len(platform.scores) == 1


def test_earning_a_placed_certification_posts_the_score(app, client, tool, platform, browser):
    cert_id = certification(app)
    place_and_launch(app, tool, platform, browser, {"lrs_certification": str(cert_id)})
    assert delivery(app).holder_id is not None
    XapiClient(client, issue_credential(app)).store(completed("ada@example.com"))
    assert deliver(app) == 1
    assert platform.scores[0][1]["userId"] == "learner-1"


def test_without_a_line_item_the_links_own_is_created(app, client, tool, platform, browser):
    goal_id = team_goal(app)
    launched = browser.launch(tool, platform, platform.prepare(LaunchSpec(
        resource_link_id="link-9", custom={"lrs_goal": str(goal_id)}, ags=platform.ags_claim())))
    assert launched.status_code == 303
    XapiClient(client, issue_credential(app)).store(completed("ada@example.com"))
    assert deliver(app) == 1
    [item] = platform.lineitems.values()
    assert item["resourceLinkId"] == "link-9" and item["label"] == "Finish the safety course"
    assert platform.scores[0][0] == item["id"]
    with app.app_context():
        assert db.session.scalar(select(LtiPlacement.lineitem_url)) == item["id"]


def test_no_score_scope_no_grade(app, client, tool, platform, browser):
    goal_id = team_goal(app)
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)},
                     ags=platform.ags_claim(lineitem="x", scopes=(LINEITEM,)))
    with app.app_context():
        assert db.session.scalar(select(LtiGradeDelivery)) is None


def test_a_voided_achievement_is_not_sent(app, client, tool, platform, browser):
    goal_id = team_goal(app)
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    xapi = XapiClient(client, issue_credential(app))
    sid = xapi.store(completed("ada@example.com"))
    assert delivery(app).status == "pending"
    xapi.store(statement(actor={"mbox": "mailto:ada@example.com"}, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                         object={"objectType": "StatementRef", "id": sid}))
    assert delivery(app).status == "waiting"
    assert deliver(app) == 0 and platform.scores == []


def test_worker_command_and_cli_list(app, client, tool, platform, browser, runner):
    goal_id = team_goal(app)
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    XapiClient(client, issue_credential(app)).store(completed("ada@example.com"))
    result = runner.invoke(args=["lti", "grades", "deliver"])
    assert result.exit_code == 0 and "delivered 1 score(s)" in result.output
    listed = runner.invoke(args=["lti", "grades", "list", "--json"])
    assert listed.exit_code == 0 and '"status": "delivered"' in listed.output
    assert SCORE in platform.tokens[next(iter(platform.tokens))]


def test_learners_and_other_tenants_do_not_see_deliveries(app, client, tool, platform, browser):
    from tests.lti.conftest import api_client

    goal_id = team_goal(app)
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    assert api_client(app, client, "learner").get("/lti/grades").status_code == 403
    assert api_client(app, client, "admin", tenant="other").get("/lti/grades").get_json() == []
    assert api_client(app, client, "manager").get("/lti/grades").get_json() == []  # teaches no course


def test_erasing_a_learner_takes_their_course_rows_with_them(app, client, tool, platform, browser):
    from lrs.models import Person
    from lrs.models.lti import LtiMember
    from lrs.people.erasure import erase_person

    goal_id = team_goal(app)
    place_and_launch(app, tool, platform, browser, {"lrs_goal": str(goal_id)})
    with app.app_context():
        erase_person(db.session, db.session.scalar(select(Person)), "test")
        db.session.commit()
        assert db.session.scalar(select(LtiGradeDelivery)) is None
        assert db.session.scalar(select(LtiMember)) is None
        assert db.session.scalar(select(LtiPlacement)) is not None  # the course's link stays
