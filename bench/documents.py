"""Documents service: EDS verification speed, scaling over two instances, and uploads through
the gateway vs directly to storage.

(a) ``verify_1mb_per_s``: detached RSA CMS over a 1 MB file, 2-level chain, offline CRLs
    (soft-fail), through ``documents.eds.verify_cms`` in this process, one thread; rate per
    CPU-second of this process (the "one core" figure; wall-clock rate printed too).
(b) ``verify_20mb_over_sha256``: wall-clock median of verifying a 20 MB file ÷ median of a
    plain SHA-256 of the same bytes.
(c) ``two_instances_speedup``: verifications/s through RPC (``documents.verify_signature``,
    a 4-signer attached CMS over 16 KB, 16 clients in a closed loop) with two service instances
    ÷ with one; the median over rounds that alternate 2 and 1 instances (this machine's speed
    drifts by ±15% over a minute). Each phase prints the cores the instances used and the cores
    left idle: with 2 cores shared with RabbitMQ and the load generator, the ratio is bounded by
    how much of the machine the instances get.
(d) ``upload_vs_direct``: a 200 MB upload through the gateway (streamed, then checked by the
    service: type, size, SHA-256) vs a presigned PUT of the same bytes to the same S3 server
    (speed ratio); ``upload_rss_growth_mb``: the peak growth of the summed RSS of the gateway
    and documents processes during the gateway upload.

It starts its own stack (vhost ``pedatt_bench_docs``, databases ``pedatt_bench_docs_*``, gateway
18105, S3 19105, sandbox 18106), stops it at the end, and ends with one JSON line.

    .venv/bin/python bench/documents.py [--duration 4] [--upload-mb 200]
"""
import argparse
import base64
import hashlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "services" / "documents"))

import requests  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

import pedatt_common  # noqa: E402,F401  (RPC messages transient, as in the services)
from deploy.stack import Stack  # noqa: E402
from documents import eds, pki  # noqa: E402

VHOST = "pedatt_bench_docs"
AMQP_URI = f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"
DB_PREFIX = "pedatt_bench_docs_"
GATEWAY_PORT, S3_PORT, SANDBOX_PORT = 18105, 19105, 18106


def log(*args):
    print(*args, flush=True)


def make_pki():
    root = pki.make_root()
    inter = pki.make_intermediate(root)
    teacher = pki.make_person(inter, iin="880101300123")
    trust = eds.TrustStore.from_certs([root.cert, inter.cert],
                                      crls=[pki.make_crl(inter), pki.make_crl(root)],
                                      revocation_mode="soft-fail")
    return root, inter, teacher, trust


def bench_verify_1mb(trust, teacher, duration):
    data = b"%PDF-1.7\n" + os.urandom(1024 * 1024 - 9)
    cms = pki.sign_cms(data, [teacher])
    for _ in range(20):
        assert eds.verify_cms(cms, data, trust=trust)["valid"]
    n, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < duration and n < 20000:
        eds.verify_cms(cms, data, trust=trust)
        n += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return n / cpu, n / wall


def bench_verify_20mb(trust, teacher, rounds=25):
    data = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024 - 9)
    cms = pki.sign_cms(data, [teacher])
    assert eds.verify_cms(cms, data, trust=trust)["valid"]
    v, h = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        eds.verify_cms(cms, data, trust=trust)
        v.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        hashlib.sha256(data).digest()
        h.append(time.perf_counter() - t0)
    return statistics.median(v), statistics.median(h)


def rpc_rate(cms_b64, duration, in_flight=16):
    """Closed loop: ``in_flight`` clients, each with its own connection, send the next call as
    soon as their previous one returns, so a slow reply from one instance never leaves the
    other waiting for work (a FIFO over async replies did, and measured the client)."""
    counts, stop = [], threading.Event()

    def client():
        done = errors = 0
        with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=60) as proxy:
            while not stop.is_set():
                try:
                    assert proxy.documents.verify_signature(cms_b64)["valid"]
                    done += 1
                except Exception:  # noqa: BLE001
                    errors += 1
        counts.append((done, errors))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(in_flight)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return sum(d for d, _ in counts) / elapsed, sum(e for _, e in counts)


def consumers() -> int:
    from kombu import Connection
    with Connection(AMQP_URI) as conn:
        return conn.default_channel.queue_declare(queue="rpc-documents", passive=True).consumer_count


def wait_consumers(n, timeout=30):
    deadline = time.monotonic() + timeout
    while consumers() != n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"rpc-documents did not reach {n} consumers")
        time.sleep(0.2)


# -- CPU ---------------------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except OSError:
        return 0.0


def _idle_seconds():
    with open("/proc/stat") as f:
        return int(f.readline().split()[4]) / CLOCK_TICKS


class CpuShare:
    """Cores used by groups of processes (``{name: [pid, ...]}``), and cores left idle on the
    machine, over a block."""

    def __init__(self, groups: dict):
        self.groups = groups

    def _cpu(self):
        return {name: sum(_cpu_seconds(p) for p in pids) for name, pids in self.groups.items()}

    def __enter__(self):
        self.t0, self.idle0, self.cpu0 = time.perf_counter(), _idle_seconds(), self._cpu()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t0
        self.used = {name: (c - self.cpu0[name]) / wall for name, c in self._cpu().items()}
        self.idle = (_idle_seconds() - self.idle0) / wall

    def __str__(self):
        return ", ".join(f"{name} {u:.2f}" for name, u in self.used.items()) + \
            f" cores; machine idle {self.idle:.2f}"


# -- memory ------------------------------------------------------------------------------
def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return kids


def _rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def tree(pids):
    out = set()
    for pid in pids:
        out.add(pid)
        out.update(_children(pid))
    return out


class RssSampler(threading.Thread):
    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids, self.peak, self.stop_flag = pids, 0, threading.Event()

    def total(self):
        return sum(_rss_kb(p) for p in self.pids)

    def run(self):
        while not self.stop_flag.is_set():
            self.peak = max(self.peak, self.total())
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--upload-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="(c): alternations of 2 and 1 instances")
    args = parser.parse_args()
    log(f"load average at start: {os.getloadavg()}")

    root, inter, teacher, trust = make_pki()
    per_cpu, per_wall = bench_verify_1mb(trust, teacher, args.duration)
    log(f"(a) verify 1 MB detached CMS (offline CRL): {per_cpu:.0f}/s per CPU-second, "
        f"{per_wall:.0f}/s wall-clock (the signer's validated path reused within its minute)")
    v20, h20 = bench_verify_20mb(trust, teacher)
    log(f"(b) verify 20 MB: median {v20 * 1000:.1f} ms; SHA-256 alone {h20 * 1000:.1f} ms; "
        f"ratio {v20 / h20:.2f}")
    cached_path = eds._cached_path
    eds._cached_path = lambda *a, **k: None  # every verification builds and checks the path
    try:
        cold_cpu, cold_wall = bench_verify_1mb(trust, teacher, args.duration)
        cv20, ch20 = bench_verify_20mb(trust, teacher)
    finally:
        eds._cached_path = cached_path
    log(f"    without the path cache: 1 MB {cold_cpu:.0f}/s per CPU-second ({cold_wall:.0f}/s "
        f"wall); 20 MB ratio {cv20 / ch20:.2f} (hashing overlapped with path validation)")

    tmp = Path(tempfile.mkdtemp(prefix="pedatt-bench-docs-"))
    trust_dir = tmp / "trust"
    (trust_dir / "revocation").mkdir(parents=True)
    (trust_dir / "root.cer").write_bytes(root.der)
    (trust_dir / "inter.cer").write_bytes(inter.der)
    (trust_dir / "revocation" / "inter.crl").write_bytes(pki.make_crl(inter))
    (trust_dir / "revocation" / "root.crl").write_bytes(pki.make_crl(root))
    stack = Stack(gateway_port=GATEWAY_PORT, s3_port=S3_PORT, amqp_uri=AMQP_URI, db_prefix=DB_PREFIX,
                  sandbox_port=SANDBOX_PORT, document_instances=2, log_dir=tmp / "logs",
                  extra_env={"PEDATT_EDS_TRUST_DIR": str(trust_dir), "PEDATT_DEV_PKI": "0",
                             "PEDATT_DOC_MAX_SIZE": str((args.upload_mb + 10) * 1024 * 1024),
                             "PEDATT_RPC_TIMEOUT": "60",
                             # (c) measures real verification work, not path-cache hits
                             "PEDATT_EDS_PATH_CACHE_SECONDS": "0"})
    result = {}
    upload_file = tmp / "upload.pdf"
    try:
        stack.start(seed=True)
        signers = [pki.make_person(inter, iin=f"88010130012{i}") for i in range(4)]
        content = b"<application>" + os.urandom(16 * 1024) + b"</application>"
        cms = pki.sign_cms(content, [signers[0]], detached=False)
        for s in signers[1:]:
            cms = pki.add_signer(cms, content, s)
        cms_b64 = base64.b64encode(cms).decode()
        with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=60) as proxy:
            assert proxy.documents.verify_signature(cms_b64)["valid"]
        speedups = []
        for round_no in range(1, args.rounds + 1):
            rpc_rate(cms_b64, 1.0)  # warm up both instances
            instances = {k: [stack.processes[k].pid] for k in ("documents", "documents-1")}
            with CpuShare(instances) as cpu2:
                two, err2 = rpc_rate(cms_b64, args.duration)
            log(f"(c) round {round_no}: RPC verify (4 signers) with {consumers()} instances: "
                f"{two:.0f}/s ({err2} errors); {cpu2}")
            stack.kill("documents-1")
            wait_consumers(1)
            rpc_rate(cms_b64, 1.0)
            with CpuShare({"documents": instances["documents"]}) as cpu1:
                one, err1 = rpc_rate(cms_b64, args.duration)
            speedups.append(two / one)
            log(f"    with {consumers()} instance: {one:.0f}/s ({err1} errors); {cpu1}; "
                f"speedup {two / one:.2f}")
            if round_no < args.rounds:
                stack.start_service("documents", 1)
                wait_consumers(2)
        result["two_instances_speedup"] = round(statistics.median(speedups), 2)
        log(f"    speedup median of {len(speedups)} rounds: {result['two_instances_speedup']} "
            f"({', '.join(f'{x:.2f}' for x in speedups)})")

        # (d) uploads
        size = args.upload_mb * 1024 * 1024
        with open(upload_file, "wb") as f:
            f.write(b"%PDF-1.7\n")
            block = os.urandom(1024 * 1024)
            written = 9
            while written < size:
                f.write(block[: min(len(block), size - written)])
                written += min(len(block), size - written)
        url = stack.gateway_url
        token = requests.post(url + "/api/v1/auth/login", json={
            "login": "teacher@demo.pedatt.kz", "password": "Demo-Pass-2026"}, timeout=30)
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        slot = requests.post(url + "/api/v1/documents/uploads", headers=headers, json={
            "subject_type": "bench", "subject_id": "direct", "kind": "bench",
            "filename": "direct.pdf", "content_type": "application/pdf", "size": size},
            timeout=30).json()
        groups = {"client": [os.getpid()], "gateway": sorted(tree([stack.processes["gateway"].pid])),
                  "documents": [stack.processes["documents"].pid]}
        if "s3" in stack.processes:
            groups["S3 server"] = [stack.processes["s3"].pid]
        with open(upload_file, "rb") as f, CpuShare(groups) as cpu_direct:
            t0 = time.perf_counter()
            r = requests.put(slot["put"]["url"], data=f, headers=slot["put"]["headers"], timeout=600)
            direct = time.perf_counter() - t0
        assert r.status_code == 200, r.text
        log(f"(d) direct presigned PUT of {args.upload_mb} MB: {direct:.2f} s "
            f"({args.upload_mb / direct:.0f} MB/s); {cpu_direct}")
        for i in range(4):  # warm both gateway workers and the service (imports, pools)
            w = requests.post(url + f"/api/v1/documents/upload?subject_type=bench&subject_id=warm{i}"
                              "&kind=bench&filename=w.pdf",
                              headers={**headers, "Content-Type": "application/pdf"},
                              data=b"%PDF-1.7\n" + os.urandom(12 * 1024 * 1024), timeout=120)
            assert w.status_code == 201, w.text
        pids = tree([stack.processes[k].pid for k in ("gateway", "documents") if k in stack.processes])
        sampler = RssSampler(pids)
        base = sampler.total()
        sampler.start()
        with open(upload_file, "rb") as f, CpuShare(groups) as cpu_through:
            t0 = time.perf_counter()
            r = requests.post(url + "/api/v1/documents/upload?subject_type=bench&subject_id=gw"
                              "&kind=bench&filename=gw.pdf",
                              headers={**headers, "Content-Type": "application/pdf"}, data=f,
                              timeout=600)
            through = time.perf_counter() - t0
        sampler.stop_flag.set()
        sampler.join()
        assert r.status_code == 201, r.text
        growth = (sampler.peak - base) / 1024
        log(f"    through the gateway (streamed + checked by the service): {through:.2f} s "
            f"({args.upload_mb / through:.0f} MB/s); ratio {direct / through:.2f}; "
            f"RSS of gateway+documents {base / 1024:.0f} MB → peak {sampler.peak / 1024:.0f} MB "
            f"(+{growth:.1f} MB); {cpu_through}")
        result.update(upload_vs_direct=round(direct / through, 2),
                      upload_rss_growth_mb=round(growth, 1))
    finally:
        stack.stop()
        try:
            upload_file.unlink()
        except OSError:
            pass
    log(f"load average at end: {os.getloadavg()}")
    print(json.dumps({"verify_1mb_per_s": round(per_cpu, 1),
                      "verify_1mb_per_s_wall": round(per_wall, 1),
                      "verify_20mb_over_sha256": round(v20 / h20, 2),
                      "verify_1mb_per_s_no_path_cache": round(cold_cpu, 1),
                      "verify_20mb_over_sha256_no_path_cache": round(cv20 / ch20, 2),
                      "two_instances_speedup": result.get("two_instances_speedup"),
                      "upload_vs_direct": result.get("upload_vs_direct"),
                      "upload_rss_growth_mb": result.get("upload_rss_growth_mb")}))


if __name__ == "__main__":
    main()
