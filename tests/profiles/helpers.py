"""Shared by the profile tests: the five profiles, lookups by id suffix, sample statements."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADL = ROOT.parent / "shared" / "data" / "profiles"
FILES = {
    "cmi5": ADL / "cmi5-v1.0.jsonld",
    "video": ADL / "video.jsonld",
    "code-review": ROOT / "xapi_profiles" / "code-review.jsonld",
    "micro-learning": ROOT / "xapi_profiles" / "micro-learning.jsonld",
    "certification": ROOT / "xapi_profiles" / "certification.jsonld",
}
PROJECT = ("code-review", "micro-learning", "certification")
BASE = "https://w3id.org/xapi/lrs/profiles/"


@cache
def _load(name: str) -> str:
    return FILES[name].read_text(encoding="utf-8")


def profile(name: str) -> dict:
    """A fresh copy of one of the five profiles (tests may change it)."""
    return copy.deepcopy(json.loads(_load(name)))


def index_of(doc: dict, key: str, suffix: str) -> int:
    """Index of the member of doc[key] whose id ends with ``suffix``."""
    for i, item in enumerate(doc[key]):
        if item["id"].endswith(suffix):
            return i
    raise KeyError(suffix)


def item(doc: dict, key: str, suffix: str) -> dict:
    return doc[key][index_of(doc, key, suffix)]


def tid(profile_name: str, name: str) -> str:
    return f"{BASE}{profile_name}/templates/{name}"
