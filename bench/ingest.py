"""Ingest through the real HTTP stack, and the floor: the same rows inserted straight into the database.

HTTP: client threads, each with a kept-alive connection (``http.client``), POST pre-serialised bodies
to ``lrs serve`` as fast as the server answers; every answer must be 200. The floor: the rows the store
writes for the same statements (statement rows, index rows; prepared before the clock starts) inserted in
transactions of the same batch size by as many threads, each with its own connection, with the store's own
insert primitives (``lrs.xapi.bulk``) and driver: no HTTP, no validation, no lookups.
"""

from __future__ import annotations

import base64
import http.client
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.generator import Generator
from lrs.tenancy.credentials import get_or_create_tenant
from lrs.xapi import bulk
from lrs.xapi.batch import STATEMENT_COLUMNS, build
from lrs.xapi.statements import now, prepare
from lrs.xapi.store import DIRECTORY_COLUMNS, IS_VOIDING, REF_TARGET

HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
FLOOR_NAMESPACE = uuid.UUID("6f1c4f4e-7c52-4d4b-9d7c-8f0e3a9b1c2d")


def percentiles(samples: Sequence[float]) -> dict:
    """p50/p95/p99 (nearest rank) and the mean of latencies in seconds, in milliseconds."""
    ordered = sorted(samples)
    if not ordered:
        return {}

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))] * 1000

    return {"p50_ms": round(rank(50), 2), "p95_ms": round(rank(95), 2), "p99_ms": round(rank(99), 2),
            "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2)}


def _run_threads(count: int, work: Callable[[int], None]) -> float:
    """Run ``work(thread_number)`` on ``count`` threads; answer the wall-clock seconds; re-raise a failure."""
    errors: list[BaseException] = []

    def guarded(number: int) -> None:
        try:
            work(number)
        except BaseException as exc:  # reported after the join
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


class KeptAlive:
    """One kept-alive HTTP/1.1 connection (``http.client``): the clients share the machine with the server,
    and this costs a fraction of the CPU per request that ``requests`` does."""

    def __init__(self, base_url: str, auth: tuple[str, str], timeout: float = 120):
        url = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        self.headers = {**HEADERS, "Authorization": f"Basic {token}"}

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.connection.request("POST", path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def post_all(base_url: str, auth: tuple[str, str], bodies: list[bytes], clients: int, statements: int) -> dict:
    """POST every body to /xapi/statements from ``clients`` threads; throughput and latency."""
    latencies: list[float] = []
    cursor = iter(range(len(bodies)))
    lock = threading.Lock()

    def client(_: int) -> None:
        connection = KeptAlive(base_url, auth)
        mine: list[float] = []
        try:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    break
                started = time.perf_counter()
                status, answer = connection.post("/xapi/statements", bodies[index])
                mine.append(time.perf_counter() - started)
                if status != 200:
                    raise RuntimeError(f"POST answered {status}: {answer[:500]!r}")
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)

    seconds = _run_threads(clients, client)
    return {"requests": len(bodies), "statements": statements, "clients": clients, "seconds": round(seconds, 2),
            "requests_per_s": round(len(bodies) / seconds), "statements_per_s": round(statements / seconds),
            **percentiles(latencies)}


def http_ingest(base_url: str, auth: tuple[str, str], *, statements: int, batch: int, clients: int,
                seed: int) -> dict:
    """Generated statements in batches (a JSON array each) or, with ``batch`` 1, one object per request."""
    generator = Generator(seed)
    if batch == 1:
        bodies = [orjson.dumps(s) for s in generator.statements(statements)]
    else:
        bodies = [orjson.dumps(b) for b in generator.batches(statements, batch)]
    return {"batch": batch, **post_all(base_url, auth, bodies, clients, statements)}


def _floor_rows(tenant_id: int, batch: list[dict]) -> tuple[list[tuple], list[list[tuple]]]:
    """Statement rows, as the store builds them (``lrs.xapi.batch.build``), and, per statement, its index
    rows (seq filled in after the insert)."""
    stored = now()
    built = build([prepare({**raw, "id": str(uuid.uuid5(FLOOR_NAMESPACE, raw["id"]))}, stored=stored,
                           authority={"objectType": "Agent", "mbox": "mailto:floor@example.com"}, version="1.0.3")
                   for raw in batch], tenant_id, None, {})
    index = [[(kind, value, tenant_id) for kind, value in sorted(built.keys[sid])] for sid in built.rows]
    return list(built.rows.values()), index


def floor(url: str, *, statements: int, batch: int, threads: int, seed: int) -> dict:
    """The same statements as the HTTP run (other ids, so both fit in one database), inserted straight."""
    engine = sa.create_engine(url, pool_size=threads, max_overflow=0)
    with Session(engine) as session:
        tenant_id = get_or_create_tenant(session, "bench-floor").id
        session.commit()
    prepared = [_floor_rows(tenant_id, b) for b in Generator(seed).batches(statements, batch)]
    cursor = iter(range(len(prepared)))
    lock = threading.Lock()

    def writer(_: int) -> None:
        with Session(engine) as session:
            while True:
                with lock:
                    position = next(cursor, None)
                if position is None:
                    return
                rows, index = prepared[position]
                returned = bulk.insert(session, "statements", STATEMENT_COLUMNS, rows,
                                       returning=("seq", "statement_id"))
                seq_of = dict((sid, seq) for seq, sid in returned)
                bulk.insert(session, "statement_ids", (*DIRECTORY_COLUMNS, "seq"),
                            [(*row[:2], row[REF_TARGET], row[IS_VOIDING], seq_of[row[1]]) for row in rows])
                bulk.insert(session, "statement_index", ("seq", "kind", "value_hash", "tenant_id"),
                            [(seq_of[row[1]], *key) for row, keys in zip(rows, index, strict=True)
                             for key in keys])
                session.commit()

    seconds = _run_threads(threads, writer)
    engine.dispose()
    return {"batch": batch, "statements": statements, "threads": threads, "seconds": round(seconds, 2),
            "statements_per_s": round(statements / seconds)}
