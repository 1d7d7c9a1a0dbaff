"""Progress without a worker: after statements are stored, the request that stored them catches up.

On by default (LRS_PROGRESS_INLINE=1) so the embedded default needs no second process; production turns it
off and runs ``lrs worker``. The statements are committed before this runs, so a failure here loses
nothing: it is logged, and the next catch-up (inline or the worker) does the work.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from lrs.extensions import db
from lrs.progress.engine import ProgressEngine

log = logging.getLogger(__name__)


def after_statements_stored() -> None:
    if not current_app.config.get("LRS_PROGRESS_INLINE", True):
        return
    try:
        ProgressEngine(db.session).catch_up()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("inline progress catch-up failed; the worker or the next request will redo it")
