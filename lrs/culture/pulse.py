"""Anonymous pulse checks on a learning initiative: anonymous by construction. Never commits.

An answer is stored without the person, without a time and under a random key; that a person answered is
kept apart as an HMAC of (pulse, person) under the service key, so each person answers once and nothing
links them to what they said. Results are shown only as aggregates, and only once at least ``threshold``
people answered (never fewer than three). Free text is shown in a random order, with the aggregates.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from datetime import date

import orjson
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Pulse, PulseAnswer, PulseParticipation, Team, TeamMember

MIN_THRESHOLD = 3


class PulseError(DomainError):
    pass


def open_pulse(session: Session, tenant_id: int, team_id: int, *, title: str, subject: str, questions: list[str],
               free_text_prompt: str, threshold: int, opened_by: int | None) -> Pulse:
    team = session.get(Team, team_id)
    if team is None or team.tenant_id != tenant_id:
        raise PulseError(f"no team {team_id}", "team_id", 404)
    if not 3 <= len(questions) <= 5 or not all(q.strip() for q in questions):
        raise PulseError("a pulse check has three to five questions", "$.questions")
    if threshold < MIN_THRESHOLD:
        raise PulseError(f"results need at least {MIN_THRESHOLD} answers to stay anonymous", "$.threshold")
    pulse = Pulse(tenant_id=tenant_id, team_id=team_id, title=title, subject=subject,
                  questions=orjson.dumps([q.strip() for q in questions]).decode(), free_text_prompt=free_text_prompt,
                  threshold=threshold, opened_by=opened_by, opened_on=date.today(), closed=False)
    session.add(pulse)
    session.flush()
    return pulse


def _token(secret_key: str, pulse_id: int, person_id: int) -> str:
    return hmac.new(secret_key.encode(), f"pulse\x1f{pulse_id}\x1f{person_id}".encode(), hashlib.sha256).hexdigest()


def answer(session: Session, secret_key: str, pulse: Pulse, person_id: int, ratings: list[int],
           text: str | None) -> None:
    if pulse.closed:
        raise PulseError("this pulse check is closed", "pulse", 409)
    member = session.scalar(select(TeamMember.person_id).where(TeamMember.team_id == pulse.team_id,
                                                               TeamMember.person_id == person_id))
    if member is None:
        raise PulseError("pulse checks are answered by the team's members", "pulse", 403)
    questions = orjson.loads(pulse.questions)
    if len(ratings) != len(questions) or not all(isinstance(r, int) and 1 <= r <= 5 for r in ratings):
        raise PulseError(f"give {len(questions)} ratings, each from 1 to 5", "$.ratings")
    session.add(PulseParticipation(pulse_id=pulse.id, token=_token(secret_key, pulse.id, person_id)))
    try:
        session.flush()
    except IntegrityError as exc:
        raise PulseError("you have answered this pulse check already", "pulse", 409) from exc
    session.add(PulseAnswer(key=secrets.token_hex(16), pulse_id=pulse.id, ratings=orjson.dumps(ratings).decode(),
                            text=(text or "").strip() or None))
    session.flush()


def has_answered(session: Session, secret_key: str, pulse: Pulse, person_id: int) -> bool:
    return session.scalar(select(PulseParticipation.token).where(
        PulseParticipation.pulse_id == pulse.id,
        PulseParticipation.token == _token(secret_key, pulse.id, person_id))) is not None


def results(session: Session, pulse: Pulse) -> dict:
    """Aggregates only, and only from the threshold on."""
    questions = orjson.loads(pulse.questions)
    count = session.scalar(select(func.count()).select_from(PulseAnswer).where(PulseAnswer.pulse_id == pulse.id))
    view: dict = {"id": pulse.id, "title": pulse.title, "subject": pulse.subject, "questions": questions,
                  "free_text_prompt": pulse.free_text_prompt, "closed": pulse.closed, "threshold": pulse.threshold}
    if count < pulse.threshold:
        view.update({"responses": f"fewer than {pulse.threshold}", "results": None})
        return view
    rows = session.execute(select(PulseAnswer.ratings, PulseAnswer.text).where(PulseAnswer.pulse_id == pulse.id)).all()
    ratings = [orjson.loads(r.ratings) for r in rows]
    texts = [r.text for r in rows if r.text]
    random.SystemRandom().shuffle(texts)
    view["responses"] = count
    view["results"] = [{"question": q, "mean": round(sum(r[i] for r in ratings) / count, 2),
                        "distribution": {str(v): sum(1 for r in ratings if r[i] == v) for v in range(1, 6)}}
                       for i, q in enumerate(questions)]
    view["comments"] = texts
    return view
