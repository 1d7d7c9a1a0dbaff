"""Unit tests of the value formats and the statement validator: plain data in, no app, no database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone

import pytest

from lrs.xapi import formats
from lrs.xapi.errors import ValidationError
from lrs.xapi.validation import StatementValidator, member, validate_statements
from tests.conftest import statement


@pytest.mark.parametrize(("tag", "valid"), [
    ("en", True), ("en-US", True), ("EN-us", True), ("zh-Hant-TW", True), ("tlh", True), ("es-419", True),
    ("sr-Latn-RS", True), ("zh-yue-HK", True), ("de-CH-1901", True), ("en-US-x-twain", True),
    ("x-klingon", True), ("i-klingon", True), ("en-GB-oed", True), ("en-US-u-ca-gregory", True),
    ("en_US", False),  # RFC 5646 2.1: "-" is the only separator
    ("english", False), ("e", False), ("en-", False), ("-en", False), ("en--US", False), ("", False),
    ("en-US ", False), ("en-US\n", False), ("de-419-DE", False), ("fr-FR-x-0123456789", False),
    ("zz", False),  # well formed, but not in the registry: not a valid tag
])
def test_language_tags_follow_rfc_5646(tag, valid):
    assert formats.is_language_tag(tag) is valid


@pytest.mark.parametrize(("value", "valid"), [
    ("http://example.com/verbs/completed", True), ("urn:uuid:f1b1c3d4-1111-4a2b-8c3d-0123456789ab", True),
    ("http://example.com/فعل/خواندن", True), ("http://example.com/a%20b", True), ("mailto:a@b.example", True),
    ("completed", False), ("", False), ("://example.com", False), ("1http://example.com", False),
    ("http://example.com/a b", False), ("http://example.com/100%", False), ("http://example.com/%zz", False),
    ("http://example.com/\n", False), ("http://example.com/<x>", False), ("http://example.com/\x00", False),
])
def test_iris_need_a_scheme_and_no_excluded_characters(value, valid):
    assert formats.is_iri(value) is valid


@pytest.mark.parametrize(("value", "valid"), [
    ("PT4H35M59.14S", True), ("PT16559.14S", True), ("P3Y1M29DT4H35M59.14S", True), ("P3Y", True),
    ("P4W", True), ("PT1.234567S", True), ("P0.5Y", True), ("PT1,5S", True),
    ("P4W1D", False), ("P", False), ("PT", False), ("P1DT", False), ("1H", False), ("PT1H\n", False),
    ("P0003-02-01T00:00:00", False), ("P1.5DT2H", False), ("PT٣S", False), ("pt1s", False),
])
def test_durations_follow_iso_8601_4_4_3_2(value, valid):
    assert formats.is_duration(value) is valid


@pytest.mark.parametrize(("value", "expected"), [
    ("2013-05-18T05:32:34.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=UTC)),
    ("2013-05-18T05:32:34.804+00:00", datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=UTC)),
    ("2013-05-18T10:32:34+05:00", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
    ("2013-05-18T05:32:34.804123456Z", datetime(2013, 5, 18, 5, 32, 34, 804123, tzinfo=UTC)),
    ("2013-05-18T05:32:34", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
    ("2013-05-18T05:32:34-00:00", None), ("2013-05-18T05:32:34-0000", None), ("2013-05-18T05:32:34-00", None),
    ("2013-05-18", None), ("2013-13-18T05:32:34Z", None), ("2013-05-18T05:32:34Z\n", None),
    ("2013-05-18T05:32:34+24:00", None), ("yesterday", None), (1368855154, None),
])
def test_timestamps_parse_to_the_same_instant(value, expected):
    assert formats.parse_timestamp(value) == expected


def test_a_space_for_t_is_rfc_3339_but_not_iso_8601():
    moment = datetime(2013, 5, 18, 5, 32, 34, tzinfo=timezone(timedelta(0)))
    assert formats.parse_timestamp("2013-05-18 05:32:34Z") == moment
    assert formats.parse_timestamp("2013-05-18 05:32:34Z", allow_space=False) is None
    assert formats.parse_timestamp("2013-05-18T05:32:34Z", allow_space=False) == moment


def test_digests_and_media_types():
    assert formats.is_sha1("ebd31e95054c018b10727ccffd2ef2ec3a016ee9")
    assert not formats.is_sha1("ebd31e95054c018b10727ccffd2ef2ec3a016ee9\n")
    assert formats.is_sha2("672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634")
    assert not formats.is_sha2("672fa5fa")
    assert formats.is_media_type("application/json; charset=utf-8")
    assert not formats.is_media_type("json")


@pytest.mark.parametrize(("path", "key", "expected"), [
    ("$", "actor", "$.actor"), ("$.verb.display", "en-US", "$.verb.display['en-US']"),
    ("$.result.extensions", "http://example.com/x", "$.result.extensions['http://example.com/x']"),
    ("$", "it's", "$['it\\'s']"), ("$", "", "$['']"), ("$", "_x1", "$._x1"), ("$", "1x", "$['1x']"),
])
def test_member_paths_are_jsonpath(path, key, expected):
    assert member(path, key) == expected


def errors(body, version="1.0.3"):
    with pytest.raises(ValidationError) as caught:
        validate_statements([body], version)
    return caught.value


def test_a_non_string_interaction_type_is_a_validation_error_not_a_crash():
    body = statement(object={"id": "http://example.com/q1", "definition": {"interactionType": ["choice"]}})
    assert errors(body).path == "$[0].object.definition.interactionType"


def test_the_batch_path_names_the_bad_statement():
    with pytest.raises(ValidationError) as caught:
        validate_statements([statement(), statement(verb={"id": "x"})], "1.0.3")
    assert caught.value.path == "$[1].verb.id"


def test_validation_leaves_the_statement_unchanged():
    body = statement(context={"contextActivities": {"parent": {"id": "http://example.com/p"}}},
                     result={"score": {"raw": 1, "min": 0, "max": 2}})
    before = copy.deepcopy(body)
    validate_statements([body], "1.0.3")
    assert body == before


def test_the_2_0_context_properties_depend_on_the_version():
    body = statement(context={"contextAgents": [{"objectType": "contextAgent",
                                                 "agent": {"mbox": "mailto:a@example.com"}}]})
    validate_statements([body], "2.0.0")
    assert errors(body, "1.0.3").path == "$[0].context.contextAgents"


def test_an_agent_parameter_is_checked_with_the_same_rules():
    # Communication 2.1.3 / Data 2.2: parameters are validated to the same standards as statements.
    validator = StatementValidator("1.0.3")
    validator.actor({"mbox": "mailto:a@example.com"}, "agent")
    with pytest.raises(ValidationError) as caught:
        validator.actor({"account": {"homePage": "http://example.com"}}, "agent")
    assert caught.value.path == "agent.account.name"
