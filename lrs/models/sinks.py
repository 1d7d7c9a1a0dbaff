"""Sinks: where review exports are pushed (an HR system), and each delivery with its state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class ReviewSink(db.Model):
    __tablename__ = "review_sinks"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_review_sinks_tenant_name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))  # the sink plugin
    url: Mapped[str] = mapped_column(Text)
    secret_sealed: Mapped[str] = mapped_column(Text)  # the HMAC signing secret, sealed (lrs.crypto)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    schedule: Mapped[str | None] = mapped_column(String(10))  # None (on demand), daily, weekly or monthly
    next_run_at: Mapped[datetime | None] = mapped_column()
    enabled: Mapped[bool] = mapped_column(default=True)
    created: Mapped[datetime] = mapped_column()


class ReviewDelivery(db.Model):
    __tablename__ = "review_deliveries"
    __table_args__ = (Index("ix_review_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    sink_id: Mapped[int] = mapped_column(ForeignKey("review_sinks.id", ondelete="CASCADE"), index=True)
    period_from: Mapped[date] = mapped_column()
    period_to: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(10))  # pending, delivered, failed (gave up)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column()
    created: Mapped[datetime] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
