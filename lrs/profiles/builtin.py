"""The profiles the project authors itself, kept as JSON-LD in ``xapi_profiles/`` at the repository root.

``project_profiles()`` reads them (sorted by file name); each is a valid profile (the tests check it).
"""

from __future__ import annotations

import json
from pathlib import Path

PROJECT_PROFILES_DIR = Path(__file__).resolve().parents[2] / "xapi_profiles"


def project_profiles(directory: Path = PROJECT_PROFILES_DIR) -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.jsonld"))]
