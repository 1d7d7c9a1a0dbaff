"""The server killed outright (SIGKILL to the gunicorn master and its workers) while batches are in flight.

Requirements: "Nothing acknowledged is lost" — every statement of every batch answered 200 is in the log
after the crash; and xAPI 1.0.3 Communication 2.1.2 "POST Statements": a batch is stored all or nothing, so
every batch, including those whose request died without an answer, is in the log completely or not at all.
The log is read straight from the database the crash left behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import scratch_postgres
from tests.e2e.conftest import _stop
from tests.faults.support import Load, check_log, kill_group, prepare, serve, server_env

pytestmark = pytest.mark.e2e

CLIENTS = 4
KILL_AFTER_ACKNOWLEDGED = 4  # batches answered 200 before the kill
KILL_NOT_BEFORE = 0.5  # seconds of load before the kill


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database of this test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
        return
    with scratch_postgres("lrs_faults_kill", "PostgreSQL fault tests") as url:
        yield url


def test_sigkill_under_load_loses_nothing_acknowledged_and_no_batch_is_half_stored(fresh_database_url, tmp_path):
    """SIGKILL the whole server (2 workers, 4 threads each) under 4 clients POSTing batches of 50.

    Nothing acknowledged is lost; every batch is in the log completely or not at all
    (xAPI 1.0.3 Communication 2.1.2 "POST Statements").
    """
    credential = prepare(fresh_database_url, tmp_path)
    process, server = serve(server_env(fresh_database_url), tmp_path, credential, workers=2, threads=4)
    load = Load(server, clients=CLIENTS, timeout=10.0)
    try:
        began = time.monotonic()
        load.start()
        load.wait_until(lambda: len(load.acknowledged()) >= KILL_AFTER_ACKNOWLEDGED
                        and time.monotonic() - began >= KILL_NOT_BEFORE and load.in_flight >= 2,
                        timeout=30, what=f"{KILL_AFTER_ACKNOWLEDGED} batches acknowledged with requests in flight")
        load.halt()
        kill_group(process)
    finally:
        load.stop()
        _stop(process)

    attempts = load.snapshot()
    others = [a.describe() for a in attempts if not a.acknowledged and a.error is None]
    assert not others, "answers other than 200 before the kill:\n" + "\n".join(others)
    assert any(a.error is not None for a in attempts), "no request was in flight when the server was killed"
    stored, absent = check_log(fresh_database_url, load.batches, load.acknowledged())
    print(f"sigkill: {len(load.acknowledged())} batches acknowledged, {sum(a.error is not None for a in attempts)} "
          f"unanswered; in the log {stored} batches whole, {absent} absent")
