"""Two ``lrs serve`` processes on different ports sharing one PostgreSQL database: the production shape.

One database, migrated once (``lrs db upgrade``), one credential (``lrs credentials create --json``), two
servers (gunicorn, each in a process group of its own). Concurrent clients then write and read across them:
whatever one server stores, the other answers for, as if there were one LRS.

- Writers POST batches to alternating servers, some statements holding StatementRefs to statements stored
  through the other server; pairs of a statement and a StatementRef to it are sent to the two servers at the
  same moment, and the referrer must be found by the target's activity (Communication 2.1.3, "Filter
  Conditions for StatementRefs"), whichever of the two was stored first.
- Voiding statements go to one server for statements stored through the other, some sent at the same moment
  as their target (Data 2.3.2): the voided statement is then retrievable only as voided, from both servers.
- One statement id PUT to both servers at once: with the same content both succeed (Communication 2.1.1,
  2.1.2: storing an equal statement again changes nothing); with different content exactly one is stored
  and the other answers 409 Conflict.
- A reader follows ``more`` links alternating between servers while the writers run (a link issued by one
  server is followed on the other): each statement comes at most once in a walk (Communication 2.1.3, the
  ``more`` property; Data 2.5), and once the writers stop, a full walk gives exactly the acknowledged,
  non-voided statements.
- Every statement stored before the ``X-Experience-API-Consistent-Through`` time a server gives with a
  query's first page is in that query's result (Communication 2.1.3, Consistent Through header).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from lrs.xapi import formats
from tests.conftest import scratch_postgres
from tests.e2e.conftest import SECRET_KEY, LiveServer, _run, _stop, _wait_ready, free_port, lrs_command

pytestmark = pytest.mark.e2e

V103 = {"X-Experience-API-Version": "1.0.3"}
CONSISTENT = "X-Experience-API-Consistent-Through"
VERBS = ("http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/attempted")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
WRITERS = 4  # writer threads, each sending ROUNDS batches
ROUNDS = 8
PAGE = 25  # the page size the reader asks for, so that a walk takes many ``more`` links
RACES = 10  # of each kind: StatementRef pairs, voidings, PUTs with equal and with different content
A, B = 0, 1


# -- two servers, one database ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database of its own (SQLite has no second server to share it with)."""
    with scratch_postgres("lrs_e2e_two", "the two-server test") as url:
        yield url


@pytest.fixture(scope="module")
def servers(shared_database_url, tmp_path_factory) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two ``lrs serve`` processes on two free ports, one migrated database, one credential for both."""
    workdir = tmp_path_factory.mktemp("e2e-two-servers")
    env = {**os.environ, "LRS_DATABASE_URL": shared_database_url, "LRS_SECRET_KEY": SECRET_KEY}
    _run(env, workdir, "db", "upgrade")
    ports: list[int] = []
    while len(ports) < 2:
        port = free_port()
        if port not in ports:
            ports.append(port)
    started: list[tuple[subprocess.Popen, str, Path]] = []
    try:
        for name, port in zip("ab", ports, strict=True):
            log = workdir / f"server-{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [lrs_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                    env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            started.append((process, f"http://127.0.0.1:{port}", log))
        # The credential is created while the servers start: it is in the database before the first request.
        issued = json.loads(_run(env, workdir, "credentials", "create", "--name", "e2e two servers", "--json"))
        for process, base_url, log in started:
            _wait_ready(process, base_url, log)
        a, b = (LiveServer(base_url, issued["key"], issued["secret"], issued["tenant"]) for _, base_url, _ in started)
        yield a, b
    finally:
        with ThreadPoolExecutor(2) as pool:  # both at once: a graceful stop takes seconds
            list(pool.map(_stop, [process for process, _, _ in started]))


# -- clients and what they were told -------------------------------------------------------------------------

class Client:
    """One thread's kept-alive connections to both servers, as a 1.0.3 client with the shared credential."""

    def __init__(self, servers: tuple[LiveServer, LiveServer]):
        self.servers = servers
        self.session = requests.Session()
        self.session.auth = servers[A].auth
        self.session.headers.update(V103)

    def url(self, server: int, path: str = "/xapi/statements") -> str:
        return self.servers[server].base_url + path

    def post(self, server: int, statements) -> requests.Response:
        return self.session.post(self.url(server), json=statements, timeout=30)

    def put(self, server: int, statement: dict) -> requests.Response:
        return self.session.put(self.url(server), params={"statementId": statement["id"]}, json=statement,
                                timeout=30)

    def get(self, server: int, path: str = "/xapi/statements", **params: str) -> requests.Response:
        return self.session.get(self.url(server, path), params=params or None, timeout=30)

    def close(self) -> None:
        self.session.close()


def stored(response: requests.Response, sent: list[dict]) -> list[str]:
    """A POST that must have stored its batch: 200, and the ids in request order."""
    assert response.status_code == 200, f"POST {response.url}: {response.status_code} {response.text[:500]}"
    ids = response.json()
    assert ids == [s["id"] for s in sent]
    return ids


@dataclass
class Ledger:
    """Every statement a server acknowledged, through which server, and which statements were voided."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    via: dict[str, int] = field(default_factory=dict)  # statement id -> the server that acknowledged it
    voidable: dict[str, int] = field(default_factory=dict)  # not voiding, not voided, not yet picked to be
    voided: set[str] = field(default_factory=set)

    def acknowledged(self, server: int, statements: list[dict], voidable: bool = False) -> None:
        """``voidable``: the voiding thread may pick them (never the ones another check looks at later)."""
        with self.lock:
            for statement in statements:
                self.via[statement["id"]] = server
                if voidable and statement["verb"]["id"] != VOIDED:
                    self.voidable[statement["id"]] = server

    def stored_through(self, server: int, rng: random.Random) -> str | None:
        """A statement acknowledged through ``server``, at random."""
        with self.lock:
            ids = [sid for sid, via in self.via.items() if via == server]
        return rng.choice(ids) if ids else None

    def to_void(self, server: int, rng: random.Random) -> str | None:
        """A voidable statement acknowledged through ``server``, taken out of the voidable ones."""
        with self.lock:
            ids = sorted(sid for sid, via in self.voidable.items() if via == server)
            if not ids:
                return None
            chosen = rng.choice(ids)
            del self.voidable[chosen]
            return chosen

    def void(self, statement_id: str) -> None:
        with self.lock:
            self.voided.add(statement_id)
            self.voidable.pop(statement_id, None)

    def expected(self) -> set[str]:
        with self.lock:
            return set(self.via) - self.voided


def activity(tag: str) -> dict:
    return {"objectType": "Activity", "id": f"http://example.com/e2e/two-servers/{tag}",
            "definition": {"name": {"en-US": f"Activity {tag}"}}}


def statement(actor: int, target: dict | None = None, verb: str = VERBS[0]) -> dict:
    """A statement with an id of its own; its object an activity of its own unless ``target`` is given."""
    sid = str(uuid.uuid4())
    return {"id": sid, "actor": {"objectType": "Agent", "mbox": f"mailto:writer{actor}@example.com"},
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
            "object": target if target is not None else activity(sid)}


def reference(actor: int, target_id: str, verb: str = VERBS[1]) -> dict:
    return statement(actor, {"objectType": "StatementRef", "id": target_id}, verb)


Request = tuple[str, int, object]  # a Client method ("post" or "put"), the server, the body


def at_once(clients: tuple[Client, Client], first: Request, second: Request
            ) -> tuple[requests.Response, requests.Response]:
    """Send two requests, each from its own client and thread, released together by a barrier."""
    barrier = threading.Barrier(2)

    def run(client: Client, request: Request) -> requests.Response:
        method, server, body = request
        barrier.wait(timeout=30)
        return getattr(client, method)(server, body)

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(run, clients[0], first), pool.submit(run, clients[1], second)]
        return futures[0].result(), futures[1].result()


# -- what runs concurrently ------------------------------------------------------------------------------------

def write_batches(servers, ledger: Ledger, number: int) -> None:
    """Batches of 10 to 30 to alternating servers; a fifth of each batch refers to statements of the other."""
    rng = random.Random(number)
    client = Client(servers)
    try:
        for round_number in range(ROUNDS):
            server = (number + round_number) % 2
            batch = []
            for _ in range(rng.randint(10, 30)):
                target = ledger.stored_through(1 - server, rng) if rng.random() < 0.2 else None
                batch.append(reference(number, target) if target else statement(number))
            stored(client.post(server, batch), batch)
            ledger.acknowledged(server, batch, voidable=True)
    finally:
        client.close()


def race_references(servers, ledger: Ledger) -> list[tuple[str, str, str]]:
    """A statement and a StatementRef to it sent to the two servers at the same moment; (activity, both ids)."""
    clients = Client(servers), Client(servers)
    pairs = []
    try:
        for number in range(RACES):
            target_server = number % 2
            target = statement(100)
            referrer = reference(101, target["id"])
            first, second = at_once(clients, ("post", target_server, [target]),
                                    ("post", 1 - target_server, [referrer]))
            stored(first, [target])
            ledger.acknowledged(target_server, [target])
            stored(second, [referrer])
            ledger.acknowledged(1 - target_server, [referrer])
            pairs.append((target["object"]["id"], target["id"], referrer["id"]))
    finally:
        for client in clients:
            client.close()
    return pairs


def void_across(servers, ledger: Ledger) -> list[str]:
    """Voiding statements sent to B for statements stored through A: some long stored, some sent at once.

    Data 2.3.2: a voided statement is no longer returned by statementId (404) nor by queries; it is still
    returned by voidedStatementId (Communication 2.1.4), here asked of A.
    """
    rng = random.Random(7)
    clients = Client(servers), Client(servers)
    voided = []
    try:
        for number in range(RACES):
            if number % 2:
                target = statement(102)
                voiding = reference(103, target["id"], VOIDED)
                first, second = at_once(clients, ("post", A, [target]), ("post", B, [voiding]))
                stored(first, [target])
                ledger.acknowledged(A, [target])
                stored(second, [voiding])
                ledger.acknowledged(B, [voiding])
                target_id = target["id"]
            else:
                target_id = ledger.to_void(A, rng)
                assert target_id is not None, "the seed statements stored through A are voidable"
                voiding = reference(103, target_id, VOIDED)
                stored(clients[0].post(B, [voiding]), [voiding])
                ledger.acknowledged(B, [voiding])
            ledger.void(target_id)
            voided.append(target_id)
            gone = clients[0].get(A, statementId=target_id)
            assert gone.status_code == 404, f"voided {target_id} still answered on A: {gone.text[:300]}"
            kept = clients[0].get(A, voidedStatementId=target_id)
            assert kept.status_code == 200, kept.text[:300]
            assert kept.json()["id"] == target_id
    finally:
        for client in clients:
            client.close()
    return voided


def put_races(servers, ledger: Ledger) -> list[tuple[str, str]]:
    """One id PUT to both servers at once: equal content (both 204), different content (one 204, one 409).

    Answers (statement id, verb of the statement stored) for the ones with different content.
    """
    clients = Client(servers), Client(servers)
    winners = []
    try:
        for _ in range(RACES):
            same = statement(104)
            first, second = at_once(clients, ("put", A, same), ("put", B, same))
            assert (first.status_code, second.status_code) == (204, 204), (first.text[:300], second.text[:300])
            ledger.acknowledged(A, [same])

            one = statement(105)
            other = {**one, "verb": {"id": VERBS[1], "display": {"en-US": "attempted"}}}
            first, second = at_once(clients, ("put", A, one), ("put", B, other))
            statuses = sorted((first.status_code, second.status_code))
            assert statuses == [204, 409], (first.status_code, first.text[:300], second.status_code,
                                            second.text[:300])
            winner, server = (one, A) if first.status_code == 204 else (other, B)
            ledger.acknowledged(server, [winner])
            winners.append((winner["id"], winner["verb"]["id"]))
    finally:
        for client in clients:
            client.close()
    return winners


@dataclass
class Walk:
    """One query followed through ``more`` to its end, its pages alternating between the servers."""

    first_server: int
    consistent_through_us: int  # the Consistent-Through of the first page
    ids: list[str]
    stored_us: dict[str, int]
    pages: int


def walk(client: Client, first_server: int) -> Walk:
    """GET /statements, then its ``more`` links to the end, each on the other server (Communication 2.1.3)."""
    response = client.get(first_server, limit=str(PAGE))
    assert response.status_code == 200, response.text[:500]
    consistent = formats.parse_timestamp(response.headers[CONSISTENT])
    assert consistent is not None, response.headers[CONSISTENT]
    ids: list[str] = []
    stored_us: dict[str, int] = {}
    server, pages = first_server, 1
    while True:
        body = response.json()
        for item in body["statements"]:
            ids.append(item["id"])
            stored_us[item["id"]] = formats.to_micros(formats.parse_timestamp(item["stored"]))
        if not body["more"]:
            break
        server = 1 - server  # a link one server issued, followed on the other
        response = client.get(server, body["more"])
        assert response.status_code == 200, f"{body['more']} on server {server}: {response.text[:500]}"
        pages += 1
    return Walk(first_server, formats.to_micros(consistent), ids, stored_us, pages)


def read_while(servers, running: threading.Event) -> list[Walk]:
    """Walk the statements again and again, starting on A and on B in turn, while ``running`` is set."""
    client = Client(servers)
    walks = []
    try:
        while running.is_set():
            walks.append(walk(client, len(walks) % 2))
    finally:
        client.close()
    return walks


# -- the test ------------------------------------------------------------------------------------------------

@pytest.fixture
def client(servers) -> Iterator[Client]:
    client = Client(servers)
    yield client
    client.close()


def test_two_servers_on_one_database_behave_as_one_store(servers, client):
    """Concurrent writes and reads across two servers: the result is one LRS's (see the module docstring)."""
    ledger = Ledger()
    # Something for the first StatementRefs and voidings to point at, through each server.
    for server in (A, B):
        seed = [statement(99) for _ in range(20)]
        stored(client.post(server, seed), seed)
        ledger.acknowledged(server, seed, voidable=True)

    running = threading.Event()
    running.set()
    with ThreadPoolExecutor(WRITERS + 4) as pool:
        reader = pool.submit(read_while, servers, running)
        try:
            writers = [pool.submit(write_batches, servers, ledger, number) for number in range(WRITERS)]
            references = pool.submit(race_references, servers, ledger)
            voidings = pool.submit(void_across, servers, ledger)
            puts = pool.submit(put_races, servers, ledger)
            for future in writers:
                future.result()
            pairs, voided, winners = references.result(), voidings.result(), puts.result()
        finally:
            running.clear()
        during = reader.result()

    expected = ledger.expected()
    finals = [walk(client, A), walk(client, B)]
    for final in finals:
        assert len(final.ids) == len(set(final.ids)), "a statement came twice in one walk"
        missing, extra = expected - set(final.ids), set(final.ids) - expected
        assert not missing and not extra, (f"walk from server {final.first_server}: {len(missing)} acknowledged "
                                           f"statements missing, {len(extra)} not expected")
    stored_us = finals[0].stored_us

    # While the writers ran: each statement at most once per walk, none that was never acknowledged, and
    # every statement stored before the first page's Consistent-Through in the walk.
    assert len(during) >= 2 and {w.first_server for w in during} == {A, B}, [w.pages for w in during]
    for number, seen in enumerate(during):
        duplicates = {sid for sid in seen.ids if seen.ids.count(sid) > 1}
        assert not duplicates, f"walk {number} ({seen.pages} pages) returned {sorted(duplicates)} twice"
        assert set(seen.ids) <= set(ledger.via), f"walk {number} returned statements never acknowledged"
        late = {sid for sid, us in stored_us.items() if us <= seen.consistent_through_us} - set(seen.ids)
        assert not late, (f"walk {number} from server {seen.first_server}: {len(late)} statements stored before "
                          f"its Consistent-Through are missing, e.g. "
                          f"{[(sid, seen.consistent_through_us - stored_us[sid]) for sid in sorted(late)[:3]]}")

    # Consistent-Through now, from both servers: everything is stored before it.
    # (It lags the clock by the consistency margin, so the writers' last statements pass it a moment later.)
    newest = max(stored_us.values())
    for server in (A, B):
        deadline = time.monotonic() + 10
        while True:
            response = client.get(server, limit="1")
            through = formats.to_micros(formats.parse_timestamp(response.headers[CONSISTENT]))
            if newest <= through or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert newest <= through

    # A StatementRef stored through one server is found by its target's activity, stored through the other.
    for activity_id, target_id, referrer_id in pairs:
        for server in (A, B):
            found = client.get(server, activity=activity_id)
            assert found.status_code == 200, found.text[:300]
            # Writers may have referred to the target too: more referrers, never fewer.
            assert {target_id, referrer_id} <= {s["id"] for s in found.json()["statements"]}, (server, activity_id)

    # Voided through the other server: not retrievable by statementId on either, only as voided.
    for target_id in voided:
        for server in (A, B):
            assert client.get(server, statementId=target_id).status_code == 404
            assert client.get(server, voidedStatementId=target_id).json()["id"] == target_id

    # A PUT race with different content: the one that was acknowledged is the one both servers hold.
    for statement_id, verb in winners:
        for server in (A, B):
            assert client.get(server, statementId=statement_id).json()["verb"]["id"] == verb
