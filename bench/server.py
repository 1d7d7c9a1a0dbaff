"""The real server for the HTTP benchmarks: ``lrs serve`` (gunicorn) as a subprocess, and its peak memory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.databases import lrs_command, lrs_env, run_lrs

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Credential:
    key: str
    secret: str
    tenant: str

    @property
    def auth(self) -> tuple[str, str]:
        return self.key, self.secret


def create_credential(url: str, workdir: Path, tenant: str) -> Credential:
    """A credential with every scope, made the way an operator makes one (``lrs credentials create``)."""
    issued = json.loads(run_lrs(url, workdir, "credentials", "create", "--name", f"bench {tenant}",
                                "--tenant", tenant, "--json"))
    return Credential(issued["key"], issued["secret"], issued["tenant"])


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Server:
    """``lrs serve`` in a process group of its own, so that stopping it ends the master and its workers."""

    def __init__(self, url: str, workdir: Path, workers: int, threads: int):
        self.url, self.workdir, self.workers, self.threads = url, workdir, workers, threads
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = workdir / "server.log"

    def __enter__(self) -> Server:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [lrs_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers), "--threads", str(self.threads)],
                env=lrs_env(self.url), cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True)
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lrs serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.base_url}/xapi/about", timeout=1).status_code == 200:
                    if len(self.worker_pids()) >= self.workers:
                        return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"lrs serve did not answer within {READY_TIMEOUT} s:\n{self.log.read_text()}")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def peak_memory(self) -> dict:
        """Peak resident memory (VmHWM) of the master and of each worker so far, in MiB."""
        assert self.process is not None
        workers = {pid: _status_kib(pid, "VmHWM") / 1024 for pid in self.worker_pids()}
        master = _status_kib(self.process.pid, "VmHWM") / 1024
        return {"master_mib": round(master, 1), "workers_mib": [round(v, 1) for v in workers.values()],
                "max_worker_mib": round(max(workers.values(), default=0.0), 1),
                "total_mib": round(master + sum(workers.values()), 1)}

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the master and the workers have used so far."""
        assert self.process is not None
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in (self.process.pid, *self.worker_pids()):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return total

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            process.wait(timeout=STOP_TIMEOUT)
