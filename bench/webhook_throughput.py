"""Webhook throughput of the source plugins: signed deliveries through the whole Flask stack.

    python -m bench.webhook_throughput [--events 2000] [--plugin github|gitlab|caliper]

Each delivery is a real payload from shared/data with a fresh delivery id (so each one is stored), signed
as the sending tool signs it, POSTed to /hooks/<id> in-process (the app's WSGI stack without sockets) on a
fresh SQLite database, with inline progress off. Prints events/s and statements/s as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import tempfile
import time
import uuid
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _github(secret: str, n: int) -> tuple[bytes, dict]:
    body = (DATA / "webhooks" / "github" / "pull_request_review" / "submitted.payload.json").read_bytes()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": "pull_request_review", "X-GitHub-Delivery": str(uuid.uuid4()),
                  "X-Hub-Signature-256": signature}


def _gitlab(secret: str, n: int) -> tuple[bytes, dict]:
    payload = json.loads((DATA / "webhooks" / "gitlab" / "note_merge_request.json").read_text())
    payload["object_attributes"]["id"] = 10_000_000 + n
    return json.dumps(payload).encode(), {"X-Gitlab-Event": "Note Hook", "X-Gitlab-Token": secret,
                                          "X-Gitlab-Event-UUID": str(uuid.uuid4())}


def _caliper(secret: str, n: int) -> tuple[bytes, dict]:
    envelope = json.loads((DATA / "caliper" / "v1p2" / "caliperEnvelopeEventBatch.json").read_text())
    for event in envelope["data"]:
        if isinstance(event, dict) and "id" in event:
            event["id"] = f"urn:uuid:{uuid.uuid4()}"
    return json.dumps(envelope).encode(), {"Authorization": f"Bearer {secret}"}


PAYLOADS = {"github": _github, "gitlab": _gitlab, "caliper": _caliper}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--plugin", choices=sorted(PAYLOADS), default="github")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from lrs import create_app
    from lrs.extensions import db
    from lrs.plugin_host.registry import registry
    from lrs.plugin_host.sources import add_source

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}",
                          "SECRET_KEY": "bench", "LRS_PROGRESS_INLINE": False})
        with app.app_context():
            upgrade()
            issued = add_source(db.session, registry(), "bench", "http://127.0.0.1", kind=args.plugin,
                                name="bench", tenant="bench", options={})
            db.session.commit()
        path = "/hooks/" + issued.url.rsplit("/", 1)[1]
        client = app.test_client()
        deliveries = [PAYLOADS[args.plugin](issued.secret, n) for n in range(args.events)]
        stored = 0
        started = time.perf_counter()
        for body, headers in deliveries:
            response = client.post(path, data=body, headers=headers, content_type="application/json")
            if response.status_code != 200:
                raise SystemExit(f"delivery failed: {response.status_code} {response.get_data(as_text=True)}")
            stored += response.get_json()["stored"]
        elapsed = time.perf_counter() - started
    print(json.dumps({"plugin": args.plugin, "events": args.events, "statements": stored,
                      "events_per_s": round(args.events / elapsed), "statements_per_s": round(stored / elapsed)},
                     indent=2))


if __name__ == "__main__":
    main()
