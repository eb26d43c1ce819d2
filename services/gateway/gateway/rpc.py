"""RPC from gunicorn threads to the nameko services.

One long-lived standalone nameko client per thread (a client is not thread-safe), created
lazily after fork. Every call has a timeout, and the request message expires with it, so
a call that timed out is never executed later by a service that comes back.
"""
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from kombu import Connection
from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy, ServiceProxy

from gateway import settings
from pedatt_common.logs import REQUEST_ID_KEY, request_id_var

log = logging.getLogger(__name__)

CONSUMER_CACHE_SECONDS = 1.0


class ServiceUnavailable(Exception):
    """No instance of the service is consuming its queue, or the broker is unreachable."""

    def __init__(self, service: str):
        super().__init__(service)
        self.service = service


class ServiceTimeout(Exception):
    def __init__(self, service: str):
        super().__init__(service)
        self.service = service


class _ExpiringClusterProxy:
    def __init__(self, worker_ctx, reply_listener, expiration_ms):
        self._worker_ctx = worker_ctx
        self._reply_listener = reply_listener
        self._expiration_ms = expiration_ms
        self._proxies = {}

    def __getitem__(self, name):
        if name not in self._proxies:
            self._proxies[name] = ServiceProxy(self._worker_ctx, name, self._reply_listener,
                                               expiration=self._expiration_ms)
        return self._proxies[name]


class _Client(ClusterRpcProxy):
    def __init__(self, config, timeout):
        super().__init__(config, timeout=timeout)
        self._proxy = _ExpiringClusterProxy(self._worker_ctx, self._reply_listener,
                                            int(timeout * 1000))

    def set_request_id(self, rid):
        if rid:
            self._worker_ctx.data[REQUEST_ID_KEY] = rid
        else:
            self._worker_ctx.data.pop(REQUEST_ID_KEY, None)


class RpcClient:
    def __init__(self, amqp_uri: str = settings.AMQP_URI, timeout: float = settings.RPC_TIMEOUT):
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self._local = threading.local()
        self._consumers: dict[str, tuple[float, int]] = {}
        self._health_pool = None
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------
    def _client(self) -> _Client:
        client = getattr(self._local, "client", None)
        if client is None:
            standalone = _Client({"AMQP_URI": self.amqp_uri}, self.timeout)
            standalone.start()
            self._local.standalone = standalone
            client = self._local.client = standalone
        return client

    def _drop_client(self):
        standalone = getattr(self._local, "standalone", None)
        self._local.client = self._local.standalone = None
        if standalone is not None:
            try:
                standalone.stop()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass

    def consumer_count(self, service: str) -> int:
        """How many instances consume ``rpc-<service>``; 0 when the queue does not exist."""
        conn = getattr(self._local, "admin", None)
        try:
            if conn is None:
                conn = self._local.admin = Connection(self.amqp_uri, connect_timeout=2)
            channel = conn.default_channel
            try:
                return channel.queue_declare(queue=f"rpc-{service}", passive=True).consumer_count
            except Exception as exc:  # noqa: BLE001
                if getattr(exc, "code", None) == 404:
                    conn.release()
                    self._local.admin = None
                    return 0
                raise
        except Exception:
            self._local.admin = None
            raise

    def _has_consumers(self, service: str) -> bool:
        now = time.monotonic()
        cached = self._consumers.get(service)
        if cached and now - cached[0] < CONSUMER_CACHE_SECONDS:
            return cached[1] > 0
        count = self.consumer_count(service)
        if count:  # only good news is cached: a service that comes back is used at once
            self._consumers[service] = (now, count)
        return count > 0

    # -- calls ------------------------------------------------------------------------
    def call(self, service: str, method: str, *args, **kwargs):
        try:
            if not self._has_consumers(service):
                raise ServiceUnavailable(service)
            client = self._client()
            client.set_request_id(request_id_var.get())
            return getattr(client._proxy[service], method)(*args, **kwargs)
        except RpcTimeout:
            self._consumers.pop(service, None)
            if self.consumer_count(service) == 0:  # it died while we waited
                raise ServiceUnavailable(service) from None
            raise ServiceTimeout(service) from None
        except UnknownService:
            raise ServiceUnavailable(service) from None
        except (OSError, ConnectionError, OperationalError) as exc:
            log.warning("broker connection failed: %s", exc)
            self._drop_client()
            self._local.admin = None
            raise ServiceUnavailable(service) from None

    def ping_all(self, services=settings.SERVICES) -> dict[str, bool]:
        """Ping every service concurrently with the short health timeout."""
        with self._lock:
            if self._health_pool is None:
                self._health_pool = ThreadPoolExecutor(len(services), thread_name_prefix="health")
                self._health_client = RpcClient(self.amqp_uri, settings.HEALTH_TIMEOUT)
        health = self._health_client

        def ping(service):
            try:
                health._consumers.pop(service, None)
                return health.call(service, "ping").get("ok", False)
            except Exception:  # noqa: BLE001 - any failure means "not ready"
                return False

        return dict(zip(services, self._health_pool.map(ping, services)))


rpc = RpcClient()
