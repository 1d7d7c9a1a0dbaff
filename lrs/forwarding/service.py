"""Forwarders: adding them (with filters), their state, and delivering the next batch. Never commits
except through the worker's use case (``deliver_due``), which commits once per delivery attempt.

At-least-once and in order per destination: a forwarder's cursor on the log moves only after the
destination answered 2xx; a failure leaves it where it was and backs off (1 s, 2 s, 4 s ... 5 min), so a
destination that is down for an hour loses nothing and catches up when it returns.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs.crypto import seal, unseal
from lrs.errors import DomainError
from lrs.models import ConsumerCursor, Forwarder, Statement, StatementTemplateResult
from lrs.progress.cursor import CursorState
from lrs.tenancy.credentials import get_or_create_tenant
from lrs.xapi import formats, multipart
from lrs.xapi.store import StatementStore

log = logging.getLogger(__name__)
KINDS = ("xapi", "http")
PURPOSE = "forwarder-secret"
FILTER_KEYS = ("verbs", "activity_types", "templates")
GRACE_US = 30_000_000
MAX_BACKOFF = 300


class ForwardingError(DomainError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def cursor_name(forwarder_id: int) -> str:
    return f"forward:{forwarder_id}"


def add_forwarder(session: Session, secret_key: str, *, tenant: str, name: str, kind: str, url: str,
                  username: str | None = None, secret: str | None = None, filters: dict | None = None,
                  from_start: bool = False) -> Forwarder:
    if kind not in KINDS:
        raise ForwardingError(f"kind must be one of {', '.join(KINDS)}", "kind")
    if not url.startswith(("http://", "https://")):
        raise ForwardingError("url must be an http(s) URL", "url")
    if not name.strip():
        raise ForwardingError("a forwarder needs a name", "name")
    filters = filters or {}
    for key, values in filters.items():
        if key not in FILTER_KEYS or not isinstance(values, list) or not all(formats.is_iri(v) for v in values):
            raise ForwardingError(f"filter {key!r} must be one of {', '.join(FILTER_KEYS)} with a list of IRIs",
                                  f"filters.{key}")
    owner = get_or_create_tenant(session, tenant)
    if session.scalar(select(Forwarder.id).where(Forwarder.tenant_id == owner.id, Forwarder.name == name)):
        raise ForwardingError(f"tenant {tenant} has a forwarder named {name!r} already", "name")
    forwarder = Forwarder(tenant_id=owner.id, name=name, kind=kind, url=url, username=username,
                          secret_encrypted=seal(secret_key, PURPOSE, secret) if secret else None,
                          filters=orjson.dumps(filters).decode(), enabled=True, created=_now(), forwarded=0,
                          failures=0)
    session.add(forwarder)
    session.flush()
    # By default a new forwarder sends what is stored from now on; --from-start sends the history too.
    start = 0 if from_start else session.scalar(select(func.coalesce(func.max(Statement.seq), 0)))
    session.add(ConsumerCursor(name=cursor_name(forwarder.id), position=start, pending="[]", gaps="{}",
                               updated=_now()))
    session.flush()
    return forwarder


def status(session: Session, forwarder: Forwarder) -> dict:
    """What an admin needs to see: how far behind it is and whether it is failing."""
    cursor = session.get(ConsumerCursor, cursor_name(forwarder.id))
    position = cursor.position if cursor else 0
    sent = orjson.loads(cursor.pending) if cursor else []
    waiting = [Statement.tenant_id == forwarder.tenant_id, Statement.seq > position]
    if sent:
        waiting.append(Statement.seq.not_in(sent))
    behind = session.scalar(select(func.count()).select_from(Statement).where(*waiting))
    oldest = session.scalar(select(func.min(Statement.stored_us)).where(*waiting))
    lag = (formats.to_micros(datetime.now(UTC)) - oldest) / 1e6 if oldest else 0.0
    return {
        "id": forwarder.id, "name": forwarder.name, "kind": forwarder.kind, "url": forwarder.url,
        "enabled": forwarder.enabled, "filters": orjson.loads(forwarder.filters), "forwarded": forwarder.forwarded,
        "behind": behind, "lag_seconds": round(lag, 1), "failures": forwarder.failures,
        "state": "failing" if forwarder.failures else ("idle" if behind == 0 else "catching up"),
        "last_error": forwarder.last_error,
        "last_error_at": forwarder.last_error_at.isoformat() + "Z" if forwarder.last_error_at else None,
        "last_success_at": forwarder.last_success_at.isoformat() + "Z" if forwarder.last_success_at else None,
        "next_attempt_at": forwarder.next_attempt_at.isoformat() + "Z" if forwarder.next_attempt_at else None,
    }


# -- delivering -----------------------------------------------------------------------------------------------

@dataclass
class Batch:
    seqs: list[int]  # every sequence number read (this tenant's and others'), handled once sent
    statements: list[tuple[dict, str | None]]  # (statement, attachment hashes) to send


def _wanted(session: Session, tenant_id: int, filters: dict, statement: dict) -> bool:
    if "verbs" in filters and statement["verb"]["id"] not in filters["verbs"]:
        return False
    if "activity_types" in filters:
        kind = statement["object"].get("definition", {}).get("type")
        if kind not in filters["activity_types"]:
            return False
    if "templates" in filters:
        rows = session.scalars(select(StatementTemplateResult.templates).where(
            StatementTemplateResult.tenant_id == tenant_id, StatementTemplateResult.statement_id == statement["id"],
            StatementTemplateResult.outcome == "success"))
        matched = {t for row in rows for t in orjson.loads(row)}
        if not matched & set(filters["templates"]):
            return False
    return True


def next_batch(session: Session, forwarder: Forwarder, state: CursorState, size: int) -> Batch:
    rows = session.execute(
        select(Statement.seq, Statement.tenant_id, Statement.payload, Statement.attachment_hashes)
        .where(Statement.seq > state.position).order_by(Statement.seq).limit(size + len(state.pending))).all()
    fresh = set(state.unhandled([r.seq for r in rows]))
    filters = orjson.loads(forwarder.filters)
    seqs, statements = [], []
    for row in rows:
        if row.seq not in fresh:
            continue
        seqs.append(row.seq)
        if row.tenant_id != forwarder.tenant_id:
            continue
        statement = orjson.loads(row.payload)
        if _wanted(session, forwarder.tenant_id, filters, statement):
            statements.append((statement, row.attachment_hashes))
        if len(statements) >= size:
            break
    return Batch(seqs, statements)


def send(session: Session, secret_key: str, forwarder: Forwarder, batch: Batch, timeout: float = 15.0) -> None:
    """POST the batch; raise requests.RequestException (or ValueError) when the destination did not take it."""
    body = orjson.dumps([s for s, _ in batch.statements])
    secret = unseal(secret_key, PURPOSE, forwarder.secret_encrypted) if forwarder.secret_encrypted else None
    headers = {"Content-Type": "application/json"}
    if forwarder.kind == "http":
        if secret:
            headers["X-LRS-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        response = requests.post(forwarder.url, data=body, headers=headers, timeout=timeout)
    else:
        hashes = [h for _, held in batch.statements if held for h in held.split()]
        if hashes:
            held = StatementStore(session, forwarder.tenant_id).attachments(hashes)
            content_type, body = multipart.build(body, [(h, *held[h]) for h in dict.fromkeys(hashes) if h in held])
            headers["Content-Type"] = content_type
        headers["X-Experience-API-Version"] = "1.0.3"
        auth = (forwarder.username or "", secret or "") if (forwarder.username or secret) else None
        response = requests.post(forwarder.url.rstrip("/") + "/statements", data=body, headers=headers,
                                 auth=auth, timeout=timeout)
    if not 200 <= response.status_code < 300:
        raise ValueError(f"{response.status_code} from the destination: {response.text[:300]}")


def deliver_once(session: Session, secret_key: str, forwarder_id: int, *, size: int = 100) -> int:
    """One delivery attempt for one forwarder: how many statements were sent (0: nothing to do, or failed)."""
    cursor = session.scalar(select(ConsumerCursor).where(ConsumerCursor.name == cursor_name(forwarder_id))
                            .with_for_update(skip_locked=True))
    forwarder = session.get(Forwarder, forwarder_id)
    if cursor is None or forwarder is None or not forwarder.enabled:
        return 0
    state = CursorState(cursor.position, set(orjson.loads(cursor.pending)),
                        {int(k): v for k, v in orjson.loads(cursor.gaps).items()})
    batch = next_batch(session, forwarder, state, size)
    if batch.statements:
        try:
            send(session, secret_key, forwarder, batch)
        except (requests.RequestException, ValueError) as exc:
            forwarder.failures += 1
            forwarder.last_error = str(exc)[:1000]
            forwarder.last_error_at = _now()
            forwarder.next_attempt_at = _now() + timedelta(seconds=min(2 ** (forwarder.failures - 1), MAX_BACKOFF))
            log.warning("forwarder %s: %s", forwarder_id, forwarder.last_error)
            return 0
        forwarder.forwarded += len(batch.statements)
        forwarder.failures = 0
        forwarder.next_attempt_at = None
        forwarder.last_success_at = _now()
    state.advance(batch.seqs, formats.to_micros(datetime.now(UTC)), GRACE_US)
    cursor.position = state.position
    cursor.pending = orjson.dumps(sorted(state.pending)).decode()
    cursor.gaps = orjson.dumps({str(k): v for k, v in state.gaps.items()}).decode()
    cursor.updated = _now()
    return len(batch.statements)


def deliver_due(session: Session, secret_key: str) -> int:
    """Every enabled forwarder whose back-off has passed gets one attempt; commits after each."""
    now = _now()
    due = list(session.scalars(select(Forwarder.id).where(
        Forwarder.enabled.is_(True),
        (Forwarder.next_attempt_at.is_(None)) | (Forwarder.next_attempt_at <= now)).order_by(Forwarder.id)))
    sent = 0
    for forwarder_id in due:
        sent += deliver_once(session, secret_key, forwarder_id)
        session.commit()
    return sent

