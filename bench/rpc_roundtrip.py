"""RPC round trip, three ways, in one run:

(a) the raw floor: pika with RabbitMQ's direct reply-to, against a tiny pika echo server
    (a thread of this process, on a temporary exclusive queue);
(b) a nameko 2.14 standalone ``ClusterRpcProxy`` calling the identity service's ``ping``
    (one SELECT 1 on its database);
(c) ``GET /api/v1/ping`` (one RPC to identity) through the gunicorn gateway at concurrency
    1, 8 and 32: requests/s, p50 and p99.

It starts its own stack (``deploy.stack.Stack``: vhost ``pedatt_bench``, databases
``pedatt_bench_*``, gateway on 127.0.0.1:18090, S3 server on 19090, state-service sandbox on
18098), talks only to 127.0.0.1,
bounds every phase by a request count and a duration, stops everything at the end, prints the
figures with their ratios to the raw floor, and ends with one JSON line.

    .venv/bin/python bench/rpc_roundtrip.py [--calls 2000] [--duration 5]

The gateway's gunicorn settings come from the environment as usual
(``PEDATT_GATEWAY_WORKERS``, ``PEDATT_GATEWAY_THREADS``).
"""
import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pika  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from deploy.stack import Stack, ensure_infrastructure, ensure_vhost  # noqa: E402

HOST = "127.0.0.1"
VHOST = "pedatt_bench"
AMQP_URI = f"amqp://guest:guest@{HOST}:5672/{VHOST}"
GATEWAY_PORT = 18090
S3_PORT = 19090
SANDBOX_PORT = 18098  # not gateway + 5 (= 18095, bench/applications_list.py's gateway)
DB_PREFIX = "pedatt_bench_"
CONCURRENCY = (1, 8, 32)
MAX_REQUESTS_PER_LEVEL = 50_000
PING_PATH = "/api/v1/ping"


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def summary(latencies_s):
    values = sorted(latencies_s)
    return {"n": len(values), "mean_ms": 1000 * sum(values) / len(values),
            "p50_ms": 1000 * percentile(values, 0.50), "p99_ms": 1000 * percentile(values, 0.99)}


# -- (a) raw pika, direct reply-to -------------------------------------------------------

class PikaEchoServer(threading.Thread):
    """Consumes a temporary exclusive queue and answers to ``reply_to`` with the same body."""

    def __init__(self, params):
        super().__init__(daemon=True, name="pika-echo")
        self.params = params
        self.queue = None
        self.ready = threading.Event()
        self.stopping = threading.Event()

    def run(self):
        conn = pika.BlockingConnection(self.params)
        channel = conn.channel()
        self.queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue

        def echo(ch, method, props, body):
            ch.basic_publish("", props.reply_to, body,
                             pika.BasicProperties(correlation_id=props.correlation_id,
                                                  content_type="application/json"))

        channel.basic_consume(self.queue, echo, auto_ack=True)
        self.ready.set()
        while not self.stopping.is_set():
            conn.process_data_events(time_limit=0.1)
        conn.close()


def bench_pika(calls: int, warmup: int) -> dict:
    params = pika.URLParameters(AMQP_URI)
    server = PikaEchoServer(params)
    server.start()
    if not server.ready.wait(10):
        raise RuntimeError("the pika echo server did not start")
    conn = pika.BlockingConnection(params)
    channel = conn.channel()
    replies = []
    channel.basic_consume("amq.rabbitmq.reply-to",
                          lambda ch, method, props, body: replies.append(props.correlation_id),
                          auto_ack=True)
    body = json.dumps({"args": [], "kwargs": {}}).encode()
    latencies = []
    try:
        for i in range(warmup + calls):
            replies.clear()
            started = time.perf_counter()
            channel.basic_publish("", server.queue, body, pika.BasicProperties(
                reply_to="amq.rabbitmq.reply-to", correlation_id=str(i),
                content_type="application/json"))
            while not replies:
                conn.process_data_events(time_limit=None)
            if replies[0] != str(i):
                raise RuntimeError(f"wrong reply {replies[0]!r} for {i}")
            if i >= warmup:
                latencies.append(time.perf_counter() - started)
    finally:
        conn.close()
        server.stopping.set()
        server.join(5)
    return summary(latencies)


# -- (b) nameko standalone RPC ------------------------------------------------------------

def bench_nameko(calls: int, warmup: int) -> dict:
    latencies = []
    with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=10) as rpc:
        for i in range(warmup + calls):
            started = time.perf_counter()
            answer = rpc.identity.ping()
            if i >= warmup:
                latencies.append(time.perf_counter() - started)
        assert answer == {"service": "identity", "ok": True}, answer
    return summary(latencies)


# -- (c) HTTP through the gateway ---------------------------------------------------------

def bench_gateway(concurrency: int, duration: float, warmup: float) -> dict:
    """``concurrency`` threads, each with one keep-alive connection, for ``duration`` s."""
    start_gate = threading.Barrier(concurrency + 1)
    measure_from = [0.0]
    stop_at = [0.0]
    results = [None] * concurrency
    budget = MAX_REQUESTS_PER_LEVEL // concurrency

    def client(slot):
        conn = http.client.HTTPConnection(HOST, GATEWAY_PORT, timeout=30)
        latencies, errors = [], 0
        start_gate.wait()
        try:
            while len(latencies) + errors < budget:
                started = time.perf_counter()
                if started >= stop_at[0]:
                    break
                try:
                    conn.request("GET", PING_PATH)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, GATEWAY_PORT, timeout=30)
                    ok = False
                if started >= measure_from[0]:
                    if ok:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors += 1
        finally:
            conn.close()
            results[slot] = (latencies, errors)

    threads = [threading.Thread(target=client, args=(n,), daemon=True)
               for n in range(concurrency)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    measure_from[0] = now + warmup
    stop_at[0] = now + warmup + duration
    start_gate.wait()
    for t in threads:
        t.join(duration + warmup + 60)
    elapsed = min(time.perf_counter(), stop_at[0]) - measure_from[0]
    latencies = [x for lat, _ in results for x in lat]
    errors = sum(e for _, e in results)
    out = summary(latencies) if latencies else {"n": 0, "mean_ms": 0, "p50_ms": 0, "p99_ms": 0}
    out.update(rps=len(latencies) / elapsed, errors=errors, seconds=round(elapsed, 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="sequential round trips for (a) and (b)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per gateway level")
    args = parser.parse_args()
    calls = max(10, min(args.calls, 20_000))
    duration = max(1.0, min(args.duration, 60.0))

    ensure_infrastructure()
    ensure_vhost(AMQP_URI)
    log_dir = Path(tempfile.mkdtemp(prefix="pedatt-bench-"))
    stack = Stack(gateway_port=GATEWAY_PORT, s3_port=S3_PORT, amqp_uri=AMQP_URI,
                  db_prefix=DB_PREFIX, sandbox_port=SANDBOX_PORT, log_dir=log_dir)
    workers = os.environ.get("PEDATT_GATEWAY_WORKERS", "2")
    threads = os.environ.get("PEDATT_GATEWAY_THREADS", "8")
    load_before = os.getloadavg()[0]
    print(f"starting the stack (logs in {log_dir}); load average {load_before:.2f} "
          f"on {os.cpu_count()} CPUs …", flush=True)
    try:
        stack.start(seed=False)
        time.sleep(3)  # let the freshly started processes settle (imports, first connections)
        pika_stats = bench_pika(calls, warmup=100)
        print(f"(a) raw pika, direct reply-to: mean {pika_stats['mean_ms']:.3f} ms, "
              f"p50 {pika_stats['p50_ms']:.3f} ms, p99 {pika_stats['p99_ms']:.3f} ms "
              f"({pika_stats['n']} calls)", flush=True)
        nameko_stats = bench_nameko(calls, warmup=100)
        print(f"(b) nameko ClusterRpcProxy → identity.ping: mean {nameko_stats['mean_ms']:.3f} ms, "
              f"p50 {nameko_stats['p50_ms']:.3f} ms, p99 {nameko_stats['p99_ms']:.3f} ms "
              f"({nameko_stats['n']} calls)", flush=True)
        gateway = {}
        print(f"(c) GET {PING_PATH} via gunicorn (gthread, {workers} workers × {threads} threads), "
              f"{duration:g} s per level:", flush=True)
        for c in CONCURRENCY:
            gateway[c] = bench_gateway(c, duration, warmup=1.0)
            g = gateway[c]
            print(f"    c={c:<3} {g['rps']:8.1f} req/s   p50 {g['p50_ms']:7.2f} ms   "
                  f"p99 {g['p99_ms']:7.2f} ms   ({g['n']} ok, {g['errors']} errors)", flush=True)
    finally:
        stack.stop()

    load_after = os.getloadavg()[0]
    if max(load_before, load_after) > (os.cpu_count() or 1) * 0.5:
        print(f"warning: the machine was busy (load average {load_before:.2f} → "
              f"{load_after:.2f}): these figures understate the system", flush=True)
    floor = pika_stats["p50_ms"]  # medians: robust against the other work on a shared box
    print("ratios to the raw floor (pika p50 round trip "
          f"{floor:.3f} ms, i.e. {1000 / floor:.0f} sequential calls/s):")
    print(f"    nameko round trip p50    {nameko_stats['p50_ms'] / floor:6.1f}×")
    for c in CONCURRENCY:
        g = gateway[c]
        print(f"    gateway c={c:<3} p50 {g['p50_ms'] / floor:6.1f}×  p99 {g['p99_ms'] / floor:6.1f}×"
              f"  throughput {g['rps'] / (1000 / floor):5.2f}× the sequential pika rate")
    figures = {"pika_rtt_ms": round(pika_stats["mean_ms"], 3),
               "nameko_rtt_ms": round(nameko_stats["mean_ms"], 3),
               "pika_p50_ms": round(pika_stats["p50_ms"], 3),
               "nameko_p50_ms": round(nameko_stats["p50_ms"], 3)}
    for c in CONCURRENCY:
        figures[f"gateway_rps_c{c}"] = round(gateway[c]["rps"], 1)
    for c in CONCURRENCY:
        figures[f"gateway_p50_ms_c{c}"] = round(gateway[c]["p50_ms"], 2)
    for c in CONCURRENCY:
        figures[f"gateway_p99_ms_c{c}"] = round(gateway[c]["p99_ms"], 2)
    figures["gateway_errors"] = sum(g["errors"] for g in gateway.values())
    figures["load_avg_1m"] = round(max(load_before, load_after), 2)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
