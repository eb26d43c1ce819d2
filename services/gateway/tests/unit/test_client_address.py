"""The address the login limiter counts by: the socket's peer, or what trusted proxies reported."""
import pytest

from gateway import settings
from gateway.app import create_app
from gateway.routes.auth import client_address

SPOOFED, REAL_CLIENT, NGINX = "198.51.100.1", "203.0.113.7", "172.18.0.5"


def seen_address(monkeypatch, trusted):
    monkeypatch.setattr(settings, "TRUSTED_PROXIES", trusted)
    app = create_app()
    app.add_url_rule("/_address", "address", lambda: client_address())
    # what nginx sends on: the client's own header, then the address nginx saw
    headers = {"X-Forwarded-For": f"{SPOOFED}, {REAL_CLIENT}"}
    return app.test_client().get("/_address", headers=headers,
                                 environ_base={"REMOTE_ADDR": NGINX}).text


@pytest.mark.parametrize("trusted, expected", [(0, NGINX), (1, REAL_CLIENT), (2, SPOOFED)])
def test_only_the_trusted_hops_of_x_forwarded_for_count(monkeypatch, trusted, expected):
    assert seen_address(monkeypatch, trusted) == expected
