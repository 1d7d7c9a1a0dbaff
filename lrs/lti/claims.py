"""LTI 1.3 messages as plain data: claim names, role mapping, and the checks an id_token must pass.

No Flask, no database: the launch flow calls ``check_launch`` with the verified claims and the platform's
registration, and gets a ``Launch`` back or an ``LtiError`` naming the claim at fault (never its value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lrs.lti.errors import LtiError

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
RESOURCE_LINK = LTI + "resource_link"
CUSTOM = LTI + "custom"
DL_SETTINGS = DL + "deep_linking_settings"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
LTI_VERSION = "1.3.0"

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

# The custom parameters a deep link carries: what it opens.
CUSTOM_GOAL = "lrs_goal"
CUSTOM_CERTIFICATION = "lrs_certification"

# Roles (LIS vocabulary, full URIs or the short names NRPS may use) that make a course's manager.
_MANAGER_ROLES = {
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    "Instructor", "Administrator", "ContentDeveloper",
}
_MANAGER_PREFIXES = ("http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#",
                     "http://purl.imsglobal.org/vocab/lis/v2/membership/Administrator#")


def role_for(roles: Iterable[str]) -> str:
    """Our role for LTI roles: Instructor or Administrator (or their sub-roles) manage; anyone else learns."""
    for role in roles:
        if role in _MANAGER_ROLES or role.startswith(_MANAGER_PREFIXES):
            return "manager"
    return "learner"


@dataclass(frozen=True)
class Launch:
    """What a validated launch says, in the tool's terms."""

    message_type: str
    deployment_id: str
    sub: str
    role: str
    name: str
    email: str | None
    context_id: str | None = None
    context_title: str | None = None
    resource_link_id: str | None = None
    resource_link_title: str | None = None
    custom: dict = field(default_factory=dict)
    ags: dict | None = None
    memberships_url: str | None = None
    deep_linking: dict | None = None


def _text(claims: dict, name: str, path: str, required: bool = True) -> str | None:
    value = claims.get(name)
    if value is None or value == "":
        if required:
            raise LtiError(f"the id_token lacks the {path} claim", path)
        return None
    if not isinstance(value, str):
        raise LtiError(f"the {path} claim must be a string", path)
    return value


def _object(claims: dict, name: str, path: str, required: bool = True) -> dict | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise LtiError(f"the id_token lacks the {path} claim", path)
        return None
    if not isinstance(value, dict):
        raise LtiError(f"the {path} claim must be an object", path)
    return value


def check_audience(claims: dict, client_id: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not audiences:
        raise LtiError("the id_token lacks the aud claim", "aud")
    if client_id not in audiences:
        raise LtiError("the id_token is not meant for this tool (aud is not its client id)", "aud", 401)
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise LtiError("the id_token has several audiences but no azp claim", "azp", 401)
    if azp is not None and azp != client_id:
        raise LtiError("the id_token's azp claim is not this tool's client id", "azp", 401)


def check_launch(claims: dict, *, issuer: str, client_id: str, deployment_ids: list[str], nonce: str) -> Launch:
    """Check a verified id_token's claims against the registration and the login in flight."""
    if claims.get("iss") != issuer:
        raise LtiError("the id_token's issuer is not the platform the login started with", "iss", 401)
    check_audience(claims, client_id)
    if claims.get("nonce") != nonce:
        raise LtiError("the id_token's nonce is not the one this login sent", "nonce", 401)
    deployment = _text(claims, DEPLOYMENT_ID, "deployment_id")
    if deployment not in deployment_ids:
        raise LtiError("the deployment is not registered for this platform", "deployment_id", 403)
    message_type = _text(claims, MESSAGE_TYPE, "message_type")
    if message_type not in (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST):
        raise LtiError("this tool takes LtiResourceLinkRequest and LtiDeepLinkingRequest messages only",
                       "message_type")
    if _text(claims, VERSION, "version") != LTI_VERSION:
        raise LtiError("this tool speaks LTI 1.3.0 only", "version")
    sub = _text(claims, "sub", "sub")
    if len(sub) > 255:
        raise LtiError("the sub claim is longer than 255 characters", "sub")
    roles = claims.get(ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LtiError("the id_token lacks the roles claim (a list of role URIs)", "roles")
    context = _object(claims, CONTEXT, "context", required=False) or {}
    link = _object(claims, RESOURCE_LINK, "resource_link", required=message_type == RESOURCE_LINK_REQUEST)
    if link is not None and not isinstance(link.get("id"), str):
        raise LtiError("the resource_link claim lacks its id", "resource_link.id")
    settings = None
    if message_type == DEEP_LINKING_REQUEST:
        settings = _object(claims, DL_SETTINGS, "deep_linking_settings")
        if not isinstance(settings.get("deep_link_return_url"), str):
            raise LtiError("the deep_linking_settings claim lacks deep_link_return_url",
                           "deep_linking_settings.deep_link_return_url")
    custom = _object(claims, CUSTOM, "custom", required=False) or {}
    ags = _object(claims, AGS_ENDPOINT, "ags endpoint", required=False)
    nrps = _object(claims, NRPS, "namesroleservice", required=False) or {}
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    name = _name(claims) or email or "LTI user"
    context_id = context.get("id") if isinstance(context.get("id"), str) else None
    return Launch(
        message_type=message_type, deployment_id=deployment, sub=sub, role=role_for(roles), name=name[:300],
        email=email, context_id=context_id,
        context_title=str(context.get("title") or context.get("label") or context_id or "")[:200] or None,
        resource_link_id=link.get("id") if link else None,
        resource_link_title=str(link.get("title") or "")[:300] if link else None,
        custom={str(k): str(v) for k, v in custom.items()}, ags=ags,
        memberships_url=nrps.get("context_memberships_url") if isinstance(
            nrps.get("context_memberships_url"), str) else None,
        deep_linking=settings)


def _name(claims: dict) -> str | None:
    if isinstance(claims.get("name"), str) and claims["name"].strip():
        return claims["name"].strip()
    parts = [claims.get(k) for k in ("given_name", "family_name") if isinstance(claims.get(k), str)]
    return " ".join(p.strip() for p in parts if p.strip()) or None
