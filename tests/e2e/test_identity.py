"""Identity through the real gateway: login with e-mail or IIN, tokens, /me, refresh rotation,
logout, brute-force limiting, password change and reset."""
import uuid

import pytest

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
