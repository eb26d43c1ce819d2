"""gunicorn settings for the gateway (gthread workers; RPC clients are made per thread after fork)."""
import os

bind = os.environ.get("PEDATT_GATEWAY_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("PEDATT_GATEWAY_WORKER_CLASS", "gthread")
workers = int(os.environ.get("PEDATT_GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("PEDATT_GATEWAY_THREADS", "8"))
timeout = 120
graceful_timeout = 10
accesslog = os.environ.get("PEDATT_GATEWAY_ACCESSLOG") or None
control_socket_disable = True  # several gateways (dev stack, tests, benches) share one machine
