"""Recommendations for open goals: the activities that would move a goal forward. Never commits.

For each open goal of a person: the activities the goal's rule names, and those its peers (people with
the same goal: copies of one team goal, or the same rule) did for it, ranked by how many peers did them and
how recently; nothing the person already did. Each suggestion says why in one line.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Activity, Goal, GoalEvidence, GoalProgress, Identity, StatementIndex
from lrs.progress.goals import status_of
from lrs.xapi.statements import ACTIVITY, AGENT, RELATED_ACTIVITY, activity_hash

OPEN = ("not_started", "in_progress", "overdue")


def _done_by(session: Session, tenant_id: int, person_id: int, activities: set[str]) -> set[str]:
    """Of these activities, those the person has any statement about."""
    hashes = list(session.scalars(select(Identity.agent_hash).where(Identity.person_id == person_id)))
    if not hashes or not activities:
        return set()
    mine = select(StatementIndex.seq).where(StatementIndex.tenant_id == tenant_id, StatementIndex.kind == AGENT,
                                            StatementIndex.value_hash.in_(hashes))
    by_hash = {activity_hash(a): a for a in activities}
    rows = session.scalars(select(StatementIndex.value_hash).where(
        StatementIndex.tenant_id == tenant_id, StatementIndex.kind.in_((ACTIVITY, RELATED_ACTIVITY)),
        StatementIndex.value_hash.in_(list(by_hash)), StatementIndex.seq.in_(mine)).distinct())
    return {by_hash[h] for h in rows}


def _peer_goals(session: Session, goal: Goal) -> list[int]:
    same = (Goal.parent_id == goal.parent_id) if goal.parent_id is not None else (Goal.rule == goal.rule)
    return list(session.scalars(select(Goal.id).where(
        Goal.tenant_id == goal.tenant_id, Goal.id != goal.id, Goal.person_id.is_not(None),
        Goal.person_id != goal.person_id, Goal.holder_id.is_(None), same)))


def _names(session: Session, tenant_id: int, activities: set[str]) -> dict[str, str]:
    names = {}
    for iri, definition in session.execute(select(Activity.activity_id, Activity.definition).where(
            Activity.tenant_id == tenant_id, Activity.activity_id.in_(sorted(activities)))):
        labels = (orjson.loads(definition) if definition else {}).get("name") or {}
        names[iri] = labels.get("en") or labels.get("en-US") or next(iter(labels.values()), iri)
    return names


def recommend(session: Session, tenant_id: int, person_id: int, per_goal: int = 5) -> list[dict]:
    today = date.today()
    goals = session.execute(select(Goal, GoalProgress).outerjoin(GoalProgress, GoalProgress.goal_id == Goal.id)
                            .where(Goal.tenant_id == tenant_id, Goal.person_id == person_id,
                                   Goal.holder_id.is_(None)).order_by(Goal.id)).all()
    found = []
    for goal, progress in goals:
        if status_of(goal, progress, today) not in OPEN:
            continue
        rule = orjson.loads(goal.rule)
        named = set(rule.get("match", {}).get("activities", [])) | set(rule["measure"].get("activities", []))
        peers: dict[str, set[int]] = defaultdict(set)
        latest: dict[str, int] = defaultdict(int)
        peer_goals = _peer_goals(session, goal)
        if peer_goals:
            for goal_id, activity, ts in session.execute(
                    select(GoalEvidence.goal_id, GoalEvidence.activity_id, GoalEvidence.timestamp_us)
                    .where(GoalEvidence.goal_id.in_(peer_goals), GoalEvidence.activity_id.is_not(None))):
                peers[activity].add(goal_id)
                latest[activity] = max(latest[activity], ts)
        candidates = named | set(peers)
        done = _done_by(session, tenant_id, person_id, candidates)
        names = _names(session, tenant_id, candidates)
        ranked = sorted(candidates - done, key=lambda a: (-len(peers.get(a, ())), -latest.get(a, 0),
                                                          a not in named, a))
        suggestions = []
        for activity in ranked[:per_goal]:
            count = len(peers.get(activity, ()))
            if count:
                why = f"{count} of {len(peer_goals)} {'person' if len(peer_goals) == 1 else 'people'} with the " \
                      f"same goal completed this for it"
            else:
                why = "the goal names this activity"
            suggestions.append({"activity_id": activity, "name": names.get(activity, activity), "why": why,
                                "peers": count})
        found.append({"goal_id": goal.id, "title": goal.title, "suggestions": suggestions})
    return found
