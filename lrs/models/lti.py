"""LTI 1.3: the platforms (LMSs) a tenant registered, logins in flight, courses, placements, grades."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class LtiPlatform(db.Model):
    """A registration of this tool in an LMS: who signs the launches, and where its endpoints are."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", name="fk_lti_platforms_tenant"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # The deployment ids the platform may launch with, a JSON list.
    deployment_ids: Mapped[str] = mapped_column(Text)
    auth_login_url: Mapped[str] = mapped_column(Text)
    auth_token_url: Mapped[str] = mapped_column(Text)
    key_set_url: Mapped[str] = mapped_column(Text)
    # Origins besides the issuer's and the login URL's that may frame the pages (Canvas: the school's
    # domain), a JSON list.
    frame_origins: Mapped[str] = mapped_column(Text, default="[]")
    created: Mapped[datetime] = mapped_column()


class LtiLogin(db.Model):
    """An OIDC login in flight: the state (bound to the browser by a cookie) and the nonce, used once."""

    __tablename__ = "lti_logins"
    __table_args__ = (UniqueConstraint("state", name="uq_lti_logins_state"),
                      UniqueConstraint("nonce", name="uq_lti_logins_nonce"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("lti_platforms.id", ondelete="CASCADE", name="fk_lti_logins_platform"), index=True)
    state: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(index=True)
    used: Mapped[datetime | None] = mapped_column()


class LtiContext(db.Model):
    """A course on a platform, and the team it maps to."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", name="uq_lti_contexts_platform_context"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("lti_platforms.id", ondelete="CASCADE", name="fk_lti_contexts_platform"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL", name="fk_lti_contexts_team"))
    # Names and Role Provisioning Services: where the roster is read (from the last launch).
    memberships_url: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[datetime] = mapped_column()


class LtiMember(db.Model):
    """A person in a course, as the platform knows them (its user id) and in which role."""

    __tablename__ = "lti_members"

    context_pk: Mapped[int] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE", name="fk_lti_members_context"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE", name="fk_lti_members_person"), primary_key=True, index=True)
    user_sub: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # learner or manager
    active: Mapped[bool] = mapped_column(default=True)
    updated: Mapped[datetime] = mapped_column()


class LtiPlacement(db.Model):
    """A goal or certification placed in a course through deep linking (one resource link of the course)."""

    __tablename__ = "lti_placements"
    __table_args__ = (UniqueConstraint("context_pk", "resource_link_id", name="uq_lti_placements_context_link"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    context_pk: Mapped[int] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE", name="fk_lti_placements_context"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))  # goal or certification
    target_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(300))
    # Assignment and Grade Services, from the launch: the line item (or where line items are), the scopes.
    lineitem_url: Mapped[str | None] = mapped_column(Text)
    lineitems_url: Mapped[str | None] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column()


class LtiGradeDelivery(db.Model):
    """The score of one learner for one placement: waiting (not achieved), pending, delivered or failing."""

    __tablename__ = "lti_grade_deliveries"
    __table_args__ = (
        UniqueConstraint("placement_id", "person_id", name="uq_lti_grade_deliveries_placement_person"),
        Index("ix_lti_grade_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", name="fk_lti_grade_deliveries_tenant"),
                                           index=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("lti_placements.id", ondelete="CASCADE", name="fk_lti_grade_deliveries_placement"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE", name="fk_lti_grade_deliveries_person"), index=True)
    user_sub: Mapped[str] = mapped_column(String(255))
    # What is graded: the learner's copy of the placed goal, or their holding of the placed certification.
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE", name="fk_lti_grade_deliveries_goal"), index=True)
    holder_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_holders.id", ondelete="CASCADE", name="fk_lti_grade_deliveries_holder"),
        index=True)
    achieved_us: Mapped[int | None] = mapped_column(BigInteger)
    delivered_us: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    created: Mapped[datetime] = mapped_column()
