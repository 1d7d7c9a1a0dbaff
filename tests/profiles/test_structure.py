"""Profile structure validation (xAPI Profiles Part Two, structure §2-§9).

The five real profiles validate; then a table of broken profiles, each one valid profile changed in ONE
place, with the error path and rule id the change must produce.
"""

from __future__ import annotations

import re

import pytest

from lrs.profiles import ProfileError, validate_profile

from .helpers import FILES, index_of, item, profile

CR = "https://w3id.org/xapi/lrs/profiles/code-review"


@pytest.mark.parametrize("name", sorted(FILES))
def test_real_and_project_profiles_are_valid_structure_s6_to_s9(name):
    assert validate_profile(profile(name)) == []


def test_cmi5_strict_reports_only_its_missing_template_definitions_structure_s8():
    errors = validate_profile(profile("cmi5"), strict=True)
    assert {e.rule for e in errors} == {"template-definition-missing"}
    assert [e.path for e in errors] == [f"$.templates[{i}].definition" for i in range(10)]


def test_project_profiles_are_valid_in_strict_mode_structure_s8():
    for name in ("code-review", "micro-learning", "certification", "video"):
        assert validate_profile(profile(name), strict=True) == []


@pytest.mark.parametrize("doc", [[], "profile", None, 3])
def test_a_profile_that_is_not_an_object_is_one_error_structure_s6(doc):
    assert [(e.path, e.rule) for e in validate_profile(doc)] == [("$", "not-object")]


def test_errors_name_path_rule_and_section_structure_s8_1():
    doc = profile("code-review")
    doc["templates"][2]["rules"][0]["location"] = "$.result[?(@.x)]"
    [error] = validate_profile(doc)
    assert isinstance(error, ProfileError)
    assert error.section == "structure §8.1"
    assert str(error).startswith("$.templates[2].rules[0].location: location")


def test_reused_components_of_other_profiles_are_accepted_when_known_structure_s9():
    doc = profile("code-review")
    item(doc, "patterns", "discussion-event")["alternates"].append("https://example.org/other/templates/x")
    assert [e.rule for e in validate_profile(doc)] == ["pattern-member"]
    known = {"https://example.org/other/templates/x": "StatementTemplate"}
    assert validate_profile(doc, known_components=known) == []


# --- the mutation table ---------------------------------------------------------------------------------
# Placeholders in expected paths: {t:name} template index, {c:suffix} concept index, {p:name} pattern index.


def T(doc, name):  # noqa: N802 - short names keep the table readable
    return item(doc, "templates", "/templates/" + name)


def C(doc, suffix):  # noqa: N802
    return item(doc, "concepts", suffix)


def P(doc, name):  # noqa: N802
    return item(doc, "patterns", "/patterns/" + name)


def _set(obj, key, value):
    obj[key] = value


def _del(obj, key):
    del obj[key]


def _second_version(doc):
    doc["versions"].insert(0, {"id": doc["id"] + "/v2.0", "generatedAtTime": "2026-06-01T00:00:00Z"})


def _both_kinds(doc):
    P(doc, "discussion")["sequence"] = [T(doc, "commented")["id"], T(doc, "reviewed")["id"]]


def _cycle(doc):
    P(doc, "approvals")["oneOrMore"] = P(doc, "review-cycle")["id"]


def _duplicate(doc):
    C(doc, "verbs/merged")["id"] = C(doc, "verbs/opened")["id"]


MUTATIONS = [
    # profile (§6, §2, §4)
    ("code-review", "profile id missing", lambda d: _del(d, "id"), "$.id", "required"),
    ("code-review", "profile id not an IRI", lambda d: _set(d, "id", "code review"), "$.id", "iri"),
    (
        "code-review",
        "@context another URI",
        lambda d: _set(d, "@context", "https://example.org/ctx"),
        "$['@context']",
        "context",
    ),
    (
        "code-review",
        "@context array without the profile context",
        lambda d: _set(d, "@context", ["https://example.org/ctx"]),
        "$['@context']",
        "context",
    ),
    ("code-review", "type not Profile", lambda d: _set(d, "type", "Profiel"), "$.type", "type"),
    (
        "code-review",
        "unknown spec version",
        lambda d: _set(d, "conformsTo", "https://w3id.org/xapi/profiles#0.9"),
        "$.conformsTo",
        "conforms-to",
    ),
    ("micro-learning", "prefLabel missing", lambda d: _del(d, "prefLabel"), "$.prefLabel", "required"),
    (
        "micro-learning",
        "prefLabel with a bad language tag",
        lambda d: _set(d, "prefLabel", {"english": "x"}),
        "$.prefLabel",
        "language-map",
    ),
    (
        "micro-learning",
        "definition a plain string",
        lambda d: _set(d, "definition", "about"),
        "$.definition",
        "language-map",
    ),
    ("micro-learning", "versions missing", lambda d: _del(d, "versions"), "$.versions", "required"),
    ("micro-learning", "versions empty", lambda d: _set(d, "versions", []), "$.versions", "empty-value"),
    (
        "certification",
        "generatedAtTime not a timestamp",
        lambda d: _set(d["versions"][0], "generatedAtTime", "yesterday"),
        "$.versions[0].generatedAtTime",
        "timestamp",
    ),
    (
        "certification",
        "version id equal to the profile id",
        lambda d: _set(d["versions"][0], "id", d["id"]),
        "$.versions[0].id",
        "version-id",
    ),
    (
        "certification",
        "newer version without wasRevisionOf",
        _second_version,
        "$.versions[0]",
        "was-revision-of",
    ),
    (
        "certification",
        "author of an unknown type",
        lambda d: _set(d["author"], "type", "Team"),
        "$.author.type",
        "type",
    ),
    (
        "certification",
        "author without a name",
        lambda d: _del(d["author"], "name"),
        "$.author.name",
        "required",
    ),
    (
        "certification",
        "undescribed non-IRI property",
        lambda d: _set(d, "color", "blue"),
        "$.color",
        "unknown-property",
    ),
    ("video", "empty string value", lambda d: _set(d, "seeAlso", ""), "$.seeAlso", "empty-value"),
    (
        "video",
        "null value",
        lambda d: _set(d["versions"][0], "wasRevisionOf", None),
        "$.versions[0].wasRevisionOf",
        "empty-value",
    ),
    # concepts (§7)
    (
        "code-review",
        "unknown concept type",
        lambda d: _set(C(d, "verbs/opened"), "type", "Verbb"),
        "$.concepts[{c:verbs/opened}].type",
        "type",
    ),
    (
        "code-review",
        "inScheme is the profile, not a version",
        lambda d: _set(C(d, "verbs/opened"), "inScheme", d["id"]),
        "$.concepts[{c:verbs/opened}].inScheme",
        "in-scheme",
    ),
    (
        "code-review",
        "verb without prefLabel",
        lambda d: _del(C(d, "verbs/merged"), "prefLabel"),
        "$.concepts[{c:verbs/merged}].prefLabel",
        "required",
    ),
    (
        "code-review",
        "concept id a blank node",
        lambda d: _set(C(d, "verbs/merged"), "id", "_:b0"),
        "$.concepts[{c:verbs/merged}].id",
        "iri",
    ),
    (
        "code-review",
        "broader names no concept of the profile",
        lambda d: _set(C(d, "verbs/approved"), "broader", [CR + "/verbs/nothing"]),
        "$.concepts[{c:verbs/approved}].broader[0]",
        "concept-link",
    ),
    (
        "code-review",
        "broader names a concept of another type",
        lambda d: _set(C(d, "verbs/approved"), "broader", [CR + "/activity-types/review"]),
        "$.concepts[{c:verbs/approved}].broader[0]",
        "concept-link",
    ),
    (
        "code-review",
        "related on a concept that is not deprecated",
        lambda d: _set(C(d, "verbs/merged"), "related", [CR + "/verbs/opened"]),
        "$.concepts[{c:verbs/merged}].related",
        "related-not-deprecated",
    ),
    (
        "code-review",
        "broadMatch inside the profile",
        lambda d: _set(C(d, "verbs/merged"), "broadMatch", [CR + "/verbs/opened"]),
        "$.concepts[{c:verbs/merged}].broadMatch[0]",
        "concept-match-external",
    ),
    (
        "code-review",
        "recommendedVerbs on an ActivityExtension",
        lambda d: _set(C(d, "extensions/lines-changed"), "recommendedVerbs", [CR + "/verbs/merged"]),
        "$.concepts[{c:extensions/lines-changed}].recommendedVerbs",
        "extension-recommendation",
    ),
    (
        "code-review",
        "recommendedActivityTypes on a ContextExtension",
        lambda d: _set(
            C(d, "extensions/repository"), "recommendedActivityTypes", [CR + "/activity-types/repository"]
        ),
        "$.concepts[{c:extensions/repository}].recommendedActivityTypes",
        "extension-recommendation",
    ),
    (
        "code-review",
        "schema and inlineSchema together",
        lambda d: _set(C(d, "extensions/comment-count"), "schema", "https://example.org/schema.json"),
        "$.concepts[{c:extensions/comment-count}].inlineSchema",
        "schema-exclusive",
    ),
    (
        "code-review",
        "inlineSchema that is not JSON",
        lambda d: _set(C(d, "extensions/comment-count"), "inlineSchema", "{type: integer"),
        "$.concepts[{c:extensions/comment-count}].inlineSchema",
        "inline-schema",
    ),
    (
        "micro-learning",
        "contentType not a media type",
        lambda d: _set(C(d, "resources/bookmark"), "contentType", "json"),
        "$.concepts[{c:resources/bookmark}].contentType",
        "content-type",
    ),
    (
        "micro-learning",
        "document resource without contentType",
        lambda d: _del(C(d, "resources/bookmark"), "contentType"),
        "$.concepts[{c:resources/bookmark}].contentType",
        "required",
    ),
    (
        "micro-learning",
        "activity definition with another @context",
        lambda d: _set(
            C(d, "activities/daily-lesson")["activityDefinition"], "@context", "https://example.org/ctx"
        ),
        "$.concepts[{c:activities/daily-lesson}].activityDefinition['@context']",
        "context",
    ),
    (
        "micro-learning",
        "activity definition with a non-xAPI property",
        lambda d: _set(C(d, "activities/daily-lesson")["activityDefinition"], "color", "red"),
        "$.concepts[{c:activities/daily-lesson}].activityDefinition.color",
        "activity-definition",
    ),
    (
        "micro-learning",
        "object-valued activity extension without @context",
        lambda d: _set(
            C(d, "activities/daily-lesson")["activityDefinition"]["extensions"],
            "https://example.org/ext",
            {"a": 1},
        ),
        "$.concepts[{c:activities/daily-lesson}].activityDefinition.extensions['https://example.org/ext']",
        "extension-context",
    ),
    (
        "micro-learning",
        "deprecated not a boolean",
        lambda d: _set(C(d, "verbs/started"), "deprecated", "yes"),
        "$.concepts[{c:verbs/started}].deprecated",
        "value-type",
    ),
    (
        "code-review",
        "two concepts with one id",
        _duplicate,
        "$.concepts[{c:verbs/merged}].id",
        "duplicate-id",
    ),
    # statement templates (§8, §8.1)
    (
        "code-review",
        "template of another type",
        lambda d: _set(T(d, "opened"), "type", "Template"),
        "$.templates[{t:opened}].type",
        "type",
    ),
    (
        "code-review",
        "template without prefLabel",
        lambda d: _del(T(d, "merged"), "prefLabel"),
        "$.templates[{t:merged}].prefLabel",
        "required",
    ),
    (
        "code-review",
        "template inScheme not a version",
        lambda d: _set(T(d, "merged"), "inScheme", "https://w3id.org/xapi/lrs/profiles/other/v1.0"),
        "$.templates[{t:merged}].inScheme",
        "in-scheme",
    ),
    (
        "code-review",
        "verb not an IRI",
        lambda d: _set(T(d, "merged"), "verb", "merged"),
        "$.templates[{t:merged}].verb",
        "iri",
    ),
    (
        "code-review",
        "grouping type not an array",
        lambda d: _set(T(d, "merged"), "contextGroupingActivityType", CR + "/activity-types/repository"),
        "$.templates[{t:merged}].contextGroupingActivityType",
        "value-type",
    ),
    (
        "code-review",
        "JSONPath with a filter expression",
        lambda d: _set(T(d, "approved")["rules"][2], "location", "$.result[?(@.success)]"),
        "$.templates[{t:approved}].rules[2].location",
        "jsonpath",
    ),
    (
        "code-review",
        "malformed JSONPath",
        lambda d: _set(T(d, "approved")["rules"][2], "location", "$.result..["),
        "$.templates[{t:approved}].rules[2].location",
        "jsonpath",
    ),
    (
        "code-review",
        "JSONPath slice",
        lambda d: _set(T(d, "approved")["rules"][2], "location", "$.a[0:2]"),
        "$.templates[{t:approved}].rules[2].location",
        "jsonpath",
    ),
    (
        "code-review",
        "selector with a negative index",
        lambda d: _set(T(d, "opened")["rules"][1], "selector", "$.definition[-1]"),
        "$.templates[{t:opened}].rules[1].selector",
        "jsonpath",
    ),
    (
        "code-review",
        "presence not one of the three",
        lambda d: _set(T(d, "approved")["rules"][2], "presence", "required"),
        "$.templates[{t:approved}].rules[2].presence",
        "presence",
    ),
    (
        "code-review",
        "rule with a location only",
        lambda d: _set(T(d, "merged")["rules"], 2, {"location": "$.result.completion"}),
        "$.templates[{t:merged}].rules[2]",
        "rule-requirement",
    ),
    (
        "code-review",
        "rule without location",
        lambda d: _del(T(d, "merged")["rules"][2], "location"),
        "$.templates[{t:merged}].rules[2].location",
        "required",
    ),
    (
        "code-review",
        "any not an array",
        lambda d: _set(T(d, "opened")["rules"][1], "any", "x"),
        "$.templates[{t:opened}].rules[1].any",
        "value-type",
    ),
    (
        "code-review",
        "object rule value with plain keys",
        lambda d: _set(T(d, "opened")["rules"][1], "none", [{"name": "x"}]),
        "$.templates[{t:opened}].rules[1].none[0]",
        "rule-value-context",
    ),
    (
        "certification",
        "contextStatementRefTemplate names no template",
        lambda d: _set(T(d, "renewed"), "contextStatementRefTemplate", ["https://example.org/templates/x"]),
        "$.templates[{t:renewed}].contextStatementRefTemplate[0]",
        "statement-ref-template",
    ),
    (
        "certification",
        "objectStatementRefTemplate with objectActivityType",
        lambda d: _set(T(d, "revoked"), "objectActivityType", "https://example.org/types/x"),
        "$.templates[{t:revoked}].objectStatementRefTemplate",
        "object-ref-and-type",
    ),
    (
        "video",
        "scopeNote an empty object",
        lambda d: _set(d["templates"][0]["rules"][0], "scopeNote", {}),
        "$.templates[0].rules[0].scopeNote",
        "empty-value",
    ),
    # patterns (§9)
    (
        "code-review",
        "sequence and alternates in one pattern",
        _both_kinds,
        "$.patterns[{p:discussion}]",
        "pattern-kind",
    ),
    (
        "code-review",
        "pattern of no kind",
        lambda d: _del(P(d, "approvals"), "oneOrMore"),
        "$.patterns[{p:approvals}]",
        "pattern-kind",
    ),
    ("code-review", "pattern cycle", _cycle, "$.patterns[{p:approvals}]", "pattern-cycle"),
    (
        "code-review",
        "unknown member",
        lambda d: _set(P(d, "review-cycle")["sequence"], 0, CR + "/templates/closed"),
        "$.patterns[{p:review-cycle}].sequence[0]",
        "pattern-member",
    ),
    (
        "code-review",
        "member is a concept",
        lambda d: _set(P(d, "review-cycle")["sequence"], 0, CR + "/verbs/opened"),
        "$.patterns[{p:review-cycle}].sequence[0]",
        "pattern-member",
    ),
    (
        "code-review",
        "primary pattern without definition",
        lambda d: _del(P(d, "review-cycle"), "definition"),
        "$.patterns[{p:review-cycle}].definition",
        "pattern-primary-label",
    ),
    (
        "code-review",
        "alternates of one member",
        lambda d: _set(P(d, "discussion-event"), "alternates", [CR + "/templates/commented"]),
        "$.patterns[{p:discussion-event}].alternates",
        "pattern-member-count",
    ),
    (
        "micro-learning",
        "non-primary sequence of one member",
        lambda d: _set(P(d, "answers"), "sequence", [P(d, "answers").pop("zeroOrMore")]),
        "$.patterns[{p:answers}].sequence",
        "pattern-member-count",
    ),
    (
        "certification",
        "optional directly inside alternates",
        lambda d: _set(P(d, "ending"), "alternates", [P(d, "maybe-ending")["id"], T(d, "revoked")["id"]]),
        "$.patterns[{p:ending}].alternates[0]",
        "pattern-alternates-optional",
    ),
    (
        "certification",
        "pattern of another type",
        lambda d: _set(P(d, "renewals"), "type", "Patern"),
        "$.patterns[{p:renewals}].type",
        "type",
    ),
    (
        "certification",
        "pattern inScheme not a version",
        lambda d: _set(P(d, "renewals"), "inScheme", d["id"]),
        "$.patterns[{p:renewals}].inScheme",
        "in-scheme",
    ),
    (
        "certification",
        "optional given an array",
        lambda d: _set(P(d, "maybe-ending"), "optional", [P(d, "ending")["id"]]),
        "$.patterns[{p:maybe-ending}].optional",
        "value-type",
    ),
    (
        "certification",
        "primary as a string",
        lambda d: _set(P(d, "lifecycle"), "primary", "true"),
        "$.patterns[{p:lifecycle}].primary",
        "value-type",
    ),
]


def _resolve(doc: dict, path: str) -> str:
    keys = {"t": ("templates", "/templates/"), "c": ("concepts", ""), "p": ("patterns", "/patterns/")}

    def index(match: re.Match) -> str:
        key, prefix = keys[match.group(1)]
        return str(index_of(doc, key, prefix + match.group(2)))

    return re.sub(r"\{(\w):([^}]+)\}", index, path)


def test_the_mutation_table_is_large_enough_structure_s4_to_s9():
    assert len(MUTATIONS) >= 45


@pytest.mark.parametrize(
    ("name", "change", "mutate", "path", "rule"), MUTATIONS, ids=[m[1] for m in MUTATIONS]
)
def test_one_change_breaks_the_profile_structure_s4_to_s9(name, change, mutate, path, rule):
    doc = profile(name)
    expected = (_resolve(doc, path), rule)
    mutate(doc)
    found = [(e.path, e.rule) for e in validate_profile(doc)]
    assert expected in found, f"{change}: expected {expected}, got {found}"


def test_template_without_definition_is_reported_in_strict_mode_only_structure_s8():
    doc = profile("code-review")
    del doc["templates"][0]["definition"]
    assert validate_profile(doc) == []
    assert [(e.path, e.rule) for e in validate_profile(doc, strict=True)] == [
        ("$.templates[0].definition", "template-definition-missing")
    ]


def test_pattern_cycle_reports_every_pattern_on_it_structure_s9():
    doc = profile("code-review")
    _cycle(doc)
    cycles = [e for e in validate_profile(doc) if e.rule == "pattern-cycle"]
    assert sorted(e.path for e in cycles) == sorted(
        [f"$.patterns[{index_of(doc, 'patterns', n)}]" for n in ("approvals", "review-cycle")]
    )
    assert "->" in cycles[0].message


def test_lone_primary_sequence_of_one_template_is_allowed_structure_s9():
    doc = profile("micro-learning")
    item(doc, "patterns", "lesson-session")["sequence"] = [doc["templates"][0]["id"]]
    assert [e.rule for e in validate_profile(doc)] == []
