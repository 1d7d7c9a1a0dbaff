"""Destinations a tenant's statements are forwarded to, each with its own cursor on the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Forwarder(db.Model):
    __tablename__ = "forwarders"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_forwarders_tenant_name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # "xapi": another LRS (POST <url>/statements, Basic auth, attachments as multipart);
    # "http": any endpoint (POST the JSON array, signed with HMAC-SHA256 in X-LRS-Signature).
    kind: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(String(200))
    # The password (xapi) or signing secret (http), encrypted with a key derived from the service's key.
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    filters: Mapped[str] = mapped_column(Text, default="{}")
    enabled: Mapped[bool] = mapped_column(default=True)
    created: Mapped[datetime] = mapped_column()
    forwarded: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(default=0)  # consecutive
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column()
