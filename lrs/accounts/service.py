"""Creating users, checking passwords and API tokens.

Passwords use a slow salted hash (scrypt, through werkzeug). API tokens are ``<key>.<secret>``: the key
finds the row, and only an HMAC-SHA256 of the secret is stored and compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lrs.emails import is_email
from lrs.models import ApiToken, Tenant, User
from lrs.models.accounts import ROLES
from lrs.tenancy.credentials import get_or_create_tenant, hash_secret

MIN_PASSWORD = 10
# Checked against when the user is unknown, so that a wrong e-mail costs as much as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class IssuedToken:
    token: str
    user: str
    tenant: str
    role: str


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_user(session: Session, *, email: str, name: str, role: str, tenant: str,
                password: str | None = None) -> User:
    email = email.strip().lower()
    if not is_email(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    owner = get_or_create_tenant(session, tenant)
    if session.scalar(select(User.id).where(User.tenant_id == owner.id, User.email == email)) is not None:
        raise AccountError(f"a user with e-mail {email} exists already in tenant {tenant}")
    user = User(tenant_id=owner.id, email=email, name=name or email, role=role, created=_now())
    if password is not None:
        set_password(user, password)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    user.password_hash = generate_password_hash(password)


def find_user(session: Session, tenant: str, email: str) -> User | None:
    return session.scalar(select(User).join(Tenant, Tenant.id == User.tenant_id).where(
        Tenant.name == tenant, User.email == email.strip().lower()))


def check_password(session: Session, tenant: str, email: str, password: str) -> User | None:
    user = find_user(session, tenant, email)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    matches = check_password_hash(stored, password)
    if user is None or not matches or user.disabled is not None or not user.password_hash:
        return None
    return user


def issue_token(session: Session, secret_key: str, user: User, name: str = "api") -> IssuedToken:
    key = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, key=key, secret_hash=hash_secret(secret, secret_key),
                         created=_now()))
    session.flush()
    tenant = session.get(Tenant, user.tenant_id)
    return IssuedToken(token=f"{key}.{secret}", user=user.email, tenant=tenant.name, role=user.role)


def user_for_token(session: Session, secret_key: str, token: str) -> User | None:
    key, _, secret = token.partition(".")
    row = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(
        ApiToken.key == key)).first()
    expected = row.ApiToken.secret_hash if row is not None else hash_secret("", secret_key)
    matches = hmac.compare_digest(expected, hash_secret(secret, secret_key))
    if row is None or not matches or row.ApiToken.revoked is not None or row.User.disabled is not None:
        return None
    return row.User


def revoke_tokens(session: Session, user: User) -> int:
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(None)))
    count = 0
    for token in tokens:
        token.revoked = _now()
        count += 1
    return count
