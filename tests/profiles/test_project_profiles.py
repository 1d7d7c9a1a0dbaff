"""The project's own profiles (xapi_profiles/): a sample statement for every template matches it and
only it (communication §2.1), and typical runs follow the primary patterns (communication §2.2)."""

from __future__ import annotations

import copy

import pytest

from lrs.profiles import PatternMatcher, TemplateIndex, Verdict, match_template

from .helpers import BASE, PROJECT, item, profile, tid
from .samples import SAMPLES, certification, code_review, micro_learning


@pytest.fixture(scope="module")
def index():
    return TemplateIndex([profile(name) for name in PROJECT])


CASES = [(name, kind) for name, (_, kinds) in SAMPLES.items() for kind in kinds]


@pytest.mark.parametrize(("name", "kind"), CASES, ids=[f"{n}:{k}" for n, k in CASES])
def test_sample_statement_matches_its_template_communication_s2_1(index, name, kind):
    make = SAMPLES[name][0]
    statement = make(kind)
    assert match_template(item(profile(name), "templates", f"/templates/{kind}"), statement) == []
    results = index.validate(statement)
    assert results[BASE + name].outcome == "success"
    assert results[BASE + name].templates == (tid(name, kind),)
    assert {r.outcome for p, r in results.items() if p != BASE + name} == {"unmatched"}
    assert index.claimed_profiles(statement) == [BASE + name]


def test_every_template_of_the_project_profiles_has_a_sample_structure_s8():
    for name, (_, kinds) in SAMPLES.items():
        assert sorted(t["id"] for t in profile(name)["templates"]) == sorted(tid(name, k) for k in kinds)


@pytest.mark.parametrize(
    ("statement", "template", "rule"),
    [
        (
            lambda: {**code_review("approved"), "result": {"success": False}},
            "code-review/templates/approved",
            "rules[2]",
        ),
        (lambda: {**code_review("opened"), "context": {}}, "code-review/templates/opened", None),
        (
            lambda: {**code_review("closed-without-merge"), "result": {"completion": True}},
            "code-review/templates/closed-without-merge",
            "rules[3]",
        ),
        (
            lambda: {**code_review("updated"), "result": {"response": "Rebased."}},
            "code-review/templates/updated",
            "rules[2]",
        ),
        (
            lambda: {**code_review("requested-review"), "context": code_review("opened")["context"]},
            "code-review/templates/requested-review",
            "rules[2]",
        ),
        (
            lambda: {**micro_learning("completed"), "result": {"completion": True}},
            "micro-learning/templates/completed",
            "rules[1]",
        ),
        (
            lambda: {**micro_learning("started"), "result": {"success": True}},
            "micro-learning/templates/started",
            "rules[0]",
        ),
        (
            lambda: {**certification("expired"), "result": {"success": True}},
            "certification/templates/expired",
            "rules[1]",
        ),
    ],
)
def test_broken_samples_are_invalid_communication_s2_1(index, statement, template, rule):
    result = index.validate(statement())[BASE + template.split("/")[0]]
    if rule is None:  # the determining grouping activity is gone: the template no longer applies
        assert result.outcome == "unmatched"
        return
    assert result.outcome == "invalid"
    assert result.templates == (BASE + template,)
    assert [f.path for f in result.failures] == [rule]


def test_revocation_must_point_at_an_earned_or_renewed_statement_structure_s8(index):
    earned = certification("earned")
    expired = certification("expired")
    store = {earned["id"]: earned, expired["id"]: expired}
    ok = index.validate(certification("revoked", ref=earned["id"]), lookup=store.get)
    assert ok[BASE + "certification"].outcome == "success"
    bad = index.validate(certification("revoked", ref=expired["id"]), lookup=store.get)
    assert bad[BASE + "certification"].outcome == "invalid"
    assert [f.kind for f in bad[BASE + "certification"].failures] == ["statement-ref"]
    renewal = index.validate(certification("renewed", ref=earned["id"]), lookup=store.get)
    assert renewal[BASE + "certification"].outcome == "success"


RUNS = [
    (
        "code-review",
        ["opened", "commented", "requested-changes", "reviewed", "approved", "approved", "merged"],
        Verdict.MATCH,
    ),
    ("code-review", ["opened", "approved", "commented", "merged"], Verdict.MATCH),
    ("code-review", ["opened", "commented", "approved"], Verdict.PARTIAL),
    ("code-review", ["opened", "merged"], Verdict.FAILURE),
    ("code-review", ["opened", "approved", "reviewed", "merged"], Verdict.FAILURE),
    # the change request lifecycle: review requests, updates, dismissed reviews, withdrawn approvals, closing
    (
        "code-review",
        [
            "opened",
            "requested-review",
            "requested-changes",
            "updated",
            "dismissed-review",
            "approved",
            "merged",
        ],
        Verdict.MATCH,
    ),
    (
        "code-review",
        ["opened", "approved", "withdrew-approval", "updated", "approved", "merged"],
        Verdict.MATCH,
    ),
    (
        "code-review",
        ["opened", "approved", "dismissed-review", "approved", "commented", "merged"],
        Verdict.MATCH,
    ),
    (
        "code-review",
        ["opened", "approved", "commented", "updated", "approved", "merged"],
        Verdict.MATCH,
    ),
    ("code-review", ["opened", "approved", "updated", "merged"], Verdict.FAILURE),
    ("code-review", ["opened", "withdrew-approval"], Verdict.FAILURE),
    ("code-review", ["opened", "approved", "withdrew-approval"], Verdict.PARTIAL),
    ("code-review", ["opened", "commented", "closed-without-merge"], Verdict.MATCH),
    (
        "code-review",
        ["opened", "approved", "approved", "commented", "closed-without-merge"],
        Verdict.MATCH,
    ),
    ("code-review", ["opened", "closed-without-merge", "commented"], Verdict.FAILURE),
    ("code-review", ["opened", "merged", "closed-without-merge"], Verdict.FAILURE),
    ("micro-learning", ["started", "answered", "answered", "completed", "shared", "shared"], Verdict.MATCH),
    ("micro-learning", ["started", "completed"], Verdict.MATCH),
    ("micro-learning", ["started", "answered"], Verdict.PARTIAL),
    ("micro-learning", ["started", "completed", "answered"], Verdict.FAILURE),
    ("certification", ["earned"], Verdict.MATCH),
    ("certification", ["earned", "renewed", "renewed", "expired"], Verdict.MATCH),
    ("certification", ["earned", "revoked"], Verdict.MATCH),
    ("certification", ["earned", "expired", "renewed"], Verdict.FAILURE),
    ("certification", ["renewed"], Verdict.FAILURE),
]


@pytest.mark.parametrize(("name", "kinds", "expected"), RUNS, ids=[f"{r[0]}:{'-'.join(r[1])}" for r in RUNS])
def test_sample_runs_follow_the_primary_pattern_communication_s2_2(index, name, kinds, expected):
    matcher = PatternMatcher(profile(name))
    make = SAMPLES[name][0]
    state = matcher.start()
    for kind in kinds:
        statement = make(kind)
        matched = index.validate(statement, profiles=[BASE + name])[BASE + name].templates
        state, verdicts = matcher.advance(state, matched)
    assert PatternMatcher.follows(verdicts) == expected
    assert matcher.evaluate([[tid(name, k)] for k in kinds]) == verdicts


def test_review_cycle_is_kept_for_runs_begun_before_the_lifecycle_structure_s9():
    """The lifecycle has new ids (§9: a changed pattern gets a new id); the deprecated review cycle stays
    primary, so a pattern state stored before the lifecycle existed goes on under the current profile."""
    current = profile("code-review")
    cycle = BASE + "code-review/patterns/review-cycle"
    lifecycle = BASE + "code-review/patterns/change-request-lifecycle"
    before = copy.deepcopy(current)
    before["patterns"] = [p for p in before["patterns"] if p["id"] != lifecycle]
    old = PatternMatcher(before)
    stored, _ = old.advance(old.start(), [tid("code-review", "opened")])
    assert list(stored["roots"]) == [cycle]
    matcher = PatternMatcher(current)
    assert set(matcher.primary) == {cycle, lifecycle}
    steps = [[tid("code-review", "approved")], [tid("code-review", "merged")]]
    assert matcher.advance_many(stored, steps)[1] == {cycle: Verdict.MATCH}
    run = [[tid("code-review", k)] for k in ("opened", "approved", "merged")]
    assert matcher.evaluate(run) == {cycle: Verdict.MATCH, lifecycle: Verdict.MATCH}


def test_project_profiles_are_all_valid_structure_s6():
    from lrs.profiles import validate_profile
    from lrs.profiles.builtin import project_profiles

    docs = project_profiles()
    ids = [d["id"] for d in docs]
    assert {BASE + n for n in ("certification", "code-review", "micro-learning", "recognition")} <= set(ids)
    assert all(validate_profile(d, strict=True) == [] for d in docs)
