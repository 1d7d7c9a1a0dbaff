"""Creating, listing, revoking and checking xAPI credentials.

A credential is a public key and a long random secret. Only a keyed hash of the secret is stored
(HMAC-SHA256 under the service's secret key), and checks compare digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Credential, Tenant

SCOPES = ("statements/write", "statements/read", "statements/read/mine", "all/read", "all", "state",
          "define", "profile")
DEFAULT_SCOPES = ("all",)
DEFAULT_TENANT = "default"


class CredentialError(ValueError):
    pass


@dataclass(frozen=True)
class IssuedCredential:
    key: str
    secret: str
    tenant: str
    name: str
    scopes: tuple[str, ...]


def hash_secret(secret: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def get_or_create_tenant(session: Session, name: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        tenant = Tenant(name=name, created=datetime.now(UTC).replace(tzinfo=None))
        session.add(tenant)
        session.flush()
    return tenant


def create_credential(session: Session, secret_key: str, *, name: str, scopes: tuple[str, ...] = DEFAULT_SCOPES,
                      tenant: str = DEFAULT_TENANT) -> IssuedCredential:
    if not name.strip():
        raise CredentialError("a credential needs a non-empty name")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise CredentialError(f"unknown scope {unknown[0]!r}; scopes are: {', '.join(SCOPES)}")
    if not scopes:
        raise CredentialError("a credential needs at least one scope")
    owner = get_or_create_tenant(session, tenant)
    key = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    session.add(Credential(tenant_id=owner.id, name=name, key=key, secret_hash=hash_secret(secret, secret_key),
                           scopes=" ".join(dict.fromkeys(scopes)), created=datetime.now(UTC).replace(tzinfo=None)))
    session.flush()
    return IssuedCredential(key=key, secret=secret, tenant=owner.name, name=name, scopes=tuple(scopes))


def list_credentials(session: Session, tenant: str | None = None) -> list[tuple[Credential, str]]:
    query = select(Credential, Tenant.name).join(Tenant, Tenant.id == Credential.tenant_id).order_by(Credential.id)
    if tenant is not None:
        query = query.where(Tenant.name == tenant)
    return [(credential, tenant_name) for credential, tenant_name in session.execute(query)]


def revoke_credential(session: Session, key: str) -> Credential:
    credential = session.scalar(select(Credential).where(Credential.key == key))
    if credential is None:
        raise CredentialError(f"no credential with key {key!r}")
    if credential.revoked is None:
        credential.revoked = datetime.now(UTC).replace(tzinfo=None)
    return credential


def authenticate(session: Session, secret_key: str, key: str, secret: str) -> Credential | None:
    """The active credential for key and secret, or None. The digest comparison is constant-time."""
    credential = session.scalar(select(Credential).where(Credential.key == key))
    expected = credential.secret_hash if credential is not None else hash_secret("", secret_key)
    matches = hmac.compare_digest(expected, hash_secret(secret, secret_key))
    if credential is None or not matches or credential.revoked is not None:
        return None
    return credential
