"""The service's signing keys: created on first use, rotated on request, published as a JWKS."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import orjson
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.crypto import seal, unseal
from lrs.models import SigningKey

PURPOSE = "signing-key"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_key(session: Session, secret_key: str) -> SigningKey:
    kid = secrets.token_hex(8)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)
    row = SigningKey(kid=kid, algorithm="RS256", created=_now(),
                     private_sealed=seal(secret_key, PURPOSE, key.as_pem(private=True).decode()),
                     public_jwk=orjson.dumps(key.as_dict(private=False)).decode())
    session.add(row)
    session.flush()
    return row


def current_key(session: Session, secret_key: str) -> tuple[str, RSAKey]:
    """The active key (made on first use) as (kid, private key)."""
    row = session.scalar(select(SigningKey).where(SigningKey.retired.is_(None)).order_by(SigningKey.id.desc()))
    if row is None:
        row = create_key(session, secret_key)
    pem = unseal(secret_key, PURPOSE, row.private_sealed)
    return row.kid, RSAKey.import_key(pem, parameters={"kid": row.kid, "use": "sig", "alg": row.algorithm})


def rotate(session: Session, secret_key: str) -> SigningKey:
    for row in session.scalars(select(SigningKey).where(SigningKey.retired.is_(None))):
        row.retired = _now()
    return create_key(session, secret_key)


def jwks(session: Session) -> dict:
    return {"keys": [orjson.loads(k) for k in session.scalars(select(SigningKey.public_jwk).order_by(SigningKey.id))]}


def key_set(document: dict) -> KeySet:
    return KeySet.import_key_set(document)
