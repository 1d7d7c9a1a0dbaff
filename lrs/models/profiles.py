"""xAPI profiles a tenant has imported, their history, what statements matched, and pattern states."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK

PROFILE_MODES = ("off", "report", "enforce")


class Profile(db.Model):
    __tablename__ = "profiles"
    __table_args__ = (UniqueConstraint("tenant_id", "iri", name="uq_profiles_tenant_iri"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    iri: Mapped[str] = mapped_column(Text)
    version_iri: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    # The current version's JSON-LD document.
    document: Mapped[str] = mapped_column(Text)
    deprecated: Mapped[bool] = mapped_column(Boolean, default=False)
    updated: Mapped[datetime] = mapped_column()


class ProfileVersion(db.Model):
    """Every version imported, kept with the profile's history (prefLabel, versions, wasRevisionOf)."""

    __tablename__ = "profile_versions"
    __table_args__ = (UniqueConstraint("profile_id", "version_iri", name="uq_profile_versions"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    version_iri: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    imported: Mapped[datetime] = mapped_column()


class TemplateStat(db.Model):
    """How many statements matched (and broke) each template, per tenant."""

    __tablename__ = "template_stats"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    template_iri: Mapped[str] = mapped_column(String(1000), primary_key=True)
    profile_iri: Mapped[str] = mapped_column(Text)
    matched: Mapped[int] = mapped_column(BigInteger, default=0)
    failed: Mapped[int] = mapped_column(BigInteger, default=0)


class StatementTemplateResult(db.Model):
    """Report mode: which templates a stored statement matched or broke (and how)."""

    __tablename__ = "statement_template_results"
    __table_args__ = (Index("ix_statement_template_results_statement", "tenant_id", "statement_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    statement_id: Mapped[str] = mapped_column(String(36))
    profile_iri: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    templates: Mapped[str] = mapped_column(Text)  # JSON list
    failures: Mapped[str | None] = mapped_column(Text)  # JSON list


class PatternState(db.Model):
    """Incremental pattern matching per registration (and subregistration) and profile."""

    __tablename__ = "pattern_states"
    __table_args__ = (UniqueConstraint("tenant_id", "profile_iri", "registration", "subregistration",
                                       name="uq_pattern_states"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    profile_iri: Mapped[str] = mapped_column(String(1000))
    registration: Mapped[str] = mapped_column(String(36))
    subregistration: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(Text)
    verdicts: Mapped[str] = mapped_column(Text)  # JSON {pattern id: match|partial|failure}
    updated: Mapped[datetime] = mapped_column()
