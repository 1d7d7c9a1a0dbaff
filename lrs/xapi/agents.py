"""The Person object of the Agents resource (Communication 2.4).

A Person gathers every identity known for the same person: each property is an array. Which identities
belong together is the people directory's knowledge; this module only combines them.
"""

from __future__ import annotations

from lrs.xapi.validation import IFI_KEYS


def person_object(agents: list[dict]) -> dict:
    """Combine Agent objects (the requested one first) into one Person object."""
    person: dict = {"objectType": "Person"}
    for key in ("name", *IFI_KEYS):
        values: list = []
        for agent in agents:
            value = agent.get(key)
            if value is not None and value not in values:
                values.append(value)
        if values:
            person[key] = values
    return person
