"""The Person object of the Agents resource (Communication 2.4).

A Person gathers every identity known for the same person: each property is an array. Which identities
belong together is the people directory's knowledge; this module only combines them.
"""

from __future__ import annotations

from lrs.xapi.statements import ifi_value
from lrs.xapi.validation import IFI_KEYS


def _same(key: str, value) -> object:
    """What two values of ``key`` are compared by: an identifier as the LRS matches agents by it (an mbox
    whatever the case of its domain, a SHA-1 whatever the case of its hex), a name as it is."""
    return ifi_value({key: value}) if key in IFI_KEYS else value


def person_object(agents: list[dict]) -> dict:
    """Combine Agent objects (the requested one first) into one Person object, each value once."""
    person: dict = {"objectType": "Person"}
    for key in ("name", *IFI_KEYS):
        values: list = []
        seen: list = []
        for agent in agents:
            value = agent.get(key)
            if value is not None and _same(key, value) not in seen:
                values.append(value)
                seen.append(_same(key, value))
        if values:
            person[key] = values
    return person
