"""Open Badges 3.0: a signed credential when a certification is earned, downloadable and verifiable offline."""

from __future__ import annotations

import json

from tests.conftest import statement
from tests.progress.test_certifications import COMPLETED, TWO_RULES
from tests.progress.test_engine import setup_people


def earn(admin, xapi, ids):
    cert_id = admin.post("/certifications", json={"title": "Code reviewer", "definition": {
        **TWO_RULES, "mode": "n_of", "n": 1}}).get_json()["id"]
    admin.post(f"/certifications/{cert_id}/holders", json={"person_ids": [ids["E2"]]})
    return xapi.store(statement(actor={"mbox": "mailto:ada@example.com"}, verb={"id": COMPLETED}))


def test_a_badge_is_issued_and_verifies_offline(app, client, xapi, runner, tmp_path):
    admin, ids = setup_people(app, client)
    earn(admin, xapi, ids)
    listed = admin.get(f"/people/{ids['E2']}/badges").get_json()
    assert len(listed) == 1 and listed[0]["certification"] == "Code reviewer"
    download = admin.get(f"/badges/{listed[0]['id']}").get_json()
    credential = download["decoded"]
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["credentialSubject"]["achievement"]["name"] == "Code reviewer"
    assert "ada@example.com" not in json.dumps(credential)
    assert download["jwks"] == client.get("/.well-known/jwks.json").get_json()
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(download))
    result = runner.invoke(args=["badges", "verify", str(path)])
    assert result.exit_code == 0 and "valid: Code reviewer" in result.output
    forged = dict(download)
    head, payload, signature = download["credential"].split(".")
    forged["credential"] = ".".join([head, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    path.write_text(json.dumps(forged))
    refused = runner.invoke(args=["badges", "verify", str(path)])
    assert refused.exit_code != 0 and "does not verify" in refused.output


def test_keys_rotate_and_old_badges_still_verify(app, client, xapi, runner, tmp_path):
    admin, ids = setup_people(app, client)
    earn(admin, xapi, ids)
    badge_id = admin.get(f"/people/{ids['E2']}/badges").get_json()[0]["id"]
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert len(jwks["keys"]) == 2
    path = tmp_path / "badge.json"
    bundle = admin.get(f"/badges/{badge_id}").get_json()
    path.write_text(bundle["credential"])
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(jwks))
    assert runner.invoke(args=["badges", "verify", str(path), "--jwks", str(keys)]).exit_code == 0


def test_voiding_the_evidence_withdraws_the_badge(app, client, xapi):
    admin, ids = setup_people(app, client)
    sid = earn(admin, xapi, ids)
    assert len(admin.get(f"/people/{ids['E2']}/badges").get_json()) == 1
    xapi.store(statement(actor={"mbox": "mailto:ada@example.com"}, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                         object={"objectType": "StatementRef", "id": sid}))
    assert admin.get(f"/people/{ids['E2']}/badges").get_json() == []


def test_badges_are_private_to_those_who_may_see_the_person(app, client, xapi):
    admin, ids = setup_people(app, client)
    earn(admin, xapi, ids)
    badge_id = admin.get(f"/people/{ids['E2']}/badges").get_json()[0]["id"]
    from tests.api.conftest import make_user_client

    stranger = make_user_client(app, client, "learner")
    assert stranger.get(f"/badges/{badge_id}").status_code == 404
    other = make_user_client(app, client, "admin", tenant="other")
    assert other.get(f"/badges/{badge_id}").status_code == 404
