"""Forwarding to the state service: a real container, real PostgreSQL and RabbitMQ, and the
real sandbox (an HTTP server in a thread); packages carry their bytes inline here."""
import base64
import hashlib
import threading
import time
import uuid
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from assessment import dependencies, domain
from assessment.models import AppCommand, Delivery, DeliveryAttempt
from assessment.service import AssessmentService
from deploy.state_sandbox.server import make_server

ORG = "org-1"
ADMIN = {"user_id": "admin-1", "organization_id": ORG, "roles": ["org_admin"]}
OTHER_ADMIN = {"user_id": "admin-2", "organization_id": "org-2", "roles": ["org_admin"]}
PDF = b"%PDF-1.4 course certificate"


@pytest.fixture
def sandbox(tmp_path):
    server = make_server("127.0.0.1", 0, result_delay=0.2)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(dependencies.settings, "retry",
                        domain.RetryPolicy(base=0.2, cap=0.4, max_attempts=3))
    monkeypatch.setattr(dependencies.settings, "poll_interval", 0.2)
    # the applications service does not run here: its status commands fail fast and wait
    monkeypatch.setattr(dependencies.settings, "rpc_timeout", 0.5)


LOCK = [None]


def started(container):
    """Direct DB access from the test takes turns with the workers on the shared connection."""
    from nameko.testing.utils import get_extension
    from pedatt_common.db import Database
    LOCK[0] = get_extension(container, Database)._bound_lock
    return container


@pytest.fixture
def service(start_service, sandbox, fast_retries):
    return started(start_service(AssessmentService, {"STATE_SERVICE_URL": sandbox.url}))


def package(app_id, sha=None):
    return {"application": {"id": str(app_id), "signature": {"kind": "eds", "valid": True}},
            "organization": {"id": ORG, "bin": "940140000385"},
            "checklist": [{"code": "courses", "title": "Курсы", "mandatory": True}],
            "documents": [{"document_id": "d1", "item_code": "courses", "filename": "c.pdf",
                           "size": len(PDF), "sha256": sha or hashlib.sha256(PDF).hexdigest(),
                           "content_base64": base64.b64encode(PDF).decode(),
                           "signatures": [{"valid": True}]}]}


def queue(db_connection, app_id, sha=None, org=ORG, lock=None):
    from sqlalchemy.orm import Session
    lock = lock or LOCK[0]
    with lock, Session(bind=db_connection, join_transaction_mode="create_savepoint") as s:
        d = Delivery(id=uuid.uuid4(), application_id=app_id, organization_id=org,
                     submission_number=1, message_id=domain.message_id_for(str(app_id), 1),
                     state="queued", attempts=0, next_attempt_at=domain_now(),
                     package=package(app_id, sha), on_behalf={}, reasons=[], resends=0,
                     queued_at=domain_now(), updated_at=domain_now())
        s.add(d)
        s.commit()
        return d.id


def domain_now():
    from pedatt_common.db import utcnow
    return utcnow()


def wait_state(rpc_client, delivery_id, states, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d = rpc_client.assessment.get_delivery(ADMIN, str(delivery_id))
        if d["state"] in states:
            return d
        time.sleep(0.1)
    raise AssertionError(f"delivery stayed {d['state']}: {d}")


def filings(sandbox):
    return requests.get(sandbox.url + "/control/filings", timeout=5).json()["filings"]


def test_queued_package_is_sent_and_its_verdict_recorded(service, rpc_client, db_connection,
                                                         sandbox):
    app_id = uuid.uuid4()
    delivery_id = queue(db_connection, app_id)
    d = wait_state(rpc_client, delivery_id, {"state_accepted"})
    assert d["correlation_id"] and d["due_at"] and d["attempts"] == 1 and not d["overdue"]
    assert rpc_client.assessment.list_deliveries(ADMIN, overdue=True)["total"] == 0
    with LOCK[0]:  # the term passed before the answer came: shown as overdue
        db_connection.execute(Delivery.__table__.update().where(Delivery.id == delivery_id)
                              .values(due_at=Delivery.result_at - timedelta(hours=1)))
    late = rpc_client.assessment.list_deliveries(ADMIN, overdue=True)["items"]
    assert [x["id"] for x in late] == [str(delivery_id)] and late[0]["overdue"]
    assert [h["outcome"] for h in d["history"]] == ["sent", "state_accepted"]
    assert [f["messageId"] for f in filings(sandbox)] == [d["message_id"]]
    # the status transitions for the applications service are recorded, in order
    with LOCK[0]:
        methods = [c.method for c in db_connection.execute(
            select(AppCommand).where(AppCommand.application_id == app_id).order_by(AppCommand.id))]
    assert methods == ["mark_sent_to_state_service", "record_state_service_result"]


def test_refused_package_keeps_the_reasons(service, rpc_client, db_connection):
    delivery_id = queue(db_connection, uuid.uuid4(), sha="0" * 64)
    d = wait_state(rpc_client, delivery_id, {"state_refused"})
    assert [r["code"] for r in d["reasons"]] == ["HASH_MISMATCH"]


def test_5xx_is_retried_with_backoff_and_arrives_once(service, rpc_client, db_connection,
                                                      sandbox):
    requests.post(sandbox.url + "/control/faults", json={"mode": "error500", "times": 2}, timeout=5)
    delivery_id = queue(db_connection, uuid.uuid4())
    d = wait_state(rpc_client, delivery_id, {"state_accepted"})
    assert d["attempts"] == 3
    assert [h["outcome"] for h in d["history"]][:3] == ["error", "error", "sent"]
    assert [h["http_status"] for h in d["history"]][:2] == [500, 500]
    assert len(filings(sandbox)) == 1


def test_lost_answer_is_retried_without_a_second_filing(service, rpc_client, db_connection,
                                                        sandbox):
    requests.post(sandbox.url + "/control/faults", json={"mode": "drop_after", "times": 1},
                  timeout=5)
    delivery_id = queue(db_connection, uuid.uuid4())
    d = wait_state(rpc_client, delivery_id, {"state_accepted"})
    assert [h["outcome"] for h in d["history"]][:2] == ["error", "duplicate"]
    assert [f["receipts"] for f in filings(sandbox)] == [2]


def test_gives_up_then_admin_resends(service, rpc_client, db_connection, sandbox):
    requests.post(sandbox.url + "/control/faults", json={"mode": "error500"}, timeout=5)
    delivery_id = queue(db_connection, uuid.uuid4())
    d = wait_state(rpc_client, delivery_id, {"failed"})
    assert d["attempts"] == 3 and "500" in d["last_error"]
    listed = rpc_client.assessment.list_deliveries(ADMIN, state="failed")
    assert [x["id"] for x in listed["items"]] == [str(delivery_id)]
    assert rpc_client.assessment.list_deliveries(OTHER_ADMIN)["items"] == []
    from pedatt_common.errors import Conflict, NotFound, PermissionDenied
    with pytest.raises(NotFound):
        rpc_client.assessment.resend_delivery(OTHER_ADMIN, str(delivery_id))
    with pytest.raises(PermissionDenied):
        rpc_client.assessment.resend_delivery({**ADMIN, "roles": ["assessor"]}, str(delivery_id))
    requests.post(sandbox.url + "/control/faults", json={"mode": "ok"}, timeout=5)
    resent = rpc_client.assessment.resend_delivery(ADMIN, str(delivery_id))
    assert resent["state"] == "queued" and resent["resends"] == 1
    d = wait_state(rpc_client, delivery_id, {"state_accepted"})
    assert len(filings(sandbox)) == 1
    with pytest.raises(Conflict):
        rpc_client.assessment.resend_delivery(ADMIN, str(delivery_id))


def test_bad_message_signature_fails_at_once(start_service, sandbox, fast_retries, rpc_client,
                                             db_connection, monkeypatch):
    monkeypatch.setenv("PEDATT_STATE_SERVICE_KEY", "not-the-shared-key")
    started(start_service(AssessmentService, {"STATE_SERVICE_URL": sandbox.url}))
    delivery_id = queue(db_connection, uuid.uuid4())
    d = wait_state(rpc_client, delivery_id, {"failed"})
    assert d["attempts"] == 1 and d["last_error"].startswith("SIGNATURE_INVALID")


def test_calendar_rpc(service, rpc_client):
    due = rpc_client.assessment.get_due_date("2026-12-04T19:00:00+05:00")
    assert due["receipt_day"] == "2026-12-07" and due["due_at"] == "2026-12-07T18:00:00+05:00"
    year = rpc_client.assessment.get_calendar(2027)
    assert {"date": "2027-03-22", "name": "Наурыз мейрамы"} in year["holidays"]
    from pedatt_common.errors import InvalidInput, NotFound
    with pytest.raises(InvalidInput):
        rpc_client.assessment.get_due_date("yesterday")
    with pytest.raises(NotFound):
        rpc_client.assessment.get_calendar(1999)
