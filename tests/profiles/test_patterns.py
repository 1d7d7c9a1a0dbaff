"""Pattern matching (structure §9, communication §2.2): each form for match / partial / failure, greedy
choices, incremental evaluation equal to whole-sequence evaluation, and the JSON state."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from lrs.profiles import PatternMatcher, PatternStateError, Verdict

from .pattern_reference import greedy_end, spec_matches

M, P_, F = Verdict.MATCH, Verdict.PARTIAL, Verdict.FAILURE
X = "https://example.org/x/"


def build(root, **named):
    """A profile whose primary pattern ``root`` is ``(kind, members)``; ``named`` adds inner patterns.
    Member names that are not patterns are templates; names are short and get the X prefix."""
    patterns = [
        {
            "id": X + name,
            "type": "Pattern",
            kind: [X + m for m in members] if kind in ("sequence", "alternates") else X + members[0],
        }
        for name, (kind, members) in {**named, "root": root}.items()
    ]
    patterns[-1]["primary"] = True
    return PatternMatcher({"id": X + "profile", "patterns": patterns})


def verdicts(matcher, word):
    """The root's verdict after each prefix of ``word`` (a string of template letters, '.' = no template)."""
    state, out = matcher.start(), [matcher.verdicts(matcher.start())[X + "root"]]
    for letter in word:
        state, v = matcher.advance(state, [] if letter == "." else [X + letter])
        out.append(v[X + "root"])
    return out


CASES = [
    # (section, pattern, inner patterns, statements, verdict after each prefix, from the empty one)
    ("sequence", ("sequence", ["A", "B", "C"]), {}, "ABC", [P_, P_, P_, M]),
    ("sequence", ("sequence", ["A", "B"]), {}, "AC", [P_, P_, F]),
    ("sequence", ("sequence", ["A", "B"]), {}, "ABA", [P_, P_, M, F]),
    ("alternates", ("alternates", ["A", "B"]), {}, "B", [P_, M]),
    ("alternates", ("alternates", ["A", "B"]), {}, "C", [P_, F]),
    ("alternates longest", ("alternates", ["A", "ab"]), {"ab": ("sequence", ["A", "B"])}, "AB", [P_, M, M]),
    (
        "alternates longest",
        ("sequence", ["alt", "C"]),
        {"alt": ("alternates", ["A", "ab"]), "ab": ("sequence", ["A", "B"])},
        "AC",
        [P_, P_, M],
    ),
    (
        "alternates longest",
        ("sequence", ["alt", "C"]),
        {"alt": ("alternates", ["A", "ab"]), "ab": ("sequence", ["A", "B"])},
        "ABC",
        [P_, P_, P_, M],
    ),
    ("optional", ("optional", ["A"]), {}, "A", [M, M]),
    ("optional", ("sequence", ["opt", "B"]), {"opt": ("optional", ["A"])}, "B", [P_, M]),
    ("optional", ("sequence", ["opt", "B"]), {"opt": ("optional", ["A"])}, "AB", [P_, P_, M]),
    ("optional", ("sequence", ["opt", "B"]), {"opt": ("optional", ["A"])}, "AA", [P_, P_, F]),
    ("oneOrMore", ("oneOrMore", ["A"]), {}, "AAA", [P_, M, M, M]),
    ("oneOrMore", ("oneOrMore", ["A"]), {}, "AB", [P_, M, F]),
    ("oneOrMore", ("oneOrMore", ["A"]), {}, "B", [P_, F]),
    ("zeroOrMore", ("zeroOrMore", ["A"]), {}, "AA", [M, M, M]),
    ("zeroOrMore", ("sequence", ["zom", "B"]), {"zom": ("zeroOrMore", ["A"])}, "AAB", [P_, P_, P_, M]),
    ("zeroOrMore", ("sequence", ["zom", "B"]), {"zom": ("zeroOrMore", ["A"])}, "C", [P_, F]),
    (
        "greedy, no backtracking",
        ("sequence", ["zom", "A"]),
        {"zom": ("zeroOrMore", ["A"])},
        "AA",
        [P_, P_, P_],
    ),
    (
        "failed attempt goes to what follows",
        ("sequence", ["zom", "ac"]),
        {"zom": ("zeroOrMore", ["ab"]), "ab": ("sequence", ["A", "B"]), "ac": ("sequence", ["A", "C"])},
        "ABAC",
        [P_, P_, P_, P_, M],
    ),
    (
        "unfinished attempt is partial",
        ("zeroOrMore", ["ab"]),
        {"ab": ("sequence", ["A", "B"])},
        "ABA",
        [M, P_, M, P_],
    ),
    (
        "nested",
        ("sequence", ["A", "body", "D"]),
        {
            "body": ("oneOrMore", ["step"]),
            "step": ("alternates", ["B", "bc"]),
            "bc": ("sequence", ["C", "opt"]),
            "opt": ("optional", ["B"]),
        },
        "ABCBCD",
        [P_, P_, P_, P_, P_, P_, M],
    ),
    (
        "nested",
        ("sequence", ["A", "body", "D"]),
        {
            "body": ("oneOrMore", ["step"]),
            "step": ("alternates", ["B", "bc"]),
            "bc": ("sequence", ["C", "opt"]),
            "opt": ("optional", ["B"]),
        },
        "AD",
        [P_, P_, F],
    ),
    ("no template matched", ("zeroOrMore", ["A"]), {}, "A.", [M, M, F]),
]


@pytest.mark.parametrize(
    ("form", "root", "named", "word", "expected"), CASES, ids=[f"{c[0]}:{c[3]}" for c in CASES]
)
def test_pattern_forms_structure_s9_communication_s2_2(form, root, named, word, expected):
    assert verdicts(build(root, **named), word) == expected


def test_statements_matching_several_templates_communication_s2_2():
    matcher = build(("sequence", ["A", "B"]))
    state, _ = matcher.advance(matcher.start(), [X + "A", X + "B"])
    state, v = matcher.advance(state, [X + "B", X + "C"])
    assert v == {X + "root": M}


def test_follows_takes_the_best_primary_pattern_communication_s2_2():
    assert PatternMatcher.follows({"a": F, "b": P_}) == P_
    assert PatternMatcher.follows({"a": F, "b": M, "c": P_}) == M
    assert PatternMatcher.follows({"a": F}) == F
    assert PatternMatcher.follows({}) == F


# --- the state ---------------------------------------------------------------------------------------


def test_state_is_json_and_advancing_does_not_change_the_given_state_communication_s2_2():
    matcher = build(("sequence", ["A", "zom", "C"]), zom=("zeroOrMore", ["B"]))
    state = matcher.start()
    before = json.dumps(state)
    new, _ = matcher.advance(state, [X + "A"])
    assert json.dumps(state) == before
    assert json.loads(json.dumps(new)) == new
    assert new["pos"] == 1


def test_repetitions_of_single_templates_buffer_nothing_communication_s2_2():
    matcher = build(("sequence", ["A", "zom", "C"]), zom=("zeroOrMore", ["B"]))
    state = matcher.start()
    for letter in "ABBBBBBB":
        state, _ = matcher.advance(state, [X + letter])
        assert state["buf"] == []


def test_undecided_choice_keeps_only_its_statements_communication_s2_2():
    matcher = build(("zeroOrMore", ["abc"]), abc=("sequence", ["A", "B", "C"]))
    state = matcher.start()
    lengths = []
    for letter in "ABCABCAB":
        state, _ = matcher.advance(state, [X + letter])
        lengths.append(len(state["buf"]))
    assert lengths == [1, 2, 0, 1, 2, 0, 1, 2]


def test_a_state_of_another_pattern_is_refused_structure_s9():
    state = build(("sequence", ["A", "B"])).start()
    other = PatternMatcher(
        {
            "id": X + "p2",
            "patterns": [
                {"id": X + "other", "type": "Pattern", "primary": True, "sequence": [X + "A", X + "B"]}
            ],
        }
    )
    with pytest.raises(PatternStateError):
        other.advance(state, [X + "A"])
    with pytest.raises(PatternStateError):
        other.advance({**state, "v": 99}, [X + "A"])


# --- incremental == whole sequence, and both == the reference evaluators -----------------------------

LETTERS = "ABC"
SYMBOLS = [frozenset(X + c for c in combo) for n in (1, 2) for combo in itertools.combinations(LETTERS, n)]


def random_pattern(rng, depth=0, counter=None, nodes=None, parent=None):
    counter = counter if counter is not None else itertools.count()
    nodes = nodes if nodes is not None else {}
    if depth >= 3 or (depth and rng.random() < 0.35):
        return X + rng.choice(LETTERS), nodes
    kinds = ["sequence", "alternates", "optional", "oneOrMore", "zeroOrMore"]
    if parent == "alternates":  # structure §9: no optional/zeroOrMore directly inside alternates
        kinds = ["sequence", "alternates", "oneOrMore"]
    kind = rng.choice(kinds)
    count = rng.randint(2, 3) if kind in ("sequence", "alternates") else 1
    members = tuple(random_pattern(rng, depth + 1, counter, nodes, kind)[0] for _ in range(count))
    ident = f"{X}p{next(counter)}"
    nodes[ident] = (kind, members)
    return ident, nodes


def matcher_for(root, nodes):
    patterns = [
        {"id": pid, "type": "Pattern", kind: list(m) if kind in ("sequence", "alternates") else m[0]}
        for pid, (kind, m) in nodes.items()
    ]
    next(p for p in patterns if p["id"] == root)["primary"] = True
    return PatternMatcher({"id": X + "profile", "patterns": patterns})


def random_cases(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        root, nodes = random_pattern(rng)
        if root not in nodes:
            continue
        words = [[rng.choice(SYMBOLS) for _ in range(rng.randint(0, 7))] for _ in range(6)]
        yield root, nodes, words


@pytest.mark.parametrize("seed", range(4))
def test_incremental_equals_whole_sequence_communication_s2_2(seed):
    for root, nodes, words in random_cases(120, seed):
        matcher = matcher_for(root, nodes)
        for word in words:
            state = matcher.start()
            for i, symbol in enumerate(word):
                state = json.loads(json.dumps(state))  # as if stored in and read back from a database
                state, step = matcher.advance(state, symbol)
                assert step == matcher.evaluate(word[: i + 1]), (nodes, word[: i + 1])


@pytest.mark.parametrize("seed", range(4))
def test_match_verdicts_equal_the_greedy_reference_communication_s2_2(seed):
    for root, nodes, words in random_cases(120, seed):
        matcher = matcher_for(root, nodes)
        for word in words:
            for n in range(len(word) + 1):
                verdict = matcher.evaluate(word[:n])[root]
                assert (verdict == M) == (greedy_end(nodes, root, word[:n], 0) == n), (nodes, word[:n])


@pytest.mark.parametrize("seed", range(2))
def test_failure_only_when_no_continuation_can_match_communication_s2_2(seed):
    continuations = [list(c) for n in range(3) for c in itertools.product(SYMBOLS[:3], repeat=n)]
    for root, nodes, words in random_cases(60, seed):
        matcher = matcher_for(root, nodes)
        for word in words:
            for n in range(len(word) + 1):
                verdict = matcher.evaluate(word[:n])[root]
                can_complete = any(
                    greedy_end(nodes, root, word[:n] + c, 0) == n + len(c) for c in continuations
                )
                if verdict == F:
                    assert not can_complete, (nodes, word[:n])


@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_the_spec_pseudocode_communication_s2_2(seed):
    for root, nodes, words in random_cases(120, seed):
        matcher = matcher_for(root, nodes)
        for word in words:
            for n in range(len(word) + 1):
                verdict = matcher.evaluate(word[:n])[root]
                outcome, rest = spec_matches(nodes, root, word[:n])
                if outcome == "success" and not rest:
                    assert verdict == M, (nodes, word[:n])
                if outcome == "partial":  # ran out of statements: match if they end here, else partial
                    assert verdict in (M, P_), (nodes, word[:n])
                if verdict == M:
                    assert outcome == "partial" or (outcome == "success" and not rest), (nodes, word[:n])


def test_the_pseudocode_quirk_this_matcher_does_not_copy_communication_s2_2():
    """zeroOrMore(sequence[A, B]) after A: the pseudocode's zeroOrMore answers success; it is unfinished."""
    assert verdicts(build(("zeroOrMore", ["ab"]), ab=("sequence", ["A", "B"])), "A") == [M, P_]


def test_an_attempt_that_ran_out_does_not_hide_a_match_communication_s2_2():
    """sequence[optional(sequence[A, A, C]), B] after one statement matching A and B: the pseudocode says
    partial (the optional ran out); ended there, the optional's attempt fails and B matches."""
    matcher = build(("sequence", ["opt", "B"]), opt=("optional", ["aac"]), aac=("sequence", ["A", "A", "C"]))
    state, v = matcher.advance(matcher.start(), [X + "A", X + "B"])
    assert v[X + "root"] == M
    state, v = matcher.advance(state, [X + "A"])  # the optional goes on: A A ... then C, then B
    assert v[X + "root"] == P_
