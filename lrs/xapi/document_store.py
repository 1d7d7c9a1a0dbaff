"""Storage of State, Activity Profile and Agent Profile documents; never commits.

Updates and deletes are conditional on the version read (``updated_us``, which every write moves forward):
if another request changed the document in between, ``StaleDocument`` is raised and the caller reads again.
PostgreSQL also locks the row on read (``FOR UPDATE``); SQLite's driver starts its transaction only at the
first write, so without the condition two concurrent merges could each lose the other's properties.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from lrs.models import Document


class StaleDocument(Exception):
    """The document changed between reading and writing it."""


@dataclass(frozen=True)
class DocumentKey:
    """Where a document lives: its resource, context and (for one document) its id."""

    kind: int
    activity_id: str | None = None
    agent_key: str | None = None
    registration: str | None = None
    doc_id: str | None = None

    def _digest(self, *parts: str | None) -> str:
        text = "\x1f".join("" if p is None else p for p in (str(self.kind), *parts))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def scope_hash(self) -> str:
        return self._digest(self.activity_id, self.agent_key)

    @property
    def doc_hash(self) -> str:
        return self._digest(self.activity_id, self.agent_key, self.registration, self.doc_id)


class DocumentStore:
    def __init__(self, session: Session, tenant_id: int):
        self.session = session
        self.tenant_id = tenant_id

    def get(self, key: DocumentKey, *, lock: bool = False) -> Document | None:
        query = select(Document).where(Document.tenant_id == self.tenant_id,
                                       Document.doc_hash == key.doc_hash)
        if lock:
            query = query.with_for_update()
        return self.session.scalar(query)

    def save(self, key: DocumentKey, content: bytes, content_type: str, etag: str, updated_us: int,
             existing: Document | None) -> None:
        if existing is None:
            self.session.add(Document(
                tenant_id=self.tenant_id, kind=key.kind, activity_id=key.activity_id, agent_key=key.agent_key,
                registration=key.registration, doc_id=key.doc_id, scope_hash=key.scope_hash,
                doc_hash=key.doc_hash, content=content, content_type=content_type, etag=etag,
                updated_us=updated_us))
            self.session.flush()
            return
        result = cast(CursorResult, self.session.execute(
            update(Document).where(Document.id == existing.id, Document.updated_us == existing.updated_us)
            .values(content=content, content_type=content_type, etag=etag,
                    updated_us=max(updated_us, existing.updated_us + 1))
            .execution_options(synchronize_session=False)))
        if result.rowcount != 1:
            raise StaleDocument(key.doc_id)

    def delete(self, document: Document) -> None:
        result = cast(CursorResult, self.session.execute(
            delete(Document).where(Document.id == document.id, Document.updated_us == document.updated_us)
            .execution_options(synchronize_session=False)))
        if result.rowcount != 1:
            raise StaleDocument(document.doc_id)

    def _scope(self, key: DocumentKey, since_us: int | None):
        conditions = [Document.tenant_id == self.tenant_id, Document.scope_hash == key.scope_hash]
        if key.registration is not None:
            conditions.append(Document.registration == key.registration)
        if since_us is not None:
            conditions.append(Document.updated_us > since_us)
        return conditions

    def list_ids(self, key: DocumentKey, since_us: int | None) -> tuple[list[str], int | None]:
        """The ids in a context (and since a time), with the latest update among them."""
        rows = self.session.execute(
            select(Document.doc_id, Document.updated_us).where(*self._scope(key, since_us))
            .order_by(Document.updated_us, Document.id)).all()
        ids = list(dict.fromkeys(doc_id for doc_id, _ in rows))
        return ids, max((updated for _, updated in rows), default=None)

    def delete_all(self, key: DocumentKey) -> int:
        result = cast(CursorResult, self.session.execute(delete(Document).where(*self._scope(key, None))))
        return result.rowcount or 0

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Document).where(
            Document.tenant_id == self.tenant_id)) or 0
