"""Sources: a tenant's configured senders of non-xAPI events, with their bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Source(db.Model):
    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("public_id", name="uq_sources_public_id"),
        UniqueConstraint("tenant_id", "name", name="uq_sources_tenant_name"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # The unguessable part of the webhook URL.
    public_id: Mapped[str] = mapped_column(String(64))
    # The webhook secret is derived from the service key and this salt; it is never stored.
    secret_salt: Mapped[str] = mapped_column(String(64))
    options: Mapped[str] = mapped_column(Text, default="{}")
    enabled: Mapped[bool] = mapped_column(default=True)
    created: Mapped[datetime] = mapped_column()
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    stored: Mapped[int] = mapped_column(BigInteger, default=0)
    ignored: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_event_at: Mapped[datetime | None] = mapped_column()


class SourceReject(db.Model):
    """A delivery or event a source sent that could not be stored, with the reason (no secrets)."""

    __tablename__ = "source_rejects"
    __table_args__ = (Index("ix_source_rejects_source", "source_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
