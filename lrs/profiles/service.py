"""The tenant's profiles in the database, and checking statements against them on ingest. Never commits.

Import refuses an invalid profile whole (every error with its path and rule). Ingest asks
``ProfileCheck`` for each batch: in ``enforce`` mode a statement that claims a profile (names a version in
``context.contextActivities.category``) and breaks one of its templates is refused with the template and
rule; in ``report`` mode (the default) results are recorded per statement and counted per template;
patterns advance per registration in the same transaction as the statements.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lrs.models import PatternState, Profile, ProfileVersion, StatementTemplateResult, TemplateStat, Tenant
from lrs.models.profiles import PROFILE_MODES
from lrs.profiles.builtin import project_profiles
from lrs.profiles.errors import ProfileError
from lrs.profiles.index import TemplateIndex, TemplateValidation
from lrs.profiles.patterns import PatternMatcher
from lrs.profiles.registration import pattern_scope
from lrs.profiles.revisions import revision_problems
from lrs.profiles.structure import validate_profile
from lrs.xapi import bulk
from lrs.xapi.errors import ValidationError
from lrs.xapi.formats import parse_timestamp
from lrs.xapi.store import dialect_insert


class ProfileImportError(ValueError):
    def __init__(self, errors: list[ProfileError], status: int = 400):
        super().__init__(f"{len(errors)} error(s) in the profile")
        self.errors = errors
        self.status = status

    def to_json(self) -> list[dict]:
        return [{"path": e.path, "rule": e.rule, "section": e.section, "detail": e.message} for e in self.errors]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _label(doc: dict) -> str:
    labels = doc.get("prefLabel") or {}
    return labels.get("en") or labels.get("en-US") or next(iter(labels.values()), doc.get("id", ""))


def _bump(session: Session, tenant_id: int) -> None:
    session.execute(update(Tenant).where(Tenant.id == tenant_id)
                    .values(profiles_revision=Tenant.profiles_revision + 1))


def import_profile(session: Session, tenant_id: int, doc: object) -> tuple[Profile, str]:
    """Store a profile (or a new version of one). Returns (profile, "created" | "updated" | "unchanged")."""
    if not isinstance(doc, dict):
        raise ProfileImportError([ProfileError("$", "document", "structure §6", "a profile is a JSON object")])
    errors = validate_profile(doc)
    if errors:
        raise ProfileImportError(errors)
    versions = doc["versions"]
    version_iri = versions[0]["id"]
    text = orjson.dumps(doc).decode()
    profile = session.scalar(select(Profile).where(Profile.tenant_id == tenant_id, Profile.iri == doc["id"]))
    if profile is None:
        profile = Profile(tenant_id=tenant_id, iri=doc["id"], version_iri=version_iri, label=_label(doc),
                          document=text, deprecated=False, updated=_now())
        session.add(profile)
        session.flush()
        outcome = "created"
    else:
        known = session.scalar(select(ProfileVersion).where(ProfileVersion.profile_id == profile.id,
                                                            ProfileVersion.version_iri == version_iri))
        if known is not None:
            if orjson.loads(known.document) == doc:
                return profile, "unchanged"
            raise ProfileImportError([ProfileError(
                "$.versions[0].id", "version-changed", "structure §6.1",
                f"version {version_iri} was imported with different content; a change needs a new version")], 409)
        problems = revision_problems(orjson.loads(profile.document), doc)
        if problems:
            raise ProfileImportError(problems)
        profile.version_iri, profile.label, profile.document = version_iri, _label(doc), text
        profile.updated = _now()
        outcome = "updated"
    session.add(ProfileVersion(profile_id=profile.id, version_iri=version_iri, document=text, imported=_now()))
    _bump(session, tenant_id)
    session.flush()
    return profile, outcome


def deprecate_profile(session: Session, profile: Profile) -> None:
    profile.deprecated = True
    profile.updated = _now()
    _bump(session, profile.tenant_id)


def set_mode(session: Session, tenant_id: int, mode: str) -> None:
    if mode not in PROFILE_MODES:
        raise ValueError(f"mode must be one of {', '.join(PROFILE_MODES)}")
    session.execute(update(Tenant).where(Tenant.id == tenant_id).values(profile_mode=mode))


# -- the template index per tenant, built once per revision of its profiles ----------------------------------

@dataclass
class _Compiled:
    revision: int
    index: TemplateIndex
    matchers: dict[str, PatternMatcher]
    versions: dict[str, list[str]]  # profile id -> its version ids


_cache: dict[int, _Compiled] = {}
_lock = threading.Lock()


@lru_cache(maxsize=1)
def builtin_profiles() -> tuple[dict, ...]:
    """The project's own profiles (xapi_profiles/), which every tenant has: the plugins emit them."""
    return tuple(project_profiles())


def compiled(session: Session, tenant_id: int, revision: int) -> _Compiled:
    cached = _cache.get(tenant_id)
    if cached is not None and cached.revision == revision:
        return cached
    rows = session.execute(select(Profile.iri, Profile.document, Profile.deprecated).where(
        Profile.tenant_id == tenant_id).order_by(Profile.id)).all()
    own = {iri for iri, _, _ in rows}
    docs = [d for d in builtin_profiles() if d["id"] not in own]
    docs += [orjson.loads(document) for _, document, deprecated in rows if not deprecated]
    matchers = {d["id"]: PatternMatcher(d) for d in docs if any(p.get("primary") for p in d.get("patterns", ()))}
    built = _Compiled(revision, TemplateIndex(docs), matchers,
                      {d["id"]: [v["id"] for v in d["versions"]] for d in docs})
    with _lock:
        _cache[tenant_id] = built
    return built


# -- checking a batch on ingest ------------------------------------------------------------------------------

@dataclass
class BatchCheck:
    mode: str
    results: dict[int, dict[str, TemplateValidation]] = field(default_factory=dict)  # batch index -> results

    def matched_templates(self, index: int) -> set[str]:
        return {t for r in self.results.get(index, {}).values() for t in r.matched}


def _refusal(index: int, validation: TemplateValidation) -> ValidationError:
    failure = next((f for f in validation.failures if f.kind != "determining"), None) or validation.failures[0]
    return ValidationError(
        f"the statement claims profile {validation.profile} and breaks template {failure.template}: "
        f"{failure.message} (rule {failure.rule} at {failure.path})", f"$[{index}]")


def check_batch(session: Session, tenant_id: int, statements: list[dict], mode: str | None,
                tenant_profiles: tuple[str, int] | None = None) -> BatchCheck | None:
    """Check statements against the templates of the profiles they claim; None when there is nothing to do.

    ``tenant_profiles``: the tenant's (profile_mode, profiles_revision) when the caller read them already
    (the xAPI resources read them with the credential); otherwise they are read here.
    """
    # One plain query: this runs for every write, and loading the ORM object costs more than the lookup.
    profile_mode, revision = tenant_profiles or bulk.fetch_one(
        session, "SELECT profile_mode, profiles_revision FROM tenants WHERE id = ?", (tenant_id,)) or ("off", 0)
    mode = mode or profile_mode
    if mode == "off":
        return None
    built = compiled(session, tenant_id, revision)
    if not built.index.profiles:
        return None
    check = BatchCheck(mode)
    for position, statement in enumerate(statements):
        claimed = built.index.claimed_profiles(statement)
        if not claimed:
            continue
        results = built.index.validate(statement, profiles=claimed)
        if mode == "enforce":
            for validation in results.values():
                if not validation.ok:
                    raise _refusal(position, validation)
        check.results[position] = results
    return check


def record_batch(session: Session, tenant_id: int, statements: list[dict], check: BatchCheck,
                 stored_ids: set[str]) -> None:
    """Record results of newly stored statements, count matches per template, advance patterns."""
    built = _cache[tenant_id]
    matched: Counter[tuple[str, str]] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    rows = []
    for position, results in check.results.items():
        statement = statements[position]
        if statement["id"] not in stored_ids:
            continue
        for profile, validation in results.items():
            rows.append({"tenant_id": tenant_id, "statement_id": statement["id"], "profile_iri": profile,
                         "outcome": validation.outcome, "templates": orjson.dumps(list(validation.templates)).decode(),
                         "failures": orjson.dumps([{"template": f.template, "rule": f.rule, "path": f.path,
                                                    "detail": f.message} for f in validation.failures
                                                   if f.kind != "determining"]).decode() or None})
            for template in validation.matched:
                matched[(profile, template)] += 1
            if validation.outcome == "invalid":
                for template in validation.templates:
                    failed[(profile, template)] += 1
    if rows:
        session.execute(dialect_insert(session, StatementTemplateResult), rows)
    for key in sorted(set(matched) | set(failed)):
        profile, template = key
        insert = dialect_insert(session, TemplateStat).values(
            tenant_id=tenant_id, template_iri=template, profile_iri=profile, matched=matched[key], failed=failed[key])
        session.execute(insert.on_conflict_do_update(
            index_elements=["tenant_id", "template_iri"],
            set_={"matched": TemplateStat.matched + matched[key], "failed": TemplateStat.failed + failed[key]}))
    _advance_patterns(session, tenant_id, built, statements, check, stored_ids)


def _advance_patterns(session: Session, tenant_id: int, built: _Compiled, statements: list[dict],
                      check: BatchCheck, stored_ids: set[str]) -> None:
    """Statements of a registration, in timestamp order, move its pattern state (structure §9)."""
    steps: dict[tuple[str, str, str], list[tuple[str, int, set[str]]]] = {}
    for position in sorted(check.results):
        statement = statements[position]
        if statement["id"] not in stored_ids:
            continue
        templates = check.matched_templates(position)
        for profile in check.results[position]:
            if profile not in built.matchers:
                continue
            for version in built.versions[profile]:
                scope = pattern_scope(statement, version)
                if scope is not None:
                    registration, sub = scope
                    moment = parse_timestamp(statement.get("timestamp"))
                    steps.setdefault((profile, registration, sub or ""), []).append(
                        (moment.isoformat() if moment else "", position, templates))
                    break
    for (profile, registration, sub), items in sorted(steps.items()):
        row = session.scalar(select(PatternState).where(
            PatternState.tenant_id == tenant_id, PatternState.profile_iri == profile,
            PatternState.registration == registration, PatternState.subregistration == sub).with_for_update())
        matcher = built.matchers[profile]
        state = orjson.loads(row.state) if row is not None else matcher.start()
        state, verdicts = matcher.advance_many(state, [templates for _, _, templates in sorted(
            items, key=lambda item: (item[0], item[1]))])
        values = {"state": orjson.dumps(state).decode(),
                  "verdicts": orjson.dumps({k: str(v) for k, v in verdicts.items()}).decode(),
                  "updated": _now()}
        if row is None:
            session.add(PatternState(tenant_id=tenant_id, profile_iri=profile, registration=registration,
                                     subregistration=sub, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    session.flush()


def active_documents(session: Session, tenant_id: int) -> list[dict]:
    """The profiles a tenant's statements are checked against: its own (not deprecated) and the builtin ones."""
    rows = list(session.scalars(select(Profile).where(Profile.tenant_id == tenant_id)))
    own = {p.iri for p in rows}
    return [d for d in builtin_profiles() if d["id"] not in own] + [
        orjson.loads(p.document) for p in rows if not p.deprecated]


def template_stats(session: Session, tenant_id: int, label=lambda names, fallback: fallback) -> list[dict]:
    """Per active profile, each template with how many statements matched and broke it."""
    counts = {t: (m, f) for t, m, f in session.execute(
        select(TemplateStat.template_iri, TemplateStat.matched, TemplateStat.failed)
        .where(TemplateStat.tenant_id == tenant_id))}
    return [{"profile": d["id"], "label": label(d.get("prefLabel"), d["id"]), "templates": [
        {"template": t["id"], "label": label(t.get("prefLabel"), t["id"]),
         "matched": counts.get(t["id"], (0, 0))[0], "failed": counts.get(t["id"], (0, 0))[1]}
        for t in d.get("templates", ())]} for d in active_documents(session, tenant_id)]
