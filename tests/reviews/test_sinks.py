"""Pushing review exports to an HR system: signed JSON, on demand or on a schedule, retried, visible."""

from __future__ import annotations

import hashlib
import hmac

import orjson

from lrs.extensions import db
from lrs.models import ReviewDelivery, ReviewSink
from lrs.reviews.sinks import run_due
from tests.conftest import SECRET_KEY
from tests.forwarding.test_forwarding import Destination  # a real HTTP server on loopback
from tests.reviews.test_export_service import platform  # noqa: F401  (the fixture)

SECRET = "a-long-signing-secret"


def test_push_on_demand_is_signed_json_and_listed(platform, app):  # noqa: F811
    admin, ids, team_id = platform
    destination = Destination()
    try:
        sink = admin.post("/reviews/sinks", json={"name": "hr", "url": destination.url + "/reviews",
                                                  "secret": SECRET, "team_id": team_id})
        assert sink.status_code == 201, sink.get_json()
        assert "secret" not in sink.get_json()
        pushed = admin.post(f"/reviews/sinks/{sink.get_json()['id']}/push", json={"from": "2026-01-01",
                                                                                  "to": "2026-12-31"})
        assert pushed.status_code == 202 and pushed.get_json()["status"] == "delivered"
        request = destination.received[0]
        assert request["headers"]["X-LRS-Signature"] == "sha256=" + hmac.new(
            SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
        export = orjson.loads(request["body"])
        assert {p["employee_id"] for p in export["people"]} == {"E2", "E3"}
        deliveries = admin.get(f"/reviews/sinks/{sink.get_json()['id']}/deliveries").get_json()
        assert [d["status"] for d in deliveries] == ["delivered"]
    finally:
        destination.close()


def test_failures_are_retried_by_the_worker_and_visible(platform, app):  # noqa: F811
    admin, ids, team_id = platform
    destination = Destination()
    destination.status = 503
    try:
        sink_id = admin.post("/reviews/sinks", json={"name": "hr", "url": destination.url, "secret": SECRET,
                                                     "team_id": team_id}).get_json()["id"]
        failed = admin.post(f"/reviews/sinks/{sink_id}/push", json={"from": "2026-01-01", "to": "2026-12-31"})
        assert failed.get_json()["status"] == "pending" and "503" in failed.get_json()["last_error"]
        destination.status = 200
        with app.app_context():
            db.session.query(ReviewDelivery).update({"next_attempt_at": db.func.now()})
            db.session.commit()
            assert run_due(db.session, SECRET_KEY) == 1
            assert db.session.query(ReviewDelivery).one().status == "delivered"
    finally:
        destination.close()


def test_scheduled_sinks_push_by_themselves(platform, app):  # noqa: F811
    admin, ids, team_id = platform
    destination = Destination()
    try:
        admin.post("/reviews/sinks", json={"name": "weekly", "url": destination.url, "secret": SECRET,
                                           "team_id": team_id, "schedule": "weekly"})
        with app.app_context():
            assert run_due(db.session, SECRET_KEY) == 1
            assert run_due(db.session, SECRET_KEY) == 0  # next run is a week away
            assert db.session.query(ReviewSink).one().next_run_at is not None
        assert len(destination.received) == 1
    finally:
        destination.close()


def test_bad_sinks_are_refused(platform, app):  # noqa: F811
    admin, ids, team_id = platform
    assert admin.post("/reviews/sinks", json={"name": "x", "url": "ftp://x", "secret": SECRET, "team_id": team_id}
                      ).get_json()["path"] == "$.url"
    assert admin.post("/reviews/sinks", json={"name": "x", "url": "http://x.example", "secret": "short",
                                              "team_id": team_id}).get_json()["path"] == "$.secret"
    assert admin.post("/reviews/sinks", json={"name": "x", "url": "http://x.example", "secret": SECRET,
                                              "team_id": team_id, "kind": "ftp"}).get_json()["path"] == "$.kind"
