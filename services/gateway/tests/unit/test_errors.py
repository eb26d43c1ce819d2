"""The error table, row by row: every failure becomes {"error", "message", "details"}."""
import pytest
from flask import Flask
from marshmallow import ValidationError

from gateway.errors import ApiError, to_response
from gateway.rpc import ServiceTimeout, ServiceUnavailable
from pedatt_common import errors as e


@pytest.fixture(autouse=True)
def app_context():
    with Flask(__name__).app_context():
        yield


@pytest.mark.parametrize("exc, status, code", [
    (e.InvalidInput("bad", {"fields": {"iin": ["x"]}}), 400, "INVALID_INPUT"),
    (e.Unauthorized("who"), 401, "UNAUTHORIZED"),
    (e.PermissionDenied("no"), 403, "PERMISSION_DENIED"),
    (e.NotFound("none"), 404, "NOT_FOUND"),
    (e.Conflict("dup"), 409, "CONFLICT"),
    (e.IllegalTransition("state"), 409, "ILLEGAL_TRANSITION"),
    (e.PayloadTooLarge("big"), 413, "PAYLOAD_TOO_LARGE"),
    (e.Unprocessable("rules"), 422, "UNPROCESSABLE"),
    (e.RateLimited("slow", {"retry_after": 30}), 429, "RATE_LIMITED"),
    (e.DependencyUnavailable("s3"), 503, "DEPENDENCY_UNAVAILABLE"),
    (ValidationError({"login": ["required"]}), 400, "INVALID_INPUT"),
    (ServiceTimeout("identity"), 504, "SERVICE_TIMEOUT"),
    (ServiceUnavailable("identity"), 503, "SERVICE_UNAVAILABLE"),
    (ApiError(401, "TOKEN_EXPIRED", "expired"), 401, "TOKEN_EXPIRED"),
    (KeyError("secret internals"), 500, "INTERNAL_ERROR"),
])
def test_error_table(exc, status, code):
    response = to_response(exc)
    body = response.get_json()
    assert response.status_code == status
    assert body["error"] == code
    assert set(body) == {"error", "message", "details"}
    assert body["message"]
    assert "secret internals" not in response.get_data(as_text=True)


def test_rate_limit_sets_retry_after():
    response = to_response(e.RateLimited("slow", {"retry_after": 30}))
    assert response.headers["Retry-After"] == "30"


def test_validation_details_name_the_field():
    body = to_response(ValidationError({"login": ["required"]})).get_json()
    assert body["details"] == {"fields": {"login": ["required"]}}


def test_service_errors_survive_nameko_serialization():
    from nameko.exceptions import deserialize, serialize
    original = e.Conflict("ИИН уже занят", {"field": "iin"})
    copy = deserialize(serialize(original))
    assert type(copy) is e.Conflict
    assert copy.message == "ИИН уже занят" and copy.details == {"field": "iin"}
