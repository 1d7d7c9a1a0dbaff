"""Real statements are accepted and read back as sent: the spec's examples and what Moodle's log store sends.

Data: /work/shared/data/statements/ (see its SOURCES.md). One test per file. Fragments of the spec (Appendix B
objects, Appendix C interaction definitions) are wrapped into statements here, the files are never changed.
What the LRS sets is left out of the comparison: ``stored`` and ``authority`` always (Data 2.4.8: the LRS
MUST overwrite ``stored``; 2.4.9: this LRS overwrites ``authority`` from the credential), and ``id``,
``version`` and ``timestamp`` where the sender left them out (Data 2.4.1, 2.4.10, 2.4.7).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from lrs.xapi.validation import SIGNATURE_USAGE
from tests.conftest import DATA

SPEC = DATA / "statements" / "xapi-spec"
MOODLE = DATA / "statements" / "moodle"
ACTOR = {"objectType": "Agent", "name": "Spec Example", "mbox": "mailto:spec-example@example.com"}
VERB = {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}}
INTERACTION_BASE = "http://example.com/xapi-spec/appendix-c/"
ALWAYS_SET = ("stored", "authority")
SET_WHEN_ABSENT = ("id", "version", "timestamp")


def load(path: Path):
    return orjson.loads(path.read_bytes())


def about(statement_object: dict) -> dict:
    return {"actor": ACTOR, "verb": VERB, "object": statement_object}


def spec_statements(path: Path) -> list[dict]:
    """The statements a file of the spec's examples stands for, wrapped where it is only a fragment."""
    data = load(path)
    name = path.name
    if name.startswith("appendixB_object_"):
        return [about(data)]  # Appendix B: examples of the object of a statement
    if name.startswith("appendixC_"):
        # Appendix C: one activity definition per interactionType, keyed by that type.
        return [about({"objectType": "Activity", "id": INTERACTION_BASE + kind, "definition": definition})
                for kind, definition in data.items()]
    statements = data if isinstance(data, list) else [data]
    if name.startswith("appendixD_"):
        # Data 2.6: the signed statement is sent as a plain statement, without its signature attachment.
        statements = [_without_signature(statement) for statement in statements]
    return statements


def _without_signature(statement: dict) -> dict:
    kept = [a for a in statement.get("attachments", ()) if a["usageType"] != SIGNATURE_USAGE]
    out = {k: v for k, v in statement.items() if k != "attachments"}
    if kept:
        out["attachments"] = kept
    return out


def as_sent(returned: dict, sent: dict) -> dict:
    """The returned statement without what the LRS sets (see the module docstring)."""
    out = {k: v for k, v in returned.items() if k not in ALWAYS_SET}
    for key in SET_WHEN_ABSENT:
        if key not in sent:
            out.pop(key, None)
    return out


def expected(sent: dict) -> dict:
    return {k: v for k, v in sent.items() if k not in ALWAYS_SET}


def assert_read_back(client, ids: list[str], sent: list[dict]) -> None:
    assert len(ids) == len(sent)
    for statement_id, original in zip(ids, sent, strict=True):
        if "id" in original:
            assert statement_id == original["id"].lower()
        returned = client.fetch(statement_id)
        assert as_sent(returned, original) == expected(original)


@pytest.mark.parametrize("path", sorted(SPEC.glob("*.json")), ids=lambda p: p.name)
def test_spec_example_is_accepted_and_read_back(xapi, path):
    statements = spec_statements(path)
    response = xapi.post(statements)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_read_back(xapi, response.get_json(), statements)


@pytest.mark.parametrize("path", sorted(MOODLE.glob("*.json")), ids=lambda p: p.name)
def test_moodle_batch_is_accepted_and_read_back(xapi, path):
    # interop-notes: Moodle POSTs the whole array at once, HTTP Basic, X-Experience-API-Version 1.0.3.
    statements = load(path)
    assert isinstance(statements, list)
    assert xapi.version == "1.0.3"
    response = xapi.post(statements)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_read_back(xapi, response.get_json(), statements)


def test_every_data_file_is_covered():
    # The parametrisation above must not silently lose files: the folders hold 14 and 117 of them.
    assert len(list(SPEC.glob("*.json"))) >= 14
    assert len(list(MOODLE.glob("*.json"))) >= 117
