"""Restart RabbitMQ during a burst of decisions: no decision and no status change is lost.

RabbitMQ is shared by everything on this machine, so by default (``PEDATT_FAULT_RABBIT=private``)
the test starts a private RabbitMQ node (port 5700 + slot) and a second stack on it, and restarts
only that node. ``PEDATT_FAULT_RABBIT=1`` uses the e2e stack on the shared broker instead
(``rabbitmqctl stop_app`` / ``start_app``: a few seconds of outage for everyone); ``=off`` skips.
Clients retry what the gateway answered with 503/504, as a browser user would press again.
"""
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from deploy.stack import Stack, port_open, wait_for as wait_port
from pedatt_common.testing import TEST_DB_PREFIX, TEST_SLOT
from tests.e2e.test_assessment_support import (Teacher, director_signs, in_queue, login, mark_all,
                                               ok, require_flow_prerequisites, wait_for)

MODE = os.environ.get("PEDATT_FAULT_RABBIT", "private")
pytestmark = pytest.mark.skipif(MODE not in ("1", "private") or shutil.which("rabbitmqctl") is None,
                                reason="restarts RabbitMQ: PEDATT_FAULT_RABBIT=1 or =private, "
                                       "with rabbitmq-server installed")
BURST = 4
SLOT = int(TEST_SLOT or 0)


class PrivateNode:
    """A throw-away RabbitMQ node of its own (own port, data dir, no plugins)."""

    def __init__(self, slot: int):
        self.name = f"pedattfault{slot}@localhost"
        self.port = 5700 + slot
        self.home = Path(f"/tmp/pedatt-rabbit-fault{slot}")

    def ctl(self, *args, timeout=120):
        subprocess.run(["rabbitmqctl", "-q", "-n", self.name, *args], check=True,
                       timeout=timeout, stdout=subprocess.DEVNULL)

    def start(self):
        if shutil.which("rabbitmq-server") is None:
            pytest.skip("rabbitmq-server is not installed")
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        (self.home / "enabled_plugins").write_text("[].\n")
        (self.home / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.home)], check=False)
        env = dict(os.environ, RABBITMQ_NODENAME=self.name, RABBITMQ_NODE_PORT=str(self.port),
                   RABBITMQ_DIST_PORT=str(self.port + 20000),
                   RABBITMQ_CONFIG_FILE=str(self.home / "rabbitmq.conf"),
                   RABBITMQ_MNESIA_BASE=str(self.home / "mnesia"),
                   RABBITMQ_LOG_BASE=str(self.home / "log"),
                   RABBITMQ_ENABLED_PLUGINS_FILE=str(self.home / "enabled_plugins"),
                   RABBITMQ_PID_FILE=str(self.home / "pid"))
        subprocess.run(["rabbitmq-server", "-detached"], env=env, check=True, timeout=60,
                       cwd=self.home)
        wait_port(lambda: port_open(self.port), 90, f"the private RabbitMQ node on {self.port}")

    def stop(self):
        try:
            self.ctl("stop", timeout=60)
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="module")
def fault_env(request, tmp_path_factory):
    """(stack, restart-broker function) for the chosen mode."""
    if MODE == "1":
        stack = request.getfixturevalue("stack")
        stack.restart_crashed_processes(True)

        def restart(pause):
            rabbitmqctl("stop_app")
            time.sleep(pause)
            rabbitmqctl("start_app")
        yield stack, restart
        stack.restart_crashed_processes(False)
        return
    node = PrivateNode(SLOT)
    node.start()
    stack = Stack(gateway_port=18000 + 10 * SLOT + 7, s3_port=19000 + 10 * SLOT + 7,
                  sandbox_port=18000 + 10 * SLOT + 8,
                  amqp_uri=f"amqp://guest:guest@127.0.0.1:{node.port}/",
                  db_prefix=f"{TEST_DB_PREFIX}fault_", log_dir=tmp_path_factory.mktemp("fault-logs"),
                  extra_env={"PEDATT_RPC_TIMEOUT": "5", "PEDATT_DEV_PKI": "1"},
                  restart_crashed=True)
    try:
        stack.drop_databases()
        stack.start(seed=True)

        def restart(pause):
            node.ctl("stop_app")
            time.sleep(pause)
            node.ctl("start_app")
        yield stack, restart
    finally:
        stack.stop()
        node.stop()


@pytest.fixture
def fault_gateway(fault_env):
    from tests.conftest import Gateway
    with Gateway(fault_env[0].gateway_url) as session:
        yield session


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
        assert r.status_code in (502, 503, 504), (
            f"{r.status_code} {r.text}: with the broker down the gateway must answer 503, not 500 "
            "(gateway/rpc.py must map kombu.exceptions.OperationalError like OSError)")
        time.sleep(0.5)
    results[teacher.id] = "gave up"


def test_rabbitmq_restart_during_a_burst_of_decisions(fault_env, fault_gateway):
    stack, restart_broker = fault_env
    gateway = fault_gateway
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
    restarter = threading.Thread(target=restart_broker, args=(3,))
    for i, thread in enumerate(threads):
        thread.start()
        if i == BURST // 2 - 1:
            restarter.start()
    restarter.join(180)
    for thread in threads:
        thread.join(150)
    assert sorted(results.values()) != [] and "gave up" not in results.values(), results
    assert len(results) == BURST

    stack.wait_ready(timeout=90)
    for t in teachers:
        wait_for(lambda t=t: retried(gateway.get, f"/api/v1/applications/{t.id}",
                                     headers=t.h)["status"] == "state_accepted",
                 timeout=120, what=f"{t.id} state_accepted")
        app = retried(gateway.get, f"/api/v1/applications/{t.id}", headers=t.h)
        timeline = [x["to_status"] for x in app["timeline"]]
        assert timeline.count("accepted") == 1 and timeline.count("state_accepted") == 1
        sheet = retried(gateway.get, f"/api/v1/reviews/{t.id}", headers=admin)
        assert [d["kind"] for d in sheet["decisions"]] == ["accept"]
        assert [e["action"] for e in sheet["log"]].count("accept") == 1
    filings = requests.get(f"http://127.0.0.1:{stack.state_sandbox_port}/control/filings",
                           timeout=5).json()["filings"]
    ids = {str(t.id) for t in teachers}
    mine = [f for f in filings if f["applicationId"] in ids]
    assert sorted(f["applicationId"] for f in mine) == sorted(ids)  # each filed exactly once


def retried(method, url, **kwargs):
    """A user refreshing the page: the first request on a connection the broker restart broke
    may answer 503; the next one works."""
    for _ in range(20):
        r = method(url, **kwargs)
        if r.status_code not in (502, 503, 504):
            return ok(r)
        time.sleep(0.5)
    return ok(r)
