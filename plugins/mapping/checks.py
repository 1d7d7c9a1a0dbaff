"""Whether a statement (template) gives valid statements that follow the micro-learning profile.

``check_template`` runs when a source is added: the template's two samples (``samples``) must be valid
xAPI 1.0.3 and follow the profile wherever the template's own literals decide; a problem is a
PluginConfigError naming the path in the mapping. ``check_statement`` runs on every statement a payload
gives; a problem is an EventError naming the payload value it came from when there is one.
"""

from __future__ import annotations

from lrs.plugin_host.base import EventError, PluginConfigError
from lrs.xapi.errors import ValidationError
from lrs.xapi.validation import StatementValidator
from plugins.mapping.nodes import Node, sample
from plugins.mapping.paths import longest_prefix, short
from plugins.mapping.profile import Breach, micro_learning
from plugins.mapping.samples import SampleContext, settle

XAPI_VERSION = "1.0.3"


def mapping_path(path: str, where: dict[str, str]) -> str:
    """The place in the mapping of a statement path of a sample."""
    known = longest_prefix(path, where)
    return where[known] + path[len(known):] if known is not None else where["$"]


def check_template(template: Node, homepage: str) -> None:
    for present in (True, False):
        cx = SampleContext(present, homepage or "https://example.com")
        statement = settle(sample(template, cx, ()), cx)
        _check_sample(statement, cx, "with every optional part" if present else "without its optional parts")


def _check_sample(statement: dict, cx: SampleContext, how: str) -> None:
    try:
        StatementValidator(XAPI_VERSION).statement(statement, "$")
    except ValidationError as exc:
        if not cx.is_dynamic(exc.path or "$"):
            raise PluginConfigError(f"the statement {how} is not valid xAPI: {exc.detail}",
                                    mapping_path(exc.path or "$", cx.where)) from exc
        return  # a placeholder did not suit: the literal parts could not all be checked
    profile = micro_learning()
    claimed = profile.claim(statement)
    outcome, breaches = profile.check(claimed)
    if outcome == "unmatched":
        if not (cx.is_dynamic("$.verb.id") or cx.is_dynamic("$.object.definition.type")):
            raise PluginConfigError(f"no template of the micro-learning profile is for "
                                    f"{profile.describe(claimed)}; its templates: {profile.templates_text()}",
                                    mapping_path("$.verb.id", cx.where))
        return
    for breach in breaches:
        place = _decided_by_template(breach, cx)
        if place is not None:
            raise PluginConfigError(f"the statement {how} does not follow the micro-learning template "
                                    f"{breach.template!r}: {breach.message}", mapping_path(place, cx.where))


def _decided_by_template(breach: Breach, cx: SampleContext) -> str | None:
    """The statement path to blame when the template itself (not the payload) breaks the rule."""
    if not breach.locations:
        return None if cx.is_dynamic(breach.fallback) else breach.fallback
    if breach.excluded:
        return breach.locations[0]
    if any(cx.is_dynamic(location) for location in breach.locations):
        return None
    return breach.locations[0]


def check_statement(statement: dict, index: int, trace: dict[str, str], rule: str) -> None:
    """Raise EventError unless the statement (the index-th of the event) is valid and follows the profile."""
    try:
        StatementValidator(XAPI_VERSION).statement(statement, "$")
    except ValidationError as exc:
        _raise(f"is not valid xAPI: {exc.detail}", exc.path or "$", index, trace, rule)
    profile = micro_learning()
    outcome, breaches = profile.check(statement)
    if outcome == "unmatched":
        _raise(f"follows no template of the micro-learning profile ({profile.describe(statement)}; its "
               f"templates: {profile.templates_text()})", "$.verb.id", index, {}, rule)
    if breaches:
        breach = breaches[0]
        place = breach.locations[0] if breach.locations else breach.fallback
        _raise(f"does not follow the micro-learning template {breach.template!r}: {breach.message}", place,
               index, trace, rule)


def _raise(problem: str, path: str, index: int, trace: dict[str, str], rule: str) -> None:
    statement_path = f"$[{index}]{path[1:]}"
    known = longest_prefix(path, trace)
    if known is not None:
        origin = trace[known]
        raise EventError(f"{origin} makes {statement_path} of {short(rule)} invalid: the statement {problem}",
                         origin)
    raise EventError(f"the statement {statement_path} made by {short(rule)} {problem}", statement_path)
