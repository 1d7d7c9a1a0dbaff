"""Statement forwarding: at-least-once, in order per destination, with a cursor on the log, back-off, and a
visible lag and error state; a destination that is down loses nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from lrs.extensions import db
from lrs.forwarding.service import deliver_due
from lrs.models import Forwarder
from tests.api.conftest import make_user_client
from tests.conftest import SECRET_KEY, statement


class Destination:
    """A real HTTP server on loopback that records what it receives; it can be told to fail."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                       "ok": outer.status < 300})
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"[]")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def statements(self) -> list[dict]:
        found = []
        for item in self.received:
            if not item["ok"]:
                continue
            body, ctype = item["body"], item["headers"].get("Content-Type", "")
            if ctype.startswith("multipart/mixed"):
                message = BytesParser(policy=policy.HTTP).parsebytes(
                    b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
                body = next(message.iter_parts()).get_payload(decode=True)
            found.extend(orjson.loads(body))
        return found

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def destination():
    server = Destination()
    yield server
    server.close()


def add(runner, destination, *extra):
    result = runner.invoke(args=["forwarders", "add", "--name", "other-lrs", "--url", destination.url + "/xapi/",
                                 "--username", "k", "--secret", "s3cret", "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def run_worker(app):
    with app.app_context():
        sent = deliver_due(db.session, SECRET_KEY)
        db.session.remove()
    return sent


def test_statements_flow_to_another_lrs_in_order(app, runner, destination, xapi):
    add(runner, destination)
    ids = [xapi.store(statement()) for _ in range(3)]
    assert run_worker(app) == 3
    request = destination.received[0]
    assert request["path"] == "/xapi/statements"
    assert request["headers"]["X-Experience-API-Version"] == "1.0.3"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"k:s3cret").decode()
    assert [s["id"] for s in destination.statements()] == ids
    assert run_worker(app) == 0  # nothing twice


def test_a_destination_that_is_down_loses_nothing(app, runner, destination, xapi):
    add(runner, destination)
    destination.status = 503
    first = xapi.store(statement())
    assert run_worker(app) == 0
    listed = json.loads(runner.invoke(args=["forwarders", "list", "--json"]).output)[0]
    assert listed["state"] == "failing" and "503" in listed["last_error"] and listed["behind"] == 1
    second = xapi.store(statement())
    destination.status = 200
    with app.app_context():  # the back-off has passed
        db.session.query(Forwarder).update({"next_attempt_at": None})
        db.session.commit()
    assert run_worker(app) == 2
    assert [s["id"] for s in destination.statements()] == [first, second]
    listed = json.loads(runner.invoke(args=["forwarders", "list", "--json"]).output)[0]
    assert listed["state"] == "idle" and listed["behind"] == 0 and listed["forwarded"] == 2


def test_back_off_grows_between_failures(app, runner, destination, xapi):
    add(runner, destination)
    destination.status = 500
    xapi.store(statement())
    run_worker(app)
    assert run_worker(app) == 0  # not due yet: no second request
    assert len(destination.received) == 1
    with app.app_context():
        forwarder = db.session.query(Forwarder).one()
        assert forwarder.failures == 1 and forwarder.next_attempt_at is not None


def test_filters_by_verb(app, runner, destination, xapi):
    add(runner, destination, "--verb", "http://adlnet.gov/expapi/verbs/passed")
    xapi.store(statement())
    passed = xapi.store(statement(verb={"id": "http://adlnet.gov/expapi/verbs/passed"}))
    run_worker(app)
    assert [s["id"] for s in destination.statements()] == [passed]


def test_only_statements_stored_after_it_was_added_unless_from_start(app, runner, destination, xapi):
    before = xapi.store(statement())
    add(runner, destination, "--from-start")
    run_worker(app)
    assert [s["id"] for s in destination.statements()] == [before]


def test_http_destination_gets_a_signed_array(app, runner, destination, xapi):
    result = runner.invoke(args=["forwarders", "add", "--name", "hook", "--kind", "http", "--url", destination.url,
                                 "--secret", "sign-me"])
    assert result.exit_code == 0, result.output
    xapi.store(statement())
    run_worker(app)
    request = destination.received[0]
    expected = "sha256=" + hmac.new(b"sign-me", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-LRS-Signature"] == expected


def test_attachments_are_pushed_with_their_data(app, runner, destination, xapi):
    """Communication 1.5.2: an LRS MUST NOT push statements without the attachment data it received."""
    data = b"\x00binary\xff"
    sha2 = hashlib.sha256(data).hexdigest()
    item = statement(attachments=[{"usageType": "http://example.com/usage", "display": {"en": "file"},
                                   "contentType": "application/octet-stream", "length": len(data), "sha2": sha2}])
    boundary = "abc123"
    body = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode() + orjson.dumps(item)
            + f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
              f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode() + data + f"\r\n--{boundary}--\r\n".encode())
    assert xapi.request("POST", "statements", data=body,
                        content_type=f"multipart/mixed; boundary={boundary}").status_code == 200
    add(runner, destination, "--from-start")
    run_worker(app)
    request = destination.received[0]
    assert request["headers"]["Content-Type"].startswith("multipart/mixed")
    assert data in request["body"] and sha2.encode() in request["body"]


def test_forwarders_api_for_admins(app, client, destination):
    admin = make_user_client(app, client, "admin")
    made = admin.post("/forwarders", json={"name": "a", "url": destination.url + "/xapi/", "secret": "x"})
    assert made.status_code == 201, made.get_json()
    assert "secret" not in made.get_json()
    assert admin.post("/forwarders", json={"name": "b", "url": "ftp://x"}).get_json()["path"] == "$.url"
    assert admin.post("/forwarders", json={"name": "b", "url": destination.url, "filters": {"colour": []}}
                      ).status_code == 400
    assert admin.post(f"/forwarders/{made.get_json()['id']}/disable").get_json()["enabled"] is False
    other = make_user_client(app, client, "admin", tenant="other")
    assert other.get("/forwarders").get_json() == []
    assert make_user_client(app, client, "learner").get("/forwarders").status_code == 403
