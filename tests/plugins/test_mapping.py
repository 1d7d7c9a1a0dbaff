"""The mapping source: golden translations of the examples, refused mappings, verification, the real host.

Golden files (``golden/mapping/<example>/<case>/expected.json``) hold the exact statements that the
example's payload ``plugins/mapping/examples/<example>/payloads/<case>.json`` gives; they were read and
checked by hand when frozen. ``LRS_UPDATE_GOLDEN=1`` rewrites them (then read
the diff before committing it).
"""

from __future__ import annotations

import base64
import copy
import hmac
import json
import os
from pathlib import Path

import orjson
import pytest

from lrs.plugin_host.base import Event, EventError, PluginConfigError, VerificationError
from lrs.profiles import TemplateIndex
from lrs.profiles.builtin import project_profiles
from lrs.xapi.validation import validate_statements
from plugins.mapping import MappingSource
from plugins.mapping.profile import PROFILE_ID
from tests.api.conftest import make_user_client

EXAMPLES = Path(__file__).resolve().parents[2] / "plugins" / "mapping" / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden" / "mapping"
VERSION = "https://w3id.org/xapi/lrs/profiles/micro-learning/v1.0"
CASES = sorted((p.parent.parent.name, p.stem) for p in EXAMPLES.glob("*/payloads/*.json"))


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def payload(example: str, case: str) -> dict:
    return read(EXAMPLES / example / "payloads" / f"{case}.json")


def options(example: str) -> dict:
    return {**read(EXAMPLES / example / "source.json"), "mapping": read(EXAMPLES / example / "mapping.json")}


def translate(opts: dict, body) -> tuple[list[dict], str | None]:
    plugin = MappingSource()
    configured = plugin.configure(copy.deepcopy(opts))
    result = plugin.translate(Event({}, body, configured, configured.get("homepage", "")))
    return result.statements, result.ignored


@pytest.fixture(scope="module")
def index() -> TemplateIndex:
    return TemplateIndex(project_profiles())


# -- golden translations ---------------------------------------------------------------------------------

@pytest.mark.parametrize("example, case", CASES)
def test_example_payload_gives_the_golden_statements(example, case, index):
    statements, ignored = translate(options(example), payload(example, case))
    got = {"statements": statements, "ignored": ignored, "rejected": []}
    golden = GOLDEN / example / case / "expected.json"
    if os.environ.get("LRS_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == read(golden)
    validate_statements(statements, "1.0.3")
    for statement in statements:
        assert index.claimed_profiles(statement) == [PROFILE_ID]
        results = index.validate(statement, profiles=index.claimed_profiles(statement))
        assert results[PROFILE_ID].outcome == "success", results[PROFILE_ID]


def test_every_golden_file_has_its_payload_and_each_example_both_outcomes():
    golden = sorted((p.parent.parent.name, p.parent.name) for p in GOLDEN.glob("*/*/expected.json"))
    assert golden == CASES
    for example in {e for e, _ in CASES}:
        cases = [c for e, c in CASES if e == example]
        outcomes = {bool(read(GOLDEN / example / c / "expected.json")["statements"]) for c in cases}
        assert outcomes == {True, False}, f"{example} needs a payload that maps and one that is ignored"


def test_one_session_shares_its_registration_and_redelivery_gives_the_same_ids():
    opts = options("lesson-completed")
    started, _ = translate(opts, payload("lesson-completed", "lesson-started"))
    completed, _ = translate(opts, payload("lesson-completed", "lesson-completed"))
    assert started[0]["context"]["registration"] == completed[0]["context"]["registration"]
    assert completed[0]["id"] == MappingSource.statement_id("mapping", "nudgeful/90211734", 0)
    assert started[0]["id"] == MappingSource.statement_id("mapping", "nudgeful/90211701", 0)
    again, _ = translate(opts, payload("lesson-completed", "lesson-completed"))
    assert again == completed


# -- refused mappings ------------------------------------------------------------------------------------

def quiz(edit) -> dict:
    """The quiz example's mapping with one edit (a function of the mapping and its first statement)."""
    mapping = read(EXAMPLES / "quiz-answered" / "mapping.json")
    edit(mapping, mapping["rules"][0]["statement"])
    return mapping


def lesson(edit, homepage: str | None = "https://acme.nudgeful.example") -> dict:
    """The lesson example's mapping, its accounts naming their homePage (the tests give no option)."""
    mapping = read(EXAMPLES / "lesson-completed" / "mapping.json")
    for rule in mapping["rules"]:
        if homepage:
            rule["statement"]["actor"]["account"]["homePage"] = homepage
    edit(mapping, mapping["rules"][0]["statement"])
    return mapping


R0, ST = "options.mapping.rules[0]", "options.mapping.rules[0].statement"
BROKEN = [
    ("not JSON", "{rules: []}", "options.mapping"),
    ("an array", [], "options.mapping"),
    ("no rules", quiz(lambda m, s: m.pop("rules")), "options.mapping.rules"),
    ("an unknown key", quiz(lambda m, s: m.update(rulez=[])), "options.mapping.rulez"),
    ("an unknown rule key", quiz(lambda m, s: m["rules"][1].update(statment={})),
     "options.mapping.rules[1].statment"),
    ("no id anywhere", quiz(lambda m, s: m.pop("id")), f"{R0}.id"),
    ("a constant id", quiz(lambda m, s: m.update(id="bitewise")), "options.mapping.id"),
    ("statement and statements", quiz(lambda m, s: m["rules"][0].update(statements=[s])), f"{ST}"),
    ("a broken JSONPath in a match", quiz(lambda m, s: m["rules"][0]["match"].update({"$.data[": 1})),
     f"{R0}.match['$.data[']"),
    ("a match key that is not a JSONPath", quiz(lambda m, s: m["rules"][0].update(match={"type": "x"})),
     f"{R0}.match.type"),
    ("an unknown condition", quiz(lambda m, s: m["rules"][0]["match"].update({"$.type": {"equal": "x"}})),
     f"{R0}.match['$.type'].equal"),
    ("a broken regular expression",
     quiz(lambda m, s: m["rules"][0]["match"].update({"$.type": {"matches": "("}})),
     f"{R0}.match['$.type'].matches"),
    ("a broken JSONPath in a template", quiz(lambda m, s: s["object"].update(id="{{ $.data.lesson[ }}")),
     f"{ST}.object.id"),
    ("an unclosed {{", quiz(lambda m, s: s["object"]["definition"]["name"].update({"en-US": "{{ $.x"})),
     f"{ST}.object.definition.name['en-US']"),
    ("@ outside $each", quiz(lambda m, s: s["actor"].update(name="{{ @.name }}")), f"{ST}.actor.name"),
    ("an unknown operator", quiz(lambda m, s: s["result"].update(duration={"$durration": 1})),
     f"{ST}.result.duration['$durration']"),
    ("an unknown $path option", quiz(lambda m, s: s["actor"]["mbox"].update(prefx="mailto:")),
     f"{ST}.actor.mbox.prefx"),
    ("a bad duration unit", quiz(lambda m, s: s["result"]["duration"].update(unit="hours")),
     f"{ST}.result.duration.unit"),
    ("$scaled without max", quiz(lambda m, s: s["result"]["score"]["scaled"]["$scaled"].pop("max")),
     f"{ST}.result.score.scaled['$scaled'].max"),
    ("no verb", quiz(lambda m, s: s.pop("verb")), f"{ST}.verb"),
    ("a verb id that is not an IRI", quiz(lambda m, s: s["verb"].update(id="answered")), f"{ST}.verb.id"),
    ("an unknown statement key", quiz(lambda m, s: s["result"].update(scroe={})), f"{ST}.result.scroe"),
    ("an authority", quiz(lambda m, s: s.update(authority={"mbox": "mailto:a@example.com"})),
     f"{ST}.authority"),
    ("two identifiers", quiz(lambda m, s: s["actor"].update(openid="https://id.example.com/ada")),
     f"{ST}.actor"),
    ("a literal registration", quiz(lambda m, s: s["context"].update(registration="attempt-1")),
     f"{ST}.context.registration"),
    ("a bad language tag", quiz(lambda m, s: s["verb"].update(display={"english": "answered"})),
     f"{ST}.verb.display.english"),
    ("an optional verb id", quiz(lambda m, s: s["verb"].update(id={"$path": "$.verb", "optional": True})),
     f"{ST}.verb.id"),
    ("null", quiz(lambda m, s: s.update(timestamp=None)), f"{ST}.timestamp"),
    ("an account without homePage", lesson(lambda m, s: None, homepage=None), f"{ST}.actor.account.homePage"),
    ("a verb outside the profile", quiz(lambda m, s: s["verb"].update(id="http://adlnet.gov/expapi/verbs/experienced")),
     f"{ST}.verb.id"),
    ("a question outside its lesson", quiz(lambda m, s: s["context"].pop("contextActivities")),
     f"{ST}.context.contextActivities.grouping"),
    ("completed without a duration", lesson(lambda m, s: s["result"].pop("duration")),
     f"{ST}.result.duration"),
    ("completed, not complete", lesson(lambda m, s: s["result"].update(completion=False)),
     f"{ST}.result.completion"),
    ("started with a success",
     lesson(lambda m, s: m["rules"][1]["statement"].update(result={"success": True})),
     "options.mapping.rules[1].statement.result.success"),
]


@pytest.mark.parametrize("mapping, path", [(m, p) for _, m, p in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_mapping_is_refused_naming_its_path(mapping, path):
    with pytest.raises(PluginConfigError) as refused:
        MappingSource().configure({"mapping": mapping})  # no homepage: accounts must name theirs
    assert refused.value.path == path, refused.value.detail


def test_the_examples_are_accepted_and_stored_normalised():
    for example in ("quiz-answered", "lesson-completed"):
        configured = MappingSource().configure(options(example))
        assert configured["mapping"] == read(EXAMPLES / example / "mapping.json")
        assert configured["auth"] == "hmac" and configured["algorithm"] == "sha256"
    text = json.dumps(read(EXAMPLES / "quiz-answered" / "mapping.json"))
    assert MappingSource().configure({"mapping": text})["header"] == "X-Signature"


@pytest.mark.parametrize("opts, path", [
    ({"auth": "basic"}, "options.auth"),
    ({"algorithm": "md5"}, "options.algorithm"),
    ({"encoding": "base32"}, "options.encoding"),
    ({"header": "X Signature"}, "options.header"),
    ({"auth": "token", "algorithm": "sha256"}, "options.algorithm"),
    ({"homepage": "acme.example"}, "options.homepage"),
    ({"secret": "x"}, "options.secret"),
    ({"mapping": None}, "options.mapping"),
])
def test_bad_source_options_are_refused(opts, path):
    with pytest.raises(PluginConfigError) as refused:
        MappingSource().configure({**options("quiz-answered"), **opts})
    assert refused.value.path == path


# -- the language, event by event -----------------------------------------------------------------------

def one_rule(statement: dict, match: dict | None = None, **rule) -> dict:
    """A mapping of one 'completed' rule, its statement template patched with ``statement``."""
    base = {
        "actor": {"mbox": "mailto:{{ $.user }}"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://lessons.example.com/{{ $.lesson }}",
                   "definition": {"type": "https://w3id.org/xapi/lrs/profiles/micro-learning/activity-types/"
                                          "micro-lesson"}},
        "result": {"completion": True, "duration": {"$duration": "{{ $.seconds }}"}},
    }
    return {"rules": [{"match": match or {}, "id": "{{ $.id }}", "statement": {**base, **statement}, **rule}]}


EVENT = {"id": "e1", "user": "ada@example.com", "lesson": "l1", "seconds": 3723.5, "tags": ["a", "b"],
         "flag": "yes", "kind": "mc", "at": 1772443260123, "items": [{"n": "x"}, {"n": "y"}]}


@pytest.mark.parametrize("template, expected", [
    ({"$duration": "{{ $.seconds }}"}, "PT1H2M3.5S"),
    ({"$duration": 90, "unit": "minutes"}, "PT1H30M"),
    ({"$duration": 0}, "PT0S"),
    ({"$duration": "PT5M"}, "PT5M"),
    ({"$timestamp": "{{ $.at }}", "unit": "milliseconds"}, "2026-03-02T09:21:00.123Z"),
    ({"$timestamp": "2026-03-02T09:21:00+01:00"}, "2026-03-02T09:21:00+01:00"),
    ({"$path": "$.tags[*]", "join": "[,]"}, "a[,]b"),
    ({"$path": "$.tags[*]", "all": True}, ["a", "b"]),
    ({"$path": "$.flag", "type": "boolean"}, True),
    ({"$path": "$.seconds", "type": "string", "prefix": "s="}, "s=3723.5"),
    ({"$path": "$.kind", "map": {"mc": "choice"}}, "choice"),
    ({"$path": "$.user", "case": "upper"}, "ADA@EXAMPLE.COM"),
    ({"$path": "$.nothing", "default": 7}, 7),
    ("{{ $.seconds }}", 3723.5),
    ("{{ $.lesson }}-{{ $.seconds }}", "l1-3723.5"),
    ({"$each": "$.items[*]", "template": {"name": "{{ @.n }}"}}, [{"name": "x"}, {"name": "y"}]),
    ({"$when": {"$.kind": {"in": ["mc", "tf"]}}, "then": "yes", "else": "no"}, "yes"),
    ({"$when": "$.nothing", "then": "yes", "else": "no"}, "no"),
    ({"$scaled": {"raw": 3, "min": 1, "max": 5}}, 0.5),
    ({"$uuid": "{{ $.lesson }}"}, MappingSource.statement_id("mapping/uuid", "l1")),
    ({"$uuid": "7BC6C2ED-2B7B-569E-B921-8D9963AC3A1E"}, "7bc6c2ed-2b7b-569e-b921-8d9963ac3a1e"),
    ({"$literal": {"$path": "not a reference", "{{": "}}"}}, {"$path": "not a reference", "{{": "}}"}),
])
def test_template_values(template, expected):
    ext = "https://lessons.example.com/ext/value"
    statements, _ = translate({"mapping": one_rule({"context": {"extensions": {ext: template}}})}, EVENT)
    assert statements[0]["context"]["extensions"][ext] == expected


def test_optional_values_and_when_without_else_are_left_out():
    ext = "https://lessons.example.com/ext/"
    mapping = one_rule({"context": {"extensions": {ext + "a": {"$path": "$.nothing", "optional": True},
                                                   ext + "b": {"$when": "$.nothing", "then": 1}}}})
    statements, _ = translate({"mapping": mapping}, EVENT)
    assert statements[0]["context"] == {"extensions": {}, "contextActivities": {"category": [
        {"objectType": "Activity", "id": VERSION, "definition": {
            "type": "http://adlnet.gov/expapi/activities/profile"}}]}}


@pytest.mark.parametrize("match, matched", [
    ({"$.kind": "mc"}, True),
    ({"$.kind": "tf"}, False),
    ({"$.kind": {"in": ["tf", "mc"]}}, True),
    ({"$.flag": {"matches": "^y"}}, True),
    ({"$.nothing": {"exists": False}, "$.kind": {"exists": True}}, True),
    ({"$.tags[*]": "b"}, True),
    ({"$.items[?@.n == 'y']": {"exists": True}}, True),
    ({"$.seconds": {"equals": 3723.5}}, True),
    ({"$.one": 1}, False),  # true is not 1
    ({"$.one": True}, True),
])
def test_match_conditions(match, matched):
    statements, ignored = translate({"mapping": one_rule({}, match)}, {**EVENT, "one": True})
    assert bool(statements) is matched
    assert (ignored is None) is matched


def test_the_first_matching_rule_wins_and_statements_gives_several():
    mapping = one_rule({})
    second = copy.deepcopy(mapping["rules"][0])
    mapping["rules"][0]["statements"] = [mapping["rules"][0].pop("statement")] * 2
    second["statement"]["result"]["response"] = "second rule"
    mapping["rules"].append(second)
    statements, _ = translate({"mapping": mapping}, EVENT)
    assert len(statements) == 2 and len({s["id"] for s in statements}) == 2
    assert all("response" not in s["result"] for s in statements)


@pytest.mark.parametrize("change, path", [
    (lambda e: e.pop("user"), "$.user"),
    (lambda e: e.update(user=None), "$.user"),
    (lambda e: e.update(user="not an address"), "$.user"),
    (lambda e: e.update(seconds="a while"), "$.seconds"),
    (lambda e: e.update(seconds=-3), "$.seconds"),
    (lambda e: e.pop("id"), "$.id"),
])
def test_event_errors_name_the_payload_path(change, path):
    event = copy.deepcopy(EVENT)
    change(event)
    with pytest.raises(EventError) as refused:
        translate({"mapping": one_rule({})}, event)
    assert refused.value.path == path, refused.value.detail


def test_a_payload_value_breaking_the_profile_is_an_event_error():
    mapping = one_rule({"result": {"completion": "{{ $.done }}", "duration": "PT1M"}})
    assert translate({"mapping": mapping}, {**EVENT, "done": True})[0]
    with pytest.raises(EventError) as refused:
        translate({"mapping": mapping}, {**EVENT, "done": False})
    assert refused.value.path == "$.done"
    assert "Completed a micro-lesson" in refused.value.detail


def test_a_missing_item_field_names_its_place_in_the_array():
    ext = "https://lessons.example.com/ext/items"
    mapping = one_rule({"context": {"extensions": {ext: {"$each": "$.items[*]", "template": "{{ @.n }}"}}}})
    with pytest.raises(EventError) as refused:
        translate({"mapping": mapping}, {**EVENT, "items": [{"n": "x"}, {"m": "y"}]})
    assert refused.value.path == "$.items[1].n"


# -- verification ----------------------------------------------------------------------------------------

BODY, SECRET = b'{"id": "e1"}', "s3cret"


def signed(algorithm="sha256", encoding="hex"):
    digest = hmac.new(SECRET.encode(), BODY, algorithm).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


@pytest.mark.parametrize("opts, headers", [
    ({}, {"x-signature": signed()}),
    ({}, {"x-signature": signed().upper()}),
    ({"header": "X-Hub-Signature-256", "prefix": "sha256="}, {"x-hub-signature-256": "sha256=" + signed()}),
    ({"algorithm": "sha1", "encoding": "base64"}, {"x-signature": signed("sha1", "base64")}),
    ({"algorithm": "sha512"}, {"x-signature": signed("sha512")}),
    ({"auth": "token"}, {"x-webhook-token": SECRET}),
    ({"auth": "token", "header": "Authorization", "prefix": "Bearer "},
     {"authorization": f"Bearer {SECRET}"}),
])
def test_authentic_deliveries_pass(opts, headers):
    MappingSource().verify(headers, BODY, SECRET, opts)


@pytest.mark.parametrize("opts, headers", [
    ({}, {}),
    ({}, {"x-signature": signed("sha1")}),
    ({}, {"x-signature": hmac.new(b"other", BODY, "sha256").hexdigest()}),
    ({"prefix": "sha256="}, {"x-signature": signed()}),
    ({"encoding": "base64"}, {"x-signature": signed()}),
    ({"auth": "token"}, {"x-webhook-token": SECRET + "x"}),
    ({"auth": "token"}, {"x-signature": signed()}),
])
def test_forged_deliveries_fail(opts, headers):
    with pytest.raises(VerificationError):
        MappingSource().verify(headers, BODY, SECRET, opts)


# -- through the real host -------------------------------------------------------------------------------

def body_of(example: str, case: str) -> bytes:
    return (EXAMPLES / example / "payloads" / f"{case}.json").read_bytes()


def deliver(client, source: dict, example: str, body: bytes, secret: str | None = None):
    auth = read(EXAMPLES / example / "source.json")
    digest = hmac.new((secret or source["secret"]).encode(), body, auth["algorithm"]).digest()
    sig = digest.hex() if auth["encoding"] == "hex" else base64.b64encode(digest).decode()
    hook = f"/hooks/{source['url'].split('/hooks/')[1]}"
    return client.post(hook, data=body, content_type="application/json",
                       headers={auth["header"]: auth.get("prefix", "") + sig})


def add_by_cli(runner, example: str, name: str = "platform") -> dict:
    args = ["sources", "add", "mapping", "--name", name, "--json",
            "--option", f"mapping=@{EXAMPLES / example / 'mapping.json'}"]
    for key, value in read(EXAMPLES / example / "source.json").items():
        args += ["--option", f"{key}={value}"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("example, case", [("quiz-answered", "choice-answered"),
                                           ("lesson-completed", "lesson-completed")])
def test_cli_source_stores_the_golden_statements_once(client, runner, xapi, example, case):
    source = add_by_cli(runner, example)
    response = deliver(client, source, example, body_of(example, case))
    assert response.status_code == 200, response.get_json()
    expected = read(GOLDEN / example / case / "expected.json")["statements"]
    assert response.get_json()["ids"] == [s["id"] for s in expected]
    stored = xapi.fetch(expected[0]["id"])
    for key in ("actor", "verb", "result", "timestamp"):
        assert stored[key] == expected[0][key]
    assert stored["authority"]["name"] == "platform (mapping)"
    again = deliver(client, source, example, body_of(example, case))
    assert again.status_code == 200 and again.get_json()["ids"] == response.get_json()["ids"]
    assert len(xapi.get().get_json()["statements"]) == 1


def test_api_source_verifies_ignores_and_refuses(app, client, xapi):
    admin = make_user_client(app, client, "admin")
    created = admin.post("/sources", json={"kind": "mapping", "name": "bitewise",
                                           "options": options("quiz-answered")})
    assert created.status_code == 201, created.get_json()
    source = created.get_json()
    example = "quiz-answered"
    forged = deliver(client, source, example, body_of(example, "choice-answered"), secret="forged")
    assert forged.status_code == 401
    ignored = deliver(client, source, example, body_of(example, "learner-invited"))
    assert ignored.status_code == 202 and ignored.get_json()["ignored"]
    broken = orjson.loads(body_of(example, "choice-answered"))
    del broken["data"]["learner"]["email"]
    missing = deliver(client, source, example, orjson.dumps(broken))
    assert missing.status_code == 400 and missing.get_json()["path"] == "$.data.learner.email"
    stored = deliver(client, source, example, body_of(example, "text-answered"))
    assert stored.status_code == 200, stored.get_json()
    assert len(xapi.get().get_json()["statements"]) == 1
    health = admin.get(f"/sources/{source['id']}").get_json()
    assert (health["received"], health["stored"], health["ignored"], health["rejected"]) == (4, 1, 1, 2)


def test_api_and_cli_refuse_a_broken_mapping_naming_the_path(app, client, runner):
    admin = make_user_client(app, client, "admin")
    mapping = quiz(lambda m, s: s["verb"].update(id="answered"))
    refused = admin.post("/sources", json={"kind": "mapping", "name": "x", "options": {"mapping": mapping}})
    assert refused.status_code == 400
    assert refused.get_json()["path"] == "$.options.mapping.rules[0].statement.verb.id"
    result = runner.invoke(args=["sources", "add", "mapping", "--name", "y",
                                 "--option", "mapping={\"rules\": 1}"])
    assert result.exit_code != 0 and "options.mapping.rules" in result.output
    assert admin.get("/sources").get_json() == []


def test_token_source_through_the_host(client, runner, xapi):
    result = runner.invoke(args=["sources", "add", "mapping", "--name", "tok", "--json",
                                 "--option", "auth=token",
                                 "--option", "homepage=https://acme.nudgeful.example",
                                 "--option", f"mapping=@{EXAMPLES / 'lesson-completed' / 'mapping.json'}"])
    source = json.loads(result.output)
    hook = f"/hooks/{source['url'].split('/hooks/')[1]}"
    body = body_of("lesson-completed", "lesson-started")
    wrong = client.post(hook, data=body, content_type="application/json", headers={"X-Webhook-Token": "nope"})
    assert wrong.status_code == 401
    right = client.post(hook, data=body, content_type="application/json",
                        headers={"X-Webhook-Token": source["secret"]})
    assert right.status_code == 200, right.get_json()
    assert len(xapi.get().get_json()["statements"]) == 1
