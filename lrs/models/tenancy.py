"""Tenants and the xAPI credentials that belong to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Tenant(db.Model):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created: Mapped[datetime] = mapped_column()
    # How statements are checked against the tenant's profiles: off, report (default) or enforce.
    profile_mode: Mapped[str] = mapped_column(String(10), default="report", server_default="report")
    # Bumped whenever the tenant's profiles change, so cached template indexes know to rebuild.
    profiles_revision: Mapped[int] = mapped_column(default=0, server_default="0")


class Credential(db.Model):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("key", name="uq_credentials_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of the secret keyed with the service's secret key; the secret itself is never stored.
    secret_hash: Mapped[str] = mapped_column(String(64))
    # Space-separated xAPI scopes.
    scopes: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column()
    revoked: Mapped[datetime | None] = mapped_column(default=None)
    # Overrides the tenant's profile mode for statements this credential sends (None: the tenant's).
    profile_mode: Mapped[str | None] = mapped_column(String(10), default=None)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
