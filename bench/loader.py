"""Fill a database with generated statements fast: bulk inserts of what the store would write, no HTTP.

    python -m bench.loader --database URL --statements 1000000 [--tenant bench-query] [--seed 1]

Each statement goes through the store's own ``prepare`` and index keys (``StatementStore.batch_keys``, so
StatementRef targets lend their keys as they do on the write path: the loader keeps every statement's keys,
packed, to hand them over); the rows are then written in large chunks, with one ``executemany`` (SQLite)
or ``COPY`` (PostgreSQL) per table, committed per chunk, while the secondary indexes are set aside
(``bench.indexes``). Statements are stored one millisecond apart, in load order, so ``stored`` windows
are known exactly. The database must be migrated; nothing else may write statements while it loads.
"""

from __future__ import annotations

import argparse
import json
import struct
import time
from datetime import UTC, datetime, timedelta

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.generator import Generator
from bench.indexes import set_aside
from bench.truth import Truth
from lrs.models import Credential
from lrs.tenancy.credentials import get_or_create_tenant
from lrs.xapi import formats
from lrs.xapi.activities import collect_definitions
from lrs.xapi.statements import is_voiding, prepare, statement_ref_target
from lrs.xapi.store import StatementStore

CHUNK = 5000
STORED_START = datetime(2025, 1, 1, tzinfo=UTC)
STATEMENT_COLUMNS = ("seq", "tenant_id", "statement_id", "stored_us", "credential_id", "verb_id", "ref_target",
                     "is_voiding", "voided", "payload", "attachment_hashes")
INDEX_COLUMNS = ("seq", "kind", "value_hash", "tenant_id")
ACTIVITY_COLUMNS = ("tenant_id", "activity_id", "definition")
# The query benchmark wants every agent, activity and registration to hold enough statements for a full
# first page already at 100,000 statements.
QUERY_GENERATOR = {"agents": 500, "activities": 500, "registrations": 500}


def _pack(keys: set[tuple[int, int]]) -> bytes:
    return b"".join(KEY.pack(kind, value) for kind, value in keys)


def _unpack(packed: bytes) -> set[tuple[int, int]]:
    return set(KEY.iter_unpack(packed))


KEY = struct.Struct("<bq")  # (kind, value hash) of a statement_index row


class Loader:
    """Appends generated statements to one tenant, and keeps the ground truth of what it loaded."""

    def __init__(self, engine: sa.Engine, tenant: str, *, seed: int = 1, credential_key: str | None = None,
                 public_url: str = "http://bench.example.com"):
        self.engine = engine
        self.generator = Generator(seed, **QUERY_GENERATOR)
        self.truth = Truth()
        self.known_activities: set[str] = set()
        self.keys: dict[str, bytes] = {}  # statement id -> its index keys (with inherited ones), packed
        with Session(engine) as session:
            self.tenant_id = get_or_create_tenant(session, tenant).id
            credential = session.execute(sa.select(Credential.id, Credential.name).where(
                Credential.key == credential_key)).first()
            session.commit()
        self.credential_id = credential.id if credential else None
        # The authority the server sets for this credential (LRS_PUBLIC_URL is the home page).
        self.authority = {"objectType": "Agent", "name": credential.name if credential else "bench loader",
                          "account": {"homePage": public_url, "name": credential_key or "bench"}}

    def load(self, count: int) -> dict:
        """Append ``count`` statements; answer the time it took."""
        started = time.perf_counter()
        with set_aside(self.engine), Session(self.engine) as session:
            next_seq = (session.scalar(sa.select(sa.func.max(sa.column("seq"))).select_from(
                sa.table("statements"))) or 0) + 1
            done = 0
            while done < count:
                size = min(CHUNK, count - done)
                next_seq = self._chunk(session, [self.generator.statement() for _ in range(size)], next_seq)
                session.commit()
                done += size
            if not self._sqlite:
                session.execute(sa.text("SELECT setval(pg_get_serial_sequence('statements', 'seq'), :seq)"),
                                {"seq": next_seq - 1})
                session.commit()
        seconds = time.perf_counter() - started
        return {"statements": count, "seconds": round(seconds, 1), "statements_per_s": round(count / seconds)}

    @property
    def _sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def _chunk(self, session: Session, raw: list[dict], next_seq: int) -> int:
        if self._sqlite:
            session.execute(sa.text("PRAGMA cache_size=-1048576"))  # 1 GiB: the index b-trees stay in memory
            session.execute(sa.text("PRAGMA synchronous=OFF"))
        prepared = []
        for statement in raw:
            position = len(self.truth)
            stored = STORED_START + timedelta(milliseconds=position)
            prepared.append(prepare(statement, stored=stored, authority=self.authority, version="1.0.3"))
            self.truth.add(prepared[-1], formats.to_micros(stored))
        in_chunk = {s["id"] for s in prepared}
        targets = {t: (False, _unpack(self.keys[t])) for t in map(statement_ref_target, prepared)
                   if t is not None and t not in in_chunk and t in self.keys}
        keys_of = StatementStore(session, self.tenant_id).batch_keys(prepared, targets)
        self.keys.update((sid, _pack(keys)) for sid, keys in keys_of.items())
        statements, index = [], []
        for seq, statement in enumerate(prepared, start=next_seq):
            statements.append((seq, self.tenant_id, statement["id"], formats.to_micros(
                formats.parse_timestamp(statement["stored"])), self.credential_id, statement["verb"]["id"],
                statement_ref_target(statement), is_voiding(statement), False, orjson.dumps(statement).decode(),
                None))
            index.extend((seq, kind, value, self.tenant_id) for kind, value in sorted(keys_of[statement["id"]]))
        definitions = collect_definitions(prepared)
        activities = [(self.tenant_id, iri, orjson.dumps(d).decode() if d else None)
                      for iri, d in sorted(definitions.items()) if iri not in self.known_activities]
        self.known_activities.update(definitions)
        self._write(session, "statement_ids", ("tenant_id", "statement_id", "seq", "ref_target", "is_voiding"),
                    [(row[1], row[2], row[0], row[6], row[7]) for row in statements])
        self._write(session, "statements", STATEMENT_COLUMNS, statements)
        self._write(session, "statement_index", INDEX_COLUMNS, index)
        self._write(session, "activities", ACTIVITY_COLUMNS, activities)
        return next_seq + len(prepared)

    def _write(self, session: Session, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        connection = session.connection()
        if self._sqlite:
            marks = ", ".join("?" * len(columns))
            connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            return
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a migrated database")
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--tenant", default="bench-query")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import lrs  # noqa: F401  (SQLite pragmas on connect)

    engine = sa.create_engine(args.database)
    result = Loader(engine, args.tenant, seed=args.seed).load(args.statements)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
