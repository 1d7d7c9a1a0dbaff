"""The xAPI Profiles core: pure functions and classes, no Flask, no database, no request.

Structure (xAPI Profiles Part Two)::

    validate_profile(doc, *, strict=False, known_components=None) -> list[ProfileError]
        Every structure error of a profile document (empty: valid). Refuse the profile when not empty.
    revision_problems(previous, current) -> list[ProfileError]   # a new version vs the stored one
    concept_conflicts(current, others) -> list[ProfileError]     # concepts other profiles define

Statement templates (structure §8, communication §2.1)::

    match_template(template, statement, lookup=None, *, resolve=None) -> list[RuleFailure]
    TemplateIndex(profiles)                       # compiled once per set of profiles
        .validate(statement, *, profiles=None, lookup=None) -> dict[profile id, TemplateValidation]
        .claimed_profiles(statement) -> list[profile id]    # versions named in category (§5)
        .extension_problems(statement) -> list[str]         # extensions used where §7.2 forbids
        .candidates(StatementView.of(statement)) -> list[CompiledTemplate]

Patterns (structure §9, communication §2.2), incremental with a JSON state (see ``patterns``)::

    PatternMatcher(profile, external=None)
        .start() -> state
        .advance(state, template_ids) -> (state, {primary pattern id: Verdict})
        .advance_many(state, sequence_of_template_id_sets) -> (state, verdicts)
        .evaluate(sequence_of_template_id_sets) -> {primary pattern id: Verdict}
        PatternMatcher.follows(verdicts) -> Verdict      # match / partial / failure
    pattern_scope(statement, profile_version) -> (registration, subregistration | None) | None
    subregistration_problems(statement, profile_versions=()) -> list[str]

The project's own profiles: ``builtin.project_profiles()`` reads ``xapi_profiles/*.jsonld``.

A typical ingest, statements ordered by timestamp and then by their place in the batch (§2.2)::

    index = TemplateIndex(profiles)                      # per tenant, rebuilt when its profiles change
    claimed = index.claimed_profiles(statement)          # §5: these profiles' templates MUST be followed
    results = index.validate(statement, profiles=claimed, lookup=stored_statement_or_none)
    refuse if any(not r.ok for r in results.values()) or index.extension_problems(statement)
    matched = [t for r in results.values() for t in r.matched]
    for each claimed profile with primary patterns, and its version named in category:
        scope = pattern_scope(statement, version)        # None: no registration, no pattern
        state = stored state for (scope, profile) or matcher.start()
        state, verdicts = matcher.advance(state, matched)  # store state; FAILURE = pattern broken
"""

from .errors import PatternStateError, ProfileError, RuleFailure
from .index import TemplateIndex, TemplateValidation
from .patterns import PatternMatcher, Verdict
from .registration import SUBREGISTRATION, pattern_scope, subregistration_problems
from .revisions import concept_conflicts, revision_problems
from .structure import SPEC_VERSION, validate_profile
from .templates import CompiledTemplate, StatementView, compile_template, match_template

__all__ = [
    "SPEC_VERSION",
    "SUBREGISTRATION",
    "CompiledTemplate",
    "PatternMatcher",
    "PatternStateError",
    "ProfileError",
    "RuleFailure",
    "StatementView",
    "TemplateIndex",
    "TemplateValidation",
    "Verdict",
    "compile_template",
    "concept_conflicts",
    "match_template",
    "pattern_scope",
    "revision_problems",
    "subregistration_problems",
    "validate_profile",
]
