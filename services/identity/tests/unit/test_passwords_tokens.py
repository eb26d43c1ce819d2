"""Password policy and hashing; access tokens as the gateway reads them (the shared contract)."""
import uuid
from datetime import timedelta

import pytest

from identity import passwords, tokens
from pedatt_common.db import utcnow


@pytest.mark.parametrize("password, fragment", [
    ("short1", "не менее 8"), ("onlyletters", "цифру"), ("1234567890", "букву"),
    (" Spaced-Pass-1", "пробелом"), ("x" * 129 + "1", "не более 128"),
    ("Teacher@x.kz-1", "e-mail или ИИН"),
])
def test_policy_messages(password, fragment):
    errors = passwords.policy_errors(password, login_values=("teacher@x.kz", "900512400012"))
    assert any(fragment in e for e in errors), errors


def test_good_and_temporary_passwords_pass():
    assert passwords.policy_errors("Demo-Pass-2026") == []
    assert passwords.policy_errors("Пароль-Учителя-7") == []
    assert passwords.policy_errors(passwords.temporary_password()) == []


def test_hash_and_verify():
    digest = passwords.hash_password("Demo-Pass-2026")
    assert digest.startswith("$argon2id$")
    assert passwords.verify_password(digest, "Demo-Pass-2026")
    assert not passwords.verify_password(digest, "demo-pass-2026")
    assert not passwords.verify_password(None, "anything")


def test_gateway_reads_identity_tokens(monkeypatch):
    from gateway import auth
    org_a, org_b = str(uuid.uuid4()), str(uuid.uuid4())
    user = uuid.uuid4()
    token, ttl = tokens.make_access_token(
        user, ["platform_admin"], [{"organization_id": org_a, "roles": ["teacher"]},
                                   {"organization_id": org_b, "roles": ["org_admin", "director"]}],
        False, utcnow())
    assert ttl == 900
    claims = auth.decode(token)
    default = auth.actor_from_claims(claims, None)
    assert (default.user_id, default.organization_id, default.roles) == (str(user), org_a, ("teacher",))
    assert default.platform_roles == ("platform_admin",)
    chosen = auth.actor_from_claims(claims, org_b.upper())
    assert chosen.organization_id == org_b and chosen.roles == ("org_admin", "director")


def test_gateway_refuses_expired_and_foreign_tokens():
    from gateway import auth
    from gateway.errors import ApiError
    old, _ = tokens.make_access_token(uuid.uuid4(), [], [], False, utcnow() - timedelta(hours=1))
    with pytest.raises(ApiError) as expired:
        auth.decode(old)
    assert expired.value.code == "TOKEN_EXPIRED"
    import jwt
    forged = jwt.encode({"sub": "x", "iat": 0, "exp": 4102444800, "typ": "access",
                         "iss": "pedatt-identity", "aud": "pedatt"}, "another-secret-of-enough-length-32b",
                        algorithm="HS256")
    with pytest.raises(ApiError) as invalid:
        auth.decode(forged)
    assert invalid.value.code == "INVALID_TOKEN"
