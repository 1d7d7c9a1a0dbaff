"""Errors of the xAPI layer. Each names what was wrong and, where it applies, where (a JSON path)."""

from __future__ import annotations


class XAPIError(Exception):
    status = 400
    error = "bad_request"

    def __init__(self, detail: str, path: str | None = None, *, headers: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.path = path
        self.headers = headers or {}

    def to_json(self) -> dict:
        return {"error": self.error, "detail": self.detail, "path": self.path}


class BadRequest(XAPIError):
    pass


class ValidationError(BadRequest):
    error = "invalid_statement"


class Unauthorized(XAPIError):
    status = 401
    error = "unauthorized"


class Forbidden(XAPIError):
    status = 403
    error = "forbidden"


class NotFound(XAPIError):
    status = 404
    error = "not_found"


class Conflict(XAPIError):
    status = 409
    error = "conflict"


class PreconditionFailed(XAPIError):
    status = 412
    error = "precondition_failed"


class PayloadTooLarge(XAPIError):
    status = 413
    error = "payload_too_large"


class PreconditionRequired(XAPIError):
    status = 428
    error = "precondition_required"


class Unavailable(XAPIError):
    status = 503
    error = "unavailable"

    def __init__(self, detail: str, path: str | None = None, *, retry_after: int = 1):
        super().__init__(detail, path, headers={"Retry-After": str(retry_after)})
