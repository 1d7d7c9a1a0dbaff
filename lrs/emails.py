"""E-mail address syntax, shared by accounts and the people directory."""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: str) -> bool:
    return EMAIL_RE.match(value) is not None
