"""Use cases of the Statements resource: each validates, stores and commits once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from lrs.xapi import signature
from lrs.xapi.errors import BadRequest, Unavailable
from lrs.xapi.statements import now, prepare
from lrs.xapi.store import StatementStore
from lrs.xapi.validation import validate_statements

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRIES = 4


@dataclass(frozen=True)
class Writer:
    """Who is writing: the tenant, the credential, and what it may do."""

    tenant_id: int
    credential_id: int | None
    authority: dict
    define: bool


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in ("40001", "40P01"):
        return True
    return isinstance(exc, IntegrityError) or "database is locked" in str(exc.orig)


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
                if isinstance(exc, OperationalError):
                    raise Unavailable("the database is unavailable; try again shortly",
                                      headers={"Retry-After": "2"}) from exc
                raise
            log.info("retrying a statement write after %s", type(exc.orig).__name__)
            time.sleep(0.01 * (attempt + 1))
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def check_attachments(statements: list[dict], parts: dict[str, tuple[str, bytes]] | None) -> None:
    """Every attachment has a fileUrl or data sent with it; signatures verify (Communication 1.5.2, Data 2.6)."""
    referenced: set[str] = set()
    for index, statement in enumerate(statements):
        for position, attachment in enumerate(statement.get("attachments", ())):
            path = f"$[{index}].attachments[{position}]"
            sha2 = attachment["sha2"].lower()
            referenced.add(sha2)
            if "fileUrl" not in attachment and (parts is None or sha2 not in parts):
                raise BadRequest("the attachment has no fileUrl and its data was not sent in a "
                                 "multipart/mixed part with a matching X-Experience-API-Hash", path=f"{path}.sha2")
        signed = signature.signature_attachment(statement)
        if signed is not None:
            path = f"$[{index}].attachments"
            if signed["contentType"] != "application/octet-stream":
                raise BadRequest("a signature attachment's contentType must be application/octet-stream",
                                 path=f"{path}.contentType")
            data = (parts or {}).get(signed["sha2"].lower())
            if data is None:
                raise BadRequest("the signature's data was not sent", path=f"{path}.sha2")
            signature.verify(statement, data[1], path)
    if parts:
        unused = sorted(set(parts) - referenced)
        if unused:
            raise BadRequest(f"a multipart part with hash {unused[0]} is not an attachment of any statement",
                             path="X-Experience-API-Hash")


def store_statements(session: Session, writer: Writer, statements: list, version: str,
                     parts: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Validate, prepare and store a batch, all or nothing; answer the ids in order."""
    validate_statements(statements, version)
    check_attachments(statements, parts)
    stored_at = now()
    prepared = [prepare(s, stored=stored_at, authority=writer.authority, version=version) for s in statements]
    held = {sha2: data for sha2, data in (parts or {}).items()}
    store = StatementStore(session, writer.tenant_id)
    result = in_transaction(session, lambda: store.write(
        prepared, credential_id=writer.credential_id, define=writer.define, attachments=held))
    return result.ids
