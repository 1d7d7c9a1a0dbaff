"""Unit tests of the statement core without an app or a database: preparing, comparing and indexing
statements, parsing queries, and the output formats.

Sections cited are of xAPI 1.0.3 Communication (C) and Data (D), and of the 2.0 changes document (2.0 §...).
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime

import pytest

from lrs.xapi.activities import collect_definitions, merge_definition
from lrs.xapi.errors import BadRequest
from lrs.xapi.output import canonical_format, ids_format, parse_accept_language, pick_language
from lrs.xapi.query import StatementQuery, parse_query
from lrs.xapi.statements import (
    ACTIVITY,
    AGENT,
    REGISTRATION,
    RELATED_ACTIVITY,
    RELATED_AGENT,
    VERB,
    activity_hash,
    agent_filter_hash,
    comparable,
    ifi_value,
    index_keys,
    prepare,
    registration_hash,
    same_statement,
    statement_ref_target,
    verb_hash,
)
from lrs.xapi.store import StatementStore

ADA = {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
BOB = {"account": {"homePage": "http://example.com", "name": "bob"}}
CY = {"openid": "http://example.com/cy"}
DEE = {"mbox_sha1sum": "ab" * 20}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
COURSE = "http://example.com/course"
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://lrs.example", "name": "key"}}
STORED = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def make(**overrides) -> dict:
    base = {"actor": ADA, "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
            "object": {"objectType": "Activity", "id": COURSE}}
    base.update(overrides)
    return base


def agent_key(kind: int, who: dict) -> tuple[int, int]:
    return kind, agent_filter_hash(who)


# -- index_keys (C 2.1.3 filters) ---------------------------------------------------------------------------

def test_index_keys_of_a_plain_statement():
    """C 2.1.3: verb, agent (actor) and activity (object)."""
    assert index_keys(make()) == {(VERB, verb_hash(COMPLETED)), agent_key(AGENT, ADA),
                                  (ACTIVITY, activity_hash(COURSE))}


def test_index_keys_of_groups_include_members():
    """C 2.1.3 agent: a Group is found by its own IFI and by its members'."""
    group = {"objectType": "Group", "mbox": "mailto:g@example.com", "member": [BOB, CY]}
    keys = index_keys(make(actor=group, object={"objectType": "Group", "member": [DEE]}))
    for who in (group, BOB, CY, DEE):
        assert agent_key(AGENT, who) in keys


def test_index_keys_of_context_and_authority_are_related():
    """C 2.1.3 related_agents / related_activities: context and authority are only 'related'."""
    registration = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"
    statement = make(authority=AUTHORITY, context={
        "registration": registration, "instructor": BOB, "team": {"objectType": "Group", "member": [CY]},
        "contextActivities": {"parent": [{"id": "http://example.com/p"}], "other": {"id": "http://example.com/o"}},
        "contextAgents": [{"objectType": "contextAgent", "agent": DEE}],
        "contextGroups": [{"objectType": "contextGroup",
                           "group": {"objectType": "Group", "openid": "http://example.com/g"}}]})
    keys = index_keys(statement)
    assert (REGISTRATION, registration_hash(registration.lower())) in keys
    for who in (BOB, CY, DEE, AUTHORITY, {"openid": "http://example.com/g"}):
        assert agent_key(RELATED_AGENT, who) in keys
        assert agent_key(AGENT, who) not in keys
    for iri in ("http://example.com/p", "http://example.com/o"):
        assert (RELATED_ACTIVITY, activity_hash(iri)) in keys
        assert (ACTIVITY, activity_hash(iri)) not in keys


def test_index_keys_of_a_substatement_are_related():
    """C 2.1.3: the SubStatement's actor, object, instructor, team and activities are 'related'."""
    sub = {"objectType": "SubStatement", "actor": BOB, "verb": {"id": "http://example.com/v"},
           "object": CY | {"objectType": "Agent"},
           "context": {"instructor": DEE, "contextActivities": {"grouping": [{"id": COURSE}]}}}
    keys = index_keys(make(object=sub))
    for who in (BOB, CY, DEE):
        assert agent_key(RELATED_AGENT, who) in keys
    assert (RELATED_ACTIVITY, activity_hash(COURSE)) in keys
    assert (VERB, verb_hash("http://example.com/v")) not in keys  # verb filter: the statement's own verb
    sub_activity = {**sub, "object": {"id": "http://example.com/inner"}}
    inner = (RELATED_ACTIVITY, activity_hash("http://example.com/inner"))
    assert inner in index_keys(make(object=sub_activity))


def test_statement_ref_object_adds_no_activity():
    """C 2.1.3: a StatementRef's keys come from its target, which the store adds."""
    target = {"objectType": "StatementRef", "id": "abcdef00-0000-4000-8000-000000000000"}
    keys = index_keys(make(object=target))
    assert {kind for kind, _ in keys} == {VERB, AGENT}


def test_statement_ref_target_ignores_context_statement():
    """C 2.1.3 note: only the Object's StatementRef counts; ids are lower-cased."""
    target = "ABCDEF00-0000-4000-8000-000000000000"
    assert statement_ref_target(make(object={"objectType": "StatementRef", "id": target})) == target.lower()
    context = {"statement": {"objectType": "StatementRef", "id": target}}
    assert statement_ref_target(make(context=context)) is None


@pytest.mark.parametrize("a, b", [
    ({"mbox": "mailto:ada@EXAMPLE.com"}, {"mbox": "mailto:ada@example.COM"}),
    ({"mbox_sha1sum": "AB" * 20}, {"mbox_sha1sum": "ab" * 20}),
])
def test_ifi_value_ignores_case_where_the_identifier_does(a, b):
    """D 2.3.1: the domain of an e-mail address and a hex digest are case-insensitive."""
    assert ifi_value(a) == ifi_value(b)


def test_ifi_value_keeps_case_where_it_matters():
    assert ifi_value({"mbox": "mailto:Ada@example.com"}) != ifi_value({"mbox": "mailto:ada@example.com"})
    assert ifi_value({"openid": "http://example.com/A"}) != ifi_value({"openid": "http://example.com/a"})
    assert ifi_value({"member": [ADA]}) is None


# -- prepare (D 2.4.1, 2.4.7–2.4.10; 2.0 §2) -----------------------------------------------------------------

def test_prepare_sets_what_the_lrs_sets():
    """D 2.4.1 id, 2.4.7 timestamp = stored, 2.4.8 stored, 2.4.9 authority, 2.4.10 version 1.0.0."""
    sent = make(stored="2000-01-01T00:00:00Z", authority=ADA)
    prepared = prepare(sent, stored=STORED, authority=AUTHORITY, version="1.0.3")
    assert prepared["stored"] == "2024-05-06T07:08:09.123Z"
    assert prepared["timestamp"] == prepared["stored"]
    assert prepared["authority"] == AUTHORITY
    assert prepared["version"] == "1.0.0"
    assert len(prepared["id"]) == 36
    assert "id" not in sent and sent["stored"] == "2000-01-01T00:00:00Z"  # the input is not changed


def test_prepare_under_2_0():
    """2.0 §2: version 2.0.0 when absent; a non-UTC timestamp becomes UTC; +00:00 is kept."""
    prepared = prepare(make(timestamp="2024-01-01T12:00:00.5+01:00"), stored=STORED, authority=AUTHORITY,
                       version="2.0.0")
    assert prepared["version"] == "2.0.0"
    assert prepared["timestamp"] == "2024-01-01T11:00:00.500Z"
    kept = prepare(make(timestamp="2024-01-01T12:00:00+00:00", version="1.0.0"), stored=STORED,
                   authority=AUTHORITY, version="2.0.0")
    assert kept["timestamp"] == "2024-01-01T12:00:00+00:00"
    assert kept["version"] == "1.0.0"


def test_prepare_keeps_a_1_0_3_timestamp_as_sent_and_lowercases_the_id():
    prepared = prepare(make(id="ABCDEF00-0000-4000-8000-000000000000", timestamp="2024-01-01T12:00:00+01:00"),
                       stored=STORED, authority=AUTHORITY, version="1.0.3")
    assert prepared["timestamp"] == "2024-01-01T12:00:00+01:00"
    assert prepared["id"] == "abcdef00-0000-4000-8000-000000000000"


def test_prepare_makes_context_activities_arrays():
    """D 2.4.6.2: every contextActivities value is returned as an array, in a SubStatement too."""
    sub = {"objectType": "SubStatement", "actor": ADA, "verb": {"id": COMPLETED}, "object": {"id": COURSE},
           "context": {"contextActivities": {"other": {"id": "http://example.com/o"}}}}
    sent = make(object=sub, context={"contextActivities": {"parent": {"id": COURSE}, "grouping": []}})
    original = copy.deepcopy(sent)
    prepared = prepare(sent, stored=STORED, authority=AUTHORITY, version="1.0.3")
    assert prepared["context"]["contextActivities"] == {"parent": [{"id": COURSE}], "grouping": []}
    assert prepared["object"]["context"]["contextActivities"] == {"other": [{"id": "http://example.com/o"}]}
    assert sent == original


# -- comparison (D 2.3.1 "Statement Comparison Requirements") ------------------------------------------------

def prepared(statement: dict, when: datetime = STORED, authority: dict = AUTHORITY) -> dict:
    return prepare(statement, stored=when, authority=authority, version="1.0.3")


def test_same_statement_ignores_what_the_lrs_sets():
    """D 2.3.1: id case, authority, stored, version and an LRS-filled timestamp are no differences."""
    sent = make(id="abcdef00-0000-4000-8000-000000000000")
    stored = prepared(sent)
    later = prepared(sent, datetime(2030, 1, 1, tzinfo=UTC), authority={"mbox": "mailto:x@example.com"})
    assert same_statement(stored, later)


def test_same_statement_compares_sent_timestamps_as_instants():
    """D 2.3.1: the timestamp may be serialised in another zone, and with fewer digits (D 4.5)."""
    stored = prepared(make(timestamp="2024-01-01T12:00:00.123Z"))
    assert same_statement(stored, prepared(make(timestamp="2024-01-01T13:00:00.123+01:00")))
    assert same_statement(stored, prepared(make(timestamp="2024-01-01T12:00:00.123456Z")))
    assert not same_statement(stored, prepared(make(timestamp="2024-01-01T12:00:00.124Z")))
    assert not same_statement(prepared(make()), prepared(make(timestamp="2024-01-01T12:00:00Z")))


@pytest.mark.parametrize("left, right", [
    ({"actor": {"objectType": "Group", "member": [ADA, BOB]}},
     {"actor": {"objectType": "Group", "member": [BOB, ADA]}}),
    ({"actor": {"objectType": "Group", "member": [{"name": "x", "mbox": "mailto:a@b.c"}, BOB]}},
     {"actor": {"objectType": "Group", "member": [BOB, {"mbox": "mailto:a@b.c", "name": "x"}]}}),
    ({"actor": {"mbox": "mailto:ada@Example.COM"}}, {"actor": {"mbox": "mailto:ada@example.com"}}),
    ({"verb": {"id": COMPLETED, "display": {"en-US": "done"}}}, {"verb": {"id": COMPLETED}}),
    ({"object": {"id": COURSE, "definition": {"name": {"en": "A"}}}}, {"object": {"id": COURSE}}),
    ({"context": {"registration": "ABCDEF00-0000-4000-8000-000000000000"}},
     {"context": {"registration": "abcdef00-0000-4000-8000-000000000000"}}),
    ({"result": {"score": {"raw": 1.0}}}, {"result": {"score": {"raw": 1}}}),
    ({"context": {"contextActivities": {"parent": {"id": COURSE}}}},
     {"context": {"contextActivities": {"parent": [{"id": COURSE}]}}}),
    ({"attachments": [{"usageType": "http://u", "display": {"EN-us": "x"}, "contentType": "text/plain",
                       "length": 1, "sha2": "AB" * 32}]},
     {"attachments": [{"usageType": "http://u", "display": {"en-US": "x"}, "contentType": "text/plain",
                       "length": 1, "sha2": "ab" * 32}]}),
    ({"object": {"objectType": "SubStatement", "actor": ADA, "verb": {"id": COMPLETED},
                 "object": {"id": COURSE}, "timestamp": "2024-01-01T12:00:00Z"}},
     {"object": {"objectType": "SubStatement", "actor": ADA, "verb": {"id": COMPLETED},
                 "object": {"id": COURSE}, "timestamp": "2024-01-01T14:00:00+02:00"}}),
])
def test_same_statement_ignores_allowed_differences(left, right):
    """D 2.3.1 exceptions: member order, mbox domain case, verb display, activity definitions, UUID case,
    number serialisation, the array form of context activities, language tag case, sha2 case, timestamps."""
    assert same_statement(prepared(make(**left)), prepared(make(**right)))
    assert comparable(prepared(make(**left))) == comparable(prepared(make(**right)))


@pytest.mark.parametrize("left, right", [
    ({"result": {"duration": "PT1M"}}, {"result": {"duration": "PT60S"}}),
    ({"actor": {"mbox": "mailto:Ada@example.com"}}, {"actor": {"mbox": "mailto:ada@example.com"}}),
    ({"result": {"extensions": {"http://e": {"mbox": "mailto:a@B.c"}}}},
     {"result": {"extensions": {"http://e": {"mbox": "mailto:a@b.c"}}}}),
    ({"result": {"extensions": {"http://e": {"member": [1, 2]}}}},
     {"result": {"extensions": {"http://e": {"member": [2, 1]}}}}),
    ({"attachments": [{"usageType": "http://u", "display": {"en": "x"}, "contentType": "text/plain",
                       "length": 1, "sha2": "ab" * 32}]},
     {"attachments": [{"usageType": "http://u", "display": {"en": "y"}, "contentType": "text/plain",
                       "length": 1, "sha2": "ab" * 32}]}),
    ({"object": {"id": COURSE}}, {"object": {"id": COURSE + "/"}}),
])
def test_same_statement_sees_real_differences(left, right):
    """D 2.3.1: other differences, including serialisation (a duration) and anything inside extensions,
    are not ignored."""
    assert not same_statement(prepared(make(**left)), prepared(make(**right)))


# -- parsing queries (C 2.1.3) -------------------------------------------------------------------------------

def test_parse_query_defaults():
    query = parse_query({}, "1.0.3", 1000)
    assert query == StatementQuery()


def test_parse_query_reads_every_parameter():
    query = parse_query({
        "agent": '{"mbox": "mailto:ada@EXAMPLE.com"}', "verb": COMPLETED, "activity": COURSE,
        "registration": "ABCDEF00-0000-4000-8000-000000000000", "related_activities": "true",
        "related_agents": "true", "since": "2024-01-01T00:00:00Z", "until": "2024-01-01T01:00:00+01:00",
        "limit": "10", "format": "ids", "attachments": "true", "ascending": "true"}, "1.0.3", 1000)
    assert query.agent_hash == agent_filter_hash({"mbox": "mailto:ada@example.com"})
    assert query.registration == "abcdef00-0000-4000-8000-000000000000"
    assert query.since_us == query.until_us
    assert (query.related_activities, query.related_agents, query.attachments, query.ascending) == (True,) * 4
    assert (query.limit, query.format, query.verb, query.activity) == (10, "ids", COMPLETED, COURSE)


@pytest.mark.parametrize("raw, limit", [("0", 500), ("7", 7), ("500", 500), ("5000", 500)])
def test_limit_is_capped_and_zero_is_the_maximum(raw, limit):
    """C 2.1.3 limit: 0 is the maximum the server allows; more than that is capped."""
    assert parse_query({"limit": raw}, "1.0.3", 500).limit == limit


@pytest.mark.parametrize("params", [{"limit": "٣"}, {"limit": "1.5"}, {"agent": "{"}, {"since": "2024-01-01"},
                                    {"statementId": "x"}, {"related_agents": "TRUE"}])
def test_parse_query_rejects_bad_values(params):
    with pytest.raises(BadRequest):
        parse_query(params, "1.0.3", 100)


def test_more_token_round_trips_and_is_checked():
    """D 2.5: the more IRL carries the query; a token the LRS did not issue is 400."""
    query = StatementQuery(agent_hash=-5, verb=COMPLETED, ascending=True, limit=3).next_page(20, 30)
    assert StatementQuery.from_token(query.token()) == query
    assert len(StatementQuery().next_page(2, 3).token()) < 100
    for forged in ('{"limit": true}', '{"after_seq": "1"}', '{"format": "nope"}', '{"limit": -1}',
                   '{"surprise": 1}', "[]"):
        token = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
        with pytest.raises(BadRequest):
            StatementQuery.from_token(token)


# -- StatementRef chains in one batch (store logic without a database) ---------------------------------------

def test_inherited_keys_follow_chains_in_any_order_and_stop_at_cycles():
    """C 2.1.3: a statement gains the keys of what it targets, recursively, in the batch or stored."""
    own = {"a": {(1, 1)}, "b": {(1, 2)}, "c": {(1, 3)}, "x": {(1, 9)}, "y": {(1, 8)}}
    target_of = {"a": "b", "b": "c", "c": "stored", "x": "y", "y": "x"}
    stored = {"stored": (False, {(1, 4)})}
    assert StatementStore._inherited("a", own, target_of, stored) == {(1, 1), (1, 2), (1, 3), (1, 4)}
    assert StatementStore._inherited("c", own, target_of, stored) == {(1, 3), (1, 4)}
    assert StatementStore._inherited("x", own, target_of, stored) == {(1, 9), (1, 8)}
    assert StatementStore._inherited("a", own, {"a": "missing"}, stored) == {(1, 1)}


# -- output formats (C 2.1.3 format) -------------------------------------------------------------------------

def test_parse_accept_language_orders_by_quality_then_position():
    assert parse_accept_language("fr;q=0.5, en-US, de;q=0.9, x;q=0, *;q=0.1") == ["en-us", "de", "fr", "*"]
    assert parse_accept_language(None) == []
    assert parse_accept_language("en;q=abc") == []


@pytest.mark.parametrize("preferred, expected", [
    ([], "en-US"), (["fr-fr"], "fr-FR"), (["fr"], "fr-FR"), (["de-at"], "de"), (["en-gb"], "en-US"),
    (["ja", "de"], "de"), (["*", "de"], "en-US"), (["ja"], "en-US"),
])
def test_pick_language(preferred, expected):
    """C 2.1.3: one entry per language map, chosen by Accept-Language (RFC 2616 14.4)."""
    language_map = {"en-US": "a", "fr-FR": "b", "de": "c"}
    assert pick_language(language_map, preferred) == {expected: language_map[expected]}


def test_ids_format_is_pure_and_minimal():
    statement = make(actor={"objectType": "Group", "name": "G", "member": [{"name": "A", **ADA}]},
                     object={"id": COURSE, "definition": {"name": {"en": "C"}}},
                     authority=AUTHORITY | {"name": "LRS"})
    original = copy.deepcopy(statement)
    out = ids_format(statement)
    assert out["actor"] == {"objectType": "Group", "member": [ADA]}
    assert out["object"] == {"id": COURSE}
    assert out["verb"] == {"id": COMPLETED}
    assert out["authority"] == AUTHORITY
    assert statement == original


def test_canonical_format_prefers_the_lrs_definition_and_filters_languages():
    statement = make(object={"id": COURSE, "definition": {"name": {"en": "Old"}}},
                     verb={"id": COMPLETED, "display": {"en": "done", "fr": "fini"}})
    canonical = {COURSE: {"name": {"en": "New", "fr": "Nouveau"}, "type": "http://example.com/t"}}
    out = canonical_format(statement, canonical.get, ["fr"])
    assert out["object"] == {"id": COURSE, "definition": {"name": {"fr": "Nouveau"}, "type": "http://example.com/t"}}
    assert out["verb"]["display"] == {"fr": "fini"}
    assert out["actor"] == ADA
    assert canonical_format(statement, {}.get, ["fr"])["object"]["definition"] == {"name": {"en": "Old"}}


# -- activity definitions (C 2.5) ----------------------------------------------------------------------------

def test_collect_definitions_from_every_place_an_activity_appears():
    sub = {"objectType": "SubStatement", "actor": ADA, "verb": {"id": COMPLETED},
           "object": {"id": "http://example.com/sub", "definition": {"name": {"en": "S"}}},
           "context": {"contextActivities": {"parent": [{"id": "http://example.com/sp"}]}}}
    found = collect_definitions([
        make(object={"id": COURSE, "definition": {"name": {"en": "C"}}},
             context={"contextActivities": {"grouping": {"id": "http://example.com/g"}}}),
        make(object={"id": COURSE, "definition": {"name": {"fr": "C fr"}, "type": "http://t"}}),
        make(object=sub),
    ])
    assert found[COURSE] == {"name": {"en": "C", "fr": "C fr"}, "type": "http://t"}
    assert found["http://example.com/g"] == {}
    assert set(found) == {COURSE, "http://example.com/g", "http://example.com/sub", "http://example.com/sp"}


def test_merge_definition_merges_language_maps_and_replaces_the_rest():
    merged = merge_definition({"name": {"en": "A"}, "type": "http://a", "choices": [{"id": "1"}]},
                              {"name": {"fr": "B"}, "type": "http://b", "choices": [{"id": "2"}]})
    assert merged == {"name": {"en": "A", "fr": "B"}, "type": "http://b", "choices": [{"id": "2"}]}
