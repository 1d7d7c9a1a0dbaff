"""Learning moments and after-action reviews: shared inside the team unless widened, newest first."""

from __future__ import annotations

from lrs.extensions import db
from lrs.models import Team, User
from tests.api.conftest import make_user_client
from tests.progress.test_engine import setup_people

PEOPLE_EXTRA = "employee_id,name,email,teams\nE4,Edsger Dijkstra,edsger@example.com,Research\n"


def linked(app, client, email, person_id, role="learner"):
    user = make_user_client(app, client, role, email=email)
    with app.app_context():
        db.session.query(User).filter_by(email=email).update({"person_id": person_id})
        db.session.commit()
    return user


def teams(app):
    with app.app_context():
        return {t.name: t.id for t in db.session.query(Team)}


def test_moments_stay_inside_the_team_unless_widened(app, client, xapi):
    admin, ids = setup_people(app, client)
    admin.post("/people/import", data=PEOPLE_EXTRA, headers={"Content-Type": "text/csv"})
    edsger_id = next(p["id"] for p in admin.get("/people").get_json() if p["employee_id"] == "E4")
    ada = linked(app, client, "ada@example.com", ids["E2"])
    alan = linked(app, client, "alan@example.com", ids["E3"])
    edsger = linked(app, client, "edsger@example.com", edsger_id)
    team = teams(app)
    first = ada.post(f"/teams/{team['Platform']}/moments", json={
        "title": "Rollback drill", "what_happened": "A deploy failed", "learned": "Practise rollbacks"})
    assert first.status_code == 201, first.get_json()
    ada.post(f"/teams/{team['Platform']}/moments", json={
        "title": "Flaky test", "what_happened": "CI was red", "learned": "Quarantine flaky tests", "widen": True,
        "link": "https://git.example.com/acme/pulls/9"})
    feed = alan.get(f"/teams/{team['Platform']}/moments").get_json()
    assert [m["title"] for m in feed] == ["Flaky test", "Rollback drill"]  # newest first
    assert feed[0]["visibility"] == "organisation" and feed[0]["link"].endswith("/pulls/9")
    assert edsger.get(f"/teams/{team['Platform']}/moments").status_code == 403
    assert [m["title"] for m in edsger.get("/moments").get_json()] == ["Flaky test"]
    assert edsger.post(f"/teams/{team['Platform']}/moments", json={
        "title": "x", "what_happened": "y", "learned": "z"}).status_code == 403
    # A moment is a statement of the micro-learning profile, so it can count towards goals.
    shared = xapi.fetch(first.get_json()["statement_id"])
    assert shared["verb"]["id"] == "http://adlnet.gov/expapi/verbs/shared"
    other = make_user_client(app, client, "admin", tenant="other")
    assert other.get("/moments").get_json() == []


def test_after_action_review_records_lessons_as_moments(app, client):
    admin, ids = setup_people(app, client)
    grace = linked(app, client, "grace@example.com", ids["E1"], role="manager")
    team = teams(app)
    made = grace.post(f"/teams/{team['Leads']}/after-action-reviews", json={
        "event": "Outage on 3 March", "lessons": [
            {"title": "Alerts", "what_happened": "Paged late", "learned": "Alert on error rate"},
            {"title": "Runbook", "what_happened": "Steps unclear", "learned": "Keep runbooks next to code"}]})
    assert made.status_code == 201, made.get_json()
    feed = grace.get(f"/teams/{team['Leads']}/moments").get_json()
    assert {m["after_action_review"] for m in feed} == {"Outage on 3 March"}
    assert len(feed) == 2
    bad = grace.post(f"/teams/{team['Leads']}/after-action-reviews", json={"event": "x", "lessons": []})
    assert bad.status_code == 400 and bad.get_json()["path"] == "$.lessons"
