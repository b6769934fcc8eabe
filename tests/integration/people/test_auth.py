"""Sign-in and bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from helpline.app.people.security import issue_token
from testkit import PASSWORD, SECRET_KEY, MakeUser

TOKEN = "/api/v1/auth/token"


def test_sign_in_returns_a_token_and_the_user_without_password(
    client: TestClient, make_user: MakeUser
) -> None:
    user, _ = make_user("leader", username="wang.li", display_name="王丽")
    response = client.post(TOKEN, data={"username": "wang.li", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 720 * 60
    assert body["user"]["id"] == user.id
    assert body["user"]["display_name"] == "王丽"
    assert "password" not in response.text and "password_hash" not in body["user"]

    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "wang.li"
    assert me.json()["role"] == "leader"


def test_username_is_case_insensitive(client: TestClient, make_user: MakeUser) -> None:
    make_user(username="zhang")
    response = client.post(TOKEN, data={"username": "Zhang", "password": PASSWORD})
    assert response.status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient, make_user: MakeUser) -> None:
    make_user(username="li")
    wrong = client.post(TOKEN, data={"username": "li", "password": "not-the-password"})
    unknown = client.post(TOKEN, data={"username": "nobody", "password": "not-the-password"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "bad_credentials"
    assert wrong.json()["message"] == unknown.json()["message"]


def test_disabled_account_cannot_sign_in(client: TestClient, make_user: MakeUser) -> None:
    make_user(username="gone", active=False)
    response = client.post(TOKEN, data={"username": "gone", "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_sign_in_to_another_tenant_needs_the_tenant_field(
    client: TestClient, make_user: MakeUser, login: Callable[..., dict[str, str]]
) -> None:
    make_user("agent", tenant="acme", username="chen")
    default = client.post(TOKEN, data={"username": "chen", "password": PASSWORD})
    assert default.status_code == 401
    headers = login("chen", tenant="acme")
    assert client.get("/api/v1/auth/me", headers=headers).json()["tenant_id"] == "acme"


def test_missing_form_field_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post(TOKEN, data={"password": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert [e["field"] for e in body["errors"]] == ["body.username"]


def test_requests_without_valid_token_are_401(client: TestClient, make_user: MakeUser) -> None:
    user, _ = make_user()
    expired = issue_token(
        SECRET_KEY,
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        ttl=timedelta(minutes=1),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    forged = issue_token(
        "another-secret-key-that-is-long-enough-too",
        user_id=user.id,
        tenant_id=user.tenant_id,
        role="admin",
        ttl=timedelta(hours=1),
        now=datetime.now(UTC),
    )
    cases = {
        "not_authenticated": {},
        "invalid_token": {"Authorization": "Bearer not-a-jwt"},
        "token_expired": {"Authorization": f"Bearer {expired}"},
    }
    cases_forged = {"Authorization": f"Bearer {forged}"}
    for code, headers in cases.items():
        response = client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401, code
        assert response.json()["code"] == code
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/auth/me", headers=cases_forged).json()["code"] == "invalid_token"


def test_token_of_a_disabled_user_stops_working(client: TestClient, make_user: MakeUser) -> None:
    _, admin = make_user("admin")
    user, headers = make_user("agent")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    patched = client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin)
    assert patched.status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
