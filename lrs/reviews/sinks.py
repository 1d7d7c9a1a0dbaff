"""Pushing review exports to an HR system through a sink plugin, on demand or on a schedule, with retries.

A sink plugin (entry-point group ``lrs.sinks``, like the sources) takes the JSON export and pushes it; the
host builds the export, keeps each delivery's state (pending, delivered, failed after the last attempt) and
retries with back-off. ``lrs worker`` runs due sinks and deliveries. Never commits except in
``run_due``, the worker's use case, which commits once per delivery attempt.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import entry_points

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.crypto import seal, unseal
from lrs.errors import DomainError
from lrs.models import ReviewDelivery, ReviewSink, Team
from lrs.reviews.build import build_export
from lrs.reviews.formats import render
from lrs.reviews.scope import resolve

log = logging.getLogger(__name__)
PURPOSE = "review-sink-secret"
SCHEDULES = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "monthly": timedelta(days=30)}
MAX_ATTEMPTS = 8
GROUP = "lrs.sinks"


class SinkError(DomainError):
    pass


class DeliveryFailed(Exception):
    """The destination did not take the export (an HTTP error status, a refused connection)."""

    def __init__(self, detail: str, status: int | None = None):
        super().__init__(detail)
        self.status = status


class SinkPlugin(ABC):
    name = ""

    @abstractmethod
    def push(self, url: str, body: bytes, secret: str) -> int:
        """Deliver the JSON export; return the HTTP status, raise DeliveryFailed when it was not taken."""


def plugins() -> dict[str, SinkPlugin]:
    found = {}
    for point in entry_points(group=GROUP):
        try:
            cls = point.load()
            if isinstance(cls, type) and issubclass(cls, SinkPlugin):
                found[point.name] = cls()
        except Exception as exc:  # a broken plugin is reported, never fatal
            log.error("sink plugin %s failed to load: %s", point.name, exc)
    return found


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def add_sink(session: Session, secret_key: str, tenant_id: int, *, name: str, url: str, secret: str,
             team_id: int, schedule: str | None, kind: str = "http") -> ReviewSink:
    if kind not in plugins():
        raise SinkError(f"no sink plugin {kind!r} is installed", "$.kind")
    if not url.startswith(("http://", "https://")):
        raise SinkError("url must be an http(s) URL", "$.url")
    if schedule is not None and schedule not in SCHEDULES:
        raise SinkError(f"schedule must be one of {', '.join(SCHEDULES)} (or none, for on demand)", "$.schedule")
    team = session.get(Team, team_id)
    if team is None or team.tenant_id != tenant_id:
        raise SinkError(f"no team {team_id}", "$.team_id", 404)
    if len(secret) < 16:
        raise SinkError("the signing secret needs at least 16 characters", "$.secret")
    sink = ReviewSink(tenant_id=tenant_id, name=name, kind=kind, url=url, team_id=team_id, schedule=schedule,
                      secret_sealed=seal(secret_key, PURPOSE, secret), enabled=True, created=_now(),
                      next_run_at=_now() if schedule else None)
    session.add(sink)
    session.flush()
    return sink


def request_push(session: Session, sink: ReviewSink, period_from: date, period_to: date) -> ReviewDelivery:
    delivery = ReviewDelivery(sink_id=sink.id, period_from=period_from, period_to=period_to, status="pending",
                              attempts=0, next_attempt_at=_now(), created=_now())
    session.add(delivery)
    session.flush()
    return delivery


def attempt(session: Session, secret_key: str, delivery: ReviewDelivery) -> None:
    sink = session.get(ReviewSink, delivery.sink_id)
    plugin = plugins().get(sink.kind)
    delivery.attempts += 1
    try:
        if plugin is None:
            raise DeliveryFailed(f"the {sink.kind} sink plugin is not installed")
        scope = resolve(session, sink.tenant_id, team_id=sink.team_id)
        export = build_export(session, sink.tenant_id, scope.people, scope=scope.label,
                              period_from=delivery.period_from, period_to=delivery.period_to)
        status = plugin.push(sink.url, render(export, "json"), unseal(secret_key, PURPOSE, sink.secret_sealed))
    except DeliveryFailed as exc:
        delivery.last_error, delivery.response_status = str(exc)[:1000], exc.status
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = _now() + timedelta(seconds=min(30 * 2 ** (delivery.attempts - 1), 3600))
        log.warning("review sink %s: delivery %s failed: %s", sink.id, delivery.id, delivery.last_error)
        return
    delivery.status, delivery.response_status, delivery.delivered_at = "delivered", status, _now()
    delivery.next_attempt_at, delivery.last_error = None, None


def run_due(session: Session, secret_key: str) -> int:
    """Start scheduled pushes that are due, then attempt every due delivery; commits after each."""
    now = _now()
    for sink in session.scalars(select(ReviewSink).where(ReviewSink.enabled.is_(True), ReviewSink.schedule.is_not(None),
                                                         ReviewSink.next_run_at <= now)):
        request_push(session, sink, (now - SCHEDULES[sink.schedule]).date(), now.date())
        sink.next_run_at = now + SCHEDULES[sink.schedule]
    session.commit()
    done = 0
    due = list(session.scalars(select(ReviewDelivery.id).where(ReviewDelivery.status == "pending",
                                                               ReviewDelivery.next_attempt_at <= _now())))
    for delivery_id in due:
        attempt(session, secret_key, session.get(ReviewDelivery, delivery_id))
        session.commit()
        done += 1
    return done


def delivery_view(delivery: ReviewDelivery) -> dict:
    def stamp(moment):
        return moment.isoformat() + "Z" if moment else None

    return {"id": delivery.id, "sink_id": delivery.sink_id, "period_from": delivery.period_from.isoformat(),
            "period_to": delivery.period_to.isoformat(), "status": delivery.status, "attempts": delivery.attempts,
            "next_attempt_at": stamp(delivery.next_attempt_at), "last_error": delivery.last_error,
            "response_status": delivery.response_status, "created": stamp(delivery.created),
            "delivered_at": stamp(delivery.delivered_at)}
