"""The organization administrator's application list and one application with its portfolio,
through the gateway, over a large data set.

- Starts its own stack (``deploy.stack.Stack``: vhost ``pedatt_bench_apps``, databases
  ``pedatt_bench_apps_*``, gateway on 127.0.0.1:18197, S3 server on 19197).
- Bulk-loads the applications database directly with COPY (once; kept between runs unless
  ``--reload``): 100,000 applications and 1,000,000 portfolio documents (10 each) over 2,000
  organizations (sizes skewed like real districts: the largest has a few thousand), plus
  ~250,000 status transitions.
- Access tokens are made with the identity service's own token function for administrators
  written into identity's users table (the gateway verifies tokens locally and asks identity for
  the user's access version once per 5 s); the bench measures the applications path, not
  logging in.
- ``--concurrency`` (8) client threads, each with a keep-alive connection and an administrator of
  one of the largest organizations, for ``--duration`` seconds: half the requests are list pages
  (a random filter among none / status / category / teacher; a third of them follow the
  ``next_cursor`` of the previous page), half are one application with its portfolio.

Prints the figures and ends with one JSON line: ``list_p50_ms``, ``list_p99_ms``,
``detail_p50_ms``, ``detail_p99_ms``, ``rps``, ``errors``.

    .venv/bin/python bench/applications_list.py [--duration 20] [--concurrency 8] [--reload]
"""
import argparse
import http.client
import io
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402

from deploy.stack import Stack, ensure_infrastructure, ensure_vhost  # noqa: E402

HOST = "127.0.0.1"
VHOST = "pedatt_bench_apps"
AMQP_URI = f"amqp://guest:guest@{HOST}:5672/{VHOST}"
GATEWAY_PORT = 18197
S3_PORT = 19197
DB_PREFIX = "pedatt_bench_apps_"
PG_DSN = f"host={HOST} user=postgres dbname={DB_PREFIX}applications"

N_APPS = 100_000
N_ORGS = 2_000
DOCS_PER_APP = 10
SEED = 533

STATUSES = [("draft", 20), ("submitted", 12), ("under_review", 10), ("returned_for_rework", 5),
            ("accepted", 8), ("sent_to_state_service", 5), ("state_accepted", 30),
            ("state_refused", 5), ("withdrawn", 5)]
CATEGORIES = [("pedagog", 10), ("pedagog_moderator", 40), ("pedagog_expert", 30),
              ("pedagog_issledovatel", 15), ("pedagog_master", 5)]
PREVIOUS = {"pedagog": "pedagog_stazher", "pedagog_moderator": "pedagog",
            "pedagog_expert": "pedagog_moderator", "pedagog_issledovatel": "pedagog_expert",
            "pedagog_master": "pedagog_issledovatel"}
ITEMS = [("identity_document", True), ("education_diploma", True), ("employment_record", True),
         ("course_certificates", True), ("quality_indicators", True), ("current_category_certificate", False),
         ("professional_achievements", False), ("pupils_achievements", False), ("essay", False),
         ("knowledge_test_certificate", False)]
PATH = {"draft": ["draft"], "submitted": ["draft", "submitted"],
        "under_review": ["draft", "submitted", "under_review"],
        "returned_for_rework": ["draft", "submitted", "under_review", "returned_for_rework"],
        "accepted": ["draft", "submitted", "under_review", "accepted"],
        "sent_to_state_service": ["draft", "submitted", "under_review", "accepted", "sent_to_state_service"],
        "state_accepted": ["draft", "submitted", "under_review", "accepted", "sent_to_state_service", "state_accepted"],
        "state_refused": ["draft", "submitted", "under_review", "accepted", "sent_to_state_service", "state_refused"],
        "withdrawn": ["draft", "withdrawn"]}
SURNAMES = ["Иванова", "Ахметов", "Нурланова", "Сейткали", "Жумабаев", "Касымова", "Омаров", "Ким",
            "Петрова", "Абдрахманов", "Султанова", "Бекова"]
NAMES = ["Анна", "Айдар", "Динара", "Ерлан", "Гульнара", "Марат", "Асель", "Сергей", "Жанна", "Нурлан"]


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))]


# --------------------------------------------------------------------------- data

def org_sizes(rng) -> list[int]:
    """2,000 organizations, sizes ∝ 1/rank^0.7 (a few large, many small), summing to N_APPS."""
    weights = [1 / (i + 1) ** 0.7 for i in range(N_ORGS)]
    total = sum(weights)
    sizes = [max(1, int(N_APPS * w / total)) for w in weights]
    sizes[0] += N_APPS - sum(sizes)
    return sizes


def _weighted(rng, table):
    values, weights = zip(*table)
    return rng.choices(values, weights, k=1)[0]


class CopyStream(io.RawIOBase):
    """A file-like object over a generator of text lines, for COPY FROM STDIN."""

    def __init__(self, lines):
        self._lines = lines
        self._buf = b""

    def readable(self):
        return True

    def readinto(self, b):
        while len(self._buf) < len(b):
            try:
                self._buf += next(self._lines).encode("utf-8")
            except StopIteration:
                break
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def load_data(conn) -> dict:
    """COPY the data set; returns {org_id: {"admin": uuid, "teachers": [...], "apps": [...]}}."""
    rng = random.Random(SEED)
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    orgs, apps_rows, doc_rows, tr_rows = [], [], [], []
    meta = {}
    sizes = org_sizes(rng)
    for o, size in enumerate(sizes):
        org_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        teachers = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(max(1, size // 2))]
        meta[str(org_id)] = {"size": size, "admin": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                             "teachers": [str(t) for t in teachers[:50]], "apps": []}
        orgs.append((org_id, teachers, size))

    def app_lines():
        for org_id, teachers, size in orgs:
            keep = meta[str(org_id)]["apps"]
            for _ in range(size):
                app_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                teacher = rng.choice(teachers)
                status = _weighted(rng, STATUSES)
                category = _weighted(rng, CATEGORIES)
                created = base + timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
                name = f"{rng.choice(SURNAMES)} {rng.choice(NAMES)}"
                form = json.dumps({"full_name": name, "iin": f"{rng.randrange(10**11, 10**12)}",
                                   "email": f"t{rng.randrange(10**6)}@school.kz",
                                   "position": "Учитель", "target_category": category,
                                   "current_category": PREVIOUS[category]}, ensure_ascii=False)
                submitted = status not in ("draft", "withdrawn")
                if len(keep) < 2000:
                    keep.append(str(app_id))
                sub_at = (created + timedelta(days=1)).isoformat() if submitted else r"\N"
                yield "\t".join([str(app_id), str(org_id), str(teacher), name, "533-2025", category,
                                 PREVIOUS[category], status, str(len(PATH[status])),
                                 form.replace("\\", "\\\\"), "{}", "f", "1" if submitted else "0",
                                 created.isoformat(), created.isoformat(), sub_at]) + "\n"
                doc_rows.append((app_id, org_id, teacher, created, submitted))
                tr_rows.append((app_id, status, created))

    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.copy_expert(
            "COPY applications (id, organization_id, teacher_id, teacher_name, edition_code, "
            "target_category, current_category, status, version, form, item_flags, early, "
            "submission_count, created_at, updated_at, submitted_at) FROM STDIN",
            CopyStream(app_lines()))
    print(f"  applications: {N_APPS:,} rows in {time.perf_counter() - started:.1f} s", flush=True)

    def doc_lines():
        for app_id, org_id, teacher, created, submitted in doc_rows:
            for item, needs_head in ITEMS:
                signed = needs_head and (submitted or rng.random() < 0.5)
                signed_at = (created + timedelta(hours=5)).isoformat() if signed else r"\N"
                yield "\t".join([str(uuid.UUID(int=rng.getrandbits(128), version=4)), str(app_id),
                                 str(org_id), item, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                 "1", f"{item}.pdf", "application/pdf", str(rng.randrange(20_000, 5_000_000)),
                                 f"{rng.getrandbits(256):064x}", "t" if needs_head else "f", signed_at,
                                 "750220300012" if signed else r"\N", str(teacher),
                                 (created + timedelta(minutes=rng.randrange(1, 600))).isoformat()]) + "\n"

    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.copy_expert(
            "COPY portfolio_documents (id, application_id, organization_id, item_code, document_id, "
            "document_version, filename, content_type, size, sha256, needs_head, head_signed_at, "
            "head_signer_iin, added_by, added_at) FROM STDIN", CopyStream(doc_lines()))
    print(f"  portfolio documents: {N_APPS * DOCS_PER_APP:,} rows in {time.perf_counter() - started:.1f} s",
          flush=True)

    def transition_lines():
        for app_id, status, created in tr_rows:
            path = PATH[status]
            for i, to in enumerate(path):
                yield "\t".join([str(uuid.UUID(int=rng.getrandbits(128), version=4)), str(app_id),
                                 path[i - 1] if i else r"\N", to, "create" if not i else to,
                                 r"\N", "teacher" if to in ("draft", "submitted", "withdrawn") else "reviewer",
                                 r"\N", (created + timedelta(days=i)).isoformat()]) + "\n"

    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.copy_expert(
            "COPY status_transitions (id, application_id, from_status, to_status, action, "
            "actor_user_id, actor_kind, comment, created_at) FROM STDIN", CopyStream(transition_lines()))
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (data jsonb NOT NULL)")
        cur.execute("DELETE FROM bench_meta")
        cur.execute("INSERT INTO bench_meta VALUES (%s)", (json.dumps(meta),))
    print(f"  status transitions in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    conn.commit()
    old = conn.isolation_level
    conn.set_isolation_level(0)
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE applications")
        cur.execute("VACUUM ANALYZE portfolio_documents")
        cur.execute("VACUUM ANALYZE status_transitions")
    conn.set_isolation_level(old)
    print(f"  vacuum analyze in {time.perf_counter() - started:.1f} s", flush=True)
    return meta


def ensure_data(reload: bool) -> dict:
    conn = psycopg2.connect(PG_DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
            have_meta = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM applications")
            count = cur.fetchone()[0]
            if have_meta and count == N_APPS and not reload:
                cur.execute("SELECT data FROM bench_meta")
                print(f"data set already loaded ({count:,} applications)", flush=True)
                return cur.fetchone()[0]
            cur.execute("TRUNCATE applications, portfolio_documents, status_transitions, remarks CASCADE")
        conn.commit()
        print("loading the data set with COPY …", flush=True)
        return load_data(conn)
    finally:
        conn.close()


# --------------------------------------------------------------------------- load

def register_admins(user_ids: list[str]) -> None:
    """The measured administrators as identity users (the gateway refuses a token of a user
    identity does not know); written directly, like the rest of the data set."""
    conn = psycopg2.connect(f"host={HOST} user=postgres dbname={DB_PREFIX}identity")
    try:
        with conn, conn.cursor() as cur:
            for user_id in user_ids:
                cur.execute(
                    "INSERT INTO users (id, last_name, first_name, must_change_password, is_active,"
                    " platform_roles, access_version, created_at, updated_at)"
                    " VALUES (%s, 'Бенч', 'Админ', false, true, '[]', 0, now(), now())"
                    " ON CONFLICT (id) DO NOTHING", (user_id,))
    finally:
        conn.close()


def token_for(user_id: str, org_id: str) -> str:
    from identity.tokens import make_access_token
    token, _ = make_access_token(user_id, [], [{"organization_id": org_id, "roles": ["org_admin"]}],
                                 False, datetime.now(timezone.utc))
    return token


def run_load(meta: dict, concurrency: int, duration: float, warmup: float) -> dict:
    largest = sorted(meta, key=lambda o: -meta[o]["size"])[:concurrency]
    register_admins([meta[org]["admin"] for org in largest])
    clients = [(org, token_for(meta[org]["admin"], org)) for org in largest]
    statuses = [s for s, _ in STATUSES]
    categories = [c for c, _ in CATEGORIES]
    gate = threading.Barrier(concurrency + 1)
    window = {"from": 0.0, "to": 0.0}
    results = [None] * concurrency

    def client(slot):
        org, token = clients[slot]
        rng = random.Random(slot)
        apps, teachers = meta[org]["apps"], meta[org]["teachers"]
        headers = {"Authorization": f"Bearer {token}"}
        conn = http.client.HTTPConnection(HOST, GATEWAY_PORT, timeout=30)
        lists, details, errors = [], [], 0
        cursor = None
        gate.wait()
        try:
            while True:
                started = time.perf_counter()
                if started >= window["to"]:
                    break
                is_list = rng.random() < 0.5
                if is_list:
                    if cursor and rng.random() < 0.33:
                        q = f"limit=20&cursor={cursor}"
                    else:
                        kind = rng.randrange(4)
                        q = ("limit=20" if kind == 0 else f"limit=20&status={rng.choice(statuses)}" if kind == 1
                             else f"limit=20&target_category={rng.choice(categories)}" if kind == 2
                             else f"limit=20&teacher_id={rng.choice(teachers)}")
                    path = f"/api/v1/applications?{q}"
                else:
                    path = f"/api/v1/applications/{rng.choice(apps)}"
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                    ok = response.status == 200
                    if ok and is_list:
                        cursor = json.loads(body).get("next_cursor")
                    elif ok:
                        ok = len(json.loads(body)["portfolio"]) > 0
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, GATEWAY_PORT, timeout=30)
                    ok = False
                if started >= window["from"]:
                    if ok:
                        (lists if is_list else details).append(time.perf_counter() - started)
                    else:
                        errors += 1
        finally:
            conn.close()
            results[slot] = (lists, details, errors)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    window["from"], window["to"] = now + warmup, now + warmup + duration
    gate.wait()
    for t in threads:
        t.join(duration + warmup + 60)
    lists = sorted(x for r in results for x in r[0])
    details = sorted(x for r in results for x in r[1])
    errors = sum(r[2] for r in results)
    return {"list_n": len(lists), "detail_n": len(details), "errors": errors,
            "list_p50_ms": 1000 * percentile(lists, 0.5), "list_p99_ms": 1000 * percentile(lists, 0.99),
            "detail_p50_ms": 1000 * percentile(details, 0.5),
            "detail_p99_ms": 1000 * percentile(details, 0.99),
            "rps": (len(lists) + len(details)) / duration,
            "org_sizes": [meta[o]["size"] for o in largest]}


def ping_floor(concurrency: int, duration: float) -> dict:
    """GET /api/v1/ping (one trivial RPC) at the same concurrency: the stack's floor right now."""
    latencies, stop = [], time.perf_counter() + duration

    def worker():
        conn = http.client.HTTPConnection(HOST, GATEWAY_PORT, timeout=30)
        try:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                conn.request("GET", "/api/v1/ping")
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    latencies.append(time.perf_counter() - started)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 30)
    latencies.sort()
    return {"p50_ms": 1000 * percentile(latencies, 0.5), "p99_ms": 1000 * percentile(latencies, 0.99),
            "rps": len(latencies) / duration}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reload", action="store_true", help="drop and reload the data set")
    args = parser.parse_args()
    ensure_infrastructure()
    ensure_vhost(AMQP_URI)
    log_dir = Path(tempfile.mkdtemp(prefix="pedatt-bench-apps-"))
    stack = Stack(gateway_port=GATEWAY_PORT, s3_port=S3_PORT, amqp_uri=AMQP_URI,
                  db_prefix=DB_PREFIX, log_dir=log_dir)
    print(f"starting the stack (logs in {log_dir}) …", flush=True)
    try:
        stack.start(seed=False)
        meta = ensure_data(args.reload)
        print(f"GET /api/v1/applications (filtered, keyset pages) and /api/v1/applications/<id> "
              f"at concurrency {args.concurrency} for {args.duration:g} s …", flush=True)
        floor = ping_floor(max(1, args.concurrency), 5.0)
        print(f"floor: GET /api/v1/ping at concurrency {args.concurrency}: {floor['rps']:.0f} req/s, "
              f"p50 {floor['p50_ms']:.2f} ms, p99 {floor['p99_ms']:.2f} ms", flush=True)
        load_before = os.getloadavg()[0]
        r = run_load(meta, max(1, args.concurrency), max(1.0, args.duration), args.warmup)
        r["load"] = (load_before, os.getloadavg()[0])
    finally:
        stack.stop()
    print(f"organizations measured (applications each): {r['org_sizes']}")
    print(f"list:   {r['list_n']} requests, p50 {r['list_p50_ms']:.2f} ms, p99 {r['list_p99_ms']:.2f} ms")
    print(f"detail: {r['detail_n']} requests, p50 {r['detail_p50_ms']:.2f} ms, "
          f"p99 {r['detail_p99_ms']:.2f} ms")
    print(f"throughput {r['rps']:.1f} req/s, errors {r['errors']}; 1-min load average "
          f"{r['load'][0]:.1f} → {r['load'][1]:.1f} on {os.cpu_count()} CPUs (other work skews the figures)")
    print(json.dumps({k: round(r[k], 2) for k in ("list_p50_ms", "list_p99_ms", "detail_p50_ms",
                                                   "detail_p99_ms", "rps")}
                     | {"errors": r["errors"], "ping_p99_ms": round(floor["p99_ms"], 2),
                        "load_avg": round(r["load"][1], 2)}),
          flush=True)


if __name__ == "__main__":
    main()
