"""Deep Linking: an instructor places goals and certifications in a course; the platform verifies the signed
answer; a launch from a placed link opens that goal or certification."""

from __future__ import annotations

from joserfc import jwt
from sqlalchemy import select

from lrs.extensions import db
from lrs.lti.claims import DL
from lrs.models import Goal
from lrs.models.lti import LtiGradeDelivery, LtiPlacement
from tests.lti.conftest import certification, forms, team_goal
from tests.lti.platform import INSTRUCTOR, LaunchSpec

TEACHER = {"sub": "teacher-1", "roles": [INSTRUCTOR], "name": "Grace Hopper", "email": "grace@example.com"}


def deep_link(tool, platform, browser):
    spec = LaunchSpec(message_type="LtiDeepLinkingRequest", deep_link_return=True, **TEACHER)
    launched = browser.launch(tool, platform, platform.prepare(spec))
    assert launched.status_code == 303 and launched.headers["Location"] == "/lti/deep-link"
    picker = browser.follow(launched)
    assert picker.status_code == 200
    return picker


def test_picker_lists_the_tenants_team_goals_and_certifications(app, tool, platform, browser):
    goal_id, cert_id = team_goal(app), certification(app)
    picker = deep_link(tool, platform, browser)
    assert "Finish the safety course" in picker.text and "Forklift licence" in picker.text
    assert forms(picker.text)[0]["options"] == [f"goal:{goal_id}", f"certification:{cert_id}"]


def test_response_is_a_signed_jwt_the_platform_verifies(app, tool, platform, browser):
    goal_id, cert_id = team_goal(app), certification(app)
    picker = deep_link(tool, platform, browser)
    answer = browser.submit(picker, {"item": [f"goal:{goal_id}", f"certification:{cert_id}"]})
    assert answer.status_code == 200
    form = forms(answer.text)[0]
    assert form["action"] == f"{platform.url}/deep-link-return"
    assert f"form-action 'self' {platform.url}" in answer.headers["Content-Security-Policy"]
    claims = jwt.decode(form["fields"]["JWT"], platform.tool_keys(), algorithms=["RS256"]).claims
    assert claims[DL + "data"] == "opaque-platform-data"
    placed = browser.submit(answer)
    assert placed.status_code == 200 and "Placed in the course" in placed.text
    items = platform.deep_link_items
    assert [i["type"] for i in items] == ["ltiResourceLink", "ltiResourceLink"]
    assert items[0]["custom"] == {"lrs_goal": str(goal_id)}
    assert items[1]["custom"] == {"lrs_certification": str(cert_id)}
    assert items[0]["url"] == f"{tool.url}/lti/launch"
    assert items[0]["title"] == "Finish the safety course" and items[0]["lineItem"]["scoreMaximum"] == 100
    # The answer is used once: the picker is gone.
    assert browser.get(f"{tool.url}/lti/deep-link").status_code == 400


def test_a_launch_from_a_placed_goal_opens_the_learners_own_copy(app, tool, platform, browser):
    goal_id = team_goal(app)
    picker = deep_link(tool, platform, browser)
    browser.submit(browser.submit(picker, {"item": [f"goal:{goal_id}"]}))
    item = platform.deep_link_items[0]
    learner = type(browser)(tool.certificate)
    spec = LaunchSpec(resource_link_id=item["resource_link_id"], custom=item["custom"],
                      ags=platform.ags_claim(lineitem=item["lineitem"]))
    launched = learner.launch(tool, platform, platform.prepare(spec))
    assert launched.status_code == 303
    with app.app_context():
        copy = db.session.scalar(select(Goal).where(Goal.parent_id == goal_id))
        placement = db.session.scalar(select(LtiPlacement))
        assert (placement.kind, placement.target_id, placement.lineitem_url) == ("goal", goal_id, item["lineitem"])
        delivery = db.session.scalar(select(LtiGradeDelivery))
        assert (delivery.goal_id, delivery.status, delivery.user_sub) == (copy.id, "waiting", "learner-1")
    assert launched.headers["Location"] == f"/lti/goals/{copy.id}"
    page = learner.follow(launched)
    assert "Finish the safety course" in page.text and 'data-status="not_started"' in page.text
    # The instructor opening the same link sees the course's learners on it.
    again = browser.launch(tool, platform, platform.prepare(LaunchSpec(
        resource_link_id=item["resource_link_id"], custom=item["custom"], **TEACHER)))
    assert again.headers["Location"] == f"/lti/goals/{goal_id}"
    overview = browser.follow(again)
    assert "Learners" in overview.text and "Ada Lovelace" in overview.text


def test_a_launch_from_a_placed_certification_assigns_it(app, tool, platform, browser):
    cert_id = certification(app)
    launched = browser.launch(tool, platform, platform.prepare(LaunchSpec(
        custom={"lrs_certification": str(cert_id)})))
    assert launched.headers["Location"] == f"/lti/certifications/{cert_id}"
    page = browser.follow(launched)
    assert "Forklift licence" in page.text and 'data-status="not_earned"' in page.text


def test_picker_refuses_an_expired_form_and_a_session_without_deep_linking(app, tool, platform, browser):
    team_goal(app)
    picker = deep_link(tool, platform, browser)
    stale = browser.submit(picker, {"csrf_token": "forged"})
    assert stale.status_code == 400 and "The form expired" in stale.text
    other = type(browser)(tool.certificate)
    other.launch(tool, platform, platform.prepare(LaunchSpec(**TEACHER)))
    assert other.get(f"{tool.url}/lti/deep-link").status_code == 400


def test_nothing_picked_is_an_empty_answer(app, tool, platform, browser):
    team_goal(app)
    answer = browser.submit(deep_link(tool, platform, browser))
    assert browser.submit(answer).status_code == 200
    assert platform.deep_link_items == []
