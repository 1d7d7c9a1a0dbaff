"""Signed statements (Data 2.6): a JWS over the statement, sent as an attachment.

The signature attachment's data is a JWS Compact Serialization using RS256, RS384 or RS512. When its
header carries an ``x5c`` certificate chain the signature is verified with the first certificate's key;
in every case the payload must be the statement itself (ignoring what the LRS sets or may reserialise).

Without ``x5c`` the LRS has no key to verify with, so only the payload is checked: Data 2.6 asks the LRS
to validate against an X.509 certificate only "if the JWS header includes" one, and notes that this
check catches mistakes rather than proving who signed.
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

from lrs.xapi.errors import BadRequest, ValidationError
from lrs.xapi.statements import same_statement
from lrs.xapi.validation import SIGNATURE_USAGE, StatementValidator
from lrs.xapi.versions import V1

ALGORITHMS = ("RS256", "RS384", "RS512")
SIGNATURE_CONTENT_TYPE = "application/octet-stream"


class _Registry(jws.JWSRegistry):
    """joserfc's defaults (a 512-byte header) reject any header that carries a real x5c chain.

    The request body is already bounded by MAX_CONTENT_LENGTH, so these limits only need to let
    a certificate chain, a large statement and an RSA-8192 signature through.
    """

    max_header_length = 256 * 1024
    max_payload_length = 64 * 1024 * 1024
    max_signature_length = 2048


# RFC 7515 4: header parameters the recipient does not understand are ignored unless listed in "crit".
_REGISTRY = _Registry(algorithms=ALGORITHMS, strict_check_header=False)


def is_signature(attachment: dict) -> bool:
    return attachment["usageType"] == SIGNATURE_USAGE


def _b64_json(segment: str, what: str, path: str) -> dict:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(f"the signature's {what} is not base64url-encoded JSON", path=path) from exc
    if not isinstance(value, dict):
        raise BadRequest(f"the signature's {what} is not a JSON object", path=path)
    return value


def _certificate_key(chain: object, path: str) -> RSAKey:
    """The RSA key of the first certificate of an x5c chain (RFC 7515 4.1.6: base64 DER, not base64url)."""
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise BadRequest("the signature's x5c header must be a non-empty array of certificates", path=path)
    try:
        public_key = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True)).public_key()
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadRequest("the signature's x5c certificate cannot be read", path=path) from exc
    if not isinstance(public_key, RSAPublicKey):
        raise BadRequest("the signature's certificate does not hold an RSA key", path=path)
    # Built directly rather than with RSAKey.import_key, which warns about keys under 2048 bits: the
    # spec's own example (Appendix D) uses a 1024-bit key, and this check is not a security measure.
    return RSAKey(public_key, public_key)


def _unsigned(statement: dict) -> dict:
    """The statement as it was before its signature was added: without signature attachments."""
    others = [a for a in statement.get("attachments", ()) if not is_signature(a)]
    out = {k: v for k, v in statement.items() if k != "attachments"}
    if others:
        out["attachments"] = others
    return out


def payload_matches(statement: dict, payload: dict) -> bool:
    """Whether the signed payload is logically the statement (Data 2.6 LRS requirements, 2.3.1).

    The check runs on the statement as received, before the LRS sets anything, so both must agree on
    everything but the signature attachments. The one exception is an id in the statement but not in the
    payload: a signer may leave the id to the client or the LRS (a PUT fills it from statementId). An id
    in the payload must be the statement's, or the stored statement would not be the one signed.
    """
    if "id" in payload and str(statement.get("id", "")).lower() != str(payload["id"]).lower():
        return False
    if ("timestamp" in statement) != ("timestamp" in payload):
        return False
    return same_statement(_unsigned(payload), _unsigned(statement))


def _check_payload(payload: dict, version: str, path: str) -> None:
    """Data 2.6: the payload is "a valid JSON serialization of the complete Statement"."""
    try:
        StatementValidator(version).statement(payload, "$")
    except ValidationError as exc:
        raise BadRequest(f"the signed payload is not a valid statement: {exc.detail} (at {exc.path})",
                         path=path) from exc


def verify(statement: dict, token: bytes, path: str, version: str = V1) -> None:
    """Raise BadRequest unless ``token`` is a valid JWS whose payload matches ``statement``.

    ``statement`` has been validated for ``version``; the payload is validated the same way.
    """
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
    if "x5c" in header:
        key = _certificate_key(header["x5c"], path)
        try:
            jws.deserialize_compact(text, key, registry=_REGISTRY)
        except (JoseError, ValueError) as exc:
            raise BadRequest("the statement's signature does not verify with its x5c certificate",
                             path=path) from exc
    _check_payload(payload, version, path)
    if not payload_matches(statement, payload):
        raise BadRequest("the signed payload does not match the statement", path=path)
