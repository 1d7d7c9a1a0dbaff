"""The statement log and what is derived from it for queries."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Statement(db.Model):
    """One stored statement. ``seq`` is the log's monotonic sequence number."""

    __tablename__ = "statements"
    __table_args__ = (
        # Unique through ``statement_ids``: on PostgreSQL this table is partitioned by ``stored_us``
        # (migration 0017), and a partitioned table's unique keys must hold the partition key.
        Index("ix_statements_tenant_statement", "tenant_id", "statement_id"),
        Index("ix_statements_tenant_seq", "tenant_id", "seq"),
        Index("ix_statements_tenant_stored", "tenant_id", "stored_us"),
        # Never reuse a sequence number on SQLite (an erased last statement would free its rowid).
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    statement_id: Mapped[str] = mapped_column(String(36))
    # Microseconds since the epoch (UTC), the statement's ``stored`` time.
    stored_us: Mapped[int] = mapped_column(BigInteger)
    credential_id: Mapped[int | None] = mapped_column(BigInteger)
    verb_id: Mapped[str] = mapped_column(Text)
    # The id of the statement this one targets through a StatementRef object, if any.
    ref_target: Mapped[str | None] = mapped_column(String(36))
    is_voiding: Mapped[bool] = mapped_column(Boolean, default=False)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    # The statement as stored (the "exact" form), JSON text.
    payload: Mapped[str] = mapped_column(Text)
    # SHA-2 digests of the attachments whose data the LRS holds, space-separated.
    attachment_hashes: Mapped[str | None] = mapped_column(Text)


class StatementId(db.Model):
    """Every statement id a tenant has stored, once: what keeps ids unique (Data 2.4.1) across partitions,
    and the directory the write path looks statements up in by id and by the id they target.

    A write inserts its ids here first; an id already present is skipped, and the statement already stored
    under it is compared with the one sent (Communication 2.1.1, 2.1.2). The write's lookups (the statements
    a batch targets, the stored statements that target the batch) read this table, not ``statements``:
    on PostgreSQL that one is partitioned by time, and a lookup by anything but ``stored_us`` is planned
    and run on every partition, a cost that would grow with the age of the store (migration 0018).
    """

    __tablename__ = "statement_ids"
    __table_args__ = (
        # By target alone (``StatementStore._propagate`` asks by target alone): with the tenant in the index,
        # SQLite's planner passes over it for the primary key's tenant prefix.
        Index("ix_statement_ids_ref", "ref_target",
              postgresql_where=text("ref_target IS NOT NULL"), sqlite_where=text("ref_target IS NOT NULL")),
        {"sqlite_with_rowid": False},
    )

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The statement's ``seq`` in ``statements``; set by the write that stores it, in the same transaction.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    # As in ``statements``: the id the statement targets through a StatementRef, and whether it voids it.
    ref_target: Mapped[str | None] = mapped_column(String(36))
    is_voiding: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class StatementIndex(db.Model):
    """What a statement can be found by: one row per (kind, value), values hashed to 64 bits."""

    __tablename__ = "statement_index"
    __table_args__ = (
        Index("ix_statement_index_lookup", "tenant_id", "value_hash", "kind", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger)


class Attachment(db.Model):
    """Attachment data received with statements, addressed by its SHA-2 digest."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("tenant_id", "sha2", name="uq_attachments_tenant_sha2"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    sha2: Mapped[str] = mapped_column(String(128))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Activity(db.Model):
    """The canonical definition the LRS holds for an activity id."""

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("tenant_id", "activity_id", name="uq_activities_tenant_iri"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    activity_id: Mapped[str] = mapped_column(Text)
    definition: Mapped[str | None] = mapped_column(Text)
