"""Deep Linking: the instructor picks goals or certifications; the answer is a JWT the tool signs
(LtiDeepLinkingResponse) with one ltiResourceLink per pick, whose custom parameter names what it opens."""

from __future__ import annotations

import secrets
import time

from sqlalchemy.orm import Session

from lrs.lti import jose
from lrs.lti.claims import (
    CUSTOM_CERTIFICATION,
    CUSTOM_GOAL,
    DEEP_LINKING_RESPONSE,
    DEPLOYMENT_ID,
    DL,
    LTI_VERSION,
    MESSAGE_TYPE,
    VERSION,
)
from lrs.lti.errors import LtiError
from lrs.lti.grades import SCORE_MAXIMUM
from lrs.models.lti import LtiPlatform

CUSTOM = {"goal": CUSTOM_GOAL, "certification": CUSTOM_CERTIFICATION}


def settings_for_session(settings: dict, deployment_id: str, platform_id: int) -> dict:
    """What the picker needs to keep between the launch and the answer (in the signed session)."""
    return {"platform": platform_id, "deployment": deployment_id, "return_url": settings["deep_link_return_url"],
            "data": settings.get("data"), "accept_multiple": bool(settings.get("accept_multiple", True)),
            "accept_types": settings.get("accept_types") or ["ltiResourceLink"]}


def content_item(choice: dict, launch_url: str) -> dict:
    return {"type": "ltiResourceLink", "title": choice["title"], "text": choice["description"][:1000],
            "url": launch_url, "custom": {CUSTOM[choice["kind"]]: str(choice["id"])},
            "lineItem": {"scoreMaximum": SCORE_MAXIMUM, "label": choice["title"],
                         "resourceId": f"lrs-{choice['kind']}-{choice['id']}"}}


def response_jwt(session: Session, secret_key: str, platform: LtiPlatform, pending: dict, picked: list[dict],
                 launch_url: str) -> str:
    if picked and "ltiResourceLink" not in pending["accept_types"]:
        raise LtiError("the platform does not accept resource links here", "accept_types")
    if len(picked) > 1 and not pending["accept_multiple"]:
        raise LtiError("the platform accepts one item here: pick one", "items")
    now = int(time.time())
    claims = {"iss": platform.client_id, "aud": platform.issuer, "iat": now, "exp": now + 300,
              "nonce": secrets.token_urlsafe(16), MESSAGE_TYPE: DEEP_LINKING_RESPONSE, VERSION: LTI_VERSION,
              DEPLOYMENT_ID: pending["deployment"],
              DL + "content_items": [content_item(choice, launch_url) for choice in picked]}
    if pending.get("data") is not None:
        claims[DL + "data"] = pending["data"]
    return jose.sign(session, secret_key, claims)
