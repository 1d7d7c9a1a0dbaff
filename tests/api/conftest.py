"""Fixtures for the admin API: users with a role and an API token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from lrs.accounts.service import create_user, issue_token
from lrs.extensions import db
from tests.conftest import SECRET_KEY


@dataclass
class ApiClient:
    client: FlaskClient
    token: str

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, path, json=None, **kw):
        return self.client.put(f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw)


def make_user_client(app, client, role: str, tenant: str = "default", email: str | None = None) -> ApiClient:
    with app.app_context():
        user = create_user(db.session, email=email or f"{role}@{tenant}.example.com", name=role.title(),
                           role=role, tenant=tenant)
        issued = issue_token(db.session, SECRET_KEY, user)
        db.session.commit()
    return ApiClient(client, issued.token)


@pytest.fixture
def admin(app, client) -> ApiClient:
    return make_user_client(app, client, "admin")


@pytest.fixture
def learner(app, client) -> ApiClient:
    return make_user_client(app, client, "learner")
