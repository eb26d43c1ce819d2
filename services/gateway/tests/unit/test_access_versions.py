"""The gateway's check that a token is not older than the user's last change of access."""
from gateway.access import AccessVersions

USER = "6f1d7c1e-0000-4000-8000-000000000001"


class Identity:
    def __init__(self, versions):
        self.versions, self.calls, self.down = versions, 0, False

    def __call__(self, user_ids):
        self.calls += 1
        if self.down:
            raise ConnectionError("identity is away")
        return {u: self.versions[u] for u in user_ids if u in self.versions}


def test_a_token_older_than_the_users_access_is_stale():
    versions = AccessVersions(Identity({USER: 3}), ttl=60)
    assert not versions.is_stale(USER, 3)
    assert versions.is_stale(USER, 2)


def test_a_user_identity_no_longer_knows_or_deactivated_is_stale():
    assert AccessVersions(Identity({}), ttl=60).is_stale(USER, 0)


def test_identity_is_asked_once_per_period_per_user(monkeypatch):
    import gateway.access as access
    clock = [1000.0]
    monkeypatch.setattr(access.time, "monotonic", lambda: clock[0])
    identity = Identity({USER: 1})
    versions = AccessVersions(identity, ttl=5)
    for _ in range(10):
        assert not versions.is_stale(USER, 1)
    assert identity.calls == 1
    identity.versions[USER] = 2  # the admin revoked a role
    clock[0] += 4.9
    assert not versions.is_stale(USER, 1)  # within the period: the remembered version
    clock[0] += 0.2
    assert versions.is_stale(USER, 1) and identity.calls == 2


def test_identity_away_trusts_the_token():
    identity = Identity({USER: 5})
    identity.down = True
    assert not AccessVersions(identity, ttl=5).is_stale(USER, 0)
