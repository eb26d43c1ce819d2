"""Authentication at the edge: the caller's access token becomes an ``Actor``."""
from gateway.api import api
from gateway.errors import ApiError


def authenticate():
    raise ApiError(401, "UNAUTHORIZED", "Требуется вход в систему")


api.authenticate = authenticate
