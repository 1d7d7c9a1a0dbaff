"""The learning-culture pages: team moments and after-action reviews, mentoring, pulse checks (answered on
/me, opened, read and closed on /team/pulses), the impact view and suggestions — per role and tenant."""

from __future__ import annotations

import orjson
import pytest

from lrs.culture.pulse import answer
from lrs.extensions import db
from lrs.models import Pulse, Statement, Team, TeamMember
from tests.conftest import SECRET_KEY
from tests.web.conftest import log_in_as, post

ML = "https://w3id.org/xapi/lrs/profiles/micro-learning"


def _teams(app) -> dict[str, int]:
    with app.app_context():
        return {t.name: t.id for t in db.session.query(Team)}


def _text(response) -> str:
    return response.get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ moments

def test_a_teams_moments_are_for_its_members_in_this_tenant(app, client, seed):
    platform = _teams(app)["Platform"]
    assert client.get(f"/teams/{platform}/moments").status_code == 302  # to the login page
    log_in_as(app, client, seed.users["learner"])  # Ada, in Platform
    page = client.get(f"/teams/{platform}/moments")
    assert page.status_code == 200 and "Learning moments of team Platform" in _text(page)
    assert "No learning moments shared yet." in _text(page)
    assert client.get("/teams/999999/moments").status_code == 404
    for user in ("linus", "manager", "admin"):  # not members (the admin has no person at all)
        assert log_in_as(app, client, seed.users[user]).get(f"/teams/{platform}/moments").status_code == 403
    assert log_in_as(app, client, seed.users["acme_learner"]).get(f"/teams/{platform}/moments").status_code == 404
    assert log_in_as(app, client, seed.users["acme_admin"]).get(f"/teams/{platform}/moments").status_code == 404


def test_a_member_shares_a_moment_and_it_leads_the_feed(app, client, seed):
    platform = _teams(app)["Platform"]
    log_in_as(app, client, seed.users["learner"])
    for title in ("First moment", "Second moment"):
        response = post(client, f"/teams/{platform}/moments", {
            "title": title, "happened": "The deploy failed", "learned": "Check the migrations first",
            "link": "https://tracker.example.com/INC-7"})
        assert response.status_code == 302
    response = post(client, f"/teams/{platform}/moments", {
        "title": "For everyone", "happened": "x", "learned": "y", "widen": "on"})
    assert response.status_code == 302
    page = _text(client.get(f"/teams/{platform}/moments"))
    assert "Shared with the whole organisation." in page
    assert page.index("For everyone") < page.index("Second moment") < page.index("First moment")  # newest first
    assert "What I learned: Check the migrations first" in page and 'href="https://tracker.example.com/INC-7"' in page
    assert "Ada Lovelace" in page and "shared with the whole organisation" in page
    # Linus (Kernel) neither sees the feed nor shares into it.
    log_in_as(app, client, seed.users["linus"])
    assert post(client, f"/teams/{platform}/moments", {"title": "t", "happened": "h", "learned": "l"}
                ).status_code == 403


@pytest.mark.parametrize(("form", "message"), [
    ({"title": "", "happened": "h", "learned": "l"}, "A title is required."),
    ({"title": "t", "happened": "", "learned": "l"}, "What happened is required."),
    ({"title": "t", "happened": "h", "learned": ""}, "What you learned is required."),
    ({"title": "t" * 201, "happened": "h", "learned": "l"}, "A title is at most 200 characters."),
    ({"title": "t", "happened": "h", "learned": "l", "link": "javascript:alert(1)"}, "web address"),
    ({"title": "t", "happened": "h", "learned": "l", "link": "not a link"}, "web address")])
def test_a_malformed_moment_is_refused_with_a_message(app, client, seed, form, message):
    platform = _teams(app)["Platform"]
    log_in_as(app, client, seed.users["learner"])
    response = post(client, f"/teams/{platform}/moments", form)
    assert response.status_code == 400 and message in _text(response) and 'role="alert"' in _text(response)
    assert "No learning moments shared yet." in _text(response)


def test_forms_need_their_csrf_token(app, client, seed):
    platform = _teams(app)["Platform"]
    log_in_as(app, client, seed.users["learner"])
    for path, form in ((f"/teams/{platform}/moments", {"title": "t", "happened": "h", "learned": "l"}),
                       (f"/teams/{platform}/after-action-reviews", {"event": "e", "event_happened": "h",
                                                                     "lesson_1": "l"}),
                       ("/mentoring", {"mentor": seed.people["E1"], "mentee": seed.people["E2"], "topic": "t",
                                       "minutes": "30"}),
                       ("/pulses/1/answer", {"rating_0": "3"})):
        response = client.post(path, data=form)
        assert response.status_code == 400 and "The form expired" in _text(response), path
    log_in_as(app, client, seed.users["manager"])
    for path in ("/team/pulses", "/team/pulses/1/close"):
        assert client.post(path, data={"team": "1"}).status_code == 400


def test_an_after_action_review_adds_its_lessons_to_the_feed(app, client, seed):
    platform = _teams(app)["Platform"]
    log_in_as(app, client, seed.users["learner"])
    response = post(client, f"/teams/{platform}/after-action-reviews", {
        "event": "Release 4.2 rollback", "event_happened": "The release was rolled back",
        "lesson_1": "Stage the migration", "lesson_2": "Page the on-call earlier", "lesson_3": ""})
    assert response.status_code == 302
    page = _text(client.get(f"/teams/{platform}/moments"))
    assert "After-action review recorded with 2 lessons." in page
    assert page.count("after-action review: Release 4.2 rollback") == 2
    assert "What I learned: Stage the migration" in page and "What I learned: Page the on-call earlier" in page


@pytest.mark.parametrize(("form", "message"), [
    ({"event": "", "event_happened": "h", "lesson_1": "l"}, "The event is required."),
    ({"event": "e", "event_happened": "h"}, "Write at least one lesson."),
    ({"event": "e", "event_happened": "h", "lesson_1": "l", "lesson_6": "too many"}, "at most 5 lessons"),
    ({"event": "e", "event_happened": "", "lesson_1": "l"}, "What happened is required.")])
def test_a_malformed_after_action_review_is_refused(app, client, seed, form, message):
    platform = _teams(app)["Platform"]
    log_in_as(app, client, seed.users["learner"])
    response = post(client, f"/teams/{platform}/after-action-reviews", form)
    assert response.status_code == 400 and message in _text(response)
    log_in_as(app, client, seed.users["acme_learner"])
    assert post(client, f"/teams/{platform}/after-action-reviews", form).status_code == 404


# ------------------------------------------------------------------------------------------------ mentoring

def _mentoring_statements(app) -> list[str]:
    with app.app_context():
        return [s.verb_id.rsplit("/", 1)[1] for s in db.session.query(Statement).filter(
            Statement.verb_id.like(f"{ML}/verbs/%"))]


def test_a_learner_records_a_mentoring_session_for_both_people(app, client, seed):
    log_in_as(app, client, seed.users["learner"])
    page = _text(client.get("/mentoring"))
    for name in ("Grace Hopper", "Alan Turing", "Ada Lovelace"):
        assert f">{name}</option>" in page
    assert "Linus" not in page and "Mallory" not in page
    response = post(client, "/mentoring", {"mentor": seed.people["E1"], "mentee": seed.people["E2"],
                                           "topic": "Code review habits", "minutes": "45"})
    assert response.status_code == 302
    assert "recorded for Grace Hopper (mentor) and Ada Lovelace (mentee)" in _text(client.get("/mentoring"))
    assert sorted(_mentoring_statements(app)) == ["mentored", "was-mentored"]


@pytest.mark.parametrize(("form", "message"), [
    ({"mentor": "E1", "mentee": "E1"}, "two different people"),
    ({"mentor": "E1", "mentee": "E3"}, "Learners record their own mentoring sessions"),
    ({"mentor": "E4", "mentee": "E2"}, "Choose the mentor from the list."),
    ({"mentor": "M1", "mentee": "E2"}, "Choose the mentor from the list."),
    ({"mentor": "E1", "mentee": "x"}, "Choose the mentee from the list."),
    ({"minutes": "0"}, "Minutes is a whole number from 1 to 600."),
    ({"minutes": "ninety"}, "Minutes is a whole number from 1 to 600."),
    ({"topic": ""}, "The topic is required.")])
def test_a_malformed_mentoring_session_is_refused(app, client, seed, form, message):
    people = {**seed.people, **seed.acme_people}
    data = {"mentor": "E1", "mentee": "E2", "topic": "Testing", "minutes": "30", **form}
    for key in ("mentor", "mentee"):
        data[key] = str(people.get(data[key], data[key]))
    log_in_as(app, client, seed.users["learner"])
    response = post(client, "/mentoring", data)
    assert response.status_code == 400 and message in _text(response)
    assert _mentoring_statements(app) == []


def test_a_manager_records_mentoring_between_their_reports(app, client, seed):
    log_in_as(app, client, seed.users["manager"])
    response = post(client, "/mentoring", {"mentor": seed.people["E2"], "mentee": seed.people["E3"],
                                           "topic": "Cryptography", "minutes": "30"})
    assert response.status_code == 302 and len(_mentoring_statements(app)) == 2
    log_in_as(app, client, seed.users["acme_manager"])
    page = _text(client.get("/mentoring"))
    assert "Grace" not in page and "Ada" not in page and "nobody you can record" in page


# ------------------------------------------------------------------------------------------------ pulse checks

QUESTIONS = {"question_1": "The course helps me", "question_2": "I have time for it",
             "question_3": "I would recommend it"}


def _open(client, team_id: int, **extra):
    return post(client, "/team/pulses", {"team": str(team_id), "title": "Python course pulse",
                                         "subject": "Finish two Python courses", **QUESTIONS, **extra})


def _pulse(app) -> Pulse:
    with app.app_context():
        pulse = db.session.query(Pulse).one()
        db.session.expunge(pulse)
        return pulse


def test_pulse_pages_are_for_managers_and_admins(app, client, seed):
    assert client.get("/team/pulses").status_code == 302
    for user in ("learner", "linus", "acme_learner"):
        log_in_as(app, client, seed.users[user])
        assert client.get("/team/pulses").status_code == 403
        assert client.get("/team/impact").status_code == 403
    for user in ("manager", "admin", "acme_manager"):
        assert log_in_as(app, client, seed.users[user]).get("/team/pulses").status_code == 200


@pytest.mark.parametrize(("extra", "message"), [
    ({"question_3": ""}, "A pulse check has three to five questions."),
    ({"title": ""}, "The title is required."),
    ({"subject": ""}, "The learning initiative is required."),
    ({"question_2": "q" * 301}, "Question 2 is at most 300 characters."),
    ({"team": "Kernel"}, "Choose one of your teams."),
    ({"team": "nope"}, "Choose one of your teams.")])
def test_a_malformed_pulse_check_is_refused(app, client, seed, extra, message):
    teams = _teams(app)
    if extra.get("team") in teams:
        extra["team"] = str(teams[extra["team"]])
    log_in_as(app, client, seed.users["manager"])
    response = post(client, "/team/pulses", {"team": str(teams["Platform"]), "title": "Pulse", "subject": "S",
                                             **QUESTIONS, **extra})
    assert response.status_code == 400 and message in _text(response)
    with app.app_context():
        assert db.session.query(Pulse).count() == 0


def test_a_pulse_check_is_answered_once_anonymously_and_its_results_wait_for_the_threshold(app, client, seed):
    app.config["LRS_PULSE_MIN_ANSWERS"] = 3
    teams = _teams(app)
    log_in_as(app, client, seed.users["manager"])
    assert _open(client, teams["Platform"]).status_code == 302
    pulse = _pulse(app)
    page = _text(client.get("/team/pulses"))
    assert "Pulse check “Python course pulse” opened." in page and "Fewer than 3 answers so far" in page

    log_in_as(app, client, seed.users["learner"])
    me = _text(client.get("/me"))
    assert "Python course pulse" in me and 'name="rating_2"' in me and "Send my answer" in me
    bad = post(client, f"/pulses/{pulse.id}/answer", {"rating_0": "4", "rating_1": "9", "rating_2": "3"})
    assert bad.status_code == 302 and "rate each of the 3 statements from 1 to 5" in _text(client.get("/me"))
    ok = post(client, f"/pulses/{pulse.id}/answer", {"rating_0": "4", "rating_1": "2", "rating_2": "5",
                                                      "comment": "More time please"})
    assert ok.status_code == 302
    me = _text(client.get("/me"))
    assert "recorded anonymously" in me and "You have answered this pulse check." in me
    assert 'name="rating_0"' not in me
    again = post(client, f"/pulses/{pulse.id}/answer", {"rating_0": "1", "rating_1": "1", "rating_2": "1"})
    assert again.status_code == 302 and "you have answered this pulse check already" in _text(client.get("/me"))
    for user, status in (("linus", 403), ("acme_learner", 404)):  # not in the team; another tenant
        log_in_as(app, client, seed.users[user])
        assert "Python course pulse" not in _text(client.get("/me"))
        assert post(client, f"/pulses/{pulse.id}/answer", {"rating_0": "1", "rating_1": "1", "rating_2": "1"}
                    ).status_code == status

    log_in_as(app, client, seed.users["manager"])
    assert "Fewer than 3 answers so far" in _text(client.get("/team/pulses"))
    with app.app_context():  # two more members answer (through the service)
        db.session.add(TeamMember(team_id=teams["Platform"], person_id=seed.people["E1"]))  # Grace joins
        stored = db.session.get(Pulse, pulse.id)
        answer(db.session, SECRET_KEY, stored, seed.people["E3"], [2, 2, 3], None)
        answer(db.session, SECRET_KEY, stored, seed.people["E1"], [3, 5, 4], "Good pace")
        db.session.commit()
    page = _text(client.get("/team/pulses"))
    assert "Fewer than" not in page and "(3 answers)" in page
    assert '<th scope="row">The course helps me</th><td>3.0</td>' in page
    assert "More time please" in page and "Good pace" in page

    for user, status in (("acme_manager", 404), ("learner", 403)):
        log_in_as(app, client, seed.users[user])
        assert post(client, f"/team/pulses/{pulse.id}/close").status_code == status
    log_in_as(app, client, seed.users["manager"])
    assert post(client, f"/team/pulses/{pulse.id}/close").status_code == 302
    assert "“Python course pulse” closed." in _text(client.get("/team/pulses"))
    log_in_as(app, client, seed.users["learner"])
    assert "Python course pulse" not in _text(client.get("/me"))


def test_only_whoever_opened_a_pulse_check_or_an_admin_sees_and_closes_it(app, client, seed):
    teams = _teams(app)
    log_in_as(app, client, seed.users["admin"])
    assert _open(client, teams["Kernel"]).status_code == 302  # an admin asks any team
    pulse = _pulse(app)
    log_in_as(app, client, seed.users["manager"])
    assert "Python course pulse" not in _text(client.get("/team/pulses"))
    assert post(client, f"/team/pulses/{pulse.id}/close").status_code == 403
    log_in_as(app, client, seed.users["acme_admin"])
    assert "Python course pulse" not in _text(client.get("/team/pulses"))
    assert post(client, f"/team/pulses/{pulse.id}/close").status_code == 404
    log_in_as(app, client, seed.users["linus"])
    assert "Python course pulse" in _text(client.get("/me"))  # Linus is in Kernel


# ------------------------------------------------------------------------------------------------ impact

def test_the_impact_view_shows_a_table_a_chart_the_caveat_and_a_csv_link(app, client, seed):
    platform = _teams(app)["Platform"]
    log_in_as(app, client, seed.users["manager"])
    assert "Choose a team." in _text(client.get("/team/impact"))
    response = client.get(f"/team/impact?team={platform}&from=2026-01-01&to=2026-03-31")
    page = _text(response)
    assert response.status_code == 200
    assert 'id="impact-caption">Impact per month' in page
    for month in ("2026-01", "2026-02", "2026-03"):
        assert f'<th scope="row">{month}</th>' in page
    assert '<svg class="chart chart-bar" role="img"' in page and "Learning hours per month" in page
    assert "does not show that one caused the other" in page
    link = f"/api/v1/teams/{platform}/impact?format=csv&amp;from=2026-01-01&amp;to=2026-03-31"
    assert link in page
    download = client.get(link.replace("&amp;", "&"))
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.get_data(as_text=True).startswith("month,learning_hours")


def test_the_impact_view_checks_the_team_and_the_period(app, client, seed):
    teams = _teams(app)
    log_in_as(app, client, seed.users["manager"])
    assert client.get(f"/team/impact?team={teams['Kernel']}").status_code == 403
    assert client.get("/team/impact?team=abc").status_code == 400
    bad = client.get(f"/team/impact?team={teams['Platform']}&from=2026-03-01&to=2026-01-01")
    assert bad.status_code == 400 and "The period ends before it starts." in _text(bad)
    bad = client.get(f"/team/impact?team={teams['Platform']}&from=2026-13-01")
    assert bad.status_code == 400 and "YYYY-MM-DD" in _text(bad)
    log_in_as(app, client, seed.users["acme_manager"])
    assert client.get(f"/team/impact?team={teams['Platform']}").status_code == 404
    log_in_as(app, client, seed.users["admin"])
    assert client.get(f"/team/impact?team={teams['Kernel']}").status_code == 200


# ------------------------------------------------------------------------------------------------ /me and /team

def test_me_links_suggestions_team_moments_and_mentoring(app, client, seed):
    platform = _teams(app)["Platform"]
    log_in_as(app, client, seed.users["learner"])
    me = _text(client.get("/me"))
    assert "Suggested next" in me and "for Finish two Python courses</a>" in me
    assert f'href="/teams/{platform}/moments">Learning moments of team Platform' in me
    assert 'href="/mentoring"' in me and "No open pulse checks in your teams." in me
    suggested = _text(client.get("/me/suggested"))
    assert "Finish two Python courses" in suggested
    assert "1 of 2 people with the same goal completed this for it" in suggested  # Alan's course
    assert "Cryptography basics" in suggested
    assert "not linked to a person" in _text(log_in_as(app, client, seed.users["admin"]).get("/me/suggested"))


def test_team_links_pulse_checks_and_impact(app, client, seed):
    page = _text(log_in_as(app, client, seed.users["manager"]).get("/team"))
    assert 'href="/team/pulses"' in page and 'href="/team/impact"' in page


def test_pulse_questions_are_stored_as_written(app, client, seed):
    log_in_as(app, client, seed.users["manager"])
    _open(client, _teams(app)["Platform"], question_4="  Extra question  ")
    assert orjson.loads(_pulse(app).questions)[-1] == "Extra question"
