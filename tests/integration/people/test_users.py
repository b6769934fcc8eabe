"""Users and tenants over HTTP: roles, tenant isolation, validation, atomic writes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from testkit import PASSWORD, MakeUser

USERS = "/api/v1/users"
TENANTS = "/api/v1/tenants"


def test_admin_creates_a_user_who_can_sign_in(
    client: TestClient, make_user: MakeUser, login: Callable[..., dict[str, str]]
) -> None:
    _, admin = make_user("admin")
    body = {"username": "Zhao.Min", "password": "s3cret-pass", "role": "leader", "locale": "en"}
    response = client.post(USERS, json=body, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["username"] == "zhao.min"
    assert created["display_name"] == "zhao.min"
    assert created["role"] == "leader"
    assert created["tenant_id"] == "default"
    assert "password" not in response.text
    headers = login("zhao.min", "s3cret-pass")
    assert client.get("/api/v1/auth/me", headers=headers).json()["id"] == created["id"]


def test_taken_username_is_409_and_writes_nothing(client: TestClient, make_user: MakeUser) -> None:
    _, admin = make_user("admin")
    make_user("agent", username="sun")
    response = client.post(USERS, json={"username": "SUN", "password": PASSWORD}, headers=admin)
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert response.json()["fields"] == {"field": "username"}
    listed = client.get(USERS, headers=admin).json()
    assert sorted(u["username"] for u in listed) == ["admin1", "sun"]


def test_same_username_in_two_tenants_is_fine(client: TestClient, make_user: MakeUser) -> None:
    make_user("agent", username="zhou")
    _, admin_b = make_user("admin", tenant="beta")
    response = client.post(USERS, json={"username": "zhou", "password": PASSWORD}, headers=admin_b)
    assert response.status_code == 201
    assert response.json()["tenant_id"] == "beta"


def test_roles_gate_the_user_endpoints(client: TestClient, make_user: MakeUser) -> None:
    other, _ = make_user("agent")
    _, agent = make_user("agent")
    _, leader = make_user("leader")
    _, supervisor = make_user("supervisor")
    new = {"username": "new1", "password": PASSWORD}

    for headers in (agent, leader):
        listing = client.get(USERS, headers=headers)
        assert listing.status_code == 403
        assert listing.json() == {
            "code": "role_required",
            "message": "requires role supervisor or higher",
            "fields": {"role": "supervisor"},
        }
        assert client.get(f"{USERS}/{other.id}", headers=headers).status_code == 403
    for headers in (agent, leader, supervisor):
        assert client.post(USERS, json=new, headers=headers).status_code == 403
        assert client.get(TENANTS, headers=headers).status_code == 403
    assert client.get(USERS, headers=supervisor).status_code == 200
    assert client.get(f"{USERS}/{other.id}", headers=supervisor).status_code == 200
    assert client.get(f"{USERS}?role=agent", headers=supervisor).json()[0]["role"] == "agent"


def test_another_tenants_user_is_not_found(client: TestClient, make_user: MakeUser) -> None:
    alice, _ = make_user("agent", tenant="alpha")
    _, admin_b = make_user("admin", tenant="beta")
    get = client.get(f"{USERS}/{alice.id}", headers=admin_b)
    assert get.status_code == 404
    assert get.json()["code"] == "user_not_found"
    patch = client.patch(f"{USERS}/{alice.id}", json={"role": "admin"}, headers=admin_b)
    assert patch.status_code == 404
    assert [u["tenant_id"] for u in client.get(USERS, headers=admin_b).json()] == ["beta"]


def test_admin_changes_role_and_status(client: TestClient, make_user: MakeUser) -> None:
    _, admin = make_user("admin")
    user, _ = make_user("agent")
    response = client.patch(
        f"{USERS}/{user.id}",
        json={"role": "supervisor", "display_name": "周班长", "is_active": False},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "supervisor"
    assert response.json()["display_name"] == "周班长"
    assert response.json()["is_active"] is False


def test_users_edit_their_own_profile_but_not_their_access(
    client: TestClient, make_user: MakeUser, login: Callable[..., dict[str, str]]
) -> None:
    me, headers = make_user("agent", username="wu")
    url = f"{USERS}/{me.id}"
    response = client.patch(url, json={"display_name": "吴", "locale": "en"}, headers=headers)
    assert response.status_code == 200
    assert (response.json()["display_name"], response.json()["locale"]) == ("吴", "en")
    assert client.patch(url, json={"locale": None}, headers=headers).json()["locale"] is None
    assert client.patch(url, json={"role": "admin"}, headers=headers).status_code == 403
    assert client.get(url, headers=headers).status_code == 200

    no_current = client.patch(url, json={"password": "brand-new-pass"}, headers=headers)
    assert no_current.status_code == 422
    assert no_current.json()["fields"] == {"field": "current_password"}
    changed = client.patch(
        url, json={"password": "brand-new-pass", "current_password": PASSWORD}, headers=headers
    )
    assert changed.status_code == 200
    login("wu", "brand-new-pass")


def test_admin_cannot_lock_themselves_out(client: TestClient, make_user: MakeUser) -> None:
    admin_user, admin = make_user("admin")
    for change in ({"role": "agent"}, {"is_active": False}):
        response = client.patch(f"{USERS}/{admin_user.id}", json=change, headers=admin)
        assert response.status_code == 403
        assert response.json()["code"] == "cannot_change_own_access"


def test_malformed_user_is_422_naming_the_fields(client: TestClient, make_user: MakeUser) -> None:
    _, admin = make_user("admin")
    response = client.post(USERS, json={"username": "ok", "password": "short", "role": "boss"}, headers=admin)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.password", "body.role"}
    bad_name = client.post(USERS, json={"username": "有 空格", "password": PASSWORD}, headers=admin)
    assert bad_name.status_code == 422
    assert bad_name.json()["code"] == "invalid_username"
    assert bad_name.json()["fields"] == {"field": "username"}


def test_platform_admin_manages_tenants(
    client: TestClient, make_user: MakeUser, login: Callable[..., dict[str, str]]
) -> None:
    _, root = make_user("admin")
    body = {"id": "acme", "name": "Acme 呼叫中心", "admin_username": "boss", "admin_password": "pw-12345678"}
    response = client.post(TENANTS, json=body, headers=root)
    assert response.status_code == 201, response.text
    assert response.json()["locale"] == "zh-CN"
    assert [t["id"] for t in client.get(TENANTS, headers=root).json()] == ["acme", "default"]

    boss = login("boss", "pw-12345678", tenant="acme")
    assert client.get(USERS, headers=boss).json()[0]["role"] == "admin"
    assert client.get(TENANTS, headers=boss).status_code == 403  # admin, but not of the platform

    again = client.post(TENANTS, json={"id": "acme", "name": "Acme"}, headers=root)
    assert again.status_code == 409
    assert again.json()["code"] == "tenant_exists"


def test_failed_request_leaves_nothing_half_written(client: TestClient, make_user: MakeUser) -> None:
    _, root = make_user("admin")
    # The tenant is inserted, then creating its admin fails: the whole request rolls back.
    body = {"id": "half", "name": "Half", "admin_username": "bad name!", "admin_password": PASSWORD}
    response = client.post(TENANTS, json=body, headers=root)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_username"
    assert "half" not in [t["id"] for t in client.get(TENANTS, headers=root).json()]
