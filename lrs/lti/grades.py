"""Assignment and Grade Services: a learner who achieves a goal or certification placed in a course gets
the score in the course's gradebook.

Two halves. ``on_progress`` is the progress engine's hook: it only notes, in the same transaction as the
progress, which scores are due (no HTTP). ``deliver_due_grades`` is the worker's use case: it posts each due
score to the line item with a client-credentials token, commits after each attempt, and backs off on
failure (2 s, 4 s, 8 s ... 1 h); every row shows its status, attempts and last error.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.lti import oauth
from lrs.lti.claims import LINEITEM_SCOPE, SCORE_SCOPE
from lrs.lti.errors import LtiError
from lrs.models import CertificationHolder, GoalProgress
from lrs.models.lti import LtiContext, LtiGradeDelivery, LtiPlacement, LtiPlatform
from lrs.xapi import bulk, formats

log = logging.getLogger(__name__)
SCORE_MAXIMUM = 100
MAX_BACKOFF = 3600
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
STATUSES = ("waiting", "pending", "delivered", "failing")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- noting what is due (the progress engine's hook) ------------------------------------------------------------

def track(session: Session, placement: LtiPlacement, tenant_id: int, person_id: int, sub: str,
          goal_id: int | None, holder_id: int | None) -> LtiGradeDelivery:
    """Follow a learner's score for a placement (from their launch); due at once if already achieved."""
    row = session.scalar(select(LtiGradeDelivery).where(LtiGradeDelivery.placement_id == placement.id,
                                                        LtiGradeDelivery.person_id == person_id))
    if row is None:
        row = LtiGradeDelivery(tenant_id=tenant_id, placement_id=placement.id, person_id=person_id, status="waiting",
                               attempts=0, created=_now())
        session.add(row)
    row.user_sub, row.goal_id, row.holder_id = sub, goal_id, holder_id
    session.flush()
    refresh(session, [row])
    return row


def on_progress(session: Session, goal_ids: set[int], holders: set[int]) -> None:
    """Called by the progress engine after it recomputed ``goal_ids``: scores that became due are noted.

    ``holders``: the certification holders those goals belong to (the engine read them with the goals).
    """
    ordered = sorted(goal_ids)
    # Plain queries: the engine calls this for every batch, and most tenants deliver no grades at all.
    due = {row_id for (row_id,) in bulk.select_in(
        session, "SELECT id FROM lti_grade_deliveries WHERE goal_id IN_VALUES", (), ordered)}
    due |= {row_id for (row_id,) in bulk.select_in(
        session, "SELECT id FROM lti_grade_deliveries WHERE holder_id IN_VALUES", (), sorted(holders))}
    if due:
        refresh(session, list(session.scalars(
            select(LtiGradeDelivery).where(LtiGradeDelivery.id.in_(sorted(due))).order_by(LtiGradeDelivery.id))))


def _achieved_us(session: Session, row: LtiGradeDelivery) -> int | None:
    if row.goal_id is not None:
        return session.scalar(select(GoalProgress.achieved_us).where(GoalProgress.goal_id == row.goal_id))
    holder = session.get(CertificationHolder, row.holder_id) if row.holder_id is not None else None
    if holder is None or holder.revoked_at is not None:
        return None
    events = orjson.loads(holder.events)
    last = events[-1] if events else None
    return last["at_us"] if last and last["kind"] in ("earned", "renewed") else None


def refresh(session: Session, rows: list[LtiGradeDelivery]) -> None:
    for row in rows:
        achieved = _achieved_us(session, row)
        if achieved is None:
            if row.status in ("pending", "failing"):  # the achievement was taken back before it was sent
                row.status, row.achieved_us, row.next_attempt_at = "waiting", None, None
            continue
        if achieved == row.achieved_us and row.status != "waiting":
            continue
        if achieved == row.delivered_us:
            row.status, row.achieved_us, row.next_attempt_at = "delivered", achieved, None
            continue
        row.achieved_us, row.status, row.attempts, row.last_error = achieved, "pending", 0, None
        row.next_attempt_at = _now()


# -- delivering (the worker's use case) -------------------------------------------------------------------------

def scores_url(lineitem_url: str) -> str:
    """AGS: the scores endpoint is the line item URL with /scores appended to its path (query kept)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _lineitem(session: Session, secret_key: str, platform: LtiPlatform, placement: LtiPlacement) -> str:
    """The line item to score: the one the launch named, else the link's own (found, or created)."""
    if placement.lineitem_url:
        return placement.lineitem_url
    scopes = placement.scopes.split()
    if LINEITEM_SCOPE not in scopes:
        raise LtiError("the launch named no line item and the platform did not grant the line item scope",
                       "scope")
    url = placement.lineitems_url
    found = oauth.call(session, secret_key, platform, [LINEITEM_SCOPE], "GET", url,
                       params={"resource_link_id": placement.resource_link_id}, headers={"Accept": LINEITEMS_TYPE})
    items = found.json() if found.status_code == 200 else []
    if isinstance(items, list) and items and isinstance(items[0], dict) and isinstance(items[0].get("id"), str):
        placement.lineitem_url = items[0]["id"]
        return placement.lineitem_url
    made = oauth.call(session, secret_key, platform, [LINEITEM_SCOPE], "POST", url, headers={
        "Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE}, data=orjson.dumps({
            "scoreMaximum": SCORE_MAXIMUM, "label": placement.title, "resourceLinkId": placement.resource_link_id,
            "resourceId": f"lrs-{placement.kind}-{placement.target_id}"}))
    if made.status_code not in (200, 201) or not isinstance(made.json().get("id"), str):
        raise LtiError(f"the platform did not create a line item: {made.status_code} {made.text[:200]}", url, 502)
    placement.lineitem_url = made.json()["id"]
    return placement.lineitem_url


def score(row: LtiGradeDelivery) -> dict:
    return {"userId": row.user_sub, "scoreGiven": SCORE_MAXIMUM, "scoreMaximum": SCORE_MAXIMUM,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded",
            "timestamp": formats.format_timestamp(formats.from_micros(row.achieved_us))}


def deliver_one(session: Session, secret_key: str, row_id: int) -> int:
    """One attempt for one due score: 1 when the platform took it, 0 otherwise (noted on the row)."""
    row = session.scalar(select(LtiGradeDelivery).where(LtiGradeDelivery.id == row_id)
                         .with_for_update(skip_locked=True))
    if row is None or row.status not in ("pending", "failing") or row.achieved_us is None:
        return 0
    placement = session.get(LtiPlacement, row.placement_id)
    platform = session.get(LtiPlatform, session.get(LtiContext, placement.context_pk).platform_id)
    row.attempts += 1
    row.last_attempt_at = _now()
    try:
        if SCORE_SCOPE not in placement.scopes.split():
            raise LtiError("the platform did not grant the score scope for this link", "scope")
        url = scores_url(_lineitem(session, secret_key, platform, placement))
        response = oauth.call(session, secret_key, platform, [SCORE_SCOPE], "POST", url,
                              headers={"Content-Type": SCORE_TYPE}, data=orjson.dumps(score(row)))
        if not 200 <= response.status_code < 300:
            raise LtiError(f"{response.status_code} from the platform: {response.text[:300]}", url, 502)
    except (LtiError, ValueError) as exc:
        row.status = "failing"
        row.last_error = (exc.detail if isinstance(exc, LtiError) else str(exc))[:1000]
        row.next_attempt_at = _now() + timedelta(seconds=min(2 ** row.attempts, MAX_BACKOFF))
        log.warning("LTI grade delivery %s failed (attempt %s): %s", row.id, row.attempts, row.last_error)
        return 0
    row.status, row.delivered_us, row.delivered_at = "delivered", row.achieved_us, _now()
    row.last_error, row.next_attempt_at = None, None
    return 1


def deliver_due_grades(session: Session, secret_key: str, limit: int = 100) -> int:
    """Every score whose time has come gets one attempt; commits after each. Returns how many were taken."""
    due = list(session.scalars(select(LtiGradeDelivery.id).where(
        LtiGradeDelivery.status.in_(("pending", "failing")), LtiGradeDelivery.next_attempt_at <= _now())
        .order_by(LtiGradeDelivery.next_attempt_at, LtiGradeDelivery.id).limit(limit)))
    if not due:
        return 0
    oauth.ensure_tool_key(session, secret_key)
    session.commit()
    delivered = 0
    for row_id in due:
        delivered += deliver_one(session, secret_key, row_id)
        session.commit()
    return delivered


def view(row: LtiGradeDelivery, placement: LtiPlacement, context: LtiContext) -> dict:
    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() + "Z" if value else None

    return {
        "id": row.id, "status": row.status, "attempts": row.attempts, "last_error": row.last_error,
        "person_id": row.person_id, "goal_id": row.goal_id, "holder_id": row.holder_id,
        "placement": {"id": placement.id, "kind": placement.kind, "target_id": placement.target_id,
                      "title": placement.title, "lineitem_url": placement.lineitem_url},
        "context": {"id": context.id, "context_id": context.context_id, "title": context.title},
        "score": score(row) if row.achieved_us is not None else None,
        "achieved_at": (formats.format_timestamp(formats.from_micros(row.achieved_us))
                        if row.achieved_us is not None else None),
        "next_attempt_at": stamp(row.next_attempt_at), "last_attempt_at": stamp(row.last_attempt_at),
        "delivered_at": stamp(row.delivered_at),
    }


def deliveries(session: Session, tenant_id: int, status: str | None = None, contexts: set[int] | None = None
               ) -> list[dict]:
    query = (select(LtiGradeDelivery, LtiPlacement, LtiContext)
             .join(LtiPlacement, LtiPlacement.id == LtiGradeDelivery.placement_id)
             .join(LtiContext, LtiContext.id == LtiPlacement.context_pk)
             .where(LtiGradeDelivery.tenant_id == tenant_id).order_by(LtiGradeDelivery.id))
    if status is not None:
        query = query.where(LtiGradeDelivery.status == status)
    if contexts is not None:
        query = query.where(LtiContext.id.in_(sorted(contexts) or [-1]))
    return [view(row, placement, context) for row, placement, context in session.execute(query)]
