"""The service's own signing keys (badges, LTI): private parts sealed, public parts served as a JWKS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class SigningKey(db.Model):
    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("kid", name="uq_signing_keys_kid"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kid: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(10))
    private_sealed: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column()
    # A retired key signs nothing new but stays in the JWKS so what it signed still verifies.
    retired: Mapped[datetime | None] = mapped_column()


class Badge(db.Model):
    """An Open Badges 3.0 credential issued when a certification was earned or renewed."""

    __tablename__ = "badges"
    __table_args__ = (Index("ix_badges_person", "person_id"),
                      UniqueConstraint("holder_id", "event_us", name="uq_badges_holder_event"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("certification_holders.id", ondelete="CASCADE"))
    event_us: Mapped[int] = mapped_column(BigInteger)
    credential_id: Mapped[str] = mapped_column(String(64))
    # The signed credential: a JWS compact serialization (VC-JWT) of the credential JSON.
    jwt: Mapped[str] = mapped_column(Text)
    issued: Mapped[datetime] = mapped_column()
