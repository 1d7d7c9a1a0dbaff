"""Pages inside the LMS: framed by exactly the session's platform, with cookies that survive the frame.

An LTI session lives in an iframe of another site, so its session cookie is ``SameSite=None; Secure;
Partitioned`` (browsers that block third-party cookies keep partitioned ones, per top-level site); every
response of such a session may be framed by the platform's origins only (CSP ``frame-ancestors``; any
``X-Frame-Options`` is dropped). Both are applied when the session is saved, after every ``after_request``
hook, so pages of other blueprints (/me, /team) get them too. ``LRS_LTI_SECURE_COOKIES=0`` drops
``Secure`` (and so ``SameSite=None``, which browsers refuse without it) for development over plain HTTP.
"""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context, session

LTI_KEY = "lti"


def secure_cookies(app: Flask) -> bool:
    return bool(app.config.get("LRS_LTI_SECURE_COOKIES", True))


def in_frame() -> bool:
    """Whether this request belongs to an LTI session (or a launch: g.lti_frame)."""
    return has_request_context() and (LTI_KEY in session or bool(g.get("lti_frame")))


def cookie_options(app: Flask) -> dict:
    """The flags of any cookie an LTI page sets (the session's and the login state's)."""
    if secure_cookies(app):
        return {"secure": True, "samesite": "None", "partitioned": True, "httponly": True}
    return {"secure": False, "samesite": "Lax", "httponly": True}


def allow_framing(response: Response, origins: list[str]) -> None:
    """CSP frame-ancestors with these origins only (none: not framable); any X-Frame-Options is dropped."""
    ancestors = "frame-ancestors " + (" ".join(origins) if origins else "'none'")
    current = response.headers.get("Content-Security-Policy", "")
    kept = [d.strip() for d in current.split(";") if d.strip() and not d.strip().lower().startswith(
        "frame-ancestors")]
    response.headers["Content-Security-Policy"] = "; ".join([*kept, ancestors])
    response.headers.pop("X-Frame-Options", None)


class LtiSessionCookies:
    """Mixed into the app's session interface: the cookie flags and framing of LTI sessions.

    It also keeps the signing serializer for as long as the app's keys stay the same: Flask's interface
    builds a new one twice per request (opening and saving the session), which on an xAPI request that
    carries no cookie at all was a few percent of its time.
    """

    _serializer: tuple[tuple, object] | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._serializer
        if kept is None or kept[0] != keys:
            kept = self._serializer = (keys, super().get_signing_serializer(app))
        return kept[1]

    def get_cookie_samesite(self, app: Flask):
        return cookie_options(app)["samesite"] if in_frame() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_options(app)["secure"] if in_frame() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return cookie_options(app).get("partitioned", False) if in_frame() else super().get_cookie_partitioned(app)

    def save_session(self, app: Flask, session, response: Response) -> None:
        lti = session.get(LTI_KEY) if session else None
        if isinstance(lti, dict):
            allow_framing(response, list(lti.get("frame", [])))
        super().save_session(app, session, response)


def install(app: Flask) -> None:
    base = type(app.session_interface)
    if issubclass(base, LtiSessionCookies):
        return
    app.session_interface = type("LtiSessionInterface", (LtiSessionCookies, base), {})()


def frame_origins_of_session() -> list[str]:
    lti = session.get(LTI_KEY)
    return list(lti.get("frame", [])) if isinstance(lti, dict) else []

