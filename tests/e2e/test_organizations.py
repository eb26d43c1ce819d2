"""Organizations, settings, HR and the teacher's profile through the real gateway, including
the bad-input cases (400/409/422 with the field and a Russian message, never 500, never a
half-created person)."""
import random
from datetime import date

import pytest
import requests

from pedatt_common.kz_ids import make_valid
from tests.ids import random_bin, random_iin, valid

PASSWORD = "Demo-Pass-2026"








def bad_checksum(number):
    return number[:11] + str((int(number[11]) + 1) % 10)


def login(url, who, password=PASSWORD, org=None):
    r = requests.post(url + "/api/v1/auth/login", json={"login": who, "password": password}, timeout=30)
    assert r.status_code == 200, (who, r.text)
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    if org:
        headers["X-Organization-Id"] = org
    return headers


def person(**extra):
    iin = random_iin()
    return {"iin": iin, "email": f"o{iin}@e2e.pedatt.kz", "last_name": "Касымова",
            "first_name": "Жанар", "middle_name": "Ержановна", "password": "Org-Pass-2026", **extra}


@pytest.fixture(scope="module")
def h(stack):
    url = stack.gateway_url
    return {"platform": login(url, "platform@demo.pedatt.kz"),
            "admin": login(url, "admin@demo.pedatt.kz"),
            "teacher": login(url, "teacher@demo.pedatt.kz"),
            "director": login(url, "director@demo.pedatt.kz"),
            "assessor": login(url, "assessor@demo.pedatt.kz")}


def has_russian(messages) -> bool:
    if isinstance(messages, str):
        return any("а" <= c <= "я" for c in messages.lower())
    if isinstance(messages, dict):
        messages = list(messages.values())
    return bool(messages) and all(has_russian(m) for m in messages)


def assert_error(r, status, code=None, field=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["message"] and any("а" <= ch <= "я" for ch in body["message"].lower()), body
    if code:
        assert body["error"] == code
    if field:
        fields = (body.get("details") or {}).get("fields") or {}
        flat = dict(fields)
        for value in fields.values():
            if isinstance(value, dict):
                flat.update(value)
        assert field in flat, body
        assert has_russian(flat[field]), body
    return r.json()


# -- demo data ------------------------------------------------------------------------------------
def test_demo_school_teacher_and_director(gateway, h):
    org = gateway.get("/api/v1/organization", headers=h["teacher"]).json()
    assert org["bin"] == "940140000385" and org["type"] == "school"
    assert org["director"]["full_name"].startswith("Жумабаев")
    profile = gateway.get("/api/v1/profile", headers=h["teacher"]).json()
    assert profile["position_code"] == "teacher" and profile["position_title"] == "Учитель"
    assert profile["subjects"] and profile["total_experience_years"] == 6
    assert profile["category_code"] == "pedagog_moderator"
    assert profile["category_title"] == "педагог-модератор"
    assert date.fromisoformat(profile["category_valid_until"]).year == date.today().year + 1
    director = gateway.get("/api/v1/me", headers=h["director"]).json()
    assert org["director"]["user_id"] == director["id"] and director["roles"] == ["director"]
    ref = gateway.get("/api/v1/reference").json()
    assert [c["code"] for c in ref["categories"]] == [
        "pedagog_stazher", "pedagog", "pedagog_moderator", "pedagog_expert",
        "pedagog_issledovatel", "pedagog_master"]


# -- organizations (platform administrator) ------------------------------------------------------
def org_body(**extra):
    return {"bin": random_bin(), "name_ru": "Гимназия № 7", "name_kk": "№ 7 гимназия",
            "type": "school", "region": "karaganda", "district": "Казыбекбийский район",
            "address": "г. Караганда, ул. Ерубаева, 7", "admin": person(), **extra}


def test_platform_admin_creates_an_organization_and_its_first_admin(stack, gateway, h):
    body = org_body()
    r = gateway.post("/api/v1/organizations", headers=h["platform"], json=body)
    assert r.status_code == 201, r.text
    org = r.json()
    assert org["bin"] == body["bin"] and org["region_title"] == "Карагандинская область"
    assert org["attestation_settings"]["commission_categories"] == ["pedagog_moderator"]
    admin = login(stack.gateway_url, body["admin"]["email"], body["admin"]["password"])
    me = gateway.get("/api/v1/me", headers=admin).json()
    assert me["roles"] == ["org_admin"] and me["active_organization_id"] == org["id"]
    # a BIN cannot belong to two organizations
    dup = gateway.post("/api/v1/organizations", headers=h["platform"],
                       json=org_body(bin=body["bin"]))
    assert_error(dup, 409, "CONFLICT", "bin")
    new_bin = random_bin()
    edited = gateway.patch("/api/v1/organization", headers=admin, json={"bin": new_bin, "name_kk": "Жаңа"})
    assert edited.status_code == 200 and edited.json()["bin"] == new_bin, edited.text
    listed = gateway.get("/api/v1/organizations", headers=h["platform"], params={"per_page": 100})
    assert listed.status_code == 200 and listed.json()["total"] >= 2


@pytest.mark.parametrize("change, status, field", [
    (lambda b: b.update(bin=bad_checksum(b["bin"])), 400, "bin"),
    (lambda b: b.update(bin="12345"), 400, "bin"),
    (lambda b: b.update(bin=940140000385), 400, "bin"),
    (lambda b: b.pop("name_kk"), 400, "name_kk"),
    (lambda b: b.update(name_ru="Ш" * 301), 400, "name_ru"),
    (lambda b: b.update(type="university"), 400, "type"),
    (lambda b: b.update(region="mars"), 400, "region"),
    (lambda b: b["admin"].update(iin=bad_checksum(b["admin"]["iin"])), 400, "iin"),
    (lambda b: b["admin"].update(email="not-an-email"), 400, "email"),
    (lambda b: b["admin"].update(email="teacher@demo.pedatt.kz"), 409, "email"),
    (lambda b: b["admin"].update(password="short"), 400, "password"),
    (lambda b: b.update(unexpected=1), 400, "unexpected"),
])
def test_bad_organization_input(gateway, h, change, status, field):
    body = org_body()
    change(body)
    r = gateway.post("/api/v1/organizations", headers=h["platform"], json=body)
    assert_error(r, status, field=field)
    # nothing was half-created: the same BIN and admin IIN are still free
    if status == 409:
        fixed = dict(body, admin=dict(body["admin"], email=None))
        ok = gateway.post("/api/v1/organizations", headers=h["platform"], json=fixed)
        assert ok.status_code == 201, ok.text
        assert ok.json()["admin"]["user_created"] is True


# -- settings module -------------------------------------------------------------------------------
def test_settings_edit_and_attestation_settings(gateway, h):
    r = gateway.patch("/api/v1/organization", headers=h["admin"],
                      json={"phone": "+7 7172 00 00 02", "website": "https://school1.demo.pedatt.kz"})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "+7 7172 00 00 02"
    assert_error(gateway.patch("/api/v1/organization", headers=h["admin"], json={"phone": "call me"}),
                 400, field="phone")
    assert_error(gateway.patch("/api/v1/organization", headers=h["admin"], json={"name_ru": ""}),
                 400, field="name_ru")
    assert_error(gateway.patch("/api/v1/organization", headers=h["admin"], json={"bin": "940140000386"}),
                 400, field="bin")
    taken = "950341000052"  # make sure another organization holds it (409 when it already does)
    assert gateway.post("/api/v1/organizations", headers=h["platform"],
                        json=org_body(bin=taken)).status_code in (201, 409)
    assert_error(gateway.patch("/api/v1/organization", headers=h["admin"], json={"bin": taken}),
                 409, field="bin")
    assert_error(gateway.patch("/api/v1/organization", headers=h["admin"],
                               json={"director_user_id": "3f0c0b4e-0000-4000-8000-000000000000"}),
                 422, field="director_user_id")
    bad = gateway.put("/api/v1/organization/attestation-settings", headers=h["admin"],
                      json={"commission_categories": ["pedagog_moderator", "pedagog_expert"]})
    assert_error(bad, 422, "UNPROCESSABLE", "commission_categories")
    assert_error(gateway.put("/api/v1/organization/attestation-settings", headers=h["admin"],
                             json={"commission_categories": ["nonsense"]}), 400)
    ok = gateway.put("/api/v1/organization/attestation-settings", headers=h["admin"],
                     json={"commission_categories": ["pedagog_moderator"]})
    assert ok.status_code == 200 and ok.json()["commission_categories"] == ["pedagog_moderator"]
    assert gateway.get("/api/v1/organization/attestation-settings",
                       headers=h["teacher"]).json()["commission_categories"] == ["pedagog_moderator"]


# -- HR module --------------------------------------------------------------------------------------
def test_hr_add_search_filter_paginate(gateway, h):
    marker = f"Поисков{random.randint(10000, 99999)}"
    added = []
    for i in range(3):
        body = person(last_name=marker, first_name=f"Имя{i}", position_code="educator" if i == 0 else "teacher",
                      roles=["teacher", "assessor"] if i == 1 else ["teacher"])
        r = gateway.post("/api/v1/staff", headers=h["admin"], json=body)
        assert r.status_code == 201, r.text
        assert r.json()["user_created"] is True and r.json()["temporary_password"] is None
        added.append(r.json())
    found = gateway.get("/api/v1/staff", headers=h["admin"], params={"q": marker.lower()}).json()
    assert found["total"] == 3
    by_iin = gateway.get("/api/v1/staff", headers=h["admin"], params={"q": added[2]["iin"]}).json()
    assert [s["user_id"] for s in by_iin["items"]] == [added[2]["user_id"]]
    by_role = gateway.get("/api/v1/staff", headers=h["admin"],
                          params={"q": marker, "role": "assessor"}).json()
    assert [s["user_id"] for s in by_role["items"]] == [added[1]["user_id"]]
    by_position = gateway.get("/api/v1/staff", headers=h["director"],
                              params={"q": marker, "position_code": "educator"}).json()
    assert [s["user_id"] for s in by_position["items"]] == [added[0]["user_id"]]
    page2 = gateway.get("/api/v1/staff", headers=h["admin"],
                        params={"q": marker, "per_page": 2, "page": 2}).json()
    assert page2["total"] == 3 and len(page2["items"]) == 1 and page2["pages"] == 2
    assert_error(gateway.get("/api/v1/staff", headers=h["admin"], params={"per_page": 1000}), 400,
                 field="per_page")
    assert_error(gateway.get("/api/v1/staff", headers=h["admin"], params={"role": "king"}), 400,
                 field="role")
    assert_error(gateway.get("/api/v1/staff", headers=h["admin"], params={"page": "x"}), 400,
                 field="page")


@pytest.mark.parametrize("change, status, field", [
    (lambda b: b.update(iin=bad_checksum(b["iin"])), 400, "iin"),
    (lambda b: b.update(iin="abc"), 400, "iin"),
    (lambda b: b.pop("last_name"), 400, "last_name"),
    (lambda b: b.update(first_name="Я" * 101), 400, "first_name"),
    (lambda b: b.update(first_name=123), 400, "first_name"),
    (lambda b: b.update(position_code="astronaut"), 400, "position_code"),
    (lambda b: b.update(roles=["king"]), 400, "roles"),
    (lambda b: b.update(total_experience_years="many"), 400, "total_experience_years"),
    (lambda b: b.update(total_experience_years=3, teaching_experience_years=5), 422,
     "teaching_experience_years"),
    (lambda b: b.update(email="director@demo.pedatt.kz"), 409, "email"),
])
def test_bad_staff_input_creates_nobody(gateway, h, change, status, field):
    body = person()
    change(body)
    r = gateway.post("/api/v1/staff", headers=h["admin"], json=body)
    assert_error(r, status, field=field)
    if isinstance(body.get("iin"), str) and body["iin"].isdigit() and make_valid(body["iin"][:11]) == body["iin"]:
        # the person was not created: the IIN is still unknown everywhere
        found = gateway.get("/api/v1/staff", headers=h["admin"], params={"q": body["iin"]}).json()
        assert found["total"] == 0
        login_attempt = gateway.post("/api/v1/auth/login",
                                     json={"login": body["iin"], "password": body["password"]})
        assert login_attempt.status_code == 401


def test_same_iin_is_one_person_across_organizations(stack, gateway, h):
    someone = person()
    first = gateway.post("/api/v1/staff", headers=h["admin"], json=someone)
    assert first.status_code == 201
    again = gateway.post("/api/v1/staff", headers=h["admin"], json=dict(someone, email=None))
    assert_error(again, 409, "CONFLICT", "iin")
    # a second organization adds the same IIN: the existing person is linked, not duplicated
    other_admin = person()
    org = gateway.post("/api/v1/organizations", headers=h["platform"],
                       json=org_body(admin=other_admin)).json()
    other = login(stack.gateway_url, other_admin["email"], other_admin["password"])
    linked = gateway.post("/api/v1/staff", headers=other,
                          json=dict(someone, last_name="Другая", password=None, roles=["assessor"]))
    assert linked.status_code == 201, linked.text
    assert linked.json()["user_id"] == first.json()["user_id"]
    assert linked.json()["user_created"] is False and linked.json()["last_name"] == "Касымова"
    # the person now chooses the organization per request
    headers = login(stack.gateway_url, someone["email"], someone["password"])
    me = gateway.get("/api/v1/me", headers=headers).json()
    assert len(me["memberships"]) == 2
    in_other = gateway.get("/api/v1/me", headers={**headers, "X-Organization-Id": org["id"]}).json()
    assert in_other["roles"] == ["assessor"] and in_other["active_organization_id"] == org["id"]
    assert gateway.get("/api/v1/profile", headers={**headers, "X-Organization-Id": org["id"]}
                       ).json()["organization_id"] == org["id"]


def test_roles_history_and_deactivation(stack, gateway, h):
    someone = person()
    user_id = gateway.post("/api/v1/staff", headers=h["admin"], json=someone).json()["user_id"]
    r = gateway.post(f"/api/v1/staff/{user_id}/roles", headers=h["admin"], json={"role": "assessor"})
    assert r.status_code == 200 and r.json()["roles"] == ["assessor", "teacher"]
    assert_error(gateway.post(f"/api/v1/staff/{user_id}/roles", headers=h["admin"],
                              json={"role": "emperor"}), 400, field="role")
    # a token issued before a change of roles is refused; the next token has the new roles
    headers = login(stack.gateway_url, someone["email"], someone["password"])
    assert gateway.get("/api/v1/me", headers=headers).json()["roles"] == ["assessor", "teacher"]
    r = gateway.delete(f"/api/v1/staff/{user_id}/roles/teacher", headers=h["admin"])
    assert r.status_code == 200 and r.json()["roles"] == ["assessor"]
    assert_error(gateway.get("/api/v1/me", headers=headers), 401, "TOKEN_STALE")
    headers = login(stack.gateway_url, someone["email"], someone["password"])
    assert gateway.get("/api/v1/me", headers=headers).json()["roles"] == ["assessor"]
    history = gateway.get(f"/api/v1/staff/{user_id}/role-history", headers=h["admin"]).json()
    actions = [(i["action"], i["role"]) for i in history["items"]]
    assert ("role_assigned", "assessor") in actions and ("role_revoked", "teacher") in actions
    assert all(i["actor_full_name"] and i["at"] for i in history["items"])
    assert gateway.get("/api/v1/role-history", headers=h["admin"]).json()["total"] >= 3
    # deactivation keeps the record, blocks login and cuts an existing token off at once
    r = gateway.post(f"/api/v1/staff/{user_id}/deactivate", headers=h["admin"])
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert_error(gateway.get("/api/v1/applications/mine", headers=headers), 401, "TOKEN_STALE")
    blocked = gateway.post("/api/v1/auth/login", json={"login": someone["iin"], "password": someone["password"]})
    assert_error(blocked, 403, "PERMISSION_DENIED")
    assert gateway.get(f"/api/v1/staff/{user_id}", headers=h["admin"]).json()["is_active"] is False
    inactive = gateway.get("/api/v1/staff", headers=h["admin"], params={"q": someone["iin"], "active": "false"})
    assert inactive.json()["total"] == 1
    r = gateway.post(f"/api/v1/staff/{user_id}/activate", headers=h["admin"])
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert gateway.post("/api/v1/auth/login", json={"login": someone["iin"],
                                                    "password": someone["password"]}).status_code == 200
    actions = [i["action"] for i in gateway.get(f"/api/v1/staff/{user_id}/role-history",
                                                headers=h["admin"]).json()["items"]]
    assert actions[:2] == ["staff_activated", "staff_deactivated"]
    # an administrator cannot lock themself out
    me = gateway.get("/api/v1/me", headers=h["admin"]).json()
    assert_error(gateway.post(f"/api/v1/staff/{me['id']}/deactivate", headers=h["admin"]), 422)
    assert_error(gateway.delete(f"/api/v1/staff/{me['id']}/roles/org_admin", headers=h["admin"]), 422)


def test_admin_edits_staff(gateway, h):
    someone = person()
    user_id = gateway.post("/api/v1/staff", headers=h["admin"], json=someone).json()["user_id"]
    r = gateway.patch(f"/api/v1/staff/{user_id}", headers=h["admin"],
                      json={"last_name": "Новикова", "position_code": "psychologist",
                            "email": f"new-{someone['email']}"})
    assert r.status_code == 200, r.text
    assert r.json()["full_name"] == "Новикова Жанар Ержановна"
    assert r.json()["position_title"] == "Педагог-психолог"
    assert gateway.post("/api/v1/auth/login", json={"login": f"new-{someone['email']}",
                                                    "password": someone["password"]}).status_code == 200
    assert_error(gateway.patch(f"/api/v1/staff/{user_id}", headers=h["admin"],
                               json={"email": "assessor@demo.pedatt.kz"}), 409, field="email")
    assert_error(gateway.patch(f"/api/v1/staff/{user_id}", headers=h["admin"],
                               json={"iin": random_iin()}), 400, field="iin")
    assert_error(gateway.get("/api/v1/staff/not-a-uuid", headers=h["admin"]), 404)


# -- the teacher's profile -------------------------------------------------------------------------
def test_teacher_edits_own_profile_and_the_admin_sees_it(stack, gateway, h):
    someone = person()
    user_id = gateway.post("/api/v1/staff", headers=h["admin"], json=someone).json()["user_id"]
    mine = login(stack.gateway_url, someone["email"], someone["password"])
    body = {"position_code": "primary_teacher", "subjects": ["Русский язык", "Литература"],
            "total_experience_years": 12, "teaching_experience_years": 10,
            "education": [{"institution": "КарГУ им. Букетова", "specialty": "Филология",
                           "graduation_year": 2010}],
            "category_code": "pedagog_expert", "category_order_number": "77",
            "category_order_date": "2023-05-20", "category_valid_until": "2028-05-20",
            "phone": "+7 701 123 45 67"}
    r = gateway.patch("/api/v1/profile", headers=mine, json=body)
    assert r.status_code == 200, r.text
    seen = gateway.get(f"/api/v1/staff/{user_id}", headers=h["admin"]).json()
    assert seen["category_title"] == "педагог-эксперт" and seen["teaching_experience_years"] == 10
    assert seen["subjects"] == ["Русский язык", "Литература"]
    assert seen["education"][0]["institution"] == "КарГУ им. Букетова"
    assert gateway.get(f"/api/v1/staff/{user_id}", headers=h["director"]).status_code == 200
    # a teacher sees only their own profile
    demo_teacher = gateway.get("/api/v1/me", headers=h["teacher"]).json()["id"]
    assert gateway.get(f"/api/v1/staff/{demo_teacher}", headers=mine).status_code == 404
    assert gateway.get(f"/api/v1/staff/{user_id}", headers=mine).status_code == 200
    # names are the administrator's to change
    assert_error(gateway.patch("/api/v1/profile", headers=mine, json={"last_name": "Другая"}), 400,
                 field="last_name")


@pytest.mark.parametrize("body, status, field", [
    ({"position_code": "pilot"}, 400, "position_code"),
    ({"category_code": "pedagog_super"}, 400, "category_code"),
    ({"category_order_date": "20.05.2023"}, 400, "category_order_date"),
    ({"category_order_date": "2023-05-20", "category_valid_until": "2020-01-01"}, 422,
     "category_valid_until"),
    ({"category_order_date": "2999-01-01"}, 422, "category_order_date"),
    ({"total_experience_years": -1}, 400, "total_experience_years"),
    ({"total_experience_years": 1, "teaching_experience_years": 2}, 422, "teaching_experience_years"),
    ({"subjects": "Математика"}, 400, "subjects"),
    ({"subjects": ["М" * 101]}, 400, "subjects"),
    ({"education": [{"specialty": "x"}]}, 400, "education"),
    ({"phone": "телефон"}, 400, "phone"),
])
def test_bad_profile_input(gateway, h, body, status, field):
    assert_error(gateway.patch("/api/v1/profile", headers=h["assessor"], json=body), status, field=field)


@pytest.mark.parametrize("method, path", [
    ("POST", "/organizations"), ("PATCH", "/organization"),
    ("PUT", "/organization/attestation-settings"), ("POST", "/staff"), ("PATCH", "/profile"),
    ("PATCH", "/staff/{user}"), ("POST", "/staff/{user}/roles"), ("POST", "/auth/change-password"),
])
@pytest.mark.parametrize("payload", [[], "text", 5, None, {"admin": "x", "roles": {}, "education": 7,
                                                           "subjects": [None], "iin": None}])
def test_garbage_bodies_are_400_never_500(gateway, h, method, path, payload):
    headers = h["platform"] if path == "/organizations" else h["admin"]
    user = gateway.get("/api/v1/me", headers=h["teacher"]).json()["id"]
    r = gateway.request(method, "/api/v1" + path.format(user=user), headers=headers, json=payload)
    assert r.status_code == 400, r.text
    assert r.json()["error"] in ("INVALID_INPUT", "INVALID_JSON") and r.json()["message"]


def test_odd_iin_date_is_only_a_warning(gateway, h):
    odd = valid(lambda: f"901301{random.choice('34')}{random.randint(0, 9999):04d}")  # month 13
    r = gateway.post("/api/v1/staff", headers=h["admin"], json=person(iin=odd, email=f"w{odd}@e2e.pedatt.kz"))
    assert r.status_code == 201, r.text
    assert r.json()["iin_warnings"] == ["Дата рождения в ИИН выглядит необычно"]
