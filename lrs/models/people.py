"""The people directory: people, their identities (xAPI agent identifiers), managers and teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Person(db.Model):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("tenant_id", "employee_id", name="uq_people_tenant_employee"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    # The HR system's stable key for the person; what CSV imports match rows on.
    employee_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created: Mapped[datetime] = mapped_column()
    # Whether they take part in (and may see) their teams' leaderboards. Off unless they turn it on.
    leaderboard_opt_in: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


class Identity(db.Model):
    """One xAPI agent identifier of a person. ``agent_hash`` equals the statement index's agent hash."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("tenant_id", "value", name="uq_identities_tenant_value"),
        Index("ix_identities_hash", "tenant_id", "agent_hash"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # The identifier as one string (lrs.xapi.statements.ifi_value): "mbox:mailto:..", "account:<home>\x1f<name>".
    value: Mapped[str] = mapped_column(Text)
    agent_hash: Mapped[int] = mapped_column(BigInteger)
    # The agent object it stands for, JSON.
    agent: Mapped[str] = mapped_column(Text)


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_teams_tenant_name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class TeamMember(db.Model):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class AuditEntry(db.Model):
    """What was done, by whom and when, without personal data (e.g. an erasure and its counts)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text)


class SeenActor(db.Model):
    """Every actor identifier statements have used, so admins can link the unmatched ones to people."""

    __tablename__ = "seen_actors"
    __table_args__ = (UniqueConstraint("tenant_id", "value", name="uq_seen_actors_tenant_value"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    value: Mapped[str] = mapped_column(Text)
    agent_hash: Mapped[int] = mapped_column(BigInteger)
    agent: Mapped[str] = mapped_column(Text)  # the agent as last seen (with its name), JSON
    statements: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_us: Mapped[int] = mapped_column(BigInteger)
