"""The launch's claims as plain data: role mapping and the checks, without an app or a database."""

from __future__ import annotations

import pytest

from lrs.lti.claims import (
    CONTEXT,
    CUSTOM,
    DEPLOYMENT_ID,
    MESSAGE_TYPE,
    NRPS,
    RESOURCE_LINK,
    ROLES,
    VERSION,
    check_launch,
    role_for,
)
from lrs.lti.errors import LtiError

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(("roles", "ours"), [
    ([f"{LIS}membership#Learner"], "learner"),
    ([f"{LIS}membership#Instructor"], "manager"),
    ([f"{LIS}membership/Instructor#TeachingAssistant"], "manager"),
    ([f"{LIS}membership#Administrator"], "manager"),
    ([f"{LIS}institution/person#Administrator"], "manager"),
    ([f"{LIS}system/person#Administrator"], "manager"),
    ([f"{LIS}institution/person#Student", f"{LIS}membership#Learner"], "learner"),
    ([f"{LIS}membership#Learner", f"{LIS}membership#Instructor"], "manager"),
    (["Instructor"], "manager"),
    (["Learner"], "learner"),
    ([f"{LIS}membership#Mentor"], "learner"),
    ([], "learner"),
])
def test_lti_roles_map_to_ours(roles, ours):
    assert role_for(roles) == ours


def claims(**changes) -> dict:
    base = {"iss": "https://lms.example", "aud": "client-1", "sub": "u-1", "nonce": "n-1", "exp": 2, "iat": 1,
            MESSAGE_TYPE: "LtiResourceLinkRequest", VERSION: "1.3.0", DEPLOYMENT_ID: "d-1",
            ROLES: [f"{LIS}membership#Learner"], RESOURCE_LINK: {"id": "r-1"},
            CONTEXT: {"id": "c-1", "label": "C1", "title": "Course One"}, CUSTOM: {"lrs_goal": 12},
            NRPS: {"context_memberships_url": "https://lms.example/m"}, "given_name": "Ada",
            "family_name": "Lovelace"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def check(data: dict):
    return check_launch(data, issuer="https://lms.example", client_id="client-1", deployment_ids=["d-1"],
                        nonce="n-1")


def test_a_launch_in_the_tools_terms():
    launch = check(claims())
    assert (launch.sub, launch.role, launch.name, launch.email) == ("u-1", "learner", "Ada Lovelace", None)
    assert (launch.context_id, launch.context_title, launch.resource_link_id) == ("c-1", "Course One", "r-1")
    assert launch.custom == {"lrs_goal": "12"} and launch.memberships_url == "https://lms.example/m"


def test_azp_settles_several_audiences():
    assert check(claims(aud=["client-1", "other"], azp="client-1")).sub == "u-1"


@pytest.mark.parametrize(("changes", "path"), [
    ({"aud": ["other"]}, "aud"), ({"sub": ""}, "sub"), ({"sub": "x" * 256}, "sub"), ({ROLES: [1]}, "roles"),
    ({CONTEXT: "c-1"}, "context"), ({CUSTOM: ["x"]}, "custom"), ({VERSION: 1.3}, "version"),
])
def test_claims_of_the_wrong_shape_name_their_path(changes, path):
    with pytest.raises(LtiError) as caught:
        check(claims(**changes))
    assert caught.value.path == path
