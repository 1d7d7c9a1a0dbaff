"""Platform registrations: an admin adds the LMS's issuer, client id, deployments and endpoints. Never commits."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.lti.errors import LtiError
from lrs.models import Tenant
from lrs.models.lti import LtiPlatform
from lrs.tenancy.credentials import get_or_create_tenant


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _url(value: str, path: str) -> str:
    value = (value or "").strip()
    if origin(value) is None:
        raise LtiError(f"{path} must be an http(s) URL", path)
    return value


def add_platform(session: Session, *, tenant: str, issuer: str, client_id: str, deployment_ids: list[str],
                 auth_login_url: str, auth_token_url: str, key_set_url: str,
                 frame_origins: list[str] | None = None) -> LtiPlatform:
    issuer = _url(issuer, "issuer")
    client_id = (client_id or "").strip()
    if not client_id:
        raise LtiError("client_id must not be empty", "client_id")
    deployments = list(dict.fromkeys(d.strip() for d in deployment_ids if d and d.strip()))
    if not deployments:
        raise LtiError("at least one deployment_id is needed", "deployment_id")
    origins = []
    for index, value in enumerate(frame_origins or []):
        found = origin(value.strip())
        if found is None:
            raise LtiError("a frame origin must be an http(s) origin", f"frame_origins[{index}]")
        origins.append(found)
    if session.scalar(select(LtiPlatform.id).where(LtiPlatform.issuer == issuer,
                                                   LtiPlatform.client_id == client_id)) is not None:
        raise LtiError("this issuer and client_id are registered already", "client_id", 409)
    owner = get_or_create_tenant(session, tenant)
    platform = LtiPlatform(tenant_id=owner.id, issuer=issuer, client_id=client_id,
                           deployment_ids=orjson.dumps(deployments).decode(),
                           auth_login_url=_url(auth_login_url, "auth_login_url"),
                           auth_token_url=_url(auth_token_url, "auth_token_url"),
                           key_set_url=_url(key_set_url, "key_set_url"),
                           frame_origins=orjson.dumps(origins).decode(), created=_now())
    session.add(platform)
    session.flush()
    return platform


def platforms_of(session: Session, tenant_id: int | None) -> list[LtiPlatform]:
    query = select(LtiPlatform).order_by(LtiPlatform.id)
    if tenant_id is not None:
        query = query.where(LtiPlatform.tenant_id == tenant_id)
    return list(session.scalars(query))


def get_platform(session: Session, tenant_id: int | None, platform_id: int) -> LtiPlatform:
    platform = session.get(LtiPlatform, platform_id)
    if platform is None or (tenant_id is not None and platform.tenant_id != tenant_id):
        raise LtiError(f"no LTI platform {platform_id} in this tenant", "id", 404)
    return platform


def remove_platform(session: Session, platform: LtiPlatform) -> None:
    """Forget a platform: its courses, placements and pending grades go with it (people and goals stay)."""
    session.delete(platform)
    session.flush()


def for_login(session: Session, issuer: str, client_id: str | None) -> LtiPlatform:
    """The registration a login initiation names (by issuer, and client_id when the platform sends it)."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = list(session.scalars(query.limit(2)))
    if not found:
        raise LtiError("no LTI platform is registered with this issuer and client id", "iss", 400)
    if len(found) > 1:
        raise LtiError("several registrations share this issuer: the login must name its client_id",
                       "client_id", 400)
    return found[0]


def deployments(platform: LtiPlatform) -> list[str]:
    return orjson.loads(platform.deployment_ids)


def frame_origins(platform: LtiPlatform) -> list[str]:
    """The origins that may frame the tool's pages for this platform: issuer, login URL, and extra ones."""
    found = [origin(platform.issuer), origin(platform.auth_login_url), *orjson.loads(platform.frame_origins)]
    return list(dict.fromkeys(o for o in found if o))


def view(session: Session, platform: LtiPlatform) -> dict:
    return {"id": platform.id, "tenant": session.get(Tenant, platform.tenant_id).name, "issuer": platform.issuer,
            "client_id": platform.client_id, "deployment_ids": deployments(platform),
            "auth_login_url": platform.auth_login_url, "auth_token_url": platform.auth_token_url,
            "key_set_url": platform.key_set_url, "frame_origins": orjson.loads(platform.frame_origins),
            "created": platform.created.isoformat() + "Z"}
