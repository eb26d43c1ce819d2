"""Structured JSON logs carrying the request id that follows a call across services.

The gateway puts ``request_id`` into nameko context data; nameko forwards context data on
every RPC call a worker makes; events carry it in their envelope (see ``messaging``).
"""
import contextvars
import logging
import sys
import time
import uuid

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.timer import Timer
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_KEY = "request_id"
_call_log = logging.getLogger("pedatt.calls")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


def json_formatter(service: str) -> JsonFormatter:
    """Used by ``configure_logging`` and by the services' ``LOGGING`` dictConfig."""
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
        static_fields={"service": service},
    )


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter(service))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class RequestContext(DependencyProvider):
    """Binds the caller's request id to the worker's log records; gives it to the worker;
    logs one line per RPC call and handled event (timers stay quiet)."""

    def __init__(self):
        self._started = {}

    @staticmethod
    def _request_id(worker_ctx) -> str:
        """The caller's id, else the event's, else a new one; kept in the context data, so
        RPC calls the worker makes carry it on (nameko injects before ``worker_setup``)."""
        rid = worker_ctx.data.get(REQUEST_ID_KEY)
        if not rid:
            rid = _request_id_of_event(worker_ctx.args) or new_request_id()
            worker_ctx.data[REQUEST_ID_KEY] = rid
        return rid

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()
        request_id_var.set(self._request_id(worker_ctx))

    def get_dependency(self, worker_ctx):
        return self._request_id(worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        if started is None or isinstance(entrypoint, Timer):
            return
        _call_log.info("%s.%s", worker_ctx.service_name, entrypoint.method_name, extra={
            "kind": "event" if isinstance(entrypoint, EventHandler) else "rpc",
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "error": type(exc_info[1]).__name__ if exc_info else None,
        })



def _request_id_of_event(args) -> str | None:
    """Events carry the request id in their envelope (see ``UnitOfWork.publish``)."""
    if args and isinstance(args[0], dict):
        return args[0].get(REQUEST_ID_KEY)
    return None
