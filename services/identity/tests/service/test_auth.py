"""Login, refresh rotation, throttling and users against real PostgreSQL and RabbitMQ."""
import uuid

import pytest

from identity.service import IdentityService
from identity.tokens import decode_access_token
from pedatt_common.errors import Conflict, InvalidInput, PermissionDenied, RateLimited, Unauthorized
from pedatt_common.kz_ids import make_valid

IIN = make_valid("90051240001") or make_valid("90051240002")
ORG = str(uuid.uuid4())


def person(iin=IIN, **extra):
    return {"iin": iin, "email": f"u{iin}@test.kz", "last_name": "Иванова", "first_name": "Анна",
            "middle_name": None, "password": "Good-Pass-2026", "must_change_password": False, **extra}


@pytest.fixture
def identity(start_service, rpc_client):
    start_service(IdentityService, {"LOGIN_ACCOUNT_LIMIT": 3, "LOGIN_CLIENT_LIMIT": 5,
                                    "LOGIN_LOCK_SECONDS": 60})
    return rpc_client.identity


@pytest.fixture
def member(identity):
    user = identity.ensure_user(person())["user"]
    identity.set_membership({"user_id": user["id"], "organization_id": ORG,
                             "roles": ["teacher", "assessor"]})
    return user


def test_login_by_email_or_iin_puts_memberships_in_the_token(identity, member):
    for login in (member["email"].upper(), IIN):
        tokens = identity.login(login, "Good-Pass-2026", "10.0.0.1")
        claims = decode_access_token(tokens["access_token"])
        assert claims["sub"] == member["id"]
        assert claims["mbr"] == [{"org": ORG, "roles": ["assessor", "teacher"]}]
        assert claims["pcr"] is False and claims["typ"] == "access"


def test_no_active_membership_is_refused_after_the_password(identity, member):
    identity.set_membership({"user_id": member["id"], "organization_id": ORG, "roles": ["teacher"],
                             "is_active": False})
    with pytest.raises(PermissionDenied):
        identity.login(IIN, "Good-Pass-2026", "10.0.0.1")


def test_refresh_rotation_and_family_revocation(identity, member):
    first = identity.login(IIN, "Good-Pass-2026", "10.0.0.1")
    second = identity.refresh(first["refresh_token"])
    third = identity.refresh(second["refresh_token"])
    with pytest.raises(Unauthorized):
        identity.refresh(first["refresh_token"])
    with pytest.raises(Unauthorized):
        identity.refresh(third["refresh_token"])  # the family is gone


def test_account_and_client_limits(identity, member):
    for _ in range(3):
        with pytest.raises(Unauthorized):
            identity.login(IIN, "bad", "10.0.0.2")
    with pytest.raises(RateLimited) as locked:
        identity.login(IIN, "Good-Pass-2026", "10.0.0.3")
    assert 0 < int(locked.value.details["retry_after"]) <= 60
    # one client guessing many accounts is stopped by the client limit
    for n in range(5):
        with pytest.raises(Unauthorized):
            identity.login(f"nobody{n}@test.kz", "bad", "10.0.0.9")
    with pytest.raises(RateLimited):
        identity.login(f"someone-else@test.kz", "bad", "10.0.0.9")


def test_ensure_user_is_idempotent_by_iin_and_guards_emails(identity, member):
    again = identity.ensure_user(person(last_name="Другая"))
    assert again["created"] is False and again["user"]["id"] == member["id"]
    assert again["user"]["last_name"] == "Иванова"
    other_iin = make_valid("85010130001") or make_valid("85010130002")
    with pytest.raises(Conflict) as conflict:
        identity.ensure_user(person(iin=other_iin, email=member["email"]))
    assert "email" in conflict.value.details["fields"]
    with pytest.raises(InvalidInput) as weak:
        identity.ensure_user(person(iin=other_iin, email="x@test.kz", password="abc"))
    assert weak.value.details["fields"]["password"]
    created = identity.ensure_user(person(iin=other_iin, email="x@test.kz", password=None))
    assert created["created"] and created["temporary_password"]
    assert created["user"]["must_change_password"] is True


def test_compensation_removes_only_an_orphan(identity, member):
    other_iin = make_valid("85010130003") or make_valid("85010130004")
    created = identity.ensure_user(person(iin=other_iin, email="y@test.kz"))["user"]
    identity.set_membership({"user_id": created["id"], "organization_id": ORG, "roles": ["teacher"]})
    result = identity.discard_membership(created["id"], ORG, delete_user_if_orphan=True)
    assert result == {"membership_removed": True, "user_removed": True}
    assert identity.find_user(iin=other_iin) is None
    kept = identity.discard_membership(member["id"], str(uuid.uuid4()), delete_user_if_orphan=True)
    assert kept["user_removed"] is False  # still a member of ORG


def test_reset_and_change_password(identity, member):
    temporary = identity.reset_password(member["id"])["temporary_password"]
    tokens = identity.login(IIN, temporary, "10.0.0.1")
    assert tokens["must_change_password"] is True
    actor = {"user_id": member["id"], "organization_id": ORG, "roles": ["teacher"]}
    with pytest.raises(InvalidInput):
        identity.change_password(actor, temporary, temporary)
    fresh = identity.change_password(actor, temporary, "Brand-New-Pass-1")
    assert fresh["must_change_password"] is False
    with pytest.raises(Unauthorized):
        identity.refresh(tokens["refresh_token"])


def test_guessing_the_current_password_is_limited(identity, member):
    actor = {"user_id": member["id"], "organization_id": ORG, "roles": ["teacher"]}
    for _ in range(3):
        with pytest.raises(InvalidInput):
            identity.change_password(actor, "guess", "Brand-New-Pass-1")
    with pytest.raises(RateLimited):
        identity.change_password(actor, "Good-Pass-2026", "Brand-New-Pass-1")


def test_purge_forgets_old_tokens_and_throttles(db_connection):
    from datetime import timedelta

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from identity import throttle
    from identity.models import LoginThrottle, RefreshToken, User
    from pedatt_common.db import new_id, utcnow
    now = utcnow()
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as s:
        user = User(id=new_id(), iin=IIN, last_name="И", first_name="А", must_change_password=False,
                    is_active=True, platform_roles=[])
        s.add(user)
        s.flush()
        for i, (expires, revoked) in enumerate([(now - timedelta(days=3), None),
                                                (now + timedelta(days=3), now - timedelta(days=2)),
                                                (now + timedelta(days=3), None)]):
            s.add(RefreshToken(id=new_id(), family_id=new_id(), user_id=user.id, token_hash=f"h{i}",
                               expires_at=expires, revoked_at=revoked))
        s.add(LoginThrottle(key="acct:old", failures=1, window_started_at=now - timedelta(days=2)))
        s.add(LoginThrottle(key="acct:new", failures=1, window_started_at=now))
        s.flush()
        assert throttle.purge(s, now) == {"throttle_rows": 1, "refresh_tokens": 2}
        assert s.scalar(select(func.count()).select_from(RefreshToken)) == 1


def test_every_change_of_access_moves_the_version_tokens_carry(identity, member):
    def version():
        return identity.get_access_versions([member["id"], "not-a-uuid"])[member["id"]]

    tokens = identity.login(IIN, "Good-Pass-2026", "10.0.0.1")
    start = version()
    assert decode_access_token(tokens["access_token"])["av"] == start
    same = {"user_id": member["id"], "organization_id": ORG, "roles": ["assessor", "teacher"]}
    identity.set_membership(same)
    assert version() == start  # nothing changed
    identity.set_membership({**same, "roles": ["teacher"]})
    assert version() == start + 1
    identity.set_membership({**same, "roles": ["teacher"], "is_active": False})
    assert version() == start + 2
    identity.set_membership({**same, "organization_id": str(uuid.uuid4())})
    assert version() == start + 3
    identity.reset_password(member["id"])
    assert version() == start + 4
    identity.discard_membership(member["id"], ORG)
    assert version() == start + 5
    assert identity.get_access_versions([str(uuid.uuid4())]) == {}


def test_a_changed_password_gives_a_token_of_the_new_access_version(identity, member):
    before = identity.get_access_versions([member["id"]])[member["id"]]
    tokens = identity.change_password({"user_id": member["id"]}, "Good-Pass-2026", "Other-Pass-2026!")
    assert decode_access_token(tokens["access_token"])["av"] == before + 1
