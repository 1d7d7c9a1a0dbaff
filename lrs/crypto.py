"""Secrets the service must use again later (a password for a destination LRS), sealed at rest.

Fernet (AES-128-CBC with HMAC-SHA256) under a key derived from the service's secret key with HKDF, so a
copy of the database alone reveals nothing. Secrets the service only checks are hashed instead.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _fernet(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, purpose: str, text: str) -> str:
    return _fernet(secret_key, purpose).encrypt(text.encode()).decode()


def unseal(secret_key: str, purpose: str, token: str) -> str:
    try:
        return _fernet(secret_key, purpose).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the sealed secret cannot be opened with this service key") from exc
