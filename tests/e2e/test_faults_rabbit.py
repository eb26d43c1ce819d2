"""Restart RabbitMQ during a burst of decisions: no decision and no status change is lost.

RabbitMQ is shared by everything on this machine, so this runs only with
PEDATT_FAULT_RABBIT=1 (``rabbitmqctl stop_app`` / ``start_app``: a few seconds of outage).
Clients retry what the gateway answered with 503/504, as a browser user would press again.
"""
import os
import subprocess
import threading
import time

import pytest
import requests

from tests.e2e.test_assessment_support import (Teacher, director_signs, in_queue, login, mark_all,
                                               ok, require_flow_prerequisites, wait_for)

pytestmark = pytest.mark.skipif(os.environ.get("PEDATT_FAULT_RABBIT") != "1",
                                reason="restarts the shared RabbitMQ: set PEDATT_FAULT_RABBIT=1")
BURST = 4


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, timeout=120,
                   stdout=subprocess.DEVNULL)


def accept_until_done(gateway, assessor, teacher, results):
    """Press "accept" until it is accepted (a lost answer is checked, then retried)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            r = gateway.post(f"/api/v1/reviews/{teacher.id}/accept", headers=assessor, json={},
                             timeout=15)
        except requests.RequestException:
            time.sleep(0.5)
            continue
        if r.status_code == 200:
            results[teacher.id] = "accepted"
            return
        if r.status_code == 409:  # already decided: a previous press went through
            results[teacher.id] = "already"
            return
        assert r.status_code in (502, 503, 504), r.text
        time.sleep(0.5)
    results[teacher.id] = "gave up"


def test_rabbitmq_restart_during_a_burst_of_decisions(stack, gateway):
    require_flow_prerequisites(stack, gateway)
    admin = login(gateway, "admin@demo.pedatt.kz")
    assessor = login(gateway, "assessor@demo.pedatt.kz")
    director = login(gateway, "director@demo.pedatt.kz")
    teachers = []
    for _ in range(BURST):
        t = Teacher(gateway, admin).apply()
        director_signs(stack, gateway, director, t)
        t.submit()
        teachers.append(t)
    for t in teachers:
        in_queue(gateway, assessor, t.id)
        ok(gateway.post(f"/api/v1/reviews/{t.id}/take", headers=assessor))
        mark_all(gateway, assessor, t.id)

    results = {}
    threads = [threading.Thread(target=accept_until_done, args=(gateway, assessor, t, results))
               for t in teachers]
    for i, thread in enumerate(threads):
        thread.start()
        if i == BURST // 2:
            rabbitmqctl("stop_app")
    time.sleep(3)
    rabbitmqctl("start_app")
    for thread in threads:
        thread.join(150)
    assert sorted(results.values()) != [] and "gave up" not in results.values(), results
    assert len(results) == BURST

    stack.wait_ready(timeout=90)
    for t in teachers:
        wait_for(lambda t=t: t.app()["status"] == "state_accepted", timeout=120,
                 what=f"{t.id} state_accepted")
        timeline = [x["to_status"] for x in t.app()["timeline"]]
        assert timeline.count("accepted") == 1 and timeline.count("state_accepted") == 1
        sheet = ok(gateway.get(f"/api/v1/reviews/{t.id}", headers=admin))
        assert [d["kind"] for d in sheet["decisions"]] == ["accept"]
    filings = requests.get(f"http://127.0.0.1:{stack.state_sandbox_port}/control/filings",
                           timeout=5).json()["filings"]
    ids = {str(t.id) for t in teachers}
    assert sorted(f["applicationId"] for f in filings if f["applicationId"] in ids) == sorted(ids)
