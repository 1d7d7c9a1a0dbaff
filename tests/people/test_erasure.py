"""Erasure on request: the person's statements, documents, progress and identities go for good; an audit
entry without personal data stays; every other person's data and progress is exactly as it was."""

from __future__ import annotations

import json

import orjson

from lrs.extensions import db
from lrs.models import AuditEntry, Identity, StatementId
from tests.conftest import statement
from tests.progress.test_engine import count_rule, done, progress_of, setup_people


def test_erasure_removes_the_person_and_leaves_others_exactly(app, client, xapi, runner):
    admin, ids = setup_people(app, client)
    ada_goal = admin.post("/goals", json={"title": "g", "person_id": ids["E2"], "rule": count_rule(1)}).get_json()
    alan_goal = admin.post("/goals", json={"title": "g", "person_id": ids["E3"], "rule": count_rule(2)}).get_json()
    ada = xapi.store(done("ada@example.com", "http://x.example/c1"))
    alan = xapi.store(done("alan@example.com", "http://x.example/c1"))
    mention = xapi.store(statement(actor={"mbox": "mailto:alan@example.com"},
                                   object={"objectType": "Agent", "mbox": "mailto:ada@example.com"}))
    agent = orjson.dumps({"mbox": "mailto:ada@example.com"}).decode()
    xapi.request("PUT", "activities/state", params={"activityId": "http://x.example/c1", "agent": agent,
                                                    "stateId": "s"}, data=b"{}", content_type="application/json")
    alan_before = progress_of(admin, alan_goal["goals"][0]["id"])

    result = runner.invoke(args=["people", "erase", "E2", "--yes", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["statements"] == 1 and counts["documents"] == 1 and counts["identities"] >= 2

    assert xapi.get({"statementId": ada}).status_code == 404
    assert xapi.get({"statementId": alan}).status_code == 200
    assert xapi.get({"statementId": mention}).status_code == 200  # made by someone else
    assert xapi.request("GET", "activities/state", params={"activityId": "http://x.example/c1",
                                                           "agent": agent, "stateId": "s"}).status_code == 404
    assert admin.get(f"/people/{ids['E2']}").status_code == 404
    assert admin.get(f"/goals/{ada_goal['goals'][0]['id']}").status_code == 404
    assert progress_of(admin, alan_goal["goals"][0]["id"]) == alan_before
    with app.app_context():
        assert db.session.query(Identity).filter(Identity.value.like("%ada%")).count() == 0
        entry = db.session.query(AuditEntry).one()
        assert entry.action == "person.erased"
        assert "ada" not in entry.detail.lower() and "E2" not in entry.detail
        assert db.session.query(StatementId).filter_by(statement_id=ada).count() == 0
    # The erased statement's id is free again (statement_ids keeps ids unique: Data 2.4.1).
    assert xapi.put(done("ada@example.com", "http://x.example/c1"), ada).status_code == 204
    assert xapi.fetch(ada)["id"] == ada


def test_erasure_over_the_api_is_for_admins(app, client):
    admin, ids = setup_people(app, client)
    from tests.api.conftest import make_user_client

    manager = make_user_client(app, client, "manager")
    assert manager.delete(f"/people/{ids['E3']}").status_code == 403
    response = admin.delete(f"/people/{ids['E3']}")
    assert response.status_code == 200 and response.get_json()["erased"] is True
    assert admin.delete(f"/people/{ids['E3']}").status_code == 404
    # Their reports move up to their manager.
    assert admin.get(f"/people/{ids['E2']}").get_json()["manager"]["employee_id"] == "E1"
