"""The one error shape of the service's domain code: what was wrong (detail), where (a JSON path or the name
of a parameter) and the HTTP status an API answers with. Handlers map it; the domain code never imports Flask.
"""

from __future__ import annotations


class DomainError(ValueError):
    def __init__(self, detail: str, path: str, status: int = 400):
        super().__init__(detail)
        self.detail = detail
        self.path = path
        self.status = status
