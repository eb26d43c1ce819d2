"""Fault tests of forwarding to the state service, against the real processes of the e2e stack:
the assessment service (nameko run) and the state-service sandbox (python -m
deploy.state_sandbox), over real sockets, with real PostgreSQL.

Packages are put into the assessment service's delivery table exactly as an accepted decision
leaves them (state ``queued``, in one committed transaction), with the bytes inline, so these
tests depend on no other service. The organization admin watches them through the gateway in
test_assessment_flow.py; here we read the table and the sandbox's own record of filings.
"""
import base64
import hashlib
import os
import signal
import time
import uuid

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from assessment import domain
from assessment.models import Delivery
from pedatt_common.db import utcnow

PDF = b"%PDF-1.4 fault-test course certificate"
ORG = "fault-test-org"


@pytest.fixture(scope="module")
def db(stack):
    url = f"{os.environ.get('PEDATT_PG_URL', 'postgresql+psycopg2://postgres@127.0.0.1:5432')}" \
          f"/{stack.db_prefix}assessment"
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sandbox(stack):
    url = f"http://127.0.0.1:{stack.state_sandbox_port}"
    if "state_sandbox" not in stack.processes:
        pytest.skip("the sandbox on this port was not started by this stack")
    requests.post(url + "/control/faults", json={"mode": "ok", "delay": 0}, timeout=5)
    yield url
    if "state_sandbox" not in stack.processes:
        stack.start_sandbox()
    requests.post(url + "/control/faults", json={"mode": "ok", "delay": 0}, timeout=5)


def queue_packages(db, n: int) -> list[str]:
    """n packages queued as an acceptance leaves them; returns their messageIds."""
    ids = []
    with Session(db) as s, s.begin():
        for _ in range(n):
            app_id = uuid.uuid4()
            message_id = domain.message_id_for(str(app_id), 1)
            s.add(Delivery(
                id=uuid.uuid4(), application_id=app_id, organization_id=ORG, submission_number=1,
                message_id=message_id, state="queued", attempts=0, next_attempt_at=utcnow(),
                package={"application": {"id": str(app_id),
                                         "signature": {"kind": "eds", "valid": True}},
                         "organization": {"id": ORG, "bin": "940140000385"},
                         "checklist": [{"code": "course_certificates", "title": "Курсы",
                                        "mandatory": True}],
                         "documents": [{"document_id": str(uuid.uuid4()),
                                        "item_code": "course_certificates", "filename": "c.pdf",
                                        "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest(),
                                        "content_base64": base64.b64encode(PDF).decode(),
                                        "signatures": [{"valid": True}]}]},
                on_behalf={}, reasons=[], resends=0, queued_at=utcnow(), updated_at=utcnow()))
            ids.append(message_id)
    return ids


def deliveries(db, message_ids) -> dict[str, Delivery]:
    with Session(db) as s:
        rows = s.execute(select(Delivery).where(Delivery.message_id.in_(message_ids))).scalars()
        return {d.message_id: d for d in rows}


def wait_all(db, message_ids, states, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = deliveries(db, message_ids)
        if all(rows[m].state in states for m in message_ids):
            return rows
        time.sleep(0.3)
    raise AssertionError({m: (d.state, d.attempts, d.last_error) for m, d in rows.items()})


def filings(sandbox_url, message_ids) -> dict[str, dict]:
    body = requests.get(sandbox_url + "/control/filings", timeout=5).json()
    return {f["messageId"]: f for f in body["filings"] if f["messageId"] in set(message_ids)}


def test_sandbox_down_while_packages_are_queued_every_package_arrives_once(stack, db, sandbox):
    stack.kill("state_sandbox")
    ids = queue_packages(db, 6)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # the service keeps trying while the endpoint is down
        rows = deliveries(db, ids)
        if all(d.attempts >= 2 for d in rows.values()):
            break
        time.sleep(0.3)
    assert all(d.state == "queued" and d.attempts >= 2 and d.last_error for d in rows.values()), \
        {m: (d.state, d.attempts) for m, d in rows.items()}
    stack.start_sandbox()
    rows = wait_all(db, ids, {"state_accepted"})
    arrived = filings(sandbox, ids)
    assert sorted(arrived) == sorted(ids)  # every package, each one filing
    assert all(f["receipts"] == 1 for f in arrived.values())
    assert all(d.correlation_id == arrived[m]["correlationId"] for m, d in rows.items())


def test_assessment_killed_between_decision_and_send_still_sends_after_restart(stack, db,
                                                                               sandbox):
    requests.post(sandbox + "/control/faults", json={"mode": "error500"}, timeout=5)
    ids = queue_packages(db, 3)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(d.attempts >= 1
                                                  for d in deliveries(db, ids).values()):
        time.sleep(0.2)
    os.killpg(stack.processes["assessment"].pid, signal.SIGKILL)
    stack.processes.pop("assessment").wait()
    requests.post(sandbox + "/control/faults", json={"mode": "ok"}, timeout=5)
    time.sleep(1)
    assert filings(sandbox, ids) == {}  # nothing was sent while the service was dead
    assert all(d.state == "queued" for d in deliveries(db, ids).values())
    stack.start_service("assessment")
    wait_all(db, ids, {"state_accepted"})
    arrived = filings(sandbox, ids)
    assert sorted(arrived) == sorted(ids) and all(f["receipts"] == 1 for f in arrived.values())


def test_assessment_killed_while_the_send_is_in_flight_files_once(stack, db, sandbox):
    """The sandbox got the package but our service died before hearing the answer: after the
    restart the same messageId is sent again and the state service counts one filing."""
    requests.post(sandbox + "/control/faults", json={"delay": 2}, timeout=5)
    before = requests.get(sandbox + "/control/filings", timeout=5).json()["requests"]
    ids = queue_packages(db, 1)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and \
            requests.get(sandbox + "/control/filings", timeout=5).json()["requests"] == before:
        time.sleep(0.05)
    os.killpg(stack.processes["assessment"].pid, signal.SIGKILL)
    stack.processes.pop("assessment").wait()
    time.sleep(2.5)  # the sandbox finishes the request and records the filing
    assert list(filings(sandbox, ids)) == ids
    requests.post(sandbox + "/control/faults", json={"delay": 0}, timeout=5)
    stack.start_service("assessment")
    rows = wait_all(db, ids, {"state_accepted"})
    arrived = filings(sandbox, ids)
    assert len(arrived) == 1 and arrived[ids[0]]["receipts"] == 2
    assert rows[ids[0]].correlation_id == arrived[ids[0]]["correlationId"]
    stack.wait_ready(timeout=60)


def test_real_decision_then_killed_service_still_files_once(stack, gateway, sandbox):
    """The same through the gateway: an assessor's real acceptance, the service killed before
    the package got through, restarted: the package arrives once and the status follows."""
    from tests.e2e.test_assessment_support import (Teacher, director_signs, in_queue, login,
                                                   mark_all, ok, require_flow_prerequisites,
                                                   wait_for)
    require_flow_prerequisites(stack, gateway)
    admin = login(gateway, "admin@demo.pedatt.kz")
    assessor = login(gateway, "assessor@demo.pedatt.kz")
    teacher = Teacher(gateway, admin).apply()
    director_signs(stack, gateway, login(gateway, "director@demo.pedatt.kz"), teacher)
    teacher.submit()
    in_queue(gateway, assessor, teacher.id)
    ok(gateway.post(f"/api/v1/reviews/{teacher.id}/take", headers=assessor))
    mark_all(gateway, assessor, teacher.id)
    requests.post(sandbox + "/control/faults", json={"mode": "error500"}, timeout=5)
    ok(gateway.post(f"/api/v1/reviews/{teacher.id}/accept", headers=assessor, json={}))

    def delivery():
        page = ok(gateway.get("/api/v1/state-deliveries", headers=admin))
        return next((d for d in page["items"] if d["application_id"] == str(teacher.id)), None)
    queued = wait_for(lambda: (d := delivery()) and d["last_error"] and d, what="a failed try")
    assert queued["state"] == "queued" and "500" in queued["last_error"]
    os.killpg(stack.processes["assessment"].pid, signal.SIGKILL)
    stack.processes.pop("assessment").wait()
    requests.post(sandbox + "/control/faults", json={"mode": "ok"}, timeout=5)
    assert filings(sandbox, [queued["message_id"]]) == {}
    stack.start_service("assessment")
    stack.wait_ready(timeout=60)
    wait_for(lambda: delivery()["state"] == "state_accepted", timeout=60, what="state_accepted")
    wait_for(lambda: teacher.app()["status"] == "state_accepted", timeout=30, what="status")
    arrived = filings(sandbox, [queued["message_id"]])
    assert list(arrived) == [queued["message_id"]] and arrived[queued["message_id"]]["receipts"] == 1
