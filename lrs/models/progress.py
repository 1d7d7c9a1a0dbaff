"""Goals, the statements that count towards them, progress, and the cursors of log consumers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Goal(db.Model):
    """A learning goal. A team goal (team_id set, no person) is copied to each member (parent_id)."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_person", "tenant_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column()
    due_on: Mapped[date | None] = mapped_column()
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    # The rule as JSON (lrs.progress.rules).
    rule: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created: Mapped[datetime] = mapped_column()
    # Set on the goals that stand for a certification's requirements (one per requirement and holder).
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("certification_holders.id", ondelete="CASCADE"),
                                                  index=True)
    requirement_index: Mapped[int | None] = mapped_column()


class GoalEvidence(db.Model):
    """A statement that counts towards a person's goal."""

    __tablename__ = "goal_evidence"
    __table_args__ = (Index("ix_goal_evidence_statement", "tenant_id", "statement_id"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger)
    activity_id: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    timestamp_us: Mapped[int] = mapped_column(BigInteger)


class GoalProgress(db.Model):
    __tablename__ = "goal_progress"

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    fraction: Mapped[float] = mapped_column(Float, default=0.0)
    # When the target was reached: the timestamp of the statement that reached it (microseconds).
    achieved_us: Mapped[int | None] = mapped_column(BigInteger)


class ConsumerCursor(db.Model):
    """How far a consumer of the statement log has read.

    ``position``: every sequence number up to it is handled. ``pending``: numbers above it already handled
    (JSON list). ``gaps``: numbers not yet seen, with when they were first missed (JSON object); a number
    that commits late under concurrent writers fills its gap, and one never committed is passed after a
    grace period.
    """

    __tablename__ = "consumer_cursors"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[str] = mapped_column(Text, default="[]")
    gaps: Mapped[str] = mapped_column(Text, default="{}")
    updated: Mapped[datetime] = mapped_column()


class Certification(db.Model):
    """A certification: requirements (goal rules, all or N of them), validity and renewal window."""

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # {"requirements": [{"title", "rule"}], "mode", "n", "validity_months", "renewal_days"} as JSON.
    definition: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column()


class CertificationHolder(db.Model):
    """A person who should hold a certification, and the history computed for them."""

    __tablename__ = "certification_holders"
    __table_args__ = (Index("ix_certification_holders_person", "person_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    # [{"kind": earned|renewed|expired, "at_us", "expires_us", "statement_id"}] as JSON.
    events: Mapped[str] = mapped_column(Text, default="[]")
    revoked_at: Mapped[datetime | None] = mapped_column()
    # The earliest time something changes without new statements (an expiry), for the worker's sweep.
    next_check_us: Mapped[int | None] = mapped_column(BigInteger, index=True)
