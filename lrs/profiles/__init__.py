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
        .evaluate(sequence_of_template_id_sets) -> {primary pattern id: Verdict}
        PatternMatcher.follows(verdicts) -> Verdict      # match / partial / failure
    pattern_scope(statement, profile_version) -> (registration, subregistration | None) | None
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
