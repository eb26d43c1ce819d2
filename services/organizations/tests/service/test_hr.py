"""Organizations with the real identity service: creation, staff, roles, and the compensation
that keeps a failed staff write from leaving a half-created person."""
import pytest

import organizations.service as org_service
from pedatt_common.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from pedatt_common.kz_ids import make_valid

PLATFORM = {"user_id": "00000000-0000-4000-8000-000000000001", "platform_roles": ["platform_admin"]}


def iin(prefix):
    return next(v for v in (make_valid(f"{prefix}{d}") for d in range(10)) if v)


def person(prefix, email):
    return {"iin": iin(prefix), "email": email, "last_name": "Ахметова", "first_name": "Гульнара",
            "password": "Good-Pass-2026"}


@pytest.fixture
def school(both_services):
    rpc = both_services
    org = rpc.organizations.create_organization(PLATFORM, {
        "bin": "940140000385", "name_ru": "Школа", "name_kk": "Мектеп", "type": "school",
        "region": "astana", "address": "ул. 1", "admin": person("8803154000", "a@t.kz")})
    admin = {"user_id": org["admin"]["user_id"], "organization_id": org["id"], "roles": ["org_admin"]}
    return rpc, org, admin


def test_create_organization_links_identity(school):
    rpc, org, admin = school
    assert org["admin"]["roles"] == ["org_admin"] and org["admin"]["user_created"] is True
    me = rpc.identity.get_me({"user_id": admin["user_id"]})
    assert me["memberships"] == [{"organization_id": org["id"], "roles": ["org_admin"], "is_active": True}]
    with pytest.raises(Conflict):
        rpc.organizations.create_organization(PLATFORM, {
            "bin": "940140000385", "name_ru": "Ш", "name_kk": "М", "type": "school",
            "region": "astana", "address": "ул. 2", "admin": person("7502203000", "b@t.kz")})
    with pytest.raises(PermissionDenied):
        rpc.organizations.create_organization(admin, {})


def test_roles_follow_into_identity_and_history(school):
    rpc, org, admin = school
    staff = rpc.organizations.add_staff(admin, {**person("9005124000", "t@t.kz"), "roles": ["teacher"]})
    rpc.organizations.assign_role(admin, staff["user_id"], "assessor")
    rpc.organizations.deactivate_staff(admin, staff["user_id"])
    me = rpc.identity.get_me({"user_id": staff["user_id"]})
    assert me["memberships"][0]["roles"] == ["assessor", "teacher"]
    assert me["memberships"][0]["is_active"] is False
    history = rpc.organizations.list_role_history(admin, staff["user_id"])
    assert [i["action"] for i in history["items"]][:2] == ["staff_deactivated", "role_assigned"]
    teacher = {"user_id": staff["user_id"], "organization_id": org["id"], "roles": ["teacher"]}
    with pytest.raises(PermissionDenied):  # deactivated: refused even with the old roles
        rpc.organizations.get_my_profile(teacher)
    with pytest.raises(Unprocessable):
        rpc.organizations.deactivate_staff(admin, admin["user_id"])


def test_failed_staff_write_leaves_no_person(school, monkeypatch):
    rpc, org, admin = school
    original = org_service.dump_staff
    calls = {"n": 0}

    def explode(st):
        calls["n"] += 1
        raise RuntimeError("simulated failure after identity was called")

    monkeypatch.setattr(org_service, "dump_staff", explode)
    new = person("8209074000", "n@t.kz")
    with pytest.raises(Exception):
        rpc.organizations.add_staff(admin, {**new, "roles": ["teacher"]})
    assert calls["n"] == 1
    assert rpc.identity.find_user(iin=new["iin"]) is None  # compensated: no half-created user
    monkeypatch.setattr(org_service, "dump_staff", original)
    added = rpc.organizations.add_staff(admin, {**new, "roles": ["teacher"]})
    assert added["user_created"] is True


def test_foreign_objects_are_not_found(school):
    rpc, org, admin = school
    foreign = rpc.organizations.create_organization(PLATFORM, {
        "bin": "950341000052", "name_ru": "Другая", "name_kk": "Басқа", "type": "college",
        "region": "almaty", "address": "ул. 3", "admin": person("7911113000", "c@t.kz")})
    with pytest.raises(NotFound):
        rpc.organizations.get_staff(admin, foreign["admin"]["user_id"])
    with pytest.raises(NotFound):
        rpc.organizations.get_organization(admin, foreign["id"])
    with pytest.raises(NotFound):
        rpc.organizations.get_staff_profile(admin, foreign["admin"]["user_id"])


def test_internal_staff_listing_by_role(school):
    rpc, org, admin = school
    rpc.organizations.add_staff(admin, {**person("8209074000", "s@t.kz"), "roles": ["assessor"]})
    assessors = rpc.organizations.list_organization_staff(org["id"], "assessor")
    assert [s["email"] for s in assessors] == ["s@t.kz"]
    assert len(rpc.organizations.list_organization_staff(org["id"])) == 2


def test_director_is_recorded_and_forgotten_with_the_role(school):
    rpc, org, admin = school
    staff = rpc.organizations.add_staff(admin, {**person("7502203000", "d@t.kz"), "roles": ["teacher"]})
    updated = rpc.organizations.update_organization(admin, {"director_user_id": staff["user_id"]})
    assert updated["director"]["user_id"] == staff["user_id"]
    assert "director" in rpc.organizations.get_staff(admin, staff["user_id"])["roles"]
    assert rpc.organizations.get_signing_authority(org["id"]) == {
        "organization_id": org["id"], "bin": "940140000385",
        "director_user_id": staff["user_id"], "director_iin": staff["iin"]}
    rpc.organizations.revoke_role(admin, staff["user_id"], "director")
    assert rpc.organizations.get_organization(admin, org["id"])["director"] is None
    assert rpc.organizations.get_signing_authority(org["id"])["director_iin"] is None
    with pytest.raises(NotFound):
        rpc.organizations.get_signing_authority("00000000-0000-4000-8000-0000000000ff")
    with pytest.raises(Unprocessable):
        rpc.organizations.update_organization(admin, {"director_user_id": org["id"]})
