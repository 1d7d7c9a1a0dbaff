"""Use cases of the Statements resource: each validates, stores and commits once."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from lrs.profiles.service import check_batch, record_batch
from lrs.xapi import signature
from lrs.xapi.batch import build
from lrs.xapi.errors import BadRequest, XAPIError
from lrs.xapi.multipart import HASH_HEADER
from lrs.xapi.statements import now, prepare
from lrs.xapi.store import LateWrite, StatementStore
from lrs.xapi.validation import validate_statements
from lrs.xapi.versions import V1

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRIES = 4
STAMPS = 2  # a write that took its seq too long after its stored stamp is stamped again once (LateWrite)
_SQLITE_WRITERS: dict[tuple[int, str], _SqliteWriter] = {}  # by process and database URL
_GUARD = threading.Lock()
Parts = dict[str, tuple[str, bytes]]  # attachment data by lower-case SHA-2: (content type, bytes)


@dataclass(frozen=True)
class Writer:
    """Who is writing: the tenant, the credential, and what it may do."""

    tenant_id: int
    credential_id: int | None
    authority: dict
    define: bool
    profile_mode: str | None = None  # off, report or enforce; None: the tenant's setting
    tenant_profiles: tuple[str, int] | None = None  # the tenant's (profile_mode, profiles_revision), if read


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in ("40001", "40P01"):
        return True
    return isinstance(exc, IntegrityError) or "database is locked" in str(exc.orig)


class _SqliteWriter:
    """The one writer of a SQLite database among this process's threads and across processes.

    Threads queue on a lock, and the thread holding it takes an exclusive ``flock`` on a file beside the
    database, which orders the processes (``lrs serve`` runs several). Both wait in the kernel and wake the
    moment the holder lets go, where SQLite's own busy handler would poll in sleeps of up to 100 ms and
    leave the database idle meanwhile. Re-entrant within a thread.
    """

    def __init__(self, database: str | None):
        self.lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None
        if database and database != ":memory:":
            self.fd = os.open(f"{database}.writer", os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        self.lock.acquire()
        self.depth += 1
        if self.depth == 1 and self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            except BaseException:
                self.depth -= 1
                self.lock.release()
                raise

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.lock.release()


@contextmanager
def one_writer(session: Session) -> Iterator[None]:
    """SQLite: one thread of one process writes statements at a time (``_SqliteWriter``); PostgreSQL: no limit."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    key = (os.getpid(), str(bind.url))  # a process forked from another opens its own lock file description
    with _GUARD:
        writer = _SQLITE_WRITERS.get(key)
        if writer is None:
            writer = _SQLITE_WRITERS[key] = _SqliteWriter(bind.url.database)
    with writer:
        yield


def in_transaction(session: Session, work: Callable[[], T]) -> T:
    """Run ``work`` and commit; retry on serialization failures, deadlocks and races on unique keys."""
    for attempt in range(RETRIES):
        try:
            result = work()
            session.commit()
            return result
        except (IntegrityError, OperationalError, DBAPIError) as exc:
            session.rollback()
            if not _retryable(exc) or attempt == RETRIES - 1:
                raise  # a database that is away: lrs.availability answers 503, lrs worker waits
            log.info("retrying a write after %s", type(exc.orig).__name__)
            time.sleep(0.01 * (attempt + 1))
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _attachments(statement: dict, path: str) -> Iterator[tuple[dict, str, bool]]:
    """Each attachment with its JSON path and whether it may sign ``statement``.

    A SubStatement's attachments are included (Data 2.4.11 allows them); only the statement's own
    can be its signature (Data 2.6).
    """
    for position, attachment in enumerate(statement.get("attachments", ())):
        yield attachment, f"{path}.attachments[{position}]", True
    target = statement["object"]
    if target.get("objectType") == "SubStatement":
        for position, attachment in enumerate(target.get("attachments", ())):
            yield attachment, f"{path}.object.attachments[{position}]", False


def _check_signature(statement: dict, attachment: dict, parts: Parts | None, path: str, version: str) -> None:
    """Data 2.6: a signature attachment is application/octet-stream and its JWS matches the statement."""
    if attachment["contentType"].split(";")[0].strip().lower() != signature.SIGNATURE_CONTENT_TYPE:
        raise BadRequest(f"a signature attachment's contentType must be {signature.SIGNATURE_CONTENT_TYPE}, "
                         f"not {attachment['contentType']!r}", path=f"{path}.contentType")
    data = (parts or {}).get(attachment["sha2"].lower())
    if data is not None:
        signature.verify(statement, data[1], path, version)
    # Without a part the attachment has a fileUrl (checked before): its JWS is not here to check, and an
    # application/json batch of fileUrl attachments must be accepted (Communication 1.5.1).


def check_attachments(statements: list[dict], parts: Parts | None, version: str = V1) -> None:
    """Every attachment has a fileUrl or data sent with it, every part is used, signatures verify.

    Communication 1.5.1 and 1.5.2 (parts matched to attachments by SHA-2 only), Data 2.6.
    """
    referenced: set[str] = set()
    for index, statement in enumerate(statements):
        for attachment, path, own in _attachments(statement, f"$[{index}]"):
            sha2 = attachment["sha2"].lower()
            referenced.add(sha2)
            if "fileUrl" not in attachment and (parts is None or sha2 not in parts):
                raise BadRequest("the attachment has no fileUrl and its data was not sent in a "
                                 f"multipart/mixed part with {HASH_HEADER} {sha2}", path=f"{path}.sha2")
            if own and signature.is_signature(attachment):
                _check_signature(statement, attachment, parts, path, version)
    unused = sorted(set(parts or ()) - referenced)
    if unused:
        raise BadRequest(f"the multipart/mixed part with {HASH_HEADER} {unused[0]} is not an attachment of "
                         "any statement in the request", path=HASH_HEADER)


def store_statements(session: Session, writer: Writer, statements: list, version: str,
                     parts: Parts | None = None, *, single: bool = False) -> list[str]:
    """Validate, prepare and store a batch, all or nothing; answer the ids in order.

    ``single``: the client sent one statement, not an array, so error paths start at ``$``, not ``$[0]``.
    """
    try:
        return _store(session, writer, statements, version, parts)
    except XAPIError as exc:
        if single and exc.path and exc.path.startswith("$[0]"):
            exc.path = "$" + exc.path[4:]
        raise


def _store(session: Session, writer: Writer, statements: list, version: str, parts: Parts | None) -> list[str]:
    validate_statements(statements, version)
    check_attachments(statements, parts, version)
    checked = check_batch(session, writer.tenant_id, statements, writer.profile_mode, writer.tenant_profiles)
    store = StatementStore(session, writer.tenant_id)
    for attempt in range(STAMPS):
        stored_at = now()
        prepared = [prepare(s, stored=stored_at, authority=writer.authority, version=version) for s in statements]
        batch = build(prepared, writer.tenant_id, writer.credential_id, parts or {})

        def work(prepared=prepared, batch=batch):
            result = store.write_batch(batch, define=writer.define, attachments=parts)
            if checked is not None:
                record_batch(session, writer.tenant_id, prepared, checked, set(result.stored))
            return result

        try:
            with one_writer(session):
                return in_transaction(session, work).ids
        except LateWrite:
            if attempt == STAMPS - 1:
                raise
            log.warning("a write of %d statements waited too long after its stored stamp; stamping again",
                        len(statements))
    raise AssertionError("unreachable")
