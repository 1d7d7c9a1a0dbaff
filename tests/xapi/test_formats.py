"""The ``format`` parameter of GET /statements, and what the LRS sets on a statement it stores.

Sections cited are of xAPI 1.0.3 Communication (C) and Data (D), and of the 2.0 changes document (2.0 §...).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lrs.xapi import formats
from tests.conftest import XapiClient, issue_credential, statement

ADA = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
BOB = {"name": "Bob", "account": {"homePage": "http://example.com/ids", "name": "bob"}}
TEAM = {"objectType": "Group", "name": "Team", "openid": "http://example.com/teams/1", "member": [ADA]}
ANON = {"objectType": "Group", "name": "Pair", "member": [ADA, BOB]}
CHOICE = {
    "name": {"en-US": "Pick one", "fr-FR": "Choisissez", "de": "Wählen"},
    "description": {"en-US": "A choice", "fr-FR": "Un choix"},
    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "interactionType": "choice",
    "correctResponsesPattern": ["a"],
    "choices": [{"id": "a", "description": {"en-US": "Apple", "fr-FR": "Pomme"}},
                {"id": "b", "description": {"fr-FR": "Banane", "en-US": "Banana"}}],
}
VERB = {"id": "http://adlnet.gov/expapi/verbs/answered",
        "display": {"en-US": "answered", "fr-FR": "a répondu"}}
QUIZ = "http://example.com/activities/quiz"
SUB = {"objectType": "SubStatement", "actor": ANON, "verb": VERB,
       "object": {"id": "http://example.com/activities/sub", "definition": {"name": {"en-US": "Sub"}}},
       "context": {"instructor": BOB, "contextActivities": {"parent": [{"id": QUIZ}]}}}


def rich_statement(**overrides) -> dict:
    """A statement with agents, groups and activities in every place the formats touch."""
    body = statement(
        actor=TEAM, verb=VERB,
        object={"objectType": "Activity", "id": QUIZ, "definition": CHOICE},
        context={"instructor": ADA, "team": ANON, "registration": str(uuid.uuid4()),
                 "contextActivities": {"grouping": [{"objectType": "Activity", "id": "http://example.com/c",
                                                     "definition": {"name": {"en-US": "C"}}}]},
                 "extensions": {"http://example.com/ext": {"mbox": "mailto:x@EXAMPLE.com"}}},
        result={"success": True, "response": "a"})
    body.update(overrides)
    return body


# -- exact (C 2.1.3 format) ----------------------------------------------------------------------------------

def test_exact_is_the_default_and_returns_what_was_sent(xapi):
    """C 2.1.3 format=exact: agents, activities, verbs and groups exactly as received."""
    body = rich_statement()
    sid = xapi.store(body)
    for params in ({}, {"format": "exact"}):
        got = xapi.fetch(sid, **params)
        for key in ("actor", "verb", "object", "result"):
            assert got[key] == body[key]
        assert got["context"]["extensions"] == body["context"]["extensions"]
        assert got["context"]["instructor"] == ADA


def test_exact_keeps_a_verb_without_display_without_one(xapi):
    """2.0 §3: format=exact returns display exactly as sent, or leaves it out if it was absent."""
    sid = xapi.store(statement(verb={"id": "http://example.com/verbs/plain"}))
    assert xapi.fetch(sid)["verb"] == {"id": "http://example.com/verbs/plain"}


def test_exact_in_a_statement_result(xapi):
    """C 2.1.3: the format applies to every statement of a StatementResult."""
    body = rich_statement()
    xapi.store(body)
    got = xapi.get({"format": "exact"}).get_json()["statements"][0]
    assert got["object"] == body["object"]


# -- ids (C 2.1.3 format) ------------------------------------------------------------------------------------

def test_ids_reduces_agents_groups_activities_and_verbs(xapi):
    """C 2.1.3 format=ids: only what identifies Agents, Activities, Verbs and Groups; anonymous groups keep
    what identifies each member."""
    sid = xapi.store(rich_statement())
    got = xapi.fetch(sid, format="ids")
    assert got["actor"] == {"objectType": "Group", "openid": "http://example.com/teams/1"}
    assert got["verb"] == {"id": "http://adlnet.gov/expapi/verbs/answered"}
    assert got["object"] == {"objectType": "Activity", "id": QUIZ}
    context = got["context"]
    assert context["instructor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    assert context["team"] == {"objectType": "Group", "member": [
        {"objectType": "Agent", "mbox": "mailto:ada@example.com"},
        {"account": {"homePage": "http://example.com/ids", "name": "bob"}}]}
    assert context["contextActivities"] == {"grouping": [{"objectType": "Activity", "id": "http://example.com/c"}]}
    assert context["extensions"] == {"http://example.com/ext": {"mbox": "mailto:x@EXAMPLE.com"}}
    assert got["result"] == {"success": True, "response": "a"}
    assert set(got["authority"]) <= {"objectType", "account"}


def test_ids_inside_a_substatement(xapi):
    """C 2.1.3 format=ids applies to the SubStatement's agents, verb and activities too."""
    sid = xapi.store(rich_statement(object=SUB))
    sub = xapi.fetch(sid, format="ids")["object"]
    assert sub["objectType"] == "SubStatement"
    assert sub["actor"] == {"objectType": "Group", "member": [
        {"objectType": "Agent", "mbox": "mailto:ada@example.com"},
        {"account": {"homePage": "http://example.com/ids", "name": "bob"}}]}
    assert sub["verb"] == {"id": VERB["id"]}
    assert sub["object"] == {"id": "http://example.com/activities/sub"}
    assert sub["context"]["instructor"] == {"account": {"homePage": "http://example.com/ids", "name": "bob"}}
    assert sub["context"]["contextActivities"] == {"parent": [{"id": QUIZ}]}


def test_ids_keeps_agent_objects_and_statement_refs(xapi):
    """C 2.1.3 format=ids: an Agent object reduced to its IFI; a StatementRef is already minimal."""
    agent_object = xapi.store(statement(object={**ADA}))
    target = str(uuid.uuid4())
    ref_object = xapi.store(statement(object={"objectType": "StatementRef", "id": target}))
    assert xapi.fetch(agent_object, format="ids")["object"] == {"objectType": "Agent",
                                                                "mbox": "mailto:ada@example.com"}
    assert xapi.fetch(ref_object, format="ids")["object"] == {"objectType": "StatementRef", "id": target}


def test_ids_for_2_0_context_agents_and_groups(xapi2):
    """2.0 §2: contextAgents' agent and contextGroups' group are reduced like any agent or group."""
    context = {"contextAgents": [{"objectType": "contextAgent", "agent": ADA,
                                  "relevantTypes": ["http://example.com/t"]}],
               "contextGroups": [{"objectType": "contextGroup", "group": ANON}]}
    sid = xapi2.store(statement(context=context))
    got = xapi2.fetch(sid, format="ids")["context"]
    assert got["contextAgents"] == [{"objectType": "contextAgent", "relevantTypes": ["http://example.com/t"],
                                     "agent": {"objectType": "Agent", "mbox": "mailto:ada@example.com"}}]
    assert got["contextGroups"][0]["group"]["member"][1] == {
        "account": {"homePage": "http://example.com/ids", "name": "bob"}}


# -- canonical (C 2.1.3 format, "Language Filtering Requirements for Canonical Format Statements") -----------

def test_canonical_keeps_one_language_per_map(xapi):
    """C 2.1.3: "The LRS MUST return only one language in each of these maps", chosen by Accept-Language."""
    sid = xapi.store(rich_statement())
    got = xapi.fetch(sid, format="canonical")  # no Accept-Language: still one language
    definition = got["object"]["definition"]
    assert len(definition["name"]) == 1 and len(definition["description"]) == 1
    assert all(len(c["description"]) == 1 for c in definition["choices"])
    assert len(got["verb"]["display"]) == 1
    french = xapi.get({"statementId": sid, "format": "canonical"}, headers={"Accept-Language": "fr-FR"})
    definition = french.get_json()["object"]["definition"]
    assert definition["name"] == {"fr-FR": "Choisissez"}
    assert definition["description"] == {"fr-FR": "Un choix"}
    assert [c["description"] for c in definition["choices"]] == [{"fr-FR": "Pomme"}, {"fr-FR": "Banane"}]
    assert french.get_json()["verb"]["display"] == {"fr-FR": "a répondu"}


def test_canonical_chooses_per_map(xapi):
    """C 2.1.3: the Accept-Language logic is "applied to each language map individually"."""
    sid = xapi.store(rich_statement())
    response = xapi.get({"statementId": sid, "format": "canonical"},
                        headers={"Accept-Language": "de;q=1.0, fr;q=0.8, en;q=0.5"})
    got = response.get_json()
    assert got["object"]["definition"]["name"] == {"de": "Wählen"}
    assert got["object"]["definition"]["description"] == {"fr-FR": "Un choix"}
    assert got["verb"]["display"] == {"fr-FR": "a répondu"}


def test_canonical_uses_quality_values_and_fallbacks(xapi):
    """RFC 2616 14.4 per map: q-values order the ranges; an unmatched range falls back to another tag."""
    sid = xapi.store(rich_statement())

    def name(header: str) -> dict:
        return xapi.get({"statementId": sid, "format": "canonical"},
                        headers={"Accept-Language": header}).get_json()["object"]["definition"]["name"]

    assert name("en-US;q=0.3, fr-FR;q=0.9") == {"fr-FR": "Choisissez"}
    assert name("en") == {"en-US": "Pick one"}
    assert name("en-GB") == {"en-US": "Pick one"}
    assert name("ja, *") == {"en-US": "Pick one"}
    assert name("DE") == {"de": "Wählen"}


def test_canonical_returns_the_lrs_definition(xapi):
    """C 2.1.3 format=canonical: Activity Objects populated with the canonical definition held by the LRS,
    here the later, fuller definition sent by a credential allowed to define activities (C 2.5)."""
    first = xapi.store(statement(object={"id": QUIZ, "definition": {"name": {"en-US": "Old"}}}))
    xapi.store(statement(object={"id": QUIZ, "definition": {
        "name": {"en-US": "New"}, "description": {"en-US": "Now described"}}}))
    got = xapi.fetch(first, format="canonical")
    assert got["object"]["definition"] == {"name": {"en-US": "New"},
                                           "description": {"en-US": "Now described"}}
    assert xapi.fetch(first)["object"]["definition"] == {"name": {"en-US": "Old"}}  # exact is as sent


def test_canonical_does_not_take_definitions_from_credentials_without_define(app, client, xapi):
    """C 2.5: only a credential allowed to define activities changes the canonical definition."""
    sid = xapi.store(statement(object={"id": QUIZ, "definition": {"name": {"en-US": "Trusted"}}}))
    writer = XapiClient(client, issue_credential(app, name="writer", scopes=("statements/write",)))
    writer.store(statement(object={"id": QUIZ, "definition": {"name": {"en-US": "Untrusted"}}}))
    assert xapi.fetch(sid, format="canonical")["object"]["definition"]["name"] == {"en-US": "Trusted"}


def test_canonical_fills_in_a_definition_the_statement_lacks(xapi):
    """C 2.1.3 format=canonical: an activity sent by id alone comes back with the LRS's definition,
    in context activities and SubStatements too."""
    xapi.store(statement(object={"id": QUIZ, "definition": {"name": {"en-US": "Quiz", "fr": "Quiz FR"}}}))
    sid = xapi.store(statement(object={"id": QUIZ},
                               context={"contextActivities": {"parent": [{"id": QUIZ}]}}))
    got = xapi.get({"statementId": sid, "format": "canonical"}, headers={"Accept-Language": "fr"}).get_json()
    expected = {"id": QUIZ, "definition": {"name": {"fr": "Quiz FR"}}}
    assert got["object"] == expected
    assert got["context"]["contextActivities"]["parent"] == [expected]


def test_canonical_keeps_agents_as_sent(xapi):
    """C 2.1.3 format=canonical: "return the original Agent and Group Objects as in exact mode"."""
    body = rich_statement()
    sid = xapi.store(body)
    got = xapi.fetch(sid, format="canonical")
    assert got["actor"] == TEAM
    assert got["context"]["team"] == ANON


def test_canonical_in_a_statement_result_and_more_link(xapi):
    """2.0 checklist 46: canonical with Accept-Language across a StatementResult and its more link."""
    for _ in range(3):
        xapi.store(rich_statement())
    first = xapi.get({"format": "canonical", "limit": "2"}, headers={"Accept-Language": "fr-FR"}).get_json()
    more = first["more"].split("more=")[1]
    second = xapi.get({"more": more}, headers={"Accept-Language": "fr-FR"}).get_json()
    for got in first["statements"] + second["statements"]:
        assert got["object"]["definition"]["name"] == {"fr-FR": "Choisissez"}


def test_canonical_filters_attachment_language_maps(xapi):
    """2.0 §3 (s8): one language per language map, chosen per map — attachments' display included."""
    attachment = {"usageType": "http://example.com/usage", "display": {"en-US": "Report", "fr-FR": "Rapport"},
                  "contentType": "text/plain", "length": 1, "sha2": "a" * 64, "fileUrl": "http://example.com/f"}
    sid = xapi.store(statement(attachments=[attachment]))
    got = xapi.get({"statementId": sid, "format": "canonical"},
                   headers={"Accept-Language": "fr-FR"}).get_json()
    assert got["attachments"][0]["display"] == {"fr-FR": "Rapport"}


# -- what the LRS sets (D 2.4.1, 2.4.7–2.4.10; 2.0 §2) -------------------------------------------------------

def _close_to_now(text: str) -> bool:
    moment = formats.parse_timestamp(text)
    return moment is not None and abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


@pytest.mark.parametrize("version, default", [("1.0.3", "1.0.0"), ("2.0.0", "2.0.0")])
def test_version_defaults_by_api_version(client, credential, version, default):
    """D 2.4.10: without version the LRS sets 1.0.0; 2.0 §2 (§4.2.4.3): 2.0.0 under 2.0."""
    xapi = XapiClient(client, credential, version=version)
    assert xapi.fetch(xapi.store(statement()))["version"] == default


@pytest.mark.parametrize("version, sent", [("1.0.3", "1.0.0"), ("1.0.3", "1.0.3"), ("2.0.0", "2.0.0"),
                                           ("2.0.0", "1.0.0")])
def test_version_is_kept_as_sent(client, credential, version, sent):
    """D 2.4.10: statements "MUST retain the version they are accepted with"."""
    xapi = XapiClient(client, credential, version=version)
    assert xapi.fetch(xapi.store(statement(version=sent)))["version"] == sent


def test_stored_is_set_by_the_lrs_and_overwrites_the_client(xapi2):
    """D 2.4.8: the LRS MUST overwrite any stored value; 2.0 checklist 25."""
    sid = xapi2.store(statement(stored="2001-01-01T00:00:00.000Z"))
    stored = xapi2.fetch(sid)["stored"]
    assert stored != "2001-01-01T00:00:00.000Z"
    assert _close_to_now(stored)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_timestamp_defaults_to_stored(client, credential, version):
    """D 2.4.7: "set by the LRS to the value of the stored property if not provided"; 2.0 checklist 21."""
    xapi = XapiClient(client, credential, version=version)
    got = xapi.fetch(xapi.store(statement()))
    assert got["timestamp"] == got["stored"]


def test_timestamp_is_kept_when_sent(xapi):
    """D 2.4.7: a sent timestamp is the statement's; 1.0.3 may return it in the zone it was sent in."""
    got = xapi.fetch(xapi.store(statement(timestamp="2015-06-01T12:00:00.123+02:00")))
    assert formats.parse_timestamp(got["timestamp"]) == formats.parse_timestamp("2015-06-01T10:00:00.123Z")


def test_2_0_timestamp_is_returned_in_utc(xapi2):
    """2.0 §2 (s19–s22), checklist 24: a non-UTC timestamp is converted to UTC, the same instant."""
    got = xapi2.fetch(xapi2.store(statement(timestamp="2015-06-01T12:00:00.123-04:30")))
    assert got["timestamp"] == "2015-06-01T16:30:00.123Z"


def test_future_timestamp_is_accepted(xapi2):
    """D 2.4.7 / 2.0 checklist 22: a timestamp in the future is not rejected."""
    future = (datetime.now(UTC) + timedelta(days=365 * 5)).isoformat().replace("+00:00", "Z")
    assert xapi2.post(statement(timestamp=future)).status_code == 200


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_authority_is_the_credential(client, credential, version):
    """D 2.4.9: the LRS sets the authority from the credential and overwrites a sent one."""
    xapi = XapiClient(client, credential, version=version)
    sid = xapi.store(statement(authority={"objectType": "Agent", "mbox": "mailto:impostor@example.com"}))
    authority = xapi.fetch(sid)["authority"]
    assert "mbox" not in authority
    assert authority["account"]["name"] == credential.key
    assert authority["objectType"] == "Agent"


def test_id_is_assigned_when_absent_and_kept_when_sent(xapi):
    """D 2.4.1: the LRS sets an id when the statement has none; C 2.1.2 answers the ids in order."""
    sent = str(uuid.uuid4())
    response = xapi.post([statement(), statement(id=sent), statement()])
    assigned = response.get_json()
    assert assigned[1] == sent
    assert all(uuid.UUID(sid) for sid in assigned)
    assert len(set(assigned)) == 3
    for sid in assigned:
        assert xapi.fetch(sid)["id"] == sid


def test_single_context_activity_becomes_an_array(xapi):
    """D 2.4.6.2: every contextActivities value is returned as an array, in a SubStatement too."""
    sub = {"objectType": "SubStatement", "actor": ADA, "verb": VERB, "object": {"id": QUIZ},
           "context": {"contextActivities": {"category": {"id": "http://example.com/cat"}}}}
    sid = xapi.store(statement(object=sub, context={"contextActivities": {"parent": {"id": QUIZ}}}))
    got = xapi.fetch(sid)
    assert got["context"]["contextActivities"] == {"parent": [{"id": QUIZ}]}
    assert got["object"]["context"]["contextActivities"] == {"category": [{"id": "http://example.com/cat"}]}
