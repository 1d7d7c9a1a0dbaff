"""Profiles in the service: import through the API and CLI, checking statements on ingest (off, report,
enforce), template statistics and pattern state per registration."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import orjson
import pytest

from tests.api.conftest import make_user_client
from tests.conftest import DATA, XapiClient, issue_credential
from tests.profiles.samples import code_review, micro_learning

PROFILES = Path(__file__).resolve().parents[2] / "xapi_profiles"
ADL = [DATA / "profiles" / "cmi5-v1.0.jsonld", DATA / "profiles" / "video.jsonld"]
CR = "https://w3id.org/xapi/lrs/profiles/code-review"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def admin(app, client):
    return make_user_client(app, client, "admin")


@pytest.mark.parametrize("path", [*ADL, *sorted(PROFILES.glob("*.jsonld"))], ids=lambda p: p.name)
def test_adl_and_project_profiles_import(admin, path):
    """Profiles structure §6–§9: the two ADL profiles and the project's own import without error."""
    response = admin.post("/profiles", data=path.read_bytes(), headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["outcome"] == "created"
    again = admin.post("/profiles", data=path.read_bytes(), headers={"Content-Type": "application/ld+json"})
    assert again.get_json()["outcome"] == "unchanged"


def _broken(mutate):
    doc = load(ADL[1])
    mutate(doc)
    return doc


BROKEN = [
    ("not-json", b"{", "body"),
    ("no-preflabel", _broken(lambda d: d.pop("prefLabel")), "$.prefLabel"),
    ("bad-template-location", _broken(lambda d: d["templates"][0].setdefault("rules", []).append(
        {"location": "$.result[", "presence": "included"})), "$.templates[0].rules"),
    ("pattern-cycle", _broken(lambda d: d["patterns"].append(
        {"id": d["patterns"][0]["id"] + "-loop", "type": "Pattern", "inScheme": d["versions"][0]["id"],
         "prefLabel": {"en": "loop"}, "definition": {"en": "loop"},
         "sequence": [d["patterns"][0]["id"] + "-loop", d["templates"][0]["id"]]})), "$.patterns"),
]


@pytest.mark.parametrize("name, doc, path", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_profiles_are_refused_whole(admin, name, doc, path):
    body = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    response = admin.post("/profiles", data=body, headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()
    assert error["path"].startswith(path)
    if name != "not-json":
        assert error["errors"] and all({"path", "rule", "section", "detail"} <= set(e) for e in error["errors"])
    assert [p for p in admin.get("/profiles").get_json() if not p["builtin"]] == []


def test_a_new_version_is_kept_with_the_history(admin):
    doc = load(ADL[1])
    admin.post("/profiles", data=orjson.dumps(doc), headers={"Content-Type": "application/ld+json"})
    newer = copy.deepcopy(doc)
    old_version = doc["versions"][0]["id"]
    newer["versions"].insert(0, {"id": old_version + "-2", "wasRevisionOf": [old_version],
                                 "generatedAtTime": "2026-01-01T00:00:00Z"})
    response = admin.post("/profiles", data=orjson.dumps(newer), headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["outcome"] == "updated"
    shown = admin.get(f"/profiles/{response.get_json()['id']}").get_json()
    assert [h["version"] for h in shown["history"]] == [old_version, old_version + "-2"]
    assert shown["version"] == old_version + "-2"
    changed = copy.deepcopy(doc)
    changed["definition"] = {"en": "something else"}
    clash = admin.post("/profiles", data=orjson.dumps(changed), headers={"Content-Type": "application/ld+json"})
    assert clash.status_code == 409


def test_report_mode_records_and_counts_templates(admin, xapi):
    """Report (the default): statements are stored, and which templates matched is counted."""
    assert xapi.post([code_review("opened"), code_review("approved")]).status_code == 200
    stats = {t["template"]: t for p in admin.get("/profiles/stats").get_json() if p["profile"] == CR
             for t in p["templates"]}
    assert stats[f"{CR}/templates/opened"]["matched"] == 1
    assert stats[f"{CR}/templates/approved"]["matched"] == 1
    broken = code_review("approved")
    broken["result"] = {"success": False}
    assert xapi.post(broken).status_code == 200
    stats = {t["template"]: t for p in admin.get("/profiles/stats").get_json() if p["profile"] == CR
             for t in p["templates"]}
    assert stats[f"{CR}/templates/approved"]["failed"] == 1


def test_enforce_mode_refuses_a_broken_claim_naming_template_and_rule(admin, xapi):
    assert admin.put("/profiles/settings", json={"mode": "enforce"}).get_json() == {"mode": "enforce"}
    broken = code_review("approved")
    broken["result"] = {"success": False}
    response = xapi.post([code_review("opened"), broken])
    assert response.status_code == 400
    error = response.get_json()
    assert error["path"].startswith("$[1]")
    assert f"{CR}/templates/approved" in error["detail"] and "rule" in error["detail"]
    assert xapi.get().get_json()["statements"] == []
    assert xapi.post(code_review("opened")).status_code == 200


def test_off_mode_and_a_credential_override(app, client, admin, xapi, runner):
    broken = code_review("approved")
    broken["result"] = {"success": False}
    admin.put("/profiles/settings", json={"mode": "enforce"})
    relaxed = issue_credential(app, name="relaxed")
    assert runner.invoke(args=["profiles", "mode", "off", "--credential", relaxed.key]).exit_code == 0
    assert XapiClient(client, relaxed).post(broken).status_code == 200
    assert xapi.post(broken).status_code == 400


def test_pattern_state_per_registration(admin, xapi):
    """Patterns (structure §9) advance per registration as statements arrive."""
    registration = str(uuid.uuid4())

    def step(kind):
        item = micro_learning(kind)
        item["context"]["registration"] = registration
        return item

    xapi.post([step("started"), step("answered")])
    pattern = admin.get(f"/profiles/patterns?registration={registration}").get_json()
    verdicts = pattern[0]["patterns"]
    assert set(verdicts.values()) == {"partial"}
    xapi.post(step("completed"))
    verdicts = admin.get(f"/profiles/patterns?registration={registration}").get_json()[0]["patterns"]
    assert "match" in verdicts.values()


def test_cli_import_list_and_deprecate(runner, tmp_path):
    result = runner.invoke(args=["profiles", "import", str(ADL[1]), "--json"])
    assert result.exit_code == 0, result.output
    iri = json.loads(result.output)["iri"]
    listed = json.loads(runner.invoke(args=["profiles", "list", "--json"]).output)
    assert iri in [p["iri"] for p in listed] and any(p["builtin"] for p in listed)
    assert runner.invoke(args=["profiles", "deprecate", iri]).exit_code == 0
    bad = tmp_path / "bad.jsonld"
    doc = load(ADL[1])
    doc.pop("prefLabel")
    bad.write_text(json.dumps(doc))
    refused = runner.invoke(args=["profiles", "import", str(bad)])
    assert refused.exit_code != 0 and "$.prefLabel" in refused.output and "Traceback" not in refused.output


def test_profiles_do_not_cross_tenants(app, client, admin):
    admin.post("/profiles", data=ADL[1].read_bytes(), headers={"Content-Type": "application/ld+json"})
    own = [p for p in admin.get("/profiles").get_json() if not p["builtin"]]
    other = make_user_client(app, client, "admin", tenant="other")
    assert [p for p in other.get("/profiles").get_json() if not p["builtin"]] == []
    assert other.get(f"/profiles/{own[0]['id']}").status_code == 404
