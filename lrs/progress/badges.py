"""Open Badges 3.0 credentials for earned certifications, signed by the service (VC-JWT, RS256).

The credential (an ``OpenBadgeCredential``, W3C VC data model 2.0) is the JWT's payload, with the
registered claims ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` beside it. The subject is identified by a
salted SHA-256 of their e-mail (OB 3.0 IdentityObject), so the badge carries no address in clear. Anyone
with the service's JWKS (served at /.well-known/jwks.json, and bundled with each download) can verify a
badge offline: ``lrs badges verify FILE``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

import orjson
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from lrs.keys import current_key
from lrs.models import Badge, Certification, CertificationHolder, Person
from lrs.xapi import formats

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


class BadgeError(ValueError):
    pass


def _stamp(us: int) -> str:
    return formats.format_timestamp(formats.from_micros(us)).replace(".000Z", "Z")


def credential_json(base_url: str, certification: Certification, person: Person, requirement_titles: list[str],
                    valid_from_us: int, valid_until_us: int | None, credential_id: str) -> dict:
    salt = secrets.token_hex(8)
    email = (person.email or person.employee_id).lower()
    credential = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{base_url}/issuer", "type": ["Profile"], "name": "lrs", "url": base_url},
        "validFrom": _stamp(valid_from_us),
        "name": certification.title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                            "identityHash": "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest(),
                            "salt": salt}],
            "achievement": {
                "id": f"{base_url}/certifications/{certification.id}", "type": ["Achievement"],
                "name": certification.title, "description": certification.description or certification.title,
                "criteria": {"narrative": "; ".join(requirement_titles)},
            },
        },
    }
    if valid_until_us is not None:
        credential["validUntil"] = _stamp(valid_until_us)
    return credential


def issue(session: Session, secret_key: str, base_url: str, certification: Certification,
          holder: CertificationHolder, requirement_titles: list[str], at_us: int, expires_us: int | None) -> Badge:
    person = session.get(Person, holder.person_id)
    credential_id = str(uuid.uuid4())
    credential = credential_json(base_url, certification, person, requirement_titles, at_us, expires_us,
                                 credential_id)
    claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
              "sub": f"{base_url}/people/{person.id}", "nbf": at_us // 1_000_000}
    if expires_us is not None:
        claims["exp"] = expires_us // 1_000_000
    kid, key = current_key(session, secret_key)
    token = jwt.encode({"alg": "RS256", "kid": kid, "typ": "vc+jwt"}, claims, key)
    badge = Badge(tenant_id=certification.tenant_id, person_id=person.id, holder_id=holder.id, event_us=at_us,
                  credential_id=credential_id, jwt=token, issued=datetime.now(UTC).replace(tzinfo=None))
    session.add(badge)
    session.flush()
    return badge


def verify(token: str, jwks: dict) -> dict:
    """The credential in a badge, if its signature verifies against the JWKS; BadgeError otherwise."""
    try:
        decoded = jwt.decode(token.strip(), KeySet.import_key_set(jwks), algorithms=["RS256"])
    except (JoseError, ValueError) as exc:
        raise BadgeError(f"the badge does not verify: {exc}") from exc
    claims = dict(decoded.claims)
    if "OpenBadgeCredential" not in claims.get("type", []):
        raise BadgeError("the token is not an Open Badges 3.0 credential")
    return claims


def bundle(badge: Badge, jwks: dict) -> dict:
    """What a learner downloads: the signed badge and the keys to verify it offline."""
    payload = badge.jwt.split(".")[1]
    import base64

    credential = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {"credential": badge.jwt, "jwks": jwks, "decoded": credential}
