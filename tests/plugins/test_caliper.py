"""The Caliper plugin: golden translations of every IMS fixture, the bearer token, the envelope, the
mapping's edge cases, the lms-events profile, and envelopes delivered through the real host.

Golden cases: ``golden/caliper/<v1p1|v1p2>/<fixture name>/expected.json`` holds the exact statements and
rejects of the fixture of that name in ``shared/data/caliper/<version>/``. A fixture that is a single event
is wrapped into an envelope (``envelope_of``); the fixture files are never changed. To rewrite the golden
files after a deliberate mapping change, run with ``CALIPER_UPDATE_GOLDEN=1`` and read the diff.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import orjson
import pytest

from lrs.plugin_host.base import Event, EventError, PluginConfigError, Translation, VerificationError
from lrs.profiles import PatternMatcher, TemplateIndex, Verdict, validate_profile
from lrs.profiles.builtin import project_profiles
from lrs.xapi.validation import validate_statements
from plugins.caliper import CaliperSource
from plugins.caliper import vocabulary as v
from plugins.caliper.converters import CONVERTERS
from tests.api.conftest import make_user_client
from tests.conftest import DATA

FIXTURES = DATA / "caliper"
GOLDEN = Path(__file__).resolve().parent / "golden" / "caliper"
VERSIONS = ("v1p1", "v1p2")
SENSOR = "https://example.edu/sensors/1"
SEND_TIME = "2016-11-15T11:05:01.000Z"
CASES = [(version, path.stem) for version in VERSIONS for path in sorted((FIXTURES / version).glob("*.json"))]
PROFILE_FILE = Path(__file__).resolve().parents[2] / "xapi_profiles" / "lms-events.jsonld"


def fixture(version: str, name: str) -> dict:
    return json.loads((FIXTURES / version / f"{name}.json").read_text(encoding="utf-8"))


def envelope_of(version: str, *documents: dict) -> dict:
    """The envelope a sensor sends: an envelope fixture as it is, events wrapped into one."""
    if len(documents) == 1 and "data" in documents[0]:
        return documents[0]
    return {"sensor": SENSOR, "sendTime": SEND_TIME, "dataVersion": f"http://purl.imsglobal.org/ctx/caliper/{version}",
            "data": list(documents)}


def translate(payload, options: dict | None = None) -> Translation:
    source = CaliperSource()
    return source.translate(Event({}, payload, source.configure(options or {}), ""))


def event(version: str, name: str, **changes) -> dict:
    """A fixture event (a copy), with top-level properties changed."""
    return {**copy.deepcopy(fixture(version, name)), **changes}


@pytest.fixture(scope="module")
def index() -> TemplateIndex:
    return TemplateIndex(project_profiles())


def assert_follows_profile(index: TemplateIndex, statement: dict) -> tuple[str, ...]:
    """The statement claims the lms-events profile, matches one of its templates and breaks none."""
    claimed = index.claimed_profiles(statement)
    assert claimed == [v.PROFILE]
    result = index.validate(statement, profiles=claimed)[v.PROFILE]
    assert result.outcome == "success", result.failures
    assert index.extension_problems(statement) == []
    return result.matched


# -- golden cases --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("version", "name"), CASES, ids=[f"{v}/{n}" for v, n in CASES])
def test_golden_translation_of_caliper_fixture(index, version, name):
    translation = translate(envelope_of(version, fixture(version, name)))
    got = {"statements": translation.statements, "rejected": translation.rejected}
    golden = GOLDEN / version / name / "expected.json"
    if os.environ.get("CALIPER_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.is_file(), f"no golden file for {version}/{name}: {golden}"
    assert got == json.loads(golden.read_text(encoding="utf-8"))
    validate_statements(translation.statements, "1.0.3")
    for statement in translation.statements:
        assert_follows_profile(index, statement)
    assert translation.statements or translation.rejected


def test_every_golden_case_is_a_fixture_and_every_fixture_has_one():
    golden = {(p.parent.parent.name, p.parent.name) for p in GOLDEN.glob("*/*/expected.json")}
    assert golden == set(CASES)
    assert len(CASES) == 64


def test_the_fixtures_exercise_every_event_family():
    types = set()
    for version, name in CASES:
        document = fixture(version, name)
        types |= {item.get("type") for item in document.get("data", [document]) if "action" in item}
    assert types == set(CONVERTERS)


# -- bearer token --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["Bearer s3cret", "bearer s3cret", "BEARER  s3cret "])
def test_the_bearer_token_is_the_secret(header):
    CaliperSource().verify({"authorization": header}, b"{}", "s3cret", {})


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "Authorization: Bearer"),
    ({"authorization": "Bearer"}, "Authorization: Bearer"),
    ({"authorization": "Basic czNjcmV0"}, "Authorization: Bearer"),
    ({"authorization": "s3cret"}, "Authorization: Bearer"),
    ({"authorization": "Bearer s3cre"}, "not this source's secret"),
    ({"authorization": "Bearer s3cret2"}, "not this source's secret"),
    ({"authorization": "Bearer sécret"}, "not this source's secret"),
    ({"x-caliper-token": "s3cret"}, "Authorization: Bearer"),
])
def test_missing_or_wrong_bearer_token_is_refused(headers, message):
    with pytest.raises(VerificationError, match=message) as caught:
        CaliperSource().verify(headers, b"{}", "s3cret", {})
    assert "s3cret" not in str(caught.value)


def test_only_the_media_type_caliper_names_is_accepted():
    assert CaliperSource.content_types == ("application/json",)


# -- options -------------------------------------------------------------------------------------------------

def test_options_default_to_undetermined_language():
    assert CaliperSource().configure({}) == {"language": "und"}
    assert CaliperSource().configure({"homepage": "https://lms.example.edu", "language": "en-GB"}) == {
        "homepage": "https://lms.example.edu", "language": "en-GB"}


@pytest.mark.parametrize(("options", "path"), [
    ({"homepage": "lms.example.edu"}, "options.homepage"),
    ({"homepage": "urn:x:lms"}, "options.homepage"),
    ({"homepage": 3}, "options.homepage"),
    ({"language": "not a tag"}, "options.language"),
    ({"secret": "x"}, "options.secret"),
])
def test_bad_options_are_refused_naming_the_option(options, path):
    with pytest.raises(PluginConfigError) as caught:
        CaliperSource().configure(options)
    assert caught.value.path == path


def test_the_homepage_option_is_every_actor_account_homepage_and_language_tags_names():
    statement = translate(envelope_of("v1p2", fixture("v1p2", "caliperEventViewViewedExtended")),
                          {"homepage": "https://canvas.example.edu", "language": "en"}).statements[0]
    assert statement["actor"]["account"] == {"homePage": "https://canvas.example.edu",
                                             "name": "https://example.edu/users/554433"}
    assert statement["object"]["definition"]["name"] == {"en": "IMS Caliper Specification"}


# -- the envelope --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("payload", "path"), [
    ([], "$.data"),
    ("envelope", "$.data"),
    ({"sensor": SENSOR}, "$.data"),
    ({"sensor": SENSOR, "sendTime": SEND_TIME, "dataVersion": v.DATA_VERSIONS[1], "data": {}}, "$.data"),
    ({"sendTime": SEND_TIME, "dataVersion": v.DATA_VERSIONS[1], "data": [{}]}, "$.sensor"),
    ({"sensor": SENSOR, "dataVersion": v.DATA_VERSIONS[1], "data": [{}]}, "$.sendTime"),
    ({"sensor": SENSOR, "sendTime": SEND_TIME, "data": [{}]}, "$.dataVersion"),
    ({"sensor": SENSOR, "sendTime": SEND_TIME, "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p0",
      "data": [{}]}, "$.dataVersion"),
    ({"sensor": SENSOR, "sendTime": SEND_TIME, "dataVersion": v.DATA_VERSIONS[1], "data": []}, "$.data"),
])
def test_what_is_not_an_envelope_is_an_event_error_naming_the_path(payload, path):
    with pytest.raises(EventError) as caught:
        translate(payload)
    assert caught.value.path == path


def test_a_bare_event_without_envelope_is_refused():
    with pytest.raises(EventError, match="not a Caliper envelope") as caught:
        translate(fixture("v1p2", "caliperEventViewViewedExtended"))
    assert caught.value.path == "$.data"


def test_mappable_events_are_kept_and_the_rest_rejected_with_reasons():
    viewed = fixture("v1p2", "caliperEventViewViewedExtended")
    items = [
        viewed,
        fixture("v1p2", "caliperEnvelopeEntitySingle")["data"][0],
        event("v1p2", "caliperEventViewViewedExtended", id="urn:uuid:1f2e", type="SearchEvent",
              action="Searched"),
        event("v1p2", "caliperEventViewViewedExtended", id="urn:uuid:2f2e", action="Printed"),
        event("v1p2", "caliperEventGradeGraded", object="https://example.edu/attempts/1"),
        event("v1p2", "caliperEventViewViewedExtended", id="urn:uuid:3f2e",
              object={"id": "_:b1", "type": "Page"}),
        event("v1p2", "caliperEventViewViewedExtended", id="urn:uuid:4f2e", eventTime="yesterday"),
        event("v1p2", "caliperEventViewViewedExtended", id="urn:uuid:5f2e", actor="urn:uuid:0b7e"),
        event("v1p2", "caliperEventViewViewedExtended", eventTime="2016-11-15T10:16:00.000Z"),
        "not an event",
    ]
    translation = translate(envelope_of("v1p2", *items))
    assert [s["object"]["id"] for s in translation.statements] == [viewed["object"]["id"]]
    assert translation.rejected == [
        "$.data[1] (DigitalResource https://example.edu/terms/201601/courses/7/sections/1/resources/1/"
        "syllabus.pdf): an entity describe, not an event: entities alone are not recorded",
        "$.data[2] (SearchEvent urn:uuid:1f2e): event type 'SearchEvent' is not mapped",
        "$.data[3] (ViewEvent urn:uuid:2f2e): ViewEvent action 'Printed' is not mapped (mapped: Viewed)",
        "$.data[4] (GradeEvent urn:uuid:a50ca17f-5971-47bb-8fca-4e6e6879001d): the graded Attempt is thinned "
        "to its IRI, so the learner who made it is unknown",
        "$.data[5] (ViewEvent urn:uuid:3f2e): the object id '_:b1' is not an IRI (a blank node cannot be an "
        "xAPI activity id)",
        "$.data[6] (ViewEvent urn:uuid:4f2e): its statement would not be valid xAPI 1.0.3: 'yesterday' is "
        "not an ISO 8601 timestamp ($.timestamp)",
        "$.data[7] (ViewEvent urn:uuid:5f2e): the actor id urn:uuid:0b7e is not an http(s) IRI, so it gives "
        "no account homePage; set the source's homepage option",
        "$.data[8] (ViewEvent urn:uuid:3a9bd869-addc-48b1-80f6-a14b2ff591ed): repeats the event id of "
        "$.data[0], recorded once",
        "$.data[9]: not a JSON object",
    ]


def test_an_actor_without_http_iri_is_an_account_of_the_homepage_option():
    urn_actor = event("v1p2", "caliperEventViewViewedExtended", actor="urn:uuid:0b7e")
    statement = translate(envelope_of("v1p2", urn_actor), {"homepage": "https://lms.example.edu"}).statements[0]
    assert statement["actor"]["account"] == {"homePage": "https://lms.example.edu", "name": "urn:uuid:0b7e"}


def test_the_statement_id_is_uuid5_of_the_event_id_whatever_the_envelope():
    viewed = fixture("v1p2", "caliperEventViewViewedExtended")
    first = translate(envelope_of("v1p2", viewed)).statements[0]
    again = translate({**envelope_of("v1p2", viewed), "sendTime": "2016-11-16T00:00:00.000Z"}).statements[0]
    assert first == again
    assert first["id"] == CaliperSource.statement_id("caliper", viewed["id"])


# -- mapping details -----------------------------------------------------------------------------------------

def _examples() -> list[tuple[str, str, str, dict]]:
    """(event type, action, version, event): every mapped action, from a fixture event with that action when
    there is one, else from an event of the family with its action changed."""
    found: dict[tuple[str, str], tuple[str, dict]] = {}
    for version, name in CASES:
        document = fixture(version, name)
        for item in document.get("data", [document]):
            if "action" in item:
                found.setdefault((item["type"], item["action"]), (version, item))
    examples = []
    for kind, converter in sorted(CONVERTERS.items()):
        family = next(source for (t, _), source in sorted(found.items(), key=lambda x: x[0]) if t == kind)
        for action in converter.verbs:
            version, item = found.get((kind, action), family)
            examples.append((kind, action, version, {**copy.deepcopy(item), "action": action}))
    return examples


EXAMPLES = _examples()


@pytest.mark.parametrize(("kind", "action", "version", "item"), EXAMPLES,
                         ids=[f"{e[0]}:{e[1]}" for e in EXAMPLES])
def test_every_mapped_action_makes_a_statement_that_follows_its_template(index, kind, action, version, item):
    translation = translate(envelope_of(version, item))
    assert translation.rejected == []
    [statement] = translation.statements
    validate_statements([statement], "1.0.3")
    matched = assert_follows_profile(index, statement)
    template = next(t for t in project_profile()["templates"] if t["id"] in matched)
    assert template["verb"] == statement["verb"]["id"] == CONVERTERS[kind].verbs[action].id


def project_profile() -> dict:
    return json.loads(PROFILE_FILE.read_text(encoding="utf-8"))


def test_a_grade_is_the_learner_scoring_on_the_assessment():
    statement = translate(envelope_of("v1p2", fixture("v1p2", "caliperEventGradeGraded"))).statements[0]
    assert statement["actor"]["account"]["name"] == "https://example.edu/users/554433"
    assert statement["object"]["id"] == "https://example.edu/terms/201601/courses/7/sections/1/assess/1"
    assert statement["result"]["score"] == {"raw": 10.0, "max": 15.0, "scaled": 10.0 / 15.0}
    assert statement["context"]["extensions"][v.SCORED_BY] == "https://example.edu/autograder"
    assert "instructor" not in statement["context"]


def test_membership_roles_are_kept_only_for_the_member_who_acts():
    membership = {"id": "https://example.edu/rosters/1", "type": "Membership", "roles": ["Instructor"],
                  "member": "https://example.edu/users/112233"}
    teacher_graded = event("v1p2", "caliperEventGradeGraded", membership=membership)
    teacher_viewed = event("v1p2", "caliperEventViewViewedExtended", actor=membership["member"],
                           membership=membership)
    other_member = event("v1p2", "caliperEventViewViewedExtended", id="urn:uuid:6f2e", membership=membership)
    payload = envelope_of("v1p2", teacher_graded, teacher_viewed, other_member)
    graded, viewed, other = translate(payload).statements
    assert v.ROLES not in graded["context"]["extensions"]  # the roles are the grader's, not the learner's
    assert viewed["context"]["extensions"][v.ROLES] == ["Instructor"]
    assert v.ROLES not in other["context"]["extensions"]


@pytest.mark.parametrize(("given", "most", "expected"), [
    (15, 15, {"raw": 15, "max": 15, "scaled": 1.0}),
    (0, 20, {"raw": 0, "max": 20, "scaled": 0.0}),
    (17, 15, {"raw": 17}),
    (4, 0, {"raw": 4}),
    (4, None, {"raw": 4}),
])
def test_score_raw_max_scaled(given, most, expected):
    graded = event("v1p2", "caliperEventGradeGraded")
    changed = {**graded["generated"], "scoreGiven": given, "maxScore": most}
    graded["generated"] = {k: val for k, val in changed.items() if val is not None}
    statement = translate(envelope_of("v1p2", graded)).statements[0]
    assert statement["result"]["score"] == expected
    validate_statements([statement], "1.0.3")


def test_a_grade_without_score_or_a_person_grader():
    no_score = event("v1p2", "caliperEventGradeGraded", generated=None)
    assert translate(envelope_of("v1p2", no_score)).rejected == [
        "$.data[0] (GradeEvent urn:uuid:a50ca17f-5971-47bb-8fca-4e6e6879001d): the GradeEvent generated no "
        "Score with a numeric scoreGiven"]
    teacher = {"id": "https://example.edu/users/112233", "type": "Person"}
    graded = event("v1p2", "caliperEventGradeGraded", actor=teacher)
    graded["generated"] = {**graded["generated"], "scoredBy": teacher["id"]}
    context = translate(envelope_of("v1p2", graded)).statements[0]["context"]
    assert context["instructor"]["account"]["name"] == teacher["id"]
    assert context["extensions"][v.SCORED_BY] == teacher["id"]


def test_media_positions_are_seconds_and_a_jump_says_where_to():
    paused = event("v1p1", "caliperEventMediaPausedVideoMultiContext")
    jumped = event("v1p1", "caliperEventMediaPausedVideoMultiContext", id="urn:uuid:77", action="JumpedTo")
    jumped["target"] = {**jumped["target"], "currentTime": "PT1M0.5S"}
    first, second = translate(envelope_of("v1p1", paused, jumped)).statements
    assert first["result"] == {"extensions": {v.VIDEO_TIME: 321}}
    assert second["result"] == {"extensions": {v.VIDEO_TIME_TO: 60.5}}
    assert second["context"]["extensions"][v.VIDEO_LENGTH] == 1220
    assert "other" not in second["context"]["contextActivities"]


def test_a_reply_is_replied_with_the_message_replied_to_as_other_activity(index):
    posted = event("v1p2", "caliperEventMessagePosted")
    original = "https://example.edu/terms/201601/courses/7/sections/1/forums/2/topics/1/messages/1"
    posted["object"] = {**posted["object"], "replyTo": {"id": original, "type": "Message"}}
    statement = translate(envelope_of("v1p2", posted)).statements[0]
    assert statement["verb"]["id"] == v.REPLIED.id
    assert statement["context"]["contextActivities"]["other"] == [
        {"objectType": "Activity", "id": original, "definition": {"type": v.MESSAGE}}]
    assert statement["result"]["response"].startswith("Are the Caliper Sensor")
    assert assert_follows_profile(index, statement) == (f"{v.PROFILE}/templates/replied",)


def test_an_item_answer_carries_the_response_and_the_attempt_registration():
    completed = event("v1p1", "caliperEventAssessmentItemStarted", action="Completed")
    attempt = completed["generated"]
    completed["generated"] = {"id": f"{attempt['id']}/responses/1", "type": "FillinBlankResponse",
                              "attempt": attempt, "values": ["subject", "object"], "duration": "PT30S"}
    statement = translate(envelope_of("v1p1", completed)).statements[0]
    assert statement["verb"]["id"] == v.ANSWERED.id
    assert statement["result"] == {"response": "subject[,]object", "duration": "PT30S",
                                   "extensions": {v.GENERATED: f"{attempt['id']}/responses/1"}}
    scope = attempt["isPartOf"]["id"]  # the assessment's attempt, not the item's
    assert statement["context"]["registration"] == CaliperSource.statement_id("caliper-attempt", scope)


def test_a_timed_out_session_is_its_user_abandoning_the_application():
    statement = translate(envelope_of("v1p2", fixture("v1p2", "caliperEventSessionTimedOut"))).statements[0]
    assert statement["actor"]["account"]["name"] == "https://example.edu/users/112233"
    assert statement["object"]["id"] == "https://example.edu"
    assert statement["result"] == {"duration": "PT3600S"}
    no_user = event("v1p2", "caliperEventSessionTimedOut")
    no_user["object"] = {k: val for k, val in no_user["object"].items() if k != "user"}
    assert translate(envelope_of("v1p2", no_user)).rejected == [
        "$.data[0] (SessionEvent urn:uuid:4e61cf6c-ffbe-45bc-893f-afe7ad4079dc): the timed-out session's "
        "user has no id"]


def test_an_actor_that_is_neither_person_nor_application_is_rejected():
    group_actor = event("v1p2", "caliperEventViewViewedExtended", actor={"id": "https://example.edu/g/1",
                                                                        "type": "Group"})
    assert translate(envelope_of("v1p2", group_actor)).rejected == [
        "$.data[0] (ViewEvent urn:uuid:3a9bd869-addc-48b1-80f6-a14b2ff591ed): the actor is a Group, which is "
        "not mapped to an xAPI agent"]


# -- the lms-events profile ----------------------------------------------------------------------------------

def test_the_lms_events_profile_is_valid_and_a_project_profile():
    assert validate_profile(project_profile(), strict=True) == []
    assert v.PROFILE in [p["id"] for p in project_profiles()]
    assert [version["id"] for version in project_profile()["versions"]] == [v.PROFILE_VERSION]


def test_every_verb_the_converters_emit_has_a_template():
    verbs = {verb.id for converter in CONVERTERS.values() for verb in converter.verbs.values()}
    verbs.add(v.REPLIED.id)  # a Posted message that replies to another
    assert verbs == {t["verb"] for t in project_profile()["templates"]}


def test_an_assessment_attempt_follows_the_primary_pattern(index):
    names = ["caliperEventAssessmentStarted", "caliperEventAssessmentItemStarted",
             "caliperEventAssessmentItemSkipped", "caliperEventAssessmentSubmitted",
             "caliperEventGradeGraded"]
    statements = translate(envelope_of("v1p2", *(fixture("v1p2", n) for n in names))).statements
    registrations = {s["context"].get("registration") for s in statements}
    assert registrations == {CaliperSource.statement_id(
        "caliper-attempt", "https://example.edu/terms/201601/courses/7/sections/1/assess/1/users/554433/attempts/1"),
        None}  # the skip generates no attempt, so it names none
    matcher = PatternMatcher(project_profile())
    steps = [index.validate(s, profiles=[v.PROFILE])[v.PROFILE].matched for s in statements
             if "registration" in s["context"]]
    pattern = f"{v.PROFILE}/patterns/assessment-attempt"
    assert matcher.evaluate(steps) == {pattern: Verdict.MATCH}
    assert matcher.evaluate(steps[:2]) == {pattern: Verdict.PARTIAL}
    after_submission = [steps[0], steps[2], steps[1]]  # an item started after the submission
    assert matcher.evaluate(after_submission) == {pattern: Verdict.FAILURE}


# -- through the host ----------------------------------------------------------------------------------------

@pytest.fixture
def source(app, runner) -> dict:
    assert isinstance(app.extensions["lrs.plugins"].get("caliper"), CaliperSource)  # the entry point
    result = runner.invoke(args=["sources", "add", "caliper", "--name", "lms", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def deliver(client, source: dict, payload=None, *, token: str | None = None, raw: bytes | None = None,
            content_type: str = "application/json", authorization: str | None = None):
    body = raw if raw is not None else orjson.dumps(payload)
    header = authorization if authorization is not None else f"Bearer {token or source['secret']}"
    headers = {"Authorization": header} if header else {}
    return client.post(f"/hooks/{source['url'].split('/hooks/')[1]}", data=body, content_type=content_type,
                       headers=headers)


def stats(runner) -> dict:
    return json.loads(runner.invoke(args=["sources", "list", "--json"]).output)[0]


def test_an_envelope_is_stored_and_readable_over_xapi(client, source, xapi, runner):
    payload = fixture("v1p2", "caliperEnvelopeEventBatch")
    response = deliver(client, source, payload)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    golden = json.loads((GOLDEN / "v1p2" / "caliperEnvelopeEventBatch" / "expected.json").read_text())
    assert body["ids"] == [s["id"] for s in golden["statements"]]
    stored = xapi.fetch(body["ids"][1])
    assert {k: stored[k] for k in ("actor", "verb", "object", "result")} == {
        k: golden["statements"][1][k] for k in ("actor", "verb", "object", "result")}
    assert stored["authority"]["name"] == "lms (caliper)"
    row = stats(runner)
    assert (row["received"], row["stored"], row["rejected"]) == (1, 3, 0)


def test_redelivery_stores_nothing_new(client, source, xapi):
    payload = envelope_of("v1p2", fixture("v1p2", "caliperEventGradeGraded"),
                          fixture("v1p2", "caliperEventSessionLoggedIn"))
    first = deliver(client, source, payload).get_json()["ids"]
    again = deliver(client, source, {**payload, "sendTime": "2016-11-15T12:00:00.000Z"})
    assert again.status_code == 200
    assert again.get_json()["ids"] == first
    assert len(xapi.get().get_json()["statements"]) == 2


@pytest.mark.parametrize("authorization", ["Bearer wrong", "", "Basic bG1zOnNlY3JldA=="])
def test_a_wrong_or_missing_token_is_401_and_stores_nothing(client, source, xapi, runner, authorization):
    payload = fixture("v1p2", "caliperEnvelopeEventBatch")
    response = deliver(client, source, payload, authorization=authorization)
    assert response.status_code == 401
    assert response.get_json()["path"] == "signature"
    assert xapi.get().get_json()["statements"] == []
    row = stats(runner)
    assert (row["stored"], row["rejected"]) == (0, 1)
    assert source["secret"] not in json.dumps(row)


def test_unmappable_items_are_counted_rejects_visible_to_admins(app, client, source, xapi, runner):
    payload = envelope_of("v1p2", fixture("v1p2", "caliperEventViewViewedExtended"),
                          fixture("v1p2", "caliperEnvelopeEntitySingle")["data"][0],
                          event("v1p2", "caliperEventForumSubscribed", action="MarkedAsRead"))
    response = deliver(client, source, payload)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["stored"] == 1
    assert len(response.get_json()["rejected"]) == 2
    assert [s["verb"]["id"] for s in xapi.get().get_json()["statements"]] == [v.VIEWED.id]
    row = stats(runner)
    assert (row["received"], row["stored"], row["rejected"]) == (1, 1, 2)
    admin = make_user_client(app, client, "admin")
    reasons = sorted(r["reason"] for r in admin.get(f"/sources/{source['id']}/rejects").get_json())
    assert reasons == sorted(response.get_json()["rejected"])
    assert "ForumEvent action 'MarkedAsRead' is not mapped" in reasons[1]


def test_an_entities_only_envelope_stores_nothing_and_counts_each_entity(client, source, xapi, runner):
    response = deliver(client, source, fixture("v1p1", "caliperEnvelopeEntityBatch"))
    assert response.status_code == 200
    assert response.get_json()["stored"] == 0
    assert xapi.get().get_json()["statements"] == []
    assert stats(runner)["rejected"] == 3


@pytest.mark.parametrize(("raw", "content_type", "status", "path"), [
    (b'{"sensor": "https://example.edu/sensors/1", "data": [', "application/json", 400, "body"),
    (orjson.dumps(fixture("v1p2", "caliperEventViewViewedExtended")), "application/json", 400, "$.data"),
    (orjson.dumps({**envelope_of("v1p2", fixture("v1p2", "caliperEventViewViewedExtended")), "sensor": None}),
     "application/json", 400, "$.sensor"),
    (orjson.dumps(fixture("v1p2", "caliperEnvelopeEventBatch")), "text/plain", 415, "Content-Type"),
])
def test_bad_deliveries_are_4xx_naming_the_problem(client, source, xapi, raw, content_type, status, path):
    response = deliver(client, source, raw=raw, content_type=content_type)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["path"] == path
    assert xapi.get().get_json()["statements"] == []


def test_an_oversized_envelope_is_413(app, client, source, xapi):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = deliver(client, source, fixture("v1p2", "caliperEnvelopeEventBatch"))
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_fixture_is_stored_when_the_tenant_enforces_profiles(client, source, runner, xapi, version):
    """The IMS fixtures reuse a few event ids for different events (FeedbackCommented and
    ResourceManagementCreated, ToolLaunchLaunched and Returned, BasicCreated and SubmittedMultiContext): an
    LRS rightly refuses a different statement under an id it holds, so the later of each pair is left out."""
    assert runner.invoke(args=["profiles", "mode", "enforce"]).exit_code == 0
    expected: set[str] = set()
    for name in [n for ver, n in CASES if ver == version]:
        golden = json.loads((GOLDEN / version / name / "expected.json").read_text())
        ids = [s["id"] for s in golden["statements"]]
        if not ids or expected & set(ids):
            continue
        response = deliver(client, source, envelope_of(version, fixture(version, name)))
        assert response.status_code == 200, (name, response.get_json())
        assert response.get_json()["ids"] == ids
        expected |= set(ids)
    assert {s["id"] for s in xapi.get(params={"limit": 0}).get_json()["statements"]} == expected
    assert len(expected) > 25


def test_an_assessment_attempt_delivered_follows_the_pattern(app, client, source):
    names = ["caliperEventAssessmentStarted", "caliperEventAssessmentItemStarted",
             "caliperEventAssessmentSubmitted", "caliperEventGradeGraded"]
    for name in names:  # one envelope per event, as a sensor sending events as they happen would
        assert deliver(client, source, envelope_of("v1p2", fixture("v1p2", name))).status_code == 200
    registration = CaliperSource.statement_id(
        "caliper-attempt", "https://example.edu/terms/201601/courses/7/sections/1/assess/1/users/554433/attempts/1")
    admin = make_user_client(app, client, "admin")
    [state] = admin.get(f"/profiles/patterns?registration={registration}").get_json()
    assert state["profile"] == v.PROFILE
    assert state["patterns"] == {f"{v.PROFILE}/patterns/assessment-attempt": "match"}
