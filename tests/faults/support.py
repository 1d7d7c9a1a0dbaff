"""What the fault tests share: a migrated database with a credential, the real ``lrs serve`` (gunicorn) in a
process group of its own, a concurrent batched load that records every answer, and a look straight into the
``statements`` table.

The load keeps a record of every attempt (which batch, when it started and ended, the status, the headers,
the body, or the client-side error), so that a test can say afterwards which batches were acknowledged and
check the log against them: nothing acknowledged is lost, and no batch is half stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import SECRET_KEY, make_app
from tests.e2e.conftest import LiveServer, _stop, _wait_ready, free_port, lrs_command

V103 = {"X-Experience-API-Version": "1.0.3"}
BATCH_SIZE = 50
VERBS = [
    ("http://adlnet.gov/expapi/verbs/experienced", "experienced"),
    ("http://adlnet.gov/expapi/verbs/answered", "answered"),
    ("http://adlnet.gov/expapi/verbs/completed", "completed"),
    ("http://adlnet.gov/expapi/verbs/passed", "passed"),
]


# -- the server -------------------------------------------------------------------------------------------------

def prepare(database_url: str, instance: Path, **config) -> dict[str, str]:
    """What ``lrs init`` does, in this process: the database at the newest schema, and a first credential.

    (A fresh ``lrs`` process spends seconds importing and building the app before it starts; the server is
    the real ``lrs serve`` all the same.)
    """
    from flask_migrate import upgrade

    from lrs.extensions import db
    from lrs.tenancy.credentials import create_credential

    app = make_app(database_url, instance, **config)
    with app.app_context():
        upgrade()
        issued = create_credential(db.session, SECRET_KEY, name="fault tests")
        db.session.commit()
        db.engine.dispose()
    return {"key": issued.key, "secret": issued.secret, "tenant": issued.tenant}


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "LRS_DATABASE_URL": database_url, "LRS_SECRET_KEY": SECRET_KEY, **extra}


def serve(env: dict[str, str], workdir: Path, credential: dict[str, str], *, workers: int = 2, threads: int = 4,
          log_name: str = "server.log") -> tuple[subprocess.Popen, LiveServer]:
    """``lrs serve`` on a free port in a process group of its own; returns once it answers /xapi/about."""
    port = free_port()
    log = workdir / log_name
    with log.open("wb") as out:
        process = subprocess.Popen(
            [lrs_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--threads", str(threads)],
            env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base_url, log)
    except BaseException:
        _stop(process)
        raise
    return process, LiveServer(base_url, credential["key"], credential["secret"], credential["tenant"])


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the gunicorn master and every worker at once (they share the master's process group)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while not _group_gone(process.pid):
        if time.monotonic() > deadline:
            pytest.fail(f"processes of group {process.pid} outlived SIGKILL")
        time.sleep(0.02)


def _group_gone(pgid: int) -> bool:
    """True when no live process is left in the group (a zombie waiting for its parent to reap it is dead)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return False
    return True


# -- the load ---------------------------------------------------------------------------------------------------

def make_statement(learner: int, course: int, step: int) -> dict:
    """A realistic statement with a fresh id: a learner's progress through a course module."""
    verb, display = VERBS[step % len(VERBS)]
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": f"Learner {learner}",
                  "mbox": f"mailto:learner{learner}@example.com"},
        "verb": {"id": verb, "display": {"en-US": display}},
        "object": {"objectType": "Activity",
                   "id": f"http://example.com/courses/{course}/modules/{step}",
                   "definition": {"name": {"en-US": f"Course {course}, module {step}"},
                                  "type": "http://adlnet.gov/expapi/activities/module"}},
        "result": {"completion": True, "success": step % 3 != 0, "score": {"scaled": (step % 10) / 10}},
        "context": {"registration": str(uuid.uuid4()), "platform": "fault tests",
                    "contextActivities": {"parent": [{"id": f"http://example.com/courses/{course}"}]}},
        "timestamp": datetime.now(UTC).isoformat(),
    }


@dataclass(frozen=True)
class Batch:
    number: int
    statements: list[dict]

    @property
    def ids(self) -> list[str]:
        return [s["id"] for s in self.statements]


@dataclass
class Attempt:
    """One POST of one batch: the answer, or the error the client saw instead."""

    batch: Batch
    started: float
    ended: float = 0.0
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    error: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status == 200

    def describe(self) -> str:
        what = self.error or f"{self.status} {self.headers.get('Retry-After', '-')} {self.body[:300]}"
        return f"batch {self.batch.number} at {self.started:.3f}-{self.ended:.3f}: {what}"


class Load:
    """Client threads POSTing batches of new statements until stopped, each attempt recorded.

    With ``retry`` a client sends a batch again (same ids, same content) after a 503 until it is acknowledged,
    as a well-behaved client does; without it, every attempt carries a new batch.
    """

    def __init__(self, server: LiveServer, *, clients: int = 4, batch_size: int = BATCH_SIZE,
                 timeout: float = 10.0, retry: bool = False, retry_pause: float = 0.05) -> None:
        self.server = server
        self.clients = clients
        self.batch_size = batch_size
        self.timeout = timeout
        self.retry = retry
        self.retry_pause = retry_pause
        self.attempts: list[Attempt] = []
        self.batches: list[Batch] = []
        self.in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(n,), name=f"load-{n}", daemon=True)
                         for n in range(clients)]

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def halt(self) -> None:
        """No new attempt starts from now on."""
        self._stop.set()

    def stop(self, join_timeout: float | None = None) -> None:
        """No new attempt starts; wait for those under way (each bounded by the client timeout)."""
        self._stop.set()
        limit = join_timeout if join_timeout is not None else self.timeout + 5
        for thread in self._threads:
            thread.join(limit)
        alive = [t.name for t in self._threads if t.is_alive()]
        assert not alive, f"client threads still running after {limit} s: {alive}"

    def _new_batch(self, client: int) -> Batch:
        with self._lock:
            number = len(self.batches)
            batch = Batch(number, [make_statement(learner=client * 10 + n % 10, course=client, step=n)
                                   for n in range(self.batch_size)])
            self.batches.append(batch)
        return batch

    def _client(self, client: int) -> None:
        session = requests.Session()
        url = f"{self.server.endpoint}statements"
        batch: Batch | None = None
        try:
            while not self._stop.is_set():
                if batch is None:
                    batch = self._new_batch(client)
                attempt = Attempt(batch, time.monotonic())
                with self._lock:
                    self.in_flight += 1
                    self.attempts.append(attempt)
                try:
                    response = session.post(url, json=batch.statements, headers=V103, auth=self.server.auth,
                                            timeout=self.timeout)
                    attempt.status = response.status_code
                    attempt.headers = dict(response.headers)
                    attempt.body = response.text
                except requests.RequestException as exc:
                    attempt.error = f"{type(exc).__name__}: {exc}"
                finally:
                    attempt.ended = time.monotonic()
                    with self._lock:
                        self.in_flight -= 1
                if attempt.status == 503 and self.retry:
                    self._stop.wait(self.retry_pause)
                else:
                    batch = None
        finally:
            session.close()

    # What the test asks while the load runs, or after.

    def snapshot(self) -> list[Attempt]:
        with self._lock:
            return [a for a in self.attempts if a.ended]

    def acknowledged(self) -> list[Batch]:
        seen: dict[int, Batch] = {}
        for attempt in self.snapshot():
            if attempt.acknowledged:
                seen[attempt.batch.number] = attempt.batch
        return list(seen.values())

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                tail = "\n".join(a.describe() for a in self.snapshot()[-10:])
                pytest.fail(f"{what}: not within {timeout} s; last attempts:\n{tail}")
            time.sleep(0.01)


# -- the log ----------------------------------------------------------------------------------------------------

def stored_ids(database_url: str, ids: Iterable[str]) -> set[str]:
    """Which of these statement ids are in the ``statements`` table, read straight from the database."""
    wanted = list(ids)
    engine = sa.create_engine(make_url(database_url))
    table = sa.table("statements", sa.column("statement_id"))
    found: set[str] = set()
    try:
        with engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                found.update(conn.execute(sa.select(table.c.statement_id)
                                          .where(table.c.statement_id.in_(chunk))).scalars())
    finally:
        engine.dispose()
    return found


def check_log(database_url: str, batches: list[Batch], acknowledged: list[Batch]) -> tuple[int, int]:
    """Nothing acknowledged is lost, and every batch is in the log completely or not at all.

    Returns how many of the batches are stored and how many are absent.
    """
    present = stored_ids(database_url, (i for batch in batches for i in batch.ids))
    lost = {b.number: len(set(b.ids) - present) for b in acknowledged if not set(b.ids) <= present}
    assert not lost, f"acknowledged batches missing statements (batch: how many missing): {lost}"
    halves = {b.number: f"{len(set(b.ids) & present)} of {len(b.ids)}" for b in batches
              if 0 < len(set(b.ids) & present) < len(b.ids)}
    assert not halves, f"batches stored in part (batch: statements stored): {halves}"
    stored = sum(1 for b in batches if b.ids[0] in present)
    return stored, len(batches) - stored
