"""The foundation through the real gateway: readiness, errors, a killed service, recovery."""
import time

import pytest


def test_health_and_readiness(gateway):
    assert gateway.get("/healthz").json() == {"status": "ok"}
    ready = gateway.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["missing"] == []


def test_openapi_and_docs(gateway):
    spec = gateway.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/ping" in spec["paths"]
    page = gateway.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "/api/v1/ping" in page.text


def test_unknown_route_is_json(gateway):
    r = gateway.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"] == "NOT_FOUND"


def test_request_id_is_echoed(gateway):
    r = gateway.get("/api/v1/ping", headers={"X-Request-Id": "abc123"})
    assert r.status_code == 200
    assert r.headers["X-Request-Id"] == "abc123"


@pytest.mark.parametrize("service", ["identity", "organizations"])
def test_killed_service_gives_503_then_recovers(stack, gateway, service):
    stack.kill(service)
    try:
        started = time.monotonic()
        ready = gateway.get("/readyz")
        assert ready.status_code == 503
        assert service in ready.json()["missing"]
        if service == "identity":
            r = gateway.get("/api/v1/ping")
            assert r.status_code == 503
            assert r.json()["error"] == "SERVICE_UNAVAILABLE"
            assert r.json()["details"] == {"service": "identity"}
        assert time.monotonic() - started < 10
    finally:
        stack.start_service(service)
    stack.wait_ready(timeout=60)
    assert gateway.get("/api/v1/ping").status_code == 200


def test_request_id_follows_the_call_into_the_service_log(stack, gateway):
    import json
    gateway.get("/api/v1/ping", headers={"X-Request-Id": "trace-e2e-42"})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = (stack.log_dir / "identity.log").read_text().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        hits = [r for r in records if r.get("request_id") == "trace-e2e-42"]
        if hits:
            assert hits[0]["message"] == "identity.ping" and hits[0]["kind"] == "rpc"
            assert hits[0]["service"] == "identity"
            return
        time.sleep(0.2)
    raise AssertionError("identity never logged the gateway's request id")
