"""Anonymous pulse checks: questions, who has answered (one-way tokens), and answers (no person)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.extensions import db
from lrs.models.types import BigIntPK


class Pulse(db.Model):
    __tablename__ = "pulses"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))  # the learning initiative, e.g. a goal or certification
    questions: Mapped[str] = mapped_column(Text)  # JSON list of 3 to 5 questions on a 1-5 scale
    free_text_prompt: Mapped[str] = mapped_column(Text)
    threshold: Mapped[int] = mapped_column()  # results are shown from this many answers on (at least 3)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_on: Mapped[date] = mapped_column()
    closed: Mapped[bool] = mapped_column(default=False)


class PulseParticipation(db.Model):
    """That someone answered: an HMAC of (pulse, person) under the service key, never the person."""

    __tablename__ = "pulse_participations"

    pulse_id: Mapped[int] = mapped_column(ForeignKey("pulses.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)


class PulseAnswer(db.Model):
    """What was answered: no person, no token, no time; a random key so no order is kept either."""

    __tablename__ = "pulse_answers"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    pulse_id: Mapped[int] = mapped_column(ForeignKey("pulses.id", ondelete="CASCADE"), index=True)
    ratings: Mapped[str] = mapped_column(Text)  # JSON list of ints, one per question
    text: Mapped[str | None] = mapped_column(Text)
