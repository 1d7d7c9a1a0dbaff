"""What writing a batch of statements needs that does not depend on the database, computed up front.

The rows, the index keys each statement carries itself and the activity definitions it gives are worked out
before the write begins, so that the transaction (on SQLite, the one writer the database admits) holds the
database only for the statements it sends. Plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from lrs.xapi import formats
from lrs.xapi.activities import collect_definitions
from lrs.xapi.errors import BadRequest
from lrs.xapi.statements import index_keys, is_voiding, statement_ref_target

Keys = set[tuple[int, int]]  # (kind, value hash) pairs of statement_index
STATEMENT_COLUMNS = ("tenant_id", "statement_id", "stored_us", "credential_id", "verb_id", "ref_target",
                     "is_voiding", "voided", "payload", "attachment_hashes")


@dataclass(frozen=True)
class Batch:
    statements: list[dict]  # prepared (``id`` and ``stored`` set), in request order
    position: dict[str, int]  # statement id -> its index in the request
    rows: dict[str, tuple]  # statement id -> its row of ``statements`` (STATEMENT_COLUMNS)
    keys: dict[str, Keys]  # statement id -> its own index keys (not those it inherits)
    definitions: dict[str, dict]  # activity id -> the definitions the batch gives, merged in order

    def definitions_of(self, fresh: list[dict]) -> dict[str, dict]:
        """The definitions the statements ``fresh`` give (all of the batch's when none was skipped)."""
        return self.definitions if len(fresh) == len(self.statements) else collect_definitions(fresh)


def _attachment_hashes(statement: dict, held: dict[str, tuple[str, bytes]]) -> str | None:
    """The SHA-2 of the attachments (a SubStatement's too) whose data came with the request, lower case."""
    sub = statement["object"] if statement["object"].get("objectType") == "SubStatement" else {}
    hashes = (a["sha2"].lower() for a in (*statement.get("attachments", ()), *sub.get("attachments", ())))
    return " ".join(sha2 for sha2 in dict.fromkeys(hashes) if sha2 in held) or None


def build(statements: Sequence[dict], tenant_id: int, credential_id: int | None,
          attachments: dict[str, tuple[str, bytes]]) -> Batch:
    """The batch of prepared statements; 400 when two of them have one id (Communication 2.1.2)."""
    position: dict[str, int] = {}
    for index, statement in enumerate(statements):
        sid = statement["id"]
        if sid in position:
            raise BadRequest(f"the batch holds statement id {sid} more than once (first at "
                             f"$[{position[sid]}])", path=f"$[{index}].id")
        position[sid] = index
    stored_us: dict[str, int] = {}  # statements of one request share their ``stored``
    rows = {}
    for statement in statements:
        stored = statement["stored"]
        if stored not in stored_us:
            moment = formats.parse_timestamp(stored)
            assert moment is not None, "prepare() sets stored"
            stored_us[stored] = formats.to_micros(moment)
        rows[statement["id"]] = (
            tenant_id, statement["id"], stored_us[stored], credential_id, statement["verb"]["id"],
            statement_ref_target(statement), is_voiding(statement), False, orjson.dumps(statement).decode(),
            _attachment_hashes(statement, attachments))
    return Batch(list(statements), position, rows, {s["id"]: index_keys(s) for s in statements},
                 collect_definitions(list(statements)))
