"""Ground truth for the query benchmark, computed from the generated statements without the LRS's code.

Every statement loaded is described by "facts" (dimension, value): its actor, verb, object activity,
registration, the activities and agents a ``related_*`` filter also looks at. A statement whose object is
a StatementRef has its target's facts as well (Communication 2.1.3, filter conditions for StatementRefs).
Postings list the load positions of the statements holding each fact, in load order (the order of ``seq``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

AGENT, RELATED_AGENT, VERB, ACTIVITY, RELATED_ACTIVITY, REGISTRATION = (
    "agent", "related_agent", "verb", "activity", "related_activity", "registration")


def ifi(agent: dict) -> str:
    """An agent's identifier as one string (the generator's agents have an mbox or an account)."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    account = agent["account"]
    return f"account:{account['homePage']}|{account['name']}"


def _context_activities(context: dict) -> Iterable[str]:
    for value in context.get("contextActivities", {}).values():
        for activity in value if isinstance(value, list) else [value]:
            yield activity["id"]


def own_facts(statement: dict) -> set[tuple[str, str]]:
    """What filters find a statement by, read straight off the statement (authority left out)."""
    facts = {(VERB, statement["verb"]["id"]), (AGENT, ifi(statement["actor"]))}
    context = statement.get("context", {})
    if "registration" in context:
        facts.add((REGISTRATION, context["registration"].lower()))
    facts.update((RELATED_ACTIVITY, iri) for iri in _context_activities(context))
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        facts.add((ACTIVITY, target["id"]))
    elif kind in ("Agent", "Group"):
        facts.add((AGENT, ifi(target)))
    elif kind == "SubStatement":
        facts.add((RELATED_AGENT, ifi(target["actor"])))
        sub = target["object"]
        if sub.get("objectType", "Activity") == "Activity":
            facts.add((RELATED_ACTIVITY, sub["id"]))
        else:
            facts.add((RELATED_AGENT, ifi(sub)))
        facts.update((RELATED_ACTIVITY, iri) for iri in _context_activities(target.get("context", {})))
    return facts


@dataclass
class Truth:
    """Postings of every fact over the statements of one tenant, in load order."""

    ids: list[str] = field(default_factory=list)
    stored_us: array = field(default_factory=lambda: array("q"))
    postings: dict[tuple[str, str], array] = field(default_factory=dict)
    _facts_of: dict[str, tuple] = field(default_factory=dict)
    _interned: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def add(self, statement: dict, stored_us: int) -> None:
        """Record the next statement loaded (its id lower case, as stored)."""
        facts = own_facts(statement)
        if statement["object"].get("objectType") == "StatementRef":
            facts.update(self._facts_of.get(statement["object"]["id"].lower(), ()))
        position = len(self.ids)
        sid = statement["id"].lower()
        self.ids.append(sid)
        self.stored_us.append(stored_us)
        interned = tuple(self._interned.setdefault(fact, fact) for fact in facts)
        self._facts_of[sid] = interned
        for fact in interned:
            self.postings.setdefault(fact, array("I")).append(position)

    def __len__(self) -> int:
        return len(self.ids)

    def matching(self, dims: tuple[str, ...], value: str) -> list[int]:
        """Load positions of the statements with ``value`` in any of ``dims``, in load order."""
        lists = [self.postings.get((dim, value), array("I")) for dim in dims]
        if len(lists) == 1:
            return list(lists[0])
        return sorted(set().union(*lists))

    def window(self, since_us: int, until_us: int) -> list[int]:
        """Positions stored in (since, until]; the loader stores statements in increasing ``stored`` order."""
        from bisect import bisect_right

        return list(range(bisect_right(self.stored_us, since_us), bisect_right(self.stored_us, until_us)))

    def values(self, dim: str, at_least: int) -> list[str]:
        """Values of a dimension held by at least ``at_least`` statements, sorted."""
        return sorted(value for (d, value), found in self.postings.items() if d == dim and len(found) >= at_least)
