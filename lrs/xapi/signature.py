"""Signed statements (Data 2.6): a JWS over the statement, sent as an attachment.

The signature attachment's data is a JWS Compact Serialization using RS256, RS384 or RS512. When its
header carries an ``x5c`` certificate chain the signature is verified with the first certificate's key;
in every case the payload must be the statement itself (ignoring what the LRS sets or may reserialise).
"""

from __future__ import annotations

import base64
import binascii

import orjson
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from lrs.xapi.errors import BadRequest
from lrs.xapi.statements import same_statement
from lrs.xapi.validation import SIGNATURE_USAGE

ALGORITHMS = ("RS256", "RS384", "RS512")


def signature_attachment(statement: dict) -> dict | None:
    for attachment in statement.get("attachments", ()):
        if attachment["usageType"] == SIGNATURE_USAGE:
            return attachment
    return None


def _b64_json(segment: str, what: str, path: str) -> dict:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(f"the signature's {what} is not base64url-encoded JSON", path=path) from exc
    if not isinstance(value, dict):
        raise BadRequest(f"the signature's {what} is not a JSON object", path=path)
    return value


def verify(statement: dict, token: bytes, path: str) -> None:
    """Raise BadRequest unless ``token`` is a valid JWS whose payload matches ``statement``."""
    try:
        text = token.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise BadRequest("the signature is not a JWS compact serialization", path=path) from exc
    parts = text.split(".")
    if len(parts) != 3:
        raise BadRequest("the signature is not a JWS compact serialization", path=path)
    header = _b64_json(parts[0], "header", path)
    payload = _b64_json(parts[1], "payload", path)
    if header.get("alg") not in ALGORITHMS:
        raise BadRequest(f"signature algorithm {header.get('alg')!r} is not one of {', '.join(ALGORITHMS)}",
                         path=path)
    chain = header.get("x5c")
    if chain:
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            public_key = certificate.public_key()
        except (ValueError, TypeError, binascii.Error) as exc:
            raise BadRequest("the signature's x5c certificate cannot be read", path=path) from exc
        if not isinstance(public_key, RSAPublicKey):
            raise BadRequest("the signature's certificate does not hold an RSA key", path=path)
        try:
            jws.deserialize_compact(text, RSAKey.import_key(public_key), algorithms=list(ALGORITHMS))
        except (JoseError, ValueError) as exc:
            raise BadRequest("the statement's signature does not verify", path=path) from exc
    original = {k: v for k, v in statement.items() if k != "attachments"}
    signed = {k: v for k, v in payload.items() if k != "attachments"}
    if not same_statement({**signed, "timestamp": signed.get("timestamp", original.get("timestamp"))},
                          original):
        raise BadRequest("the signed payload does not match the statement", path=path)
