"""Documents of the State, Activity Profile and Agent Profile resources (Communication 2.2)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "doc_hash", name="uq_documents_tenant_doc"),
        Index("ix_documents_scope", "tenant_id", "scope_hash", "updated_us"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    # 1 state, 2 activity profile, 3 agent profile
    kind: Mapped[int] = mapped_column(SmallInteger)
    activity_id: Mapped[str | None] = mapped_column(Text)
    # The agent's inverse functional identifier as one string (see lrs.xapi.statements.ifi_value).
    agent_key: Mapped[str | None] = mapped_column(Text)
    registration: Mapped[str | None] = mapped_column(String(36))
    doc_id: Mapped[str] = mapped_column(Text)
    # SHA-256 of (kind, activity, agent): the context a list or a multiple DELETE works on.
    scope_hash: Mapped[str] = mapped_column(String(64))
    # SHA-256 of (kind, activity, agent, registration, id): one document.
    doc_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(255))
    etag: Mapped[str] = mapped_column(String(40))
    updated_us: Mapped[int] = mapped_column(BigInteger)
