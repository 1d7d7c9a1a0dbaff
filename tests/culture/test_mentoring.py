"""Mentoring: a session is a statement for both people, and goal rules count it like any other learning."""

from __future__ import annotations

from lrs.extensions import db
from lrs.models import User
from tests.api.conftest import make_user_client
from tests.progress.test_engine import progress_of, setup_people

ML = "https://w3id.org/xapi/lrs/profiles/micro-learning"


def test_a_session_counts_for_mentor_and_mentee(app, client, xapi):
    admin, ids = setup_people(app, client)
    given = admin.post("/goals", json={"title": "Mentor twice", "person_id": ids["E1"], "rule": {
        "match": {"verbs": [f"{ML}/verbs/mentored"]}, "measure": {"kind": "count", "target": 2}}}).get_json()
    received = admin.post("/goals", json={"title": "An hour of mentoring", "person_id": ids["E2"], "rule": {
        "match": {"verbs": [f"{ML}/verbs/was-mentored"]}, "measure": {"kind": "duration", "target": "PT1H"}}}
    ).get_json()
    made = admin.post("/mentoring", json={"mentor_person_id": ids["E1"], "mentee_person_id": ids["E2"],
                                          "topic": "Reviewing for design", "minutes": 60})
    assert made.status_code == 201, made.get_json()
    mentor_statement = xapi.fetch(made.get_json()["statement_ids"][0])
    assert mentor_statement["context"]["extensions"][f"{ML}/extensions/mentoring-partner"]["mbox"] == \
        "mailto:ada@example.com"
    assert progress_of(admin, given["goals"][0]["id"])["progress"]["fraction"] == 0.5
    assert progress_of(admin, received["goals"][0]["id"])["progress"]["status"] == "achieved"


def test_who_may_record_a_session(app, client):
    admin, ids = setup_people(app, client)
    alan = make_user_client(app, client, "learner", email="alan@example.com")
    with app.app_context():
        db.session.query(User).filter_by(email="alan@example.com").update({"person_id": ids["E3"]})
        db.session.commit()
    body = {"mentor_person_id": ids["E1"], "mentee_person_id": ids["E2"], "topic": "x", "minutes": 30}
    assert alan.post("/mentoring", json=body).status_code == 404  # Alan cannot see them
    assert admin.post("/mentoring", json={**body, "mentee_person_id": ids["E1"]}).status_code == 400
    assert admin.post("/mentoring", json={**body, "minutes": 0}).get_json()["path"] == "$.minutes"
