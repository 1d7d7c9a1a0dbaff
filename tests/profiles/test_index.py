"""TemplateIndex: communication §2.1 ``validates`` over the five profiles, and how it finds candidates."""

from __future__ import annotations

import time

from lrs.profiles import StatementView, TemplateIndex

from .helpers import FILES, profile
from .samples import code_review

CMI5 = "https://w3id.org/xapi/cmi5"
VIDEO = "https://w3id.org/xapi/video"


def all_profiles():
    return TemplateIndex([profile(name) for name in FILES])


def cmi5_completed():
    return {
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "timestamp": "2026-01-01T00:00:00Z",
        "actor": {"mbox": "mailto:a@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://example.org/au"},
        "result": {"completion": True, "duration": "PT1M"},
        "context": {
            "contextActivities": {
                "grouping": {"id": "https://example.org/au"},
                "category": [
                    {"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"},
                    {"id": "https://w3id.org/xapi/cmi5/v1.0"},
                ],
            },
            "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s1"},
        },
    }


def test_validates_success_lists_every_matching_template_communication_s2_1():
    result = all_profiles().validate(cmi5_completed())[CMI5]
    assert result.outcome == "success"
    assert result.templates == (f"{CMI5}#generalrestrictions", f"{CMI5}#completed")


def test_validates_invalid_lists_the_failing_templates_communication_s2_1():
    statement = cmi5_completed()
    del statement["result"]["duration"]
    result = all_profiles().validate(statement)[CMI5]
    assert result.outcome == "invalid"
    assert result.templates == (f"{CMI5}#completed",)
    assert result.matched == (f"{CMI5}#generalrestrictions",)
    assert [(f.template, f.path) for f in result.failures] == [(f"{CMI5}#completed", "rules[3]")]


def test_validates_unmatched_communication_s2_1():
    statement = {
        "actor": {"mbox": "mailto:a@example.org"},
        "verb": {"id": "https://example.org/verbs/x"},
        "object": {"id": "https://example.org/a"},
    }
    results = all_profiles().validate(statement, profiles=[VIDEO])
    assert list(results) == [VIDEO]
    assert results[VIDEO].outcome == "unmatched"


def test_claimed_profiles_are_the_versions_in_category_structure_s5():
    index = all_profiles()
    assert index.claimed_profiles(cmi5_completed()) == [CMI5]
    assert index.claimed_profiles({"verb": {"id": "x"}}) == []


def test_candidates_are_only_the_templates_that_can_apply_communication_s2_1():
    index = all_profiles()
    assert len(index) == 10 + 9 + 11 + 6 + 4
    found = [t.id for t in index.candidates(StatementView.of(code_review("merged")))]
    # cmi5's general restrictions have no Determining Property: they apply to every statement
    assert found == [
        f"{CMI5}#generalrestrictions",
        "https://w3id.org/xapi/lrs/profiles/code-review/templates/merged",
    ]


def test_checking_a_statement_against_all_five_profiles_is_cheap_communication_s2_1():
    index = all_profiles()
    statement = code_review("approved")
    index.validate(statement)
    runs = 300
    started = time.perf_counter()
    for _ in range(runs):
        index.validate(statement)
    per_statement = (time.perf_counter() - started) / runs
    assert per_statement < 0.005  # generous: measured well under a millisecond


def test_extensions_only_where_their_type_allows_structure_s7_2():
    index = all_profiles()
    assert index.extension_problems(code_review("merged")) == []
    count = "https://w3id.org/xapi/lrs/profiles/code-review/extensions/comment-count"
    repo = "https://w3id.org/xapi/lrs/profiles/code-review/extensions/repository"
    size = "https://w3id.org/xapi/lrs/profiles/code-review/extensions/lines-changed"
    statement = code_review("merged")
    statement["context"]["extensions"][count] = 2
    statement["result"]["extensions"] = {repo: "acme/lrs", "https://example.org/unknown": 1}
    statement["context"]["contextActivities"]["grouping"][0] = {
        "id": "https://git.example.org/acme/lrs",
        "definition": {"extensions": {repo: "acme/lrs", size: 3}},
    }
    assert index.extension_problems(statement) == [
        f"$.context.extensions['{count}']: a ResultExtension must not be used here",
        f"$.result.extensions['{repo}']: a ContextExtension must not be used here",
        f"$.context.contextActivities.grouping[0].definition.extensions['{repo}']: "
        "a ContextExtension must not be used here",
    ]
