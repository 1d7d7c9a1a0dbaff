"""Recognition without pressure: peer kudos (statements, limited per week) and the opt-in leaderboard."""

from __future__ import annotations

from lrs.extensions import db
from lrs.models import Team, User
from tests.api.conftest import make_user_client
from tests.progress.test_engine import count_rule, done, setup_people


def linked(app, client, role, email, person_id):
    user = make_user_client(app, client, role, email=email)
    with app.app_context():
        db.session.query(User).filter_by(email=email).update({"person_id": person_id})
        db.session.commit()
    return user


def test_kudos_are_statements_limited_per_week(app, client, xapi):
    admin, ids = setup_people(app, client)
    app.config["LRS_KUDOS_PER_WEEK"] = 2
    ada = linked(app, client, "learner", "ada@example.com", ids["E2"])
    alan = linked(app, client, "learner", "alan@example.com", ids["E3"])
    for n in range(2):
        made = ada.post("/kudos", json={"to_person_id": ids["E3"], "message": f"great review {n}"})
        assert made.status_code == 201, made.get_json()
    # Receiving kudos does not use up one's own.
    assert alan.post("/kudos", json={"to_person_id": ids["E2"], "message": "thanks"}).status_code == 201
    limited = ada.post("/kudos", json={"to_person_id": ids["E3"], "message": "one more"})
    assert limited.status_code == 429 and limited.get_json()["path"] == "$"
    received = alan.get(f"/people/{ids['E3']}/kudos").get_json()
    assert sorted(k["message"] for k in received) == ["great review 0", "great review 1"]
    assert ada.post("/kudos", json={"to_person_id": ids["E2"], "message": "me"}).status_code == 400
    sid = received[0]["statement_id"]
    statement = xapi.fetch(sid)
    assert statement["verb"]["id"].endswith("/gave-kudos") and statement["object"]["mbox"] == "mailto:alan@example.com"


def test_leaderboard_only_for_members_who_opt_in(app, client, xapi):
    admin, ids = setup_people(app, client)
    with app.app_context():
        team_id = db.session.query(Team).filter_by(name="Platform").one().id
    ada = linked(app, client, "learner", "ada@example.com", ids["E2"])
    alan = linked(app, client, "learner", "alan@example.com", ids["E3"])
    admin.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": count_rule(1)})
    xapi.store(done("ada@example.com", "http://x.example/c1"))
    assert ada.get(f"/teams/{team_id}/leaderboard").status_code == 403
    assert ada.put("/me/leaderboard", json={"opt_in": True}).get_json() == {"opt_in": True}
    board = ada.get(f"/teams/{team_id}/leaderboard").get_json()["ranking"]
    assert [(r["name"], r["goals_achieved"]) for r in board] == [("Ada Lovelace", 1)]  # Alan has not opted in
    assert alan.get(f"/teams/{team_id}/leaderboard").status_code == 403
    alan.put("/me/leaderboard", json={"opt_in": True})
    board = alan.get(f"/teams/{team_id}/leaderboard").get_json()["ranking"]
    assert [r["name"] for r in board] == ["Ada Lovelace", "Alan Turing"]
