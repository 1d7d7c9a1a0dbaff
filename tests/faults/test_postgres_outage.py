"""PostgreSQL goes away under load and comes back: the LRS answers 503 meanwhile and recovers by itself.

The database is a private PostgreSQL cluster started for this module (initdb and pg_ctl on a free port), so
that stopping it disturbs nobody else. While it is away, every request gets an answer at once: 200 for what
was acknowledged before, otherwise 503 with ``Retry-After`` and a JSON body ``{"error": "unavailable"}`` —
never another 5xx, never a client timeout. When it is back, requests succeed again within seconds, without restarting
the LRS. Requirements: "Nothing acknowledged is lost", and xAPI 1.0.3 Communication 2.1.2 "POST Statements":
a batch is stored all or nothing, also when the database dies in the middle of it.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError

from lrs.extensions import db
from tests.conftest import POSTGRES_ENV, _worker, make_app
from tests.e2e.conftest import LiveServer, free_port
from tests.faults.support import V103, Attempt, Load, check_log, kill_group, prepare, serve, server_env

pytestmark = pytest.mark.e2e

CONNECT_TIMEOUT = 2  # LRS_DB_CONNECT_TIMEOUT, seconds
CLIENT_TIMEOUT = 10.0
CLIENTS = 4
RECOVERY_WITHIN = 10.0  # seconds from PostgreSQL accepting connections again to a batch acknowledged


def _bindir() -> Path | None:
    """The newest installed PostgreSQL server binaries (initdb, pg_ctl), if any."""
    def version(initdb: str) -> tuple[int, ...]:
        return tuple(int(part) for part in Path(initdb).parts[-3].split(".") if part.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


@dataclass
class Cluster:
    """A private PostgreSQL cluster: a data directory, a socket directory and a port, run as ``postgres``."""

    bindir: Path
    base: Path
    port: int
    as_owner: list[str]

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([*self.as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
                              capture_output=True, text=True, timeout=60, check=False)
        if check and done.returncode != 0:
            log = (self.base / "postgres.log").read_text(errors="replace")[-3000:] \
                if (self.base / "postgres.log").exists() else ""
            pytest.fail(f"pg_ctl {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}\n{log}")
        return done

    def initdb(self) -> None:
        done = subprocess.run([*self.as_owner, str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust",
                               "-U", "postgres", "-N", "-E", "UTF8", "--locale=C"],
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(f"initdb exited {done.returncode}:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=50")
        self._ctl("-l", str(self.base / "postgres.log"), "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str, check: bool = True) -> None:
        self._ctl("-m", mode, "-w", "-t", "30", "stop", check=check)

    def running(self) -> bool:
        return self._ctl("status", check=False).returncode == 0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A private PostgreSQL cluster for this module, stopped and removed at the end even when a test fails."""
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL fault tests skipped")
    bindir = _bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_owner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: the cluster belongs to the postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to own a private cluster")
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser to start a private cluster as postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix=f"lrs-faults-pg-{_worker()}-{os.getpid()}-"))
    if as_owner:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    cluster = Cluster(bindir, base, free_port(), as_owner)
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        if cluster.data.exists():
            cluster.stop("immediate", check=False)
        shutil.rmtree(base, ignore_errors=True)


@dataclass(frozen=True)
class Deployment:
    server: LiveServer
    app: Flask  # the same configuration in this process, for the command-line check


@pytest.fixture(scope="module")
def deployment(cluster, tmp_path_factory) -> Iterator[Deployment]:
    """``lrs serve`` (2 workers, 4 threads) on the private cluster, with a 2-second connect timeout."""
    workdir = tmp_path_factory.mktemp("faults-outage")
    config = {"LRS_DB_CONNECT_TIMEOUT": CONNECT_TIMEOUT}
    credential = prepare(cluster.url, workdir, **config)
    env = server_env(cluster.url, LRS_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT))
    process, server = serve(env, workdir, credential, workers=2, threads=4)
    app = make_app(cluster.url, workdir, **config)
    try:
        yield Deployment(server, app)
    finally:
        kill_group(process)
        with app.app_context():
            db.engine.dispose()


def _unavailable(attempt_or_response) -> bool:
    """A 503 as the LRS gives it when the database is away: ``Retry-After`` and ``{"error": "unavailable"}``."""
    if isinstance(attempt_or_response, Attempt):
        status, headers, body = attempt_or_response.status, attempt_or_response.headers, attempt_or_response.body
    else:
        status, headers, body = (attempt_or_response.status_code, attempt_or_response.headers,
                                 attempt_or_response.text)
    if status != 503 or not headers.get("Retry-After", "").isdigit():
        return False
    try:
        return json.loads(body).get("error") == "unavailable"
    except ValueError:
        return False


def _worker_once_fails(app: Flask) -> None:
    """``lrs worker --once`` with the database away ends at once, with a non-zero exit."""
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code != 0, f"lrs worker --once succeeded without a database:\n{result.output}"
    assert isinstance(result.exception, OperationalError | InterfaceError), repr(result.exception)
    assert time.monotonic() - started < CONNECT_TIMEOUT + 5


def _outage(cluster: Cluster, deployment: Deployment, load: Load, mode: str) -> float:
    """One outage under the running load; returns the seconds from PostgreSQL back to a batch acknowledged."""
    server = deployment.server
    acknowledged = len(load.acknowledged())
    load.wait_until(lambda: len(load.acknowledged()) >= acknowledged + CLIENTS, timeout=30,
                    what=f"{CLIENTS} batches acknowledged before stopping PostgreSQL ({mode})")
    known = load.acknowledged()[-1].ids[0]
    cluster.stop(mode)
    down = time.monotonic()

    load.wait_until(lambda: sum(1 for a in load.snapshot() if a.started >= down and _unavailable(a)) >= CLIENTS,
                    timeout=CLIENT_TIMEOUT, what=f"503 answers while PostgreSQL is away ({mode})")
    for params in ({"statementId": known}, {"limit": "5"}):
        response = requests.get(f"{server.endpoint}statements", params=params, headers=V103, auth=server.auth,
                                timeout=CLIENT_TIMEOUT)
        assert _unavailable(response), f"GET {params} ({mode}): {response.status_code} {response.text[:500]}"
    if mode == "fast":
        _worker_once_fails(deployment.app)

    cluster.start()
    up = time.monotonic()
    load.wait_until(lambda: any(a.acknowledged and a.started >= up for a in load.snapshot()),
                    timeout=RECOVERY_WITHIN, what=f"a batch acknowledged after PostgreSQL came back ({mode})")
    recovered_in = time.monotonic() - up
    response = requests.get(f"{server.endpoint}statements", params={"statementId": known}, headers=V103,
                            auth=server.auth, timeout=CLIENT_TIMEOUT)
    assert response.status_code == 200, f"GET statementId after the outage ({mode}): {response.text[:500]}"
    return recovered_in


def test_outage_answers_503_then_recovers_without_losing_anything(cluster, deployment):
    """Stop PostgreSQL under a batched load and start it again, twice: ``pg_ctl stop -m fast`` (backends
    terminated, a clean shutdown), then ``-m immediate`` (a crash, recovered from the WAL at start).

    While it is away every answer is 200 or a proper 503, never a client timeout or another 5xx; GETs answer
    503 too; ``lrs worker --once`` fails. Afterwards the same LRS processes acknowledge batches again within
    seconds. Nothing acknowledged is lost, and no batch is half stored (xAPI 1.0.3 Communication 2.1.2
    "POST Statements"). The clients send a batch again after a 503, as ``Retry-After`` invites them to.
    """
    load = Load(deployment.server, clients=CLIENTS, timeout=CLIENT_TIMEOUT, retry=True, retry_pause=0.1)
    recovered = {}
    try:
        load.start()
        for mode in ("fast", "immediate"):
            recovered[mode] = _outage(cluster, deployment, load, mode)
    finally:
        load.stop()
        if not cluster.running():
            cluster.start()

    attempts = load.snapshot()
    wrong = [a.describe() for a in attempts if not (a.acknowledged or _unavailable(a))]
    assert not wrong, "answers other than 200 or a proper 503 (or no answer at all):\n" + "\n".join(wrong)
    check_log(cluster.url, load.batches, load.acknowledged())
    print(f"outage: {len(attempts)} attempts, {len(load.acknowledged())} of {len(load.batches)} batches "
          f"acknowledged, {sum(map(_unavailable, attempts))} answered 503; recovered in "
          + ", ".join(f"{m} {s:.2f} s" for m, s in recovered.items()))
