"""Impact views: learning and outcomes of a team, month by month, side by side. Never commits.

Per month: hours of learning (``result.duration`` of the members' statements), goals achieved,
certification coverage (members holding an active certification among those who should hold one), and,
where the code-review source provides it, review turnaround (hours from a change request being opened to
its first approval or merge). Shown side by side with the caveat that correlation is not cause.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, time

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import CertificationHolder, Goal, GoalProgress, Identity, Statement, StatementIndex
from lrs.progress.rules import duration_seconds
from lrs.xapi import formats
from lrs.xapi.statements import AGENT, ifi_value

CAVEAT = ("These figures are shown side by side over time; a change in one alongside another does not "
          "show that one caused the other.")
CR = "https://w3id.org/xapi/lrs/profiles/code-review/verbs/"
OPENED, DONE = CR + "opened", (CR + "approved", CR + "merged")
COLUMNS = ["month", "learning_hours", "goals_achieved", "certification_coverage", "review_turnaround_hours",
           "reviews_measured"]


def _months(period_from: date, period_to: date) -> list[str]:
    months, year, month = [], period_from.year, period_from.month
    while (year, month) <= (period_to.year, period_to.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month(us: int) -> str:
    return formats.from_micros(us).strftime("%Y-%m")


def impact(session: Session, tenant_id: int, members: list[int], period_from: date, period_to: date) -> dict:
    low = formats.to_micros(datetime.combine(period_from, time.min, tzinfo=UTC))
    high = formats.to_micros(datetime.combine(period_to, time.max, tzinfo=UTC))
    months = _months(period_from, period_to)
    hours: dict[str, float] = defaultdict(float)
    achieved: dict[str, int] = defaultdict(int)
    opened: dict[str, int] = {}
    closed: dict[str, int] = {}
    identities = {v: p for v, p in session.execute(select(Identity.value, Identity.person_id).where(
        Identity.person_id.in_(members)))}
    hashes = list(session.scalars(select(Identity.agent_hash).where(Identity.person_id.in_(members))))
    if hashes:
        theirs = select(StatementIndex.seq).where(StatementIndex.tenant_id == tenant_id, StatementIndex.kind == AGENT,
                                                  StatementIndex.value_hash.in_(hashes))
        for (payload,) in session.execute(select(Statement.payload).where(
                Statement.tenant_id == tenant_id, Statement.voided.is_(False), Statement.seq.in_(theirs))):
            statement = orjson.loads(payload)
            if ifi_value(statement["actor"]) not in identities:
                continue
            moment = formats.parse_timestamp(statement.get("timestamp"))
            us = formats.to_micros(moment) if moment else 0
            verb, target = statement["verb"]["id"], statement["object"].get("id")
            if verb == OPENED and target:
                opened[target] = min(opened.get(target, us), us)
            if low <= us <= high:
                hours[_month(us)] += duration_seconds(statement.get("result", {}).get("duration")) / 3600
    for verb_done in DONE:  # approvals and merges of the members' change requests, by anyone
        for (payload,) in session.execute(select(Statement.payload).where(
                Statement.tenant_id == tenant_id, Statement.verb_id == verb_done, Statement.voided.is_(False))):
            statement = orjson.loads(payload)
            target = statement["object"].get("id")
            moment = formats.parse_timestamp(statement.get("timestamp"))
            if target in opened and moment:
                us = formats.to_micros(moment)
                closed[target] = min(closed.get(target, us), us)
    turnaround: dict[str, list[float]] = defaultdict(list)
    for target, start in opened.items():
        if target in closed and low <= start <= high and closed[target] >= start:
            turnaround[_month(start)].append((closed[target] - start) / 3_600_000_000)
    for achieved_us in session.scalars(select(GoalProgress.achieved_us).join(Goal, Goal.id == GoalProgress.goal_id)
                                       .where(Goal.person_id.in_(members), Goal.holder_id.is_(None),
                                              GoalProgress.achieved_us.between(low, high))):
        achieved[_month(achieved_us)] += 1
    holders = session.execute(select(CertificationHolder.person_id, CertificationHolder.events,
                                     CertificationHolder.revoked_at)
                              .where(CertificationHolder.person_id.in_(members))).all()
    rows = []
    for month in months:
        end = formats.to_micros(datetime.strptime(month + "-28", "%Y-%m-%d").replace(tzinfo=UTC))
        rows.append({
            "month": month, "learning_hours": round(hours.get(month, 0.0), 2),
            "goals_achieved": achieved.get(month, 0), "certification_coverage": _coverage(holders, end),
            "review_turnaround_hours": (round(sum(turnaround[month]) / len(turnaround[month]), 1)
                                        if turnaround.get(month) else None),
            "reviews_measured": len(turnaround.get(month, [])),
        })
    return {"period_from": period_from.isoformat(), "period_to": period_to.isoformat(), "members": len(members),
            "months": rows, "caveat": CAVEAT}


def _coverage(holders: list, at_us: int) -> float | None:
    """Share of people who should hold a certification that held one (active) at that time."""
    expected, held = set(), set()
    for person_id, events, revoked_at in holders:
        expected.add(person_id)
        if revoked_at is not None and formats.to_micros(revoked_at.replace(tzinfo=UTC)) <= at_us:
            continue
        for event in orjson.loads(events):
            valid = event["kind"] != "expired" and event["at_us"] <= at_us and (
                event["expires_us"] is None or event["expires_us"] > at_us)
            if valid:
                held.add(person_id)
    return round(len(held) / len(expected), 3) if expected else None


def to_csv(view: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in view["months"]:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    out.write(f"# {view['caveat']}\n")
    return out.getvalue()
