"""LTI 1.3: the service as a tool inside Moodle, Canvas or any LTI platform (see README.md here).

``register(app)`` adds the /lti pages, the /api/v1/lti API, the ``lrs lti`` commands, and the session
cookie flags LTI sessions need. The progress engine calls ``lrs.lti.grades.on_progress`` and the worker
``lrs.lti.grades.deliver_due_grades``; nothing else of the service depends on this package.
"""

from __future__ import annotations

import os

from flask import Flask

EXTENSION = "lrs.lti"


def register(app: Flask) -> None:
    if EXTENSION in app.extensions:
        raise RuntimeError("LTI is already registered on this app")
    app.extensions[EXTENSION] = True
    app.config.setdefault("LRS_LTI_SECURE_COOKIES",
                          os.environ.get("LRS_LTI_SECURE_COOKIES", "1").lower() not in ("0", "false", "no"))

    from lrs.api import API_PREFIX, api
    from lrs.lti import frames, launch_views, pages  # noqa: F401  (the views attach to the blueprint)
    from lrs.lti.api import blp
    from lrs.lti.cli import lti
    from lrs.lti.web import bp

    app.register_blueprint(bp)
    api.register_blueprint(blp, url_prefix=f"{API_PREFIX}/lti")
    app.cli.add_command(lti)
    frames.install(app)
