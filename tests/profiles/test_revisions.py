"""Rules across documents: a new version against the stored one (structure §6, §6.1, §8, §9) and concepts
defined by another profile (structure §7)."""

from __future__ import annotations

from lrs.profiles import concept_conflicts, revision_problems

from .helpers import item, profile


def next_version():
    new = profile("code-review")
    new["versions"].insert(
        0,
        {
            "id": new["id"] + "/v1.1",
            "wasRevisionOf": [new["id"] + "/v1.0"],
            "generatedAtTime": "2026-03-01T00:00:00Z",
        },
    )
    return new


def test_a_proper_new_version_has_no_problems_structure_s6_1():
    assert revision_problems(profile("code-review"), next_version()) == []


def test_new_version_must_keep_history_and_say_what_it_revises_structure_s6_1():
    new = next_version()
    del new["versions"][0]["wasRevisionOf"]
    assert [(e.path, e.rule) for e in revision_problems(profile("code-review"), new)] == [
        ("$.versions[0]", "was-revision-of")
    ]
    new["versions"].pop()
    assert ("$.versions", "versions-history") in [
        (e.path, e.rule) for e in revision_problems(profile("code-review"), new)
    ]


def test_changed_template_needs_a_new_id_but_scope_notes_may_change_structure_s8():
    new = next_version()
    item(new, "templates", "/templates/opened")["rules"][1]["scopeNote"] = {"en": "Reworded."}
    assert revision_problems(profile("code-review"), new) == []
    item(new, "templates", "/templates/opened")["rules"][1]["presence"] = "recommended"
    assert [(e.path, e.rule) for e in revision_problems(profile("code-review"), new)] == [
        ("$.templates[0].id", "template-changed")
    ]


def test_changed_pattern_needs_a_new_id_structure_s9():
    new = next_version()
    pattern = item(new, "patterns", "/patterns/discussion-event")
    pattern["alternates"] = pattern["alternates"][:2]
    assert [e.rule for e in revision_problems(profile("code-review"), new)] == ["pattern-changed"]


def test_concepts_of_another_profile_need_it_superseded_structure_s7():
    mine = profile("micro-learning")
    theirs = profile("code-review")
    mine["concepts"].append({**theirs["concepts"][0], "inScheme": mine["versions"][0]["id"]})
    [error] = concept_conflicts(mine, [theirs, profile("certification")])
    assert (error.path, error.rule) == (
        f"$.concepts[{len(mine['concepts']) - 1}].id",
        "concept-defined-elsewhere",
    )
    mine["versions"][0]["wasRevisionOf"] = [v["id"] for v in theirs["versions"]]
    assert concept_conflicts(mine, [theirs]) == []


def test_the_five_profiles_define_no_concept_twice_structure_s7():
    names = ("cmi5", "video", "code-review", "micro-learning", "certification")
    docs = [profile(n) for n in names]
    for doc in docs:
        assert concept_conflicts(doc, docs) == []
