"""The GitLab plugin: golden translations of real payloads, the token, and deliveries through the host.

The golden cases work as in test_github (``golden/gitlab/<event>/<case>/``), with its helpers.
"""

from __future__ import annotations

import copy
import json

import orjson
import pytest

from lrs.plugin_host.base import Event, EventError, Translation, VerificationError
from plugins.code_review import PROFILE, Fields
from plugins.gitlab import GitLabSource, instance_url
from tests.conftest import DATA
from tests.plugins.test_github import (
    add_source,
    assert_delivered_as_golden,
    assert_golden,
    case_id,
    golden_cases,
    golden_payloads,
    hook_path,
    payload_files,
    source_stats,
)

CASES = golden_cases("gitlab")
MR_HOOK, NOTE_HOOK = "Merge Request Hook", "Note Hook"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_golden_translation_of_gitlab_event(case):
    assert_golden(GitLabSource(), case)


def test_every_gitlab_payload_has_a_golden_case():
    assert payload_files("gitlab") <= golden_payloads("gitlab")


def test_each_recorded_kind_has_a_golden_case():
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for case in CASES
             for s in json.loads((case / "expected.json").read_text())["statements"]}
    assert verbs == {"opened", "updated", "approved", "withdrew-approval", "merged", "closed", "commented"}


# -- token ---------------------------------------------------------------------------------------------------

def test_the_token_is_the_secret():
    GitLabSource().verify({"x-gitlab-token": "s3cret"}, b"{}", "s3cret", {})


@pytest.mark.parametrize("headers, message", [
    ({}, "X-Gitlab-Token is missing"),
    ({"x-gitlab-token": "s3cre"}, "not this source's secret"),
    ({"x-gitlab-token": "s3cret "}, "not this source's secret"),
    ({"x-gitlab-token": "sécret"}, "not this source's secret"),
    ({"x-hub-signature-256": "sha256=00"}, "X-Gitlab-Token is missing"),
])
def test_missing_or_wrong_token_is_refused(headers, message):
    with pytest.raises(VerificationError, match=message) as caught:
        GitLabSource().verify(headers, b"{}", "s3cret", {})
    assert "s3cret" not in str(caught.value)


# -- translation ---------------------------------------------------------------------------------------------

def _payload(name: str = "merge_request.json") -> dict:
    return json.loads((DATA / "webhooks/gitlab" / name).read_text())


def _translate(payload, hook=MR_HOOK, headers=None, options=None) -> Translation:
    options = options or {}
    all_headers = {"x-gitlab-event": hook, **(headers or {})}
    return GitLabSource().translate(Event(all_headers, payload, options, options.get("homepage", "")))


def _without(payload: dict, dotted: str) -> dict:
    payload = copy.deepcopy(payload)
    *parents, last = dotted.split(".")
    node = payload
    for key in parents:
        node = node[key]
    del node[last]
    return payload


MISSING = [
    (MR_HOOK, _without(_payload(), "object_attributes"), "$.object_attributes"),
    (MR_HOOK, _without(_payload(), "object_attributes.action"), "$.object_attributes.action"),
    (MR_HOOK, _without(_payload(), "object_attributes.url"), "$.object_attributes.url"),
    (MR_HOOK, _without(_payload(), "object_attributes.created_at"), "$.object_attributes.created_at"),
    (MR_HOOK, _without(_payload(), "user.username"), "$.user.username"),
    (MR_HOOK, _without(_payload(), "project"), "$.project"),
    (MR_HOOK, _without(_payload(), "project.path_with_namespace"), "$.project.path_with_namespace"),
    (NOTE_HOOK, _without(_payload("note_merge_request.json"), "merge_request"), "$.merge_request"),
    (NOTE_HOOK, _without(_payload("note_merge_request.json"), "object_attributes.note"),
     "$.object_attributes.note"),
    (NOTE_HOOK, _without(_payload("note_merge_request.json"), "object_attributes.noteable_type"),
     "$.object_attributes.noteable_type"),
    (MR_HOOK, [_payload()], "$"),
]


@pytest.mark.parametrize("hook, payload, path", MISSING, ids=[f"{i}:{m[2]}" for i, m in enumerate(MISSING)])
def test_event_missing_a_required_field_names_its_path(hook, payload, path):
    with pytest.raises(EventError) as caught:
        _translate(payload, hook)
    assert caught.value.path == path
    assert path in caught.value.detail


def test_event_without_event_header_is_refused():
    with pytest.raises(EventError) as caught:
        GitLabSource().translate(Event({}, _payload(), {}, ""))
    assert caught.value.path == "X-Gitlab-Event"


@pytest.mark.parametrize("hook, action", [("Push Hook", None), ("System Hook", "open"),
                                          ("Confidential Note Hook", None), (MR_HOOK, "approval_reset")])
def test_unknown_hooks_and_actions_are_ignored(hook, action):
    payload = _payload()
    payload["object_attributes"]["action"] = action
    translation = _translate(payload, hook)
    assert translation.statements == [] and translation.ignored


@pytest.mark.parametrize("changes, verb", [
    (None, "updated"),
    ({"title": {"previous": "Draft: MS-Viewport", "current": "MS-Viewport"}}, "updated"),
    ({"draft": {"previous": False, "current": True}}, "updated"),
    ({"draft": {"previous": True, "current": False}}, "opened"),
    ({"work_in_progress": {"previous": True, "current": False}}, "opened"),
])
def test_an_update_is_updated_unless_it_marks_the_draft_ready(changes, verb):
    payload = _payload()
    payload["object_attributes"].update(action="update", updated_at="2013-12-04T09:00:00Z")
    payload["changes"] = changes
    [statement] = _translate(payload).statements
    assert statement["verb"]["id"] == f"{PROFILE}/verbs/{verb}"
    assert statement["timestamp"] == "2013-12-04T09:00:00Z"


@pytest.mark.parametrize("action, verb, result", [
    ("close", "closed", {"completion": False}),
    ("unapproved", "withdrew-approval", None),
    ("unapproval", "withdrew-approval", None),
])
def test_closing_and_withdrawn_approvals_are_recorded(action, verb, result):
    payload = _payload()
    payload["object_attributes"].update(action=action, updated_at="2013-12-04 10:30:00 UTC")
    [statement] = _translate(payload).statements
    assert statement["verb"]["id"] == f"{PROFILE}/verbs/{verb}"
    assert statement.get("result") == result
    assert statement["timestamp"] == "2013-12-04T10:30:00Z"
    assert statement["actor"]["account"]["name"] == "user1"


def test_a_note_without_action_is_a_new_note():
    payload = _without(_payload("note_merge_request.json"), "object_attributes.action")
    [statement] = _translate(payload, NOTE_HOOK).statements
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/commented"


def test_statement_ids_come_from_the_event_identity():
    def sid(headers=None, **attributes) -> str:
        payload = _payload()
        payload["object_attributes"].update(attributes)
        return _translate(payload, headers=headers).statements[0]["id"]

    plain = sid()
    assert sid() == plain  # redelivered without headers: the payload's own key
    assert sid(updated_at="2013-12-03T17:30:00Z") != plain
    keyed = sid({"idempotency-key": "k-1"})
    assert keyed == sid({"idempotency-key": "k-1"}) != plain
    assert sid({"idempotency-key": "k-2"}) != keyed
    event_uuid = sid({"x-gitlab-event-uuid": "u-1"})
    assert event_uuid == sid({"x-gitlab-event-uuid": "u-1"}) not in (plain, keyed)


def test_homepage_option_overrides_the_instance():
    [statement] = _translate(_payload(), options={"homepage": "https://gitlab.example.com"}).statements
    assert statement["actor"]["account"] == {"homePage": "https://gitlab.example.com", "name": "user1"}


@pytest.mark.parametrize("project, expected", [
    ({"web_url": "https://gitlab.com/group/sub/project", "path_with_namespace": "group/sub/project"},
     "https://gitlab.com"),
    ({"web_url": "https://example.com/gitlab/group/project/", "path_with_namespace": "group/project"},
     "https://example.com/gitlab"),
    ({"web_url": "https://example.com:8443/group/project"}, "https://example.com:8443"),
])
def test_instance_url_is_the_project_url_without_its_path(project, expected):
    assert instance_url(Fields(project, "$.project")) == expected


def test_instance_url_must_be_a_url():
    with pytest.raises(EventError) as caught:
        instance_url(Fields({"web_url": "gitlab-test"}, "$.project"))
    assert caught.value.path == "$.project.web_url"


def test_gitlab_timestamps_become_iso_8601_utc():
    [statement] = _translate(_payload("note_merge_request.json"), NOTE_HOOK).statements
    assert statement["timestamp"] == "2015-05-17T18:21:36Z"


# -- deliveries through the host -----------------------------------------------------------------------------

@pytest.fixture
def gitlab(runner):
    return add_source(runner, "gitlab")


def deliver(client, source, payload=None, *, hook=MR_HOOK, token=None, raw=None,
            content_type="application/json", headers=None):
    body = raw if raw is not None else orjson.dumps(payload)
    sent = {"X-Gitlab-Event": hook, **(headers or {})}
    if token is not False:
        sent["X-Gitlab-Token"] = token or source["secret"]
    response = client.post(hook_path(source), data=body, content_type=content_type, headers=sent)
    assert source["secret"] not in response.get_data(as_text=True)
    return response


RECORDED = [c for c in CASES if json.loads((c / "expected.json").read_text())["statements"]]


@pytest.mark.parametrize("case", RECORDED, ids=[case_id(c) for c in RECORDED])
def test_golden_case_delivered_through_the_host_stores_its_statements(client, runner, xapi, case):
    assert_delivered_as_golden(client, runner, xapi, "gitlab", case,
                               lambda source, body: {"X-Gitlab-Token": source["secret"]})


def test_delivery_with_the_token_stores_the_statements(client, gitlab, xapi, runner):
    response = deliver(client, gitlab, _payload("note_merge_request.json"), hook=NOTE_HOOK)
    assert response.status_code == 200, response.get_json()
    [statement_id] = response.get_json()["ids"]
    stored = xapi.fetch(statement_id)
    assert stored["actor"]["account"] == {"homePage": "http://example.com", "name": "root"}
    assert stored["result"]["response"] == "This MR needs work."
    assert stored["authority"]["name"] == "gitlab-1 (gitlab)"
    row = source_stats(runner)
    assert (row["received"], row["stored"], row["ignored"], row["rejected"]) == (1, 1, 0, 0)


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "b5c4d3e2-0000-4000-8000-000000000001"}])
def test_redelivery_stores_nothing_new(client, gitlab, xapi, headers):
    first = deliver(client, gitlab, _payload(), headers=headers)
    again = deliver(client, gitlab, _payload(), headers=headers)
    assert again.status_code == 200
    assert again.get_json()["ids"] == first.get_json()["ids"]
    assert len(xapi.get().get_json()["statements"]) == 1


@pytest.mark.parametrize("token", ["not-the-secret", False])
def test_wrong_or_missing_token_is_401_and_stores_nothing(client, gitlab, xapi, runner, token):
    response = deliver(client, gitlab, _payload(), token=token)
    assert response.status_code == 401
    assert response.get_json()["path"] == "signature"
    assert xapi.get().get_json()["statements"] == []
    row = source_stats(runner)
    assert (row["stored"], row["rejected"]) == (0, 1)
    assert gitlab["secret"] not in json.dumps(row)


def test_unknown_hook_is_acknowledged_and_counted_ignored(client, gitlab, xapi, runner):
    response = deliver(client, gitlab, _payload("push.json"), hook="Push Hook")
    assert response.status_code == 202
    assert response.get_json()["stored"] == 0 and response.get_json()["ignored"]
    assert source_stats(runner)["ignored"] == 1
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("raw, content_type, status, path", [
    (orjson.dumps(_payload()), "text/plain", 415, "Content-Type"),
    (b'{"object_kind": "merge_request"', "application/json", 400, "body"),
    (orjson.dumps(_without(_payload(), "object_attributes")), "application/json", 400, "$.object_attributes"),
], ids=["text-plain", "malformed-json", "no-object_attributes"])
def test_bad_deliveries_are_4xx_naming_the_problem(client, gitlab, xapi, raw, content_type, status, path):
    response = deliver(client, gitlab, raw=raw, content_type=content_type)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["path"] == path
    assert xapi.get().get_json()["statements"] == []
