"""Anonymous pulse checks: answered once per person, stored without the person, shown only as aggregates
from the threshold on — and no API answer lets anyone re-identify a respondent."""

from __future__ import annotations

import orjson

from lrs.extensions import db
from lrs.models import PulseAnswer, PulseParticipation, Team, User
from tests.api.conftest import make_user_client

PEOPLE = "employee_id,name,email,manager_id,teams\nM1,Mia Manager,mia@example.com,,Leads\n" + "".join(
    f"P{n},Person {n},p{n}@example.com,M1,Crew\n" for n in range(6))
QUESTIONS = ["The course helps my work", "I have time to learn", "I would recommend it"]


def setup(app, client):
    admin = make_user_client(app, client, "admin")
    admin.post("/people/import", data=PEOPLE, headers={"Content-Type": "text/csv"})
    people = {p["employee_id"]: p["id"] for p in admin.get("/people").get_json()}
    users = {}
    for eid, pid in people.items():
        role = "manager" if eid == "M1" else "learner"
        users[eid] = make_user_client(app, client, role, email=f"{eid.lower()}@login.example.com")
        with app.app_context():
            db.session.query(User).filter_by(email=f"{eid.lower()}@login.example.com").update({"person_id": pid})
            db.session.commit()
    with app.app_context():
        crew = db.session.query(Team).filter_by(name="Crew").one().id
    return admin, users, crew


def test_results_only_from_the_threshold_and_only_aggregates(app, client):
    admin, users, crew = setup(app, client)
    opened = users["M1"].post(f"/teams/{crew}/pulses", json={"title": "Secure coding course", "subject": "goal 1",
                                                              "questions": QUESTIONS, "threshold": 5})
    assert opened.status_code == 201, opened.get_json()
    pulse_id = opened.get_json()["id"]
    for n in range(4):
        assert users[f"P{n}"].post(f"/pulses/{pulse_id}/answers",
                                   json={"ratings": [n % 5 + 1, 3, 4], "text": f"note {n}"}).status_code == 201
    early = users["M1"].get(f"/pulses/{pulse_id}").get_json()
    assert early["results"] is None and early["responses"] == "fewer than 5"
    users["P4"].post(f"/pulses/{pulse_id}/answers", json={"ratings": [5, 5, 5]})
    view = users["M1"].get(f"/pulses/{pulse_id}").get_json()
    assert view["responses"] == 5
    assert view["results"][1] == {"question": QUESTIONS[1], "mean": 3.4,
                                  "distribution": {"1": 0, "2": 0, "3": 4, "4": 0, "5": 1}}
    assert sorted(view["comments"]) == ["note 0", "note 1", "note 2", "note 3"]
    # A member sees the questions, never the results.
    member = users["P5"].get(f"/pulses/{pulse_id}").get_json()
    assert "results" not in member and "comments" not in member and member["answered"] is False


def test_each_person_answers_once_and_only_team_members(app, client):
    admin, users, crew = setup(app, client)
    pulse_id = users["M1"].post(f"/teams/{crew}/pulses", json={"title": "t", "subject": "s", "questions": QUESTIONS}
                                ).get_json()["id"]
    assert users["P0"].post(f"/pulses/{pulse_id}/answers", json={"ratings": [1, 2, 3]}).status_code == 201
    assert users["P0"].post(f"/pulses/{pulse_id}/answers", json={"ratings": [1, 2, 3]}).status_code == 409
    assert users["P0"].get(f"/pulses/{pulse_id}").get_json()["answered"] is True
    assert users["M1"].post(f"/pulses/{pulse_id}/answers", json={"ratings": [1, 2, 3]}).status_code == 403
    bad = users["P1"].post(f"/pulses/{pulse_id}/answers", json={"ratings": [1, 2]})
    assert bad.status_code == 400 and bad.get_json()["path"] == "$.ratings"
    assert users["P1"].post(f"/pulses/{pulse_id}/answers", json={"ratings": [1, 2, 9]}).status_code == 400


def test_thresholds_below_three_and_wrong_question_counts_are_refused(app, client):
    admin, users, crew = setup(app, client)
    low = users["M1"].post(f"/teams/{crew}/pulses", json={"title": "t", "subject": "s", "questions": QUESTIONS,
                                                           "threshold": 2})
    assert low.status_code == 400 and low.get_json()["path"] == "$.threshold"
    few = users["M1"].post(f"/teams/{crew}/pulses", json={"title": "t", "subject": "s", "questions": ["a", "b"]})
    assert few.status_code == 400 and few.get_json()["path"] == "$.questions"
    assert users["P0"].post(f"/teams/{crew}/pulses", json={"title": "t", "subject": "s",
                                                            "questions": QUESTIONS}).status_code == 403


def test_no_api_answer_re_identifies_a_respondent(app, client):
    """Try every API answer around the pulse as every role: where answers show, no respondent does."""
    admin, users, crew = setup(app, client)
    pulse_id = users["M1"].post(f"/teams/{crew}/pulses", json={"title": "t", "subject": "s", "questions": QUESTIONS,
                                                               "threshold": 3}).get_json()["id"]
    comments = {"P0": "too long", "P1": "just right", "P2": "more labs please"}
    for eid, text in comments.items():
        users[eid].post(f"/pulses/{pulse_id}/answers", json={"ratings": [1, 3, 5], "text": text})
    identifiers = [token for eid in comments for token in (eid, f"{eid.lower()}@example.com", f"Person {eid[1:]}")]
    paths = [f"/pulses/{pulse_id}", "/people", "/me", "/goals", f"/teams/{crew}/moments", "/moments",
             f"/teams/{crew}/progress"]
    for viewer in (admin, users["M1"], users["P0"], users["P3"]):
        for path in paths:
            body = viewer.get(path).get_data(as_text=True)
            if any(text in body for text in comments.values()):
                assert not any(identifier in body for identifier in identifiers), (path, body[:300])
    with app.app_context():
        columns = set(PulseAnswer.__table__.columns.keys()) | set(PulseParticipation.__table__.columns.keys())
        assert not columns & {"person_id", "user_id", "created", "at", "answered_at"}
        assert all(len(t.token) == 64 for t in db.session.query(PulseParticipation))
    view = users["M1"].get(f"/pulses/{pulse_id}").get_json()
    assert sorted(view["comments"]) == sorted(comments.values())
    assert "answered" not in orjson.dumps(view["results"]).decode()
