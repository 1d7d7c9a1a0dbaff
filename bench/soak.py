"""The soak: the real server at a steady mixed load for minutes, its memory and latency read as it goes.

    python -m bench.soak [--database sqlite|postgresql] [--minutes 10] [--rate 25]

On a fresh database, ``lrs serve`` (gunicorn, as in the benchmark suite) takes ``--rate`` requests a second
from a pool of client threads, at a steady pace (each request has its due time; a late client sends at once
and the pace catches up): batch POSTs of 10 to 50 generated statements, single statements, GET /statements
with a filter (agent, verb, activity, registration, a course with related activities, a recent ``since``),
``more`` links followed from earlier answers, and State documents PUT and read back. Every interval (12 s by
default) the server processes' resident memory (master and workers, VmRSS) and CPU time are read, and the
latency p50/p95/p99 of the requests that interval are printed.

At the end: a table per minute, the latency per kind of request, and JSON in bench/results/
(``soak-<database>-<time>.json``). The run is flat when, after the warm-up (the first minute, or the first
fifth of a shorter run), the last third compared with the first third grows the servers' memory by less than
10% and the requests' p95 by less than 50% (or by less than a few milliseconds). The exit status is 1 when
the run is not flat or a request failed: a 5xx, any other answer than the one expected, or none at all.
PostgreSQL: a database created and dropped on ``LRS_BENCH_POSTGRES_URL``
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import requests
import sqlalchemy as sa

from bench import report
from bench.databases import fresh_database, postgres_reachable
from bench.generator import VERBS, Generator
from bench.ingest import HEADERS, percentiles
from bench.server import Server, _status_kib, create_credential
from lrs.xapi import formats

# The mix: each request is one of these kinds, drawn with these weights.
MIX = {"batch": 0.60, "single": 0.10, "query": 0.12, "more": 0.06, "state_put": 0.06, "state_get": 0.06}
BATCH_SIZES = (10, 50)  # statements per batch POST, uniformly
STATES = 50  # State documents per client, each PUT again and again
RSS_GROWTH_LIMIT = 0.10  # last third over first third, after the warm-up
P95_GROWTH_LIMIT = 0.50
P95_SLACK_MS = 5.0  # a p95 growth smaller than this is noise, whatever its ratio
WARMUP_SECONDS = 60.0
TIMEOUT = 60.0  # seconds a request may take before it counts as failed
LATE = 1.0  # seconds after its due time: a request sent later shows the pace was not kept


@dataclass(frozen=True)
class Request:
    """One request sent: when it was sent (seconds from the start), its kind, how long, how it ended."""

    at: float
    kind: str
    seconds: float
    status: int  # 0: no answer (connection error or timeout)
    ok: bool
    statements: int = 0  # statements it stored
    delay: float = 0.0  # seconds it was sent after its due time (the clients could not keep the pace)


@dataclass(frozen=True)
class Sample:
    """The servers read at the end of an interval (seconds from the start)."""

    at: float
    rss_mib: float
    cpu_seconds: float


def autovacuum(url: str) -> str | None:
    """PostgreSQL's autovacuum setting (None on SQLite): off, the planner's statistics never follow the store."""
    if not url.startswith("postgresql"):
        return None
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        setting = conn.exec_driver_sql("SHOW autovacuum").scalar()
    engine.dispose()
    return setting


def server_rss_mib(server: Server) -> float:
    """The resident memory (VmRSS) of the gunicorn master and its workers now, in MiB."""
    assert server.process is not None
    total = 0
    for pid in (server.process.pid, *server.worker_pids()):
        try:
            total += _status_kib(pid, "VmRSS")
        except FileNotFoundError:  # a worker that has just exited
            continue
    return total / 1024


# -- the load ------------------------------------------------------------------------------------------------

class Client:
    """One client thread: a kept-alive connection, its own statements, ``more`` links and State documents."""

    def __init__(self, base_url: str, auth: tuple[str, str], number: int):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update(HEADERS)
        self.random = random.Random(1000 + number)
        self.generator = Generator(seed=1000 + number)
        self.more: list[str] = []  # ``more`` links of earlier answers, not followed yet
        self.states: list[dict] = []  # State documents PUT so far (their parameters)

    def run(self, kind: str) -> tuple[str, int, bool, int]:
        """Send one request of ``kind`` (a query when no ``more`` link is left, a PUT before any State GET).

        Answers the kind sent, the status, whether it is the one expected, and the statements stored.
        """
        if kind == "more" and not self.more:
            kind = "query"
        if kind == "state_get" and not self.states:
            kind = "state_put"
        send = {"batch": self.batch, "single": self.single, "query": self.query, "more": self.more_page,
                "state_put": self.state_put, "state_get": self.state_get}[kind]
        return kind, *send()

    def _post(self, statements: list[dict] | dict, count: int) -> tuple[int, bool, int]:
        response = self.session.post(f"{self.base_url}/xapi/statements", data=orjson.dumps(statements),
                                     timeout=TIMEOUT)
        return response.status_code, response.status_code == 200, count if response.status_code == 200 else 0

    def batch(self) -> tuple[int, bool, int]:
        size = self.random.randint(*BATCH_SIZES)
        return self._post([self.generator.statement() for _ in range(size)], size)

    def single(self) -> tuple[int, bool, int]:
        return self._post(self.generator.statement(), 1)

    def _get_statements(self, url: str, params: dict | None = None) -> tuple[int, bool, int]:
        response = self.session.get(url, params=params, timeout=TIMEOUT)
        if response.status_code == 200:
            more = orjson.loads(response.content)["more"]
            if more and len(self.more) < 20:
                self.more.append(more)
        return response.status_code, response.status_code == 200, 0

    def query(self) -> tuple[int, bool, int]:
        r, g = self.random, self.generator
        agent = {k: v for k, v in r.choice(g.agents).items() if k != "name"}
        since = formats.format_timestamp(datetime.now(UTC) - timedelta(seconds=30))
        params = r.choice([
            {"agent": orjson.dumps(agent).decode()},
            {"verb": r.choice(VERBS)},
            {"activity": r.choice(g.activities)},
            {"registration": r.choice(g.registrations)},
            {"activity": r.choice(g.courses), "related_activities": "true"},
            {"since": since},
            {"verb": r.choice(VERBS), "since": since, "ascending": "true"},
        ])
        return self._get_statements(f"{self.base_url}/xapi/statements", params)

    def more_page(self) -> tuple[int, bool, int]:
        return self._get_statements(self.base_url + self.more.pop(self.random.randrange(len(self.more))))

    def state_put(self) -> tuple[int, bool, int]:
        r, g = self.random, self.generator
        if len(self.states) < STATES:
            agent = {k: v for k, v in r.choice(g.agents).items() if k != "name"}
            self.states.append({"activityId": r.choice(g.activities), "agent": orjson.dumps(agent).decode(),
                                "stateId": f"soak-{len(self.states)}"})
            params = self.states[-1]
        else:
            params = r.choice(self.states)
        body = orjson.dumps({"page": r.randrange(100), "at": time.time()})
        response = self.session.put(f"{self.base_url}/xapi/activities/state", params=params, data=body,
                                    timeout=TIMEOUT)
        return response.status_code, response.status_code == 204, 0

    def state_get(self) -> tuple[int, bool, int]:
        response = self.session.get(f"{self.base_url}/xapi/activities/state", params=self.random.choice(self.states),
                                    timeout=TIMEOUT)
        return response.status_code, response.status_code == 200, 0


class Load:
    """``clients`` threads sending ``rate`` requests a second in all, until ``seconds`` have passed."""

    def __init__(self, base_url: str, auth: tuple[str, str], *, rate: float, clients: int, seconds: float):
        self.base_url, self.auth, self.rate, self.clients, self.seconds = base_url, auth, rate, clients, seconds
        self.lock = threading.Lock()
        self.sent = 0  # requests handed out so far: the next one is due at start + sent / rate
        self.requests: list[Request] = []
        self.start = 0.0
        self.threads: list[threading.Thread] = []
        self.failure: BaseException | None = None

    def begin(self) -> None:
        self.start = time.monotonic()
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(self.clients)]
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join()
        if self.failure is not None:
            raise self.failure

    def since(self, after: float) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.at >= after]

    def _next_due(self) -> float | None:
        with self.lock:
            due = self.sent / self.rate
            if due >= self.seconds:
                return None
            self.sent += 1
            return due

    def _client(self, number: int) -> None:
        client = Client(self.base_url, self.auth, number)
        kinds, weights = list(MIX), list(MIX.values())
        try:
            while (due := self._next_due()) is not None:
                pause = self.start + due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                kind = client.random.choices(kinds, weights)[0]
                sent = time.monotonic()
                try:
                    kind, status, ok, stored = client.run(kind)
                except requests.RequestException:
                    status, ok, stored = 0, False, 0
                done = Request(sent - self.start, kind, time.monotonic() - sent, status, ok, stored,
                               max(0.0, sent - self.start - due))
                with self.lock:
                    self.requests.append(done)
        except BaseException as exc:  # reported by join()
            self.failure = exc
        finally:
            client.session.close()


# -- figures and the verdict ---------------------------------------------------------------------------------

def figures(requests_: Sequence[Request], seconds: float) -> dict:
    """Requests, their rate, latency percentiles and failures of a stretch of ``seconds``."""
    return {"requests": len(requests_), "requests_per_s": round(len(requests_) / seconds, 1) if seconds else 0.0,
            "statements": sum(r.statements for r in requests_),
            **percentiles([r.seconds for r in requests_]),
            "errors": sum(not r.ok for r in requests_),
            "server_errors": sum(r.status >= 500 for r in requests_),
            "no_answer": sum(r.status == 0 for r in requests_),
            "sent_late": sum(r.delay > LATE for r in requests_)}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def slope_per_minute(points: Sequence[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, value) points, per minute (0 with fewer than two)."""
    if len(points) < 2:
        return 0.0
    mean_t, mean_v = _mean([t for t, _ in points]), _mean([v for _, v in points])
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if not spread:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread * 60


def flatness(samples: Sequence[Sample], requests_: Sequence[Request], seconds: float) -> dict:
    """Whether memory and latency stay flat: the first and the last third after the warm-up compared.

    The warm-up is the first minute, or the first fifth of a run shorter than five minutes. Memory is the mean
    of the samples taken in a third (the sample nearest to it when none was); latency is the p95 of the
    requests sent in it.
    """
    warmup = min(WARMUP_SECONDS, seconds / 5)
    third = (seconds - warmup) / 3
    first_end, last_start = warmup + third, seconds - third
    kept = [s for s in samples if s.at >= warmup]

    def rss(start: float, end: float) -> float:
        inside = [s.rss_mib for s in kept if start <= s.at <= end]
        if inside:
            return _mean(inside)
        middle = (start + end) / 2
        return min(kept, key=lambda s: abs(s.at - middle)).rss_mib

    first_p95 = percentiles([r.seconds for r in requests_ if warmup <= r.at < first_end]).get("p95_ms", 0.0)
    last_p95 = percentiles([r.seconds for r in requests_ if r.at >= last_start]).get("p95_ms", 0.0)
    first_rss, last_rss = (rss(warmup, first_end), rss(last_start, seconds)) if kept else (0.0, 0.0)
    rss_growth = last_rss / first_rss - 1 if first_rss else 0.0
    p95_growth = last_p95 / first_p95 - 1 if first_p95 else 0.0
    reasons = []
    if rss_growth >= RSS_GROWTH_LIMIT:
        reasons.append(f"server memory grew {rss_growth:.0%} ({first_rss:.0f} → {last_rss:.0f} MiB)")
    if p95_growth >= P95_GROWTH_LIMIT and last_p95 - first_p95 >= P95_SLACK_MS:
        reasons.append(f"p95 grew {p95_growth:.0%} ({first_p95} → {last_p95} ms)")
    return {"warmup_s": round(warmup, 1), "rss_first_mib": round(first_rss, 1), "rss_last_mib": round(last_rss, 1),
            "rss_growth": round(rss_growth, 3), "rss_slope_mib_per_min": round(slope_per_minute(
                [(s.at, s.rss_mib) for s in kept]), 2),
            "p95_first_ms": first_p95, "p95_last_ms": last_p95, "p95_growth": round(p95_growth, 3),
            "flat": not reasons, "reasons": reasons}


def per_minute(samples: Sequence[Sample], requests_: Sequence[Request], seconds: float) -> list[dict]:
    """Each minute's figures, with the servers' memory at its last sample and their CPU use over it.

    ``samples`` begins with the one taken as the load began.
    """
    rows = []
    previous = samples[0]  # taken as the load began
    minute = 0
    while minute * 60 < seconds:
        start, end = minute * 60, min(seconds, (minute + 1) * 60)
        inside = [s for s in samples if start < s.at <= end]
        last = inside[-1] if inside else previous
        cpu = (last.cpu_seconds - previous.cpu_seconds) / (last.at - previous.at) if last.at > previous.at else 0
        inside_requests = [r for r in requests_ if start <= r.at < end]
        rows.append({"minute": minute + 1, **figures(inside_requests, end - start),
                     "rss_mib": round(last.rss_mib, 1), "server_cpu_percent": round(cpu * 100),
                     "p95_ms_by_kind": {kind: percentiles([r.seconds for r in inside_requests if r.kind == kind])
                                        .get("p95_ms") for kind in MIX}})
        previous, minute = last, minute + 1
    return rows


def tables(run: dict) -> str:
    rows = [[m["minute"], m["requests"], m["requests_per_s"], f"{m['statements']:,}", m.get("p50_ms", ""),
             m.get("p95_ms", ""), m.get("p99_ms", ""), m["errors"], m["server_errors"], m["rss_mib"],
             m["server_cpu_percent"]] for m in run["minutes"]]
    out = [f"### soak, {run['database']}: {run['arguments']['rate']} requests/s for {run['arguments']['minutes']} "
           f"minutes\n",
           report._table(rows, ["minute", "requests", "requests/s", "statements", "p50 ms", "p95 ms", "p99 ms",
                                "errors", "5xx", "server RSS MiB", "server CPU %"]) + "\n"]
    rows = [[kind, f["requests"], f.get("p50_ms", ""), f.get("p95_ms", ""), f.get("p99_ms", ""), f["errors"]]
            for kind, f in run["kinds"].items()]
    out.append(report._table(rows, ["request", "requests", "p50 ms", "p95 ms", "p99 ms", "errors"]) + "\n")
    verdict = run["flatness"]
    out.append(f"Server RSS {verdict['rss_first_mib']} → {verdict['rss_last_mib']} MiB "
               f"({verdict['rss_growth']:+.1%}, slope {verdict['rss_slope_mib_per_min']:+} MiB/min); p95 "
               f"{verdict['p95_first_ms']} → {verdict['p95_last_ms']} ms ({verdict['p95_growth']:+.1%}); first and "
               f"last thirds after a {verdict['warmup_s']} s warm-up.")
    failures = run["total"]["errors"]
    out.append(("FLAT" if verdict["flat"] else "NOT FLAT: " + "; ".join(verdict["reasons"]))
               + f"; failed requests: {failures} ({run['total']['server_errors']} 5xx, "
                 f"{run['total']['no_answer']} without an answer); sent over {LATE:g} s late: "
                 f"{run['total']['sent_late']}")
    if run["first_failures"]:
        out.append("First failures: " + "; ".join(run["first_failures"]))
    if run["settings"]["autovacuum"] == "off":
        out.append("Note: autovacuum is off on this PostgreSQL server, so nothing ANALYZEs the tables while the "
                   "store grows: queries are planned with the statistics of an empty database.")
    return "\n".join(out)


# -- the run -------------------------------------------------------------------------------------------------

def soak(kind: str, args: argparse.Namespace) -> dict:
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix=f"soak-{kind}-") as folder:
        workdir = Path(folder)
        with fresh_database(kind, workdir) as url:
            credential = create_credential(url, workdir, "soak")
            settings = {"autovacuum": autovacuum(url)}
            with Server(url, workdir, args.workers, args.threads) as server:
                load = Load(server.base_url, credential.auth, rate=args.rate, clients=args.clients, seconds=seconds)
                samples = [Sample(0.0, server_rss_mib(server), server.cpu_seconds())]
                load.begin()
                while True:
                    at = min(seconds, len(samples) * args.interval)
                    time.sleep(max(0.0, load.start + at - time.monotonic()))
                    previous = samples[-1].at
                    samples.append(Sample(at, server_rss_mib(server), server.cpu_seconds()))
                    interval = figures(load.since(previous), at - previous)
                    print(f"[soak {kind}] {int(at) // 60}:{int(at) % 60:02d} {interval['requests_per_s']} req/s, "
                          f"p50/p95/p99 {interval.get('p50_ms')}/{interval.get('p95_ms')}/{interval.get('p99_ms')} "
                          f"ms, errors {interval['errors']}, server RSS {samples[-1].rss_mib:.0f} MiB",
                          file=sys.stderr)
                    if at >= seconds:
                        break
                load.join()
    done = sorted(load.requests, key=lambda r: r.at)
    failures = [f"{r.kind} at {r.at:.1f} s answered {r.status or 'nothing'}" for r in done if not r.ok]
    return {"database": kind, "settings": settings, "samples": [asdict(s) for s in samples],
            "intervals": [{"at": s.at, **figures([r for r in done if p.at <= r.at < s.at], s.at - p.at)}
                          for p, s in zip(samples, samples[1:], strict=False)],
            "minutes": per_minute(samples, done, seconds), "total": figures(done, seconds),
            "kinds": {k: figures([r for r in done if r.kind == k], seconds) for k in MIX},
            "flatness": flatness(samples, done, seconds), "first_failures": failures[:5]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load runs")
    parser.add_argument("--rate", type=float, default=25.0, help="requests a second, all kinds together")
    parser.add_argument("--interval", type=float, default=12.0, help="seconds between readings of the servers")
    parser.add_argument("--clients", type=int, default=8, help="client threads sharing the rate")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    args = parser.parse_args(argv)
    if args.database == "postgresql" and not postgres_reachable():
        print("PostgreSQL is not reachable (LRS_BENCH_POSTGRES_URL): no soak run", file=sys.stderr)
        return 2
    started = datetime.now(UTC)
    run = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "commit": report.commit(), "machine": report.machine(),
           "command": "python -m bench.soak " + shlex.join(sys.argv[1:] if argv is None else argv),
           "arguments": vars(args), **soak(args.database, args),
           "load_average_at_end": [round(v, 2) for v in os.getloadavg()]}
    report.RESULTS.mkdir(exist_ok=True)
    path = report.RESULTS / f"soak-{args.database}-{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_bytes(orjson.dumps(run, option=orjson.OPT_INDENT_2))
    print(tables(run))
    print(f"\nJSON: {path}")
    return 0 if run["flatness"]["flat"] and not run["total"]["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
