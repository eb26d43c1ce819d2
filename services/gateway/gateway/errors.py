"""The one table that turns every failure into ``{"error", "message", "details"}`` JSON."""
import logging

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from gateway.rpc import ServiceTimeout, ServiceUnavailable
from pedatt_common.errors import ServiceError

log = logging.getLogger(__name__)


HTTP_MESSAGES = {404: "Такого адреса в API нет", 405: "Этот метод для адреса не поддерживается",
                 413: "Слишком большой запрос"}


class ApiError(Exception):
    """An error raised by the gateway itself (authentication, malformed request)."""

    def __init__(self, status: int, code: str, message: str, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers or {}


def error_response(status: int, code: str, message: str, details=None, headers=None):
    response = jsonify({"error": code, "message": message, "details": details})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def to_response(exc: Exception):
    """Map an exception to a response; the mapping is tested row by row."""
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)
    if isinstance(exc, ServiceError):
        headers = {}
        if exc.code == "RATE_LIMITED" and isinstance(exc.details, dict):
            headers["Retry-After"] = str(int(exc.details.get("retry_after", 1)))
        return error_response(exc.http_status, exc.code, exc.message, exc.details, headers)
    if isinstance(exc, ValidationError):
        return error_response(400, "INVALID_INPUT", "Проверьте введённые данные",
                              {"fields": exc.messages})
    if isinstance(exc, ServiceTimeout):
        return error_response(504, "SERVICE_TIMEOUT",
                              f"Сервис «{exc.service}» не ответил вовремя, повторите попытку",
                              {"service": exc.service})
    if isinstance(exc, ServiceUnavailable):
        return error_response(503, "SERVICE_UNAVAILABLE",
                              f"Сервис «{exc.service}» временно недоступен",
                              {"service": exc.service}, {"Retry-After": "5"})
    if isinstance(exc, HTTPException):
        message = HTTP_MESSAGES.get(exc.code, exc.description)
        return error_response(exc.code, exc.name.upper().replace(" ", "_"), message)
    log.exception("unhandled error")
    return error_response(500, "INTERNAL_ERROR", "Внутренняя ошибка сервера; мы уже разбираемся")


def register(app) -> None:
    app.register_error_handler(Exception, to_response)
