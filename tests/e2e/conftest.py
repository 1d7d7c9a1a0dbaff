"""End-to-end fixtures: the real ``lrs serve`` (gunicorn) as a subprocess, on SQLite and on PostgreSQL.

Each database gets a server of its own for the session, prepared the way an operator would do it:
``lrs db upgrade``, then ``lrs credentials create --json``, then ``lrs serve``. The server runs in a process
group of its own, so that teardown ends the gunicorn master and its workers, even when a test fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import scratch_postgres

READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
SECRET_KEY = "e2e-secret-key"


def lrs_command() -> str:
    """The ``lrs`` console script installed next to the running interpreter."""
    script = Path(sys.executable).with_name("lrs")
    if not script.exists():
        pytest.fail(f"the lrs console script is not installed next to {sys.executable}")
    return str(script)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    """A running server and the credential created for it."""

    base_url: str
    key: str
    secret: str
    tenant: str

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/xapi/"

    @property
    def auth(self) -> tuple[str, str]:
        return self.key, self.secret


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def e2e_database_url(request, tmp_path_factory) -> Iterator[str]:
    """A fresh, empty database for this session's server (not the one the in-process tests use)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'lrs.sqlite3'}"
        return
    with scratch_postgres("lrs_e2e", "PostgreSQL end-to-end tests") as url:
        yield url


def _run(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Run one ``lrs`` command to completion; fail the test with its output if it fails."""
    done = subprocess.run([lrs_command(), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        pytest.fail(f"lrs {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (gunicorn's graceful stop), SIGKILL it if that is not enough."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
    except ProcessLookupError:
        process.wait(timeout=STOP_TIMEOUT)


def _wait_ready(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"lrs serve exited with {process.returncode} before answering:\n{log.read_text()}")
        try:
            if requests.get(f"{base_url}/xapi/about", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"lrs serve did not answer /xapi/about within {READY_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server(e2e_database_url, tmp_path_factory) -> Iterator[LiveServer]:
    """A real server on a free port, against a freshly migrated database, with one credential."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    env = {**os.environ, "LRS_DATABASE_URL": e2e_database_url, "LRS_SECRET_KEY": SECRET_KEY}
    _run(env, workdir, "db", "upgrade")
    issued = json.loads(_run(env, workdir, "credentials", "create", "--name", "e2e tincan", "--json"))
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [lrs_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_ready(process, base_url, log)
        yield LiveServer(base_url, issued["key"], issued["secret"], issued["tenant"])
    finally:
        _stop(process)
