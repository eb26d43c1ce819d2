"""Container healthchecks for docker-compose: exit 0 when healthy, 1 otherwise.

    python -m deploy.docker.health rpc <service>   # the service answers its ``ping`` RPC
    python -m deploy.docker.health http <url>      # the URL answers 2xx (e.g. gateway /healthz)

The RPC check talks AMQP directly with an exclusive, auto-deleted reply queue, so a check every
few seconds leaves nothing behind on the broker (nameko's standalone proxy would leave a reply
queue for five minutes per check). ``PEDATT_AMQP_URI`` is the broker; ``PEDATT_HEALTH_TIMEOUT``
(default 3 s) bounds every check.
"""
import json
import os
import socket
import sys
import urllib.error
import urllib.request
import uuid

DEFAULT_TIMEOUT = 3.0


def rpc_ping(service: str, amqp_uri: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """True when an instance of ``service`` answers ``ping`` with ``ok`` within ``timeout``."""
    from kombu import Connection, Consumer, Exchange, Producer, Queue

    exchange = Exchange("nameko-rpc", type="topic", durable=True)
    reply_key = f"health-{service}-{uuid.uuid4().hex}"
    correlation_id = uuid.uuid4().hex
    replies = []
    with Connection(amqp_uri, connect_timeout=timeout) as conn:
        channel = conn.channel()
        queue = Queue(reply_key, exchange=exchange, routing_key=reply_key, exclusive=True,
                      auto_delete=True, channel=channel)
        queue.declare()

        def on_reply(body, message):
            message.ack()
            if message.properties.get("correlation_id") == correlation_id:
                replies.append(body)

        with Consumer(channel, queues=[queue], callbacks=[on_reply], accept=["json"]):
            producer = Producer(channel)
            producer.publish({"args": [], "kwargs": {}}, exchange=exchange,
                             routing_key=f"{service}.ping", serializer="json",
                             reply_to=reply_key, correlation_id=correlation_id,
                             expiration=timeout, declare=[exchange])
            try:
                while not replies:
                    conn.drain_events(timeout=timeout)
            except socket.timeout:
                return False
    reply = replies[0]
    return reply.get("error") is None and bool((reply.get("result") or {}).get("ok"))


def http_ok(url: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    timeout = float(os.environ.get("PEDATT_HEALTH_TIMEOUT", DEFAULT_TIMEOUT))
    if len(argv) != 2 or argv[0] not in ("rpc", "http"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, target = argv
    try:
        if kind == "rpc":
            amqp_uri = os.environ.get("PEDATT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
            ok = rpc_ping(target, amqp_uri, timeout)
        else:
            ok = http_ok(target, timeout)
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        print(f"unhealthy: {exc!r}", file=sys.stderr)
        return 1
    print(json.dumps({"check": kind, "target": target, "healthy": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
