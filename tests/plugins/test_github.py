"""The GitHub plugin: golden translations of real payloads, the signature, and deliveries through the host.

Golden cases live in ``golden/<plugin>/<event>/<case>/``: ``event.json`` (the headers, the real payload it
is made from under /work/shared/data, the few members a variant ``set`` by dotted path, the source's
``options``) and ``expected.json`` (the translation: statements, ignored, rejected). After a deliberate change
of a translation, ``LRS_GOLDEN_UPDATE=1`` rewrites the expected files: read their diff before committing.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
from functools import cache
from pathlib import Path

import orjson
import pytest

from lrs.plugin_host.base import Event, EventError, PluginConfigError, Translation, VerificationError
from lrs.profiles import TemplateIndex
from lrs.profiles.builtin import project_profiles
from lrs.xapi.validation import validate_statements
from plugins import code_review
from plugins.github import GitHubSource
from tests.conftest import DATA

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LRS_GOLDEN_UPDATE") == "1"


# -- golden cases (shared with test_gitlab) ------------------------------------------------------------------

def golden_cases(plugin: str) -> list[Path]:
    return sorted(path.parent for path in (GOLDEN / plugin).glob("*/*/event.json"))


def case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def _set(payload: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        payload = payload[key]
    payload[last] = value


def load_event(case: Path) -> tuple[dict, dict, dict, str]:
    """headers (lower-cased, as the host passes them), payload, options and the payload's file name."""
    spec = json.loads((case / "event.json").read_text(encoding="utf-8"))
    payload = json.loads((DATA / spec["payload"]).read_text(encoding="utf-8"))
    for dotted, value in spec.get("set", {}).items():
        _set(payload, dotted, copy.deepcopy(value))
    headers = {k.lower(): v for k, v in spec["headers"].items()}
    return headers, payload, spec.get("options", {}), spec["payload"]


def as_json(translation: Translation) -> dict:
    return {"statements": translation.statements, "ignored": translation.ignored,
            "rejected": translation.rejected}


@cache
def template_index() -> TemplateIndex:
    return TemplateIndex(project_profiles())


def assert_follows_the_profile(statements: list[dict]) -> None:
    """The LRS's own validator (1.0.3) and the code-review profile's templates (communication §2.1)."""
    validate_statements(statements, "1.0.3")
    index = template_index()
    for statement in statements:
        claimed = index.claimed_profiles(statement)
        assert claimed == [code_review.PROFILE]
        result = index.validate(statement, profiles=claimed)[code_review.PROFILE]
        assert result.outcome == "success", (result.templates, result.failures)
        assert len(result.matched) == 1
        assert index.extension_problems(statement) == []


def assert_golden(plugin, case: Path) -> Translation:
    headers, payload, options, _ = load_event(case)
    options = plugin.configure(dict(options))
    translation = plugin.translate(Event(headers, payload, options, options.get("homepage", "")))
    expected = case / "expected.json"
    got = as_json(translation)
    if UPDATE:
        expected.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(expected.read_text(encoding="utf-8"))
    assert bool(translation.statements) != bool(translation.ignored)
    assert_follows_the_profile(translation.statements)
    return translation


def payload_files(plugin: str) -> set[str]:
    root = DATA / "webhooks" / plugin
    return {str(p.relative_to(DATA)) for p in root.rglob("*.json") if not p.name.startswith("_")}


def golden_payloads(plugin: str) -> set[str]:
    return {load_event(case)[3] for case in golden_cases(plugin)}


# -- golden translations -------------------------------------------------------------------------------------

CASES = golden_cases("github")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_golden_translation_of_github_event(case):
    assert_golden(GitHubSource(), case)


def test_every_github_payload_has_a_golden_case():
    assert payload_files("github") <= golden_payloads("github")
    assert {c.parent.name for c in CASES} >= {"pull_request", "pull_request_review",
                                               "pull_request_review_comment", "ping"}


def test_each_recorded_kind_has_a_golden_case():
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for case in CASES
             for s in json.loads((case / "expected.json").read_text())["statements"]}
    assert verbs == {"opened", "merged", "approved", "requested-changes", "reviewed", "commented", "closed",
                     "requested-review", "dismissed-review"}


# -- signature -----------------------------------------------------------------------------------------------

def test_documented_signature_test_vector_verifies():
    vector = json.loads((DATA / "webhooks/github/_signature_test_vector.json").read_text())
    headers = {"x-hub-signature-256": vector["X-Hub-Signature-256"]}
    GitHubSource().verify(headers, vector["payload"].encode(), vector["secret"], {})
    with pytest.raises(VerificationError, match="does not match"):
        GitHubSource().verify(headers, vector["payload"].encode() + b" ", vector["secret"], {})


@pytest.mark.parametrize("headers, message", [
    ({}, "X-Hub-Signature-256 is missing"),
    ({"x-hub-signature": "sha1=0000"}, "SHA-1 X-Hub-Signature is not accepted"),
    ({"x-hub-signature-256": "sha256=" + "0" * 64}, "does not match"),
    ({"x-hub-signature-256": hmac.new(b"s3cret", b"{}", hashlib.sha256).hexdigest()}, "does not match"),
    ({"x-hub-signature-256": "sha256=é"}, "does not match"),
])
def test_missing_or_wrong_signature_is_refused(headers, message):
    with pytest.raises(VerificationError, match=message) as caught:
        GitHubSource().verify(headers, b"{}", "s3cret", {})
    assert "s3cret" not in str(caught.value)


# -- translation: broken and unknown events ------------------------------------------------------------------

def _opened() -> dict:
    return json.loads((DATA / "webhooks/github/pull_request/opened.payload.json").read_text())


def _translate(payload, event="pull_request", delivery="d-1", options=None) -> Translation:
    headers = {"x-github-event": event, "x-github-delivery": delivery}
    options = options or {}
    return GitHubSource().translate(Event(headers, payload, options, options.get("homepage", "")))


def _without(dotted: str) -> dict:
    payload = _opened()
    *parents, last = dotted.split(".")
    node = payload
    for key in parents:
        node = node[key]
    del node[last]
    return payload


MISSING = [
    (_without("pull_request"), "$.pull_request"),
    (_without("pull_request.html_url"), "$.pull_request.html_url"),
    (_without("pull_request.user"), "$.pull_request.user"),
    (_without("pull_request.user.login"), "$.pull_request.user.login"),
    (_without("pull_request.created_at"), "$.pull_request.created_at"),
    (_without("repository.full_name"), "$.repository.full_name"),
    (_without("action"), "$.action"),
    ({**_opened(), "pull_request": {**_opened()["pull_request"], "title": 7}}, "$.pull_request.title"),
    ({**_opened(), "pull_request": {**_opened()["pull_request"], "created_at": "yesterday"}},
     "$.pull_request.created_at"),
    ([_opened()], "$"),
]


@pytest.mark.parametrize("payload, path", MISSING, ids=[f"{i}:{path}" for i, (_, path) in enumerate(MISSING)])
def test_event_missing_a_required_field_names_its_path(payload, path):
    with pytest.raises(EventError) as caught:
        _translate(payload)
    assert caught.value.path == path
    assert path in caught.value.detail


def test_event_without_delivery_id_is_refused():
    with pytest.raises(EventError) as caught:
        GitHubSource().translate(Event({"x-github-event": "pull_request"}, _opened(), {}, ""))
    assert caught.value.path == "X-GitHub-Delivery"


@pytest.mark.parametrize("event, action", [("issues", "opened"), ("push", None), ("pull_request", "labeled"),
                                           ("pull_request_review", "edited"),
                                           ("pull_request_review_comment", "deleted")])
def test_unknown_events_and_actions_are_ignored(event, action):
    translation = _translate({**_opened(), "action": action}, event=event)
    assert translation.statements == [] and translation.ignored


def _payload(name: str) -> dict:
    return json.loads((DATA / "webhooks/github" / name).read_text())


REVIEWER = f"{code_review.PROFILE}/extensions/reviewer"


def test_closed_without_merge_is_recorded_as_closed_by_the_sender():
    payload = _payload("pull_request/closed.payload.json")
    payload["sender"] = {"login": "octocat"}
    [statement] = _translate(payload).statements
    assert statement["verb"]["id"] == f"{code_review.PROFILE}/verbs/closed"
    assert statement["actor"]["account"]["name"] == "octocat"
    assert statement["result"] == {"completion": False}
    assert statement["timestamp"] == "2019-05-15T15:21:18Z"  # closed_at
    assert_follows_the_profile([statement])


def test_review_request_names_the_requested_person_or_team():
    payload = _payload("pull_request/review_requested.payload.json")
    [person] = _translate(payload).statements
    assert person["actor"]["account"]["name"] == "Codertocat"  # the sender asked
    assert person["context"]["extensions"][REVIEWER] == {
        "objectType": "Agent", "account": {"homePage": "https://github.com", "name": "octocat"}}
    del payload["requested_reviewer"]
    payload["requested_team"] = {"slug": "reviewers"}
    [team] = _translate(payload, options={"homepage": "https://github.example.com"}).statements
    assert team["context"]["extensions"][REVIEWER] == {
        "objectType": "Group",
        "account": {"homePage": "https://github.example.com", "name": "Codertocat/reviewers"},
    }
    assert_follows_the_profile([person, team])


def test_review_request_without_a_reviewer_names_the_missing_member():
    payload = _payload("pull_request/review_requested.payload.json")
    del payload["requested_reviewer"]
    with pytest.raises(EventError) as caught:
        _translate(payload)
    assert caught.value.path == "$.requested_reviewer"


@pytest.mark.parametrize("updated_at, submitted_at, expected", [
    ("2019-05-15T15:30:00Z", "2019-05-15T15:20:38Z", "2019-05-15T15:30:00Z"),
    ("2019-05-15T15:20:00Z", "2019-05-15T15:20:38Z", "2019-05-15T15:20:38Z"),
    ("2019-05-15T15:20:38Z", "2019-05-15T15:20:38.250Z", "2019-05-15T15:20:38.250000Z"),
    ("2019-05-15T15:20:00Z", None, "2019-05-15T15:20:00Z"),
])
def test_dismissal_is_dated_by_the_pull_request_never_before_the_review(updated_at, submitted_at, expected):
    payload = _payload("pull_request_review/submitted.payload.json")
    payload.update(action="dismissed", sender={"login": "octocat"})
    payload["review"].update(state="dismissed", submitted_at=submitted_at)
    payload["pull_request"]["updated_at"] = updated_at
    [statement] = _translate(payload, event="pull_request_review").statements
    assert statement["timestamp"] == expected
    assert statement["actor"]["account"]["name"] == "octocat"
    assert statement["context"]["extensions"][REVIEWER]["account"]["name"] == "Codertocat"
    assert_follows_the_profile([statement])


def test_statement_ids_come_from_the_delivery():
    first, again, other = (_translate(_opened(), delivery=d).statements[0]["id"] for d in ("a", "a", "b"))
    assert first == again != other


def test_timestamps_come_from_the_payload_in_utc():
    payload = _opened()
    payload["pull_request"]["created_at"] = "2019-05-15T17:20:33+02:00"
    assert _translate(payload).statements[0]["timestamp"] == "2019-05-15T15:20:33Z"


@pytest.mark.parametrize("options, path", [
    ({"homepage": "github.example.com"}, "options.homepage"),
    ({"homepage": "ftp://github.example.com"}, "options.homepage"),
    ({"homepage": 3}, "options.homepage"),
    ({"colour": "blue"}, "options.colour"),
])
def test_bad_options_are_refused_naming_the_option(options, path):
    with pytest.raises(PluginConfigError) as caught:
        GitHubSource().configure(options)
    assert caught.value.path == path


def test_homepage_option_is_normalised():
    assert GitHubSource().configure({"homepage": "https://github.example.com/"}) == {
        "homepage": "https://github.example.com"}
    assert GitHubSource().configure({}) == {}


# -- deliveries through the host -----------------------------------------------------------------------------

def add_source(runner, kind: str, *options: str) -> dict:
    args = ["sources", "add", kind, "--name", f"{kind}-1", "--json"]
    for option in options:
        args += ["--option", option]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def source_stats(runner) -> dict:
    return json.loads(runner.invoke(args=["sources", "list", "--json"]).output)[0]


def hook_path(source: dict) -> str:
    return "/hooks/" + source["url"].split("/hooks/")[1]


@pytest.fixture
def github(runner):
    return add_source(runner, "github")


def deliver(client, source, payload=None, *, event="pull_request", delivery="d-1", secret=None, raw=None,
            content_type="application/json", signed=True):
    body = raw if raw is not None else orjson.dumps(payload)
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery}
    if signed:
        digest = hmac.new((secret or source["secret"]).encode(), body, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
    response = client.post(hook_path(source), data=body, content_type=content_type, headers=headers)
    assert source["secret"] not in response.get_data(as_text=True)
    return response


def test_signed_delivery_stores_the_statements(client, github, xapi, runner):
    response = deliver(client, github, _opened())
    assert response.status_code == 200, response.get_json()
    [statement_id] = response.get_json()["ids"]
    stored = xapi.fetch(statement_id)
    expected = _translate(_opened()).statements[0]
    assert stored["id"] == expected["id"]
    for key in ("actor", "verb", "object", "context", "timestamp"):
        assert stored[key] == expected[key]
    assert stored["authority"]["name"] == "github-1 (github)"
    row = source_stats(runner)
    assert (row["received"], row["stored"], row["ignored"], row["rejected"]) == (1, 1, 0, 0)


def test_redelivery_stores_nothing_new(client, github, xapi, runner):
    first = deliver(client, github, _opened(), delivery="same")
    again = deliver(client, github, _opened(), delivery="same")
    assert again.status_code == 200
    assert again.get_json()["ids"] == first.get_json()["ids"]
    assert len(xapi.get().get_json()["statements"]) == 1
    deliver(client, github, _opened(), delivery="another")
    assert len(xapi.get().get_json()["statements"]) == 2


@pytest.mark.parametrize("kwargs", [{"secret": "not-the-secret"}, {"signed": False}])
def test_forged_or_missing_signature_is_401_and_stores_nothing(client, github, xapi, runner, kwargs):
    response = deliver(client, github, _opened(), **kwargs)
    assert response.status_code == 401
    assert response.get_json()["path"] == "signature"
    assert xapi.get().get_json()["statements"] == []
    row = source_stats(runner)
    assert (row["stored"], row["rejected"]) == (0, 1)
    assert github["secret"] not in json.dumps(row)


@pytest.mark.parametrize("event", ["issues", "ping"])
def test_unknown_event_and_ping_are_acknowledged_and_counted_ignored(client, github, xapi, runner, event):
    ping = json.loads((DATA / "webhooks/github/ping/payload.json").read_text())
    response = deliver(client, github, ping, event=event)
    assert response.status_code == 202
    assert response.get_json()["stored"] == 0 and response.get_json()["ignored"]
    assert source_stats(runner)["ignored"] == 1
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("raw, content_type, status, path", [
    (b"payload=%7B%7D", "application/x-www-form-urlencoded", 415, "Content-Type"),
    (b'{"action": "opened",', "application/json", 400, "body"),
    (orjson.dumps({"action": "opened", "repository": {}}), "application/json", 400, "$.pull_request"),
], ids=["form-encoded", "malformed-json", "no-pull_request"])
def test_bad_deliveries_are_4xx_naming_the_problem(client, github, xapi, raw, content_type, status, path):
    response = deliver(client, github, raw=raw, content_type=content_type)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["path"] == path
    assert xapi.get().get_json()["statements"] == []


RECORDED = [c for c in CASES if json.loads((c / "expected.json").read_text())["statements"]]


@pytest.mark.parametrize("case", RECORDED, ids=[case_id(c) for c in RECORDED])
def test_golden_case_delivered_through_the_host_stores_its_statements(client, runner, xapi, case):
    assert_delivered_as_golden(client, runner, xapi, "github", case, sign)


def sign(source: dict, body: bytes) -> dict:
    digest = hmac.new(source["secret"].encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}"}


def assert_delivered_as_golden(client, runner, xapi, kind: str, case: Path, authenticate) -> None:
    """The host stores exactly the golden statements, unchanged, when the case's event is delivered."""
    spec = json.loads((case / "event.json").read_text())
    _, payload, options, _ = load_event(case)
    source = add_source(runner, kind, *(f"{k}={v}" for k, v in options.items()))
    body = orjson.dumps(payload)
    headers = {**spec["headers"], **authenticate(source, body)}
    response = client.post(hook_path(source), data=body, content_type="application/json", headers=headers)
    assert response.status_code == 200, response.get_json()
    expected = json.loads((case / "expected.json").read_text())["statements"]
    assert response.get_json()["ids"] == [s["id"] for s in expected]
    for statement in expected:
        stored = xapi.fetch(statement["id"])
        assert {k: stored[k] for k in statement} == statement


def test_enterprise_homepage_option_names_the_accounts(client, runner, xapi):
    source = add_source(runner, "github", "homepage=https://github.example.com")
    [statement_id] = deliver(client, source, _opened()).get_json()["ids"]
    assert xapi.fetch(statement_id)["actor"]["account"] == {"homePage": "https://github.example.com",
                                                            "name": "Codertocat"}


def test_bad_option_is_refused_when_the_source_is_added(runner):
    result = runner.invoke(args=["sources", "add", "github", "--name", "gh", "--option", "homepage=nope"])
    assert result.exit_code != 0 and "options.homepage" in result.output
