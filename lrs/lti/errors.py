"""The one error of the LTI package: what was wrong, where, and the HTTP status it maps to."""

from __future__ import annotations


class LtiError(ValueError):
    """A refusal. ``detail`` is safe to show and to log: it never carries a token or a claim's value."""

    def __init__(self, detail: str, path: str = "", status: int = 400):
        super().__init__(detail)
        self.detail = detail
        self.path = path
        self.status = status
