"""Identity through the real gateway: login with e-mail or IIN, tokens, /me, refresh rotation,
logout, brute-force limiting, password change and reset."""
import uuid

import pytest
from tests.ids import random_iin

PASSWORD = "Demo-Pass-2026"
DEMO = {
    "platform@demo.pedatt.kz": ([], ["platform_admin"]),
    "admin@demo.pedatt.kz": (["org_admin"], []),
    "teacher@demo.pedatt.kz": (["teacher"], []),
    "director@demo.pedatt.kz": (["director"], []),
    "assessor@demo.pedatt.kz": (["assessor"], []),
}


def login(gateway, login_name, password=PASSWORD):
    return gateway.post("/api/v1/auth/login", json={"login": login_name, "password": password})


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.mark.parametrize("email", sorted(DEMO))
def test_each_demo_account_logs_in_and_sees_its_roles(gateway, email):
    r = login(gateway, email)
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["expires_in"] > 0 and tokens["refresh_token"] and tokens["access_token"]
    assert tokens["must_change_password"] is False
    me = gateway.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200, me.text
    body = me.json()
    roles, platform_roles = DEMO[email]
    assert body["email"] == email
    assert body["platform_roles"] == platform_roles
    assert body["roles"] == roles
    if roles:
        assert len(body["memberships"]) == 1
        assert body["memberships"][0]["organization_name"]
        assert body["active_organization_id"] == body["memberships"][0]["organization_id"]


def test_login_with_iin(gateway):
    tokens = login(gateway, "teacher@demo.pedatt.kz").json()
    iin = gateway.get("/api/v1/me", headers=bearer(tokens)).json()["iin"]
    r = login(gateway, iin)
    assert r.status_code == 200, r.text


def test_wrong_password_and_unknown_login_look_the_same(gateway):
    wrong = login(gateway, "director@demo.pedatt.kz", "Wrong-Pass-1")
    unknown = login(gateway, f"nobody-{uuid.uuid4().hex[:8]}@demo.pedatt.kz", "Wrong-Pass-1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "UNAUTHORIZED"
    assert "Неверный логин или пароль" in wrong.json()["message"]


def test_me_requires_a_valid_token(gateway):
    assert gateway.get("/api/v1/me").status_code == 401
    r = gateway.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["error"] == "INVALID_TOKEN"


# -- helpers for tests that need a fresh person ------------------------------------------------


@pytest.fixture(scope="module")
def admin_headers(stack):
    import requests
    r = requests.post(stack.gateway_url + "/api/v1/auth/login",
                      json={"login": "admin@demo.pedatt.kz", "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return bearer(r.json())


def new_staff(gateway, admin_headers, password="Fresh-Pass-2026", roles=("teacher",)):
    iin = random_iin()
    email = f"t{iin}@e2e.pedatt.kz"
    r = gateway.post("/api/v1/staff", headers=admin_headers, json={
        "iin": iin, "email": email, "last_name": "Тестова", "first_name": "Алия",
        "password": password, "roles": list(roles)})
    assert r.status_code == 201, r.text
    return {"iin": iin, "email": email, "user_id": r.json()["user_id"], "password": password}


# -- refresh, logout -----------------------------------------------------------------------------
def test_refresh_rotates_and_reuse_revokes_the_family(gateway, admin_headers):
    person = new_staff(gateway, admin_headers)
    first = login(gateway, person["email"], person["password"]).json()
    second = gateway.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert gateway.get("/api/v1/me", headers=bearer(second)).status_code == 200
    # the spent token again: refused, and the whole family (incl. the new token) is revoked
    reuse = gateway.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["error"] == "UNAUTHORIZED"
    after = gateway.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    # another session of the same user is untouched
    other = login(gateway, person["email"], person["password"]).json()
    assert gateway.post("/api/v1/auth/refresh",
                        json={"refresh_token": other["refresh_token"]}).status_code == 200


def test_logout_revokes_the_refresh_token(gateway):
    tokens = login(gateway, "assessor@demo.pedatt.kz").json()
    r = gateway.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    again = gateway.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


@pytest.mark.parametrize("body", [{}, {"refresh_token": 5}, {"refresh_token": "garbage"}])
def test_bad_refresh_requests(gateway, body):
    r = gateway.post("/api/v1/auth/refresh", json=body)
    assert r.status_code in (400, 401)
    assert r.json()["error"] in ("INVALID_INPUT", "UNAUTHORIZED")


# -- brute force ---------------------------------------------------------------------------------
def test_repeated_failures_lock_the_account_with_retry_after(gateway, admin_headers):
    person = new_staff(gateway, admin_headers)
    for _ in range(5):
        assert login(gateway, person["email"], "Wrong-Pass-1").status_code == 401
    locked = login(gateway, person["email"], person["password"])  # even the right password
    assert locked.status_code == 429, locked.text
    assert locked.json()["error"] == "RATE_LIMITED"
    assert int(locked.headers["Retry-After"]) > 0
    assert int(locked.json()["details"]["retry_after"]) == int(locked.headers["Retry-After"])
    # the lock is per account: the same person's other login name is counted separately,
    # and other accounts still log in
    assert login(gateway, "teacher@demo.pedatt.kz").status_code == 200


# -- passwords -----------------------------------------------------------------------------------
def test_change_password_policy_and_success(gateway, admin_headers):
    person = new_staff(gateway, admin_headers)
    tokens = login(gateway, person["email"], person["password"]).json()
    url = "/api/v1/auth/change-password"
    weak = gateway.post(url, headers=bearer(tokens),
                        json={"current_password": person["password"], "new_password": "short"})
    assert weak.status_code == 400
    messages = weak.json()["details"]["fields"]["password"]
    assert any("не менее 8" in m for m in messages) and any("цифр" in m for m in messages)
    wrong = gateway.post(url, headers=bearer(tokens),
                         json={"current_password": "nope", "new_password": "Another-Pass-77"})
    assert wrong.status_code == 400 and "current_password" in wrong.json()["details"]["fields"]
    ok = gateway.post(url, headers=bearer(tokens),
                      json={"current_password": person["password"], "new_password": "Another-Pass-77"})
    assert ok.status_code == 200, ok.text
    # old refresh token revoked, old password refused, new one works
    assert gateway.post("/api/v1/auth/refresh",
                        json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert login(gateway, person["email"], person["password"]).status_code == 401
    assert login(gateway, person["email"], "Another-Pass-77").status_code == 200


def test_admin_reset_forces_a_change_at_next_login(gateway, admin_headers):
    person = new_staff(gateway, admin_headers)
    r = gateway.post(f"/api/v1/staff/{person['user_id']}/reset-password", headers=admin_headers)
    assert r.status_code == 200, r.text
    temporary = r.json()["temporary_password"]
    assert login(gateway, person["email"], person["password"]).status_code == 401
    tokens = login(gateway, person["iin"], temporary).json()
    assert tokens["must_change_password"] is True
    blocked = gateway.get("/api/v1/profile", headers=bearer(tokens))
    assert blocked.status_code == 403 and blocked.json()["error"] == "PASSWORD_CHANGE_REQUIRED"
    assert gateway.get("/api/v1/me", headers=bearer(tokens)).json()["must_change_password"] is True
    changed = gateway.post("/api/v1/auth/change-password", headers=bearer(tokens),
                           json={"current_password": temporary, "new_password": "My-Own-Pass-9"})
    assert changed.status_code == 200 and changed.json()["must_change_password"] is False
    assert gateway.get("/api/v1/profile", headers=bearer(changed.json())).status_code == 200


def test_new_staff_without_password_gets_a_temporary_one(gateway, admin_headers):
    iin = random_iin()
    r = gateway.post("/api/v1/staff", headers=admin_headers, json={
        "iin": iin, "last_name": "Сапарова", "first_name": "Мадина"})
    assert r.status_code == 201, r.text
    temporary = r.json()["temporary_password"]
    assert temporary and r.json()["roles"] == ["teacher"]
    assert login(gateway, iin, temporary).json()["must_change_password"] is True


# -- organizations selection ----------------------------------------------------------------------
def test_unknown_or_foreign_organization_header(gateway):
    tokens = login(gateway, "teacher@demo.pedatt.kz").json()
    r = gateway.get("/api/v1/me", headers={**bearer(tokens), "X-Organization-Id": str(uuid.uuid4())})
    assert r.status_code == 403
    r = gateway.get("/api/v1/me", headers={**bearer(tokens), "X-Organization-Id": "not-a-uuid"})
    assert r.status_code == 400


@pytest.mark.parametrize("body", [
    {}, {"login": "x"}, {"password": "x"}, {"login": 5, "password": "x"},
    {"login": "a" * 300, "password": "x"}, {"login": "x", "password": "x", "extra": 1}])
def test_bad_login_requests_are_400(gateway, body):
    r = gateway.post("/api/v1/auth/login", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "INVALID_INPUT"
    assert r.json()["details"]["fields"]


def test_login_body_must_be_json(gateway):
    r = gateway.post("/api/v1/auth/login", data="login=x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400
