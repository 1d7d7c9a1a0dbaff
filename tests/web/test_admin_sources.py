"""/admin/sources, /admin/forwarding and /admin/profiles: what flows in, what flows on, what it follows."""

from __future__ import annotations

import io
import json
import re

import orjson

from lrs.extensions import db
from lrs.forwarding.service import add_forwarder
from lrs.models import Forwarder, Source
from lrs.plugin_host.sources import record
from tests.conftest import SECRET_KEY
from tests.profiles.helpers import profile
from tests.web.conftest import log_in_as, post


def _admin(app, client, seed):
    return log_in_as(app, client, seed.users["admin"])


def test_a_source_is_added_with_its_url_and_secret_shown_once(app, client, seed):
    _admin(app, client, seed)
    page = client.get("/admin/sources").get_data(as_text=True)
    assert '<option value="github">' in page and '<option value="gitlab">' in page
    response = post(client, "/admin/sources", {"kind": "github", "name": "Our GitHub",
                                               "options": '{"homepage": "https://git.example.com"}'})
    page = response.get_data(as_text=True)
    assert response.status_code == 201
    url = re.search(r"<dt>Webhook URL</dt><dd><code>([^<]+)</code>", page).group(1)
    secret = re.search(r"<dt>Secret</dt><dd><code>([^<]+)</code>", page).group(1)
    assert url.startswith("http://localhost/hooks/")
    assert secret not in client.get("/admin/sources").get_data(as_text=True)


def test_source_errors_name_the_field(app, client, seed):
    _admin(app, client, seed)
    cases = [({"kind": "github", "name": "x", "options": "{nope"}, "not valid JSON"),
             ({"kind": "github", "name": "x", "options": "[1]"}, "a JSON object"),
             ({"kind": "github", "name": "x", "options": '{"colour": "red"}'}, "unknown option"),
             ({"kind": "svn", "name": "x", "options": ""}, "no source plugin &#39;svn&#39;"),
             ({"kind": "github", "name": "", "options": ""}, "non-empty name")]
    for data, message in cases:
        response = post(client, "/admin/sources", data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), message
    with app.app_context():
        assert db.session.query(Source).count() == 0


def test_the_health_of_each_source_shows_counts_errors_and_rejects(app, client, seed):
    _admin(app, client, seed)
    post(client, "/admin/sources", {"kind": "gitlab", "name": "GitLab", "options": "{}"})
    with app.app_context():
        source = db.session.query(Source).one()
        record(db.session, source.id, received=5, stored=3, ignored=1,
               rejects=[("the event has no user", '{"x": 1}')], error="signature mismatch")
        source_id = source.id
    page = client.get("/admin/sources").get_data(as_text=True)
    row = page.split("<th scope=\"row\">GitLab</th>")[1].split("</tr>")[0]
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", row)] == [5, 3, 1, 1]
    assert "signature mismatch" in row and "the event has no user" in row
    response = post(client, f"/admin/sources/{source_id}/disable")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Source, source_id).enabled is False
    assert "<td>disabled</td>" in client.get("/admin/sources").get_data(as_text=True)


def test_forwarders_show_lag_and_state_and_switch_off_and_on(app, client, seed):
    with app.app_context():
        forwarder = add_forwarder(db.session, SECRET_KEY, tenant="default", name="Warehouse", kind="http",
                                  url="http://127.0.0.1:9/in", from_start=True)
        forwarder.failures, forwarder.last_error = 3, "connection refused"
        db.session.commit()
        forwarder_id = forwarder.id
    _admin(app, client, seed)
    page = client.get("/admin/forwarding").get_data(as_text=True)
    row = page.split("<th scope=\"row\">Warehouse</th>")[1].split("</tr>")[0]
    assert "status-failing" in row and "connection refused" in row and "http://127.0.0.1:9/in" in row
    assert re.search(r"<td>[1-9]\d*</td><td>[\d.]+ s</td>", row)  # statements behind, and the lag
    assert post(client, f"/admin/forwarding/{forwarder_id}/disable").status_code == 302
    with app.app_context():
        assert db.session.get(Forwarder, forwarder_id).enabled is False
    post(client, f"/admin/forwarding/{forwarder_id}/enable")
    with app.app_context():
        assert db.session.get(Forwarder, forwarder_id).enabled is True


def _upload(client, content: bytes, name: str = "profile.jsonld"):
    return post(client, "/admin/profiles", {"file": (io.BytesIO(content), name)},
                content_type="multipart/form-data")


def test_profiles_are_listed_with_statements_per_template(app, client, seed):
    page = _admin(app, client, seed).get("/admin/profiles").get_data(as_text=True)
    assert "built in" in page and "https://w3id.org/xapi/lrs/profiles/certification" in page
    stats = page.split('id="stats-h"')[1]
    assert "<td>1</td>" in stats and "1 matched" in stats  # the kudos matched the recognition profile's template
    assert 'class="chart chart-bar"' in stats


def test_a_profile_file_is_imported(app, client, seed):
    _admin(app, client, seed)
    response = _upload(client, json.dumps(profile("video")).encode())
    assert response.status_code == 302
    page = client.get("/admin/profiles").get_data(as_text=True)
    assert ": created." in page and "imported" in page


def test_an_invalid_profile_is_refused_with_every_error_listed(app, client, seed):
    _admin(app, client, seed)
    doc = profile("video")
    doc["versions"] = []
    doc["concepts"][0]["type"] = "Nonsense"
    response = _upload(client, orjson.dumps(doc))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "the profile was not imported" in page
    assert "<code>$.versions</code>" in page and "<code>$.concepts[0].type</code>" in page
    for content, message in ((b"{not json", "not valid JSON"), (b"", "Choose a JSON-LD file")):
        response = _upload(client, content)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
