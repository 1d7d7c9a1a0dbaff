"""/me: a learner's goals, certifications, badges, recent learning and kudos — theirs and nobody else's."""

from __future__ import annotations

from lrs.extensions import db
from lrs.models import Person, Statement
from lrs.progress.recognition import KUDOS_VERB
from tests.web.conftest import log_in_as, post


def _page(client) -> str:
    response = client.get("/me")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_learner_sees_goals_with_progress_due_date_and_evidence(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["learner"]))
    assert "Finish two Python courses" in page
    assert 'aria-label="Progress on Finish two Python courses"' in page and '<progress max="100" value="50"' in page
    assert "due <time" in page and "What counted (1)" in page and "Intro to Python" in page


def test_a_learner_sees_certifications_badges_recent_learning_and_kudos(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["learner"]))
    assert "Safety induction" in page and "expires <time" in page and "Complete a course" in page
    assert f'href="/api/v1/badges/{seed.badge}" download="badge-{seed.badge}.json"' in page
    assert "completed <strong>Intro to Python</strong>" in page
    assert "Great code review!" in page and "Alan Turing" in page


def test_a_learner_sees_nobody_elses_learning(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["learner"]))
    for other in ("Complete the cryptography module", "Cryptography basics", "Review kernel patches",
                  "Acme confidential goal"):
        assert other not in page
    linus = _page(log_in_as(app, client, seed.users["linus"]))
    assert "Review kernel patches" in linus and "Finish two Python courses" not in linus
    assert "Safety induction" not in linus and "Great code review!" not in linus
    assert client.get(f"/api/v1/badges/{seed.badge}").status_code == 404


def test_a_login_without_a_person_is_told_so(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["admin"]))
    assert "not linked to a person" in page
    response = post(client, "/me/kudos", {"to": str(seed.people["E1"]), "message": "hi"})
    assert response.status_code == 302
    assert "cannot give kudos" in _page(client)


def _kudos_count(app) -> int:
    with app.app_context():
        return db.session.query(Statement).filter_by(verb_id=KUDOS_VERB).count()


def test_kudos_go_to_a_colleague_as_a_statement(app, client, seed):
    log_in_as(app, client, seed.users["learner"])
    page = _page(client)
    for colleague in ("Grace Hopper", "Alan Turing"):  # her manager and her report
        assert f">{colleague}</option>" in page
    assert ">Linus Torvalds</option>" not in page
    response = post(client, "/me/kudos", {"to": str(seed.people["E1"]), "message": "Thanks for the mentoring"})
    assert response.status_code == 302 and response.location.endswith("#kudos")
    assert "Kudos sent to Grace Hopper." in _page(client)
    grace = _page(log_in_as(app, client, seed.users["manager"]))
    assert "Thanks for the mentoring" in grace and "Ada Lovelace" in grace


def test_kudos_are_refused_to_strangers_without_a_message_and_over_the_weekly_limit(app, client, seed):
    log_in_as(app, client, seed.users["learner"])
    before = _kudos_count(app)
    post(client, "/me/kudos", {"to": str(seed.people["E4"]), "message": "hello"})
    assert "Choose a colleague" in _page(client)
    post(client, "/me/kudos", {"to": str(seed.people["E1"]), "message": "  "})
    assert "Write a message" in _page(client)
    assert _kudos_count(app) == before
    app.config["LRS_KUDOS_PER_WEEK"] = 1
    post(client, "/me/kudos", {"to": str(seed.people["E1"]), "message": "one"})
    post(client, "/me/kudos", {"to": str(seed.people["E1"]), "message": "two"})
    assert "No kudos sent: at most 1 kudos a week" in _page(client)
    assert _kudos_count(app) == before + 1


def test_the_leaderboard_is_opt_in_and_shown_only_after_opting_in(app, client, seed):
    log_in_as(app, client, seed.users["learner"])
    page = _page(client)
    assert 'name="opt_in" aria-describedby' in page  # not checked
    assert "<caption" not in page.split('id="leaderboard"')[1]
    response = post(client, "/me/leaderboard", {"opt_in": "on"})
    assert response.status_code == 302
    page = _page(client)
    assert "You take part in your teams’ leaderboards." in page
    board = page.split('id="leaderboard"')[1]
    assert "Platform</caption>" in board and "Ada Lovelace" in board and "Alan Turing" not in board  # not opted in
    with app.app_context():
        assert db.session.get(Person, seed.people["E2"]).leaderboard_opt_in is True
    post(client, "/me/leaderboard", {})
    with app.app_context():
        assert db.session.get(Person, seed.people["E2"]).leaderboard_opt_in is False
