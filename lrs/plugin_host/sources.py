"""Adding, listing, disabling sources and rotating their secrets (CLI and /api/v1/sources share this).

A source's webhook secret is derived from the service's secret key and a per-source salt
(HMAC-SHA256), so the database holds nothing a sender could use. Rotating draws a new salt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lrs.models import Source, SourceReject, Tenant
from lrs.plugin_host.base import PluginConfigError
from lrs.plugin_host.registry import PluginRegistry
from lrs.tenancy.credentials import get_or_create_tenant

EXCERPT = 500


class SourceError(ValueError):
    def __init__(self, detail: str, path: str = "kind"):
        super().__init__(detail)
        self.detail = detail
        self.path = path


@dataclass(frozen=True)
class IssuedSource:
    id: int
    kind: str
    name: str
    url: str
    secret: str
    tenant: str


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def source_secret(secret_key: str, salt: str) -> str:
    digest = hmac.new(secret_key.encode(), f"source-secret\x1f{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def webhook_url(base_url: str, source: Source) -> str:
    return f"{base_url.rstrip('/')}/hooks/{source.public_id}"


def add_source(session: Session, registry: PluginRegistry, secret_key: str, base_url: str, *, kind: str,
               name: str, tenant: str, options: dict) -> IssuedSource:
    plugin = registry.get(kind)
    if plugin is None:
        known = ", ".join(sorted(registry.plugins)) or "none"
        raise SourceError(f"no source plugin {kind!r} is installed (installed: {known})", "kind")
    if not name.strip():
        raise SourceError("a source needs a non-empty name", "name")
    owner = get_or_create_tenant(session, tenant)
    if session.scalar(select(Source.id).where(Source.tenant_id == owner.id, Source.name == name)) is not None:
        raise SourceError(f"tenant {tenant} has a source named {name!r} already", "name")
    try:
        configured = plugin.configure(dict(options))
    except PluginConfigError as exc:
        raise SourceError(exc.detail, exc.path) from exc
    source = Source(tenant_id=owner.id, kind=kind, name=name, public_id=secrets.token_urlsafe(18),
                    secret_salt=secrets.token_hex(16), options=orjson.dumps(configured).decode(), enabled=True,
                    created=_now(), received=0, stored=0, ignored=0, rejected=0)
    session.add(source)
    session.flush()
    return IssuedSource(source.id, kind, name, webhook_url(base_url, source),
                        source_secret(secret_key, source.secret_salt), owner.name)


def sources_of(session: Session, tenant: str | None = None) -> list[tuple[Source, str]]:
    query = select(Source, Tenant.name).join(Tenant, Tenant.id == Source.tenant_id).order_by(Source.id)
    if tenant is not None:
        query = query.where(Tenant.name == tenant)
    return [(source, name) for source, name in session.execute(query)]


def find_source(session: Session, tenant_id: int | None, name_or_id: str) -> Source:
    query = select(Source)
    if tenant_id is not None:
        query = query.where(Source.tenant_id == tenant_id)
    condition = Source.name == name_or_id
    if name_or_id.isdigit():
        condition = condition | (Source.id == int(name_or_id))
    source = session.scalar(query.where(condition))
    if source is None:
        raise SourceError(f"no source {name_or_id!r}", "source")
    return source


def rotate_secret(session: Session, secret_key: str, source: Source) -> str:
    source.secret_salt = secrets.token_hex(16)
    session.flush()
    return source_secret(secret_key, source.secret_salt)


def record(session: Session, source_id: int, *, received: int = 0, stored: int = 0, ignored: int = 0,
           rejects: list[tuple[str, str | None]] = (), error: str | None = None) -> None:
    """Count a delivery's outcome atomically and keep its rejects (reason and a short excerpt)."""
    values = {
        "received": Source.received + received, "stored": Source.stored + stored,
        "ignored": Source.ignored + ignored, "rejected": Source.rejected + len(rejects),
        "last_event_at": _now(),
    }
    if error is not None:
        values["last_error"] = error
    session.execute(update(Source).where(Source.id == source_id).values(**values))
    for reason, excerpt in rejects:
        session.add(SourceReject(source_id=source_id, at=_now(), reason=reason,
                                 excerpt=excerpt[:EXCERPT] if excerpt else None))
    session.commit()


def source_summary(source: Source, tenant: str, base_url: str) -> dict:
    return {
        "id": source.id, "kind": source.kind, "name": source.name, "tenant": tenant, "enabled": source.enabled,
        "url": webhook_url(base_url, source), "received": source.received, "stored": source.stored,
        "ignored": source.ignored, "rejected": source.rejected, "last_error": source.last_error,
        "last_event_at": source.last_event_at.isoformat() + "Z" if source.last_event_at else None,
    }
