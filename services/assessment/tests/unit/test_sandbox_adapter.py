"""The adapter against the real state-service sandbox (an HTTP server in a thread)."""
import base64
import hashlib
import threading
import time
import uuid

import pytest
import requests

from assessment.adapter import AdapterSettings, Rejected, StateServiceAdapter, Transient
from deploy.state_sandbox.server import make_server

PDF = b"%PDF-1.4 demo diploma"


@pytest.fixture
def sandbox(tmp_path):
    server = make_server("127.0.0.1", 0, state_file=str(tmp_path / "state.json"), result_delay=0.2)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def control(sandbox, path, body=None):
    r = requests.post(sandbox.url + path, json=body or {}, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def adapter_for(sandbox, **kw):
    return StateServiceAdapter(AdapterSettings(url=sandbox.url, timeout=kw.get("timeout", 2)))


def package(**overrides):
    doc = {"document_id": "d1", "item_code": "diploma", "filename": "dip.pdf", "size": len(PDF),
           "sha256": hashlib.sha256(PDF).hexdigest(),
           "content_base64": base64.b64encode(PDF).decode(), "signatures": [{"valid": True}]}
    pkg = {"application": {"id": str(uuid.uuid4()), "signature": {"kind": "eds", "valid": True}},
           "checklist": [{"code": "diploma", "title": "Диплом", "mandatory": True},
                         {"code": "essay", "title": "Эссе", "mandatory": False}],
           "documents": [doc]}
    pkg.update(overrides)
    return pkg


def wait_verdict(adapter, correlation_id, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = adapter.status(correlation_id)
        if result["status"] != "PROCESSING":
            return result
        time.sleep(0.05)
    raise AssertionError("no verdict")


def test_accepts_a_good_package_once_per_message_id(sandbox):
    adapter = adapter_for(sandbox)
    pkg = package()
    first = adapter.send("m-1", pkg)
    again = adapter.send("m-1", pkg)
    assert again["correlationId"] == first["correlationId"] and again["duplicate"] is True
    assert adapter.status(first["correlationId"])["status"] == "PROCESSING"
    assert wait_verdict(adapter, first["correlationId"])["status"] == "ACCEPTED"
    filings = requests.get(sandbox.url + "/control/filings", timeout=5).json()["filings"]
    assert len(filings) == 1 and filings[0]["receipts"] == 2


@pytest.mark.parametrize("change, code", [
    (lambda p: p["documents"].clear(), "MANDATORY_DOCUMENT_MISSING"),
    (lambda p: p["documents"][0].update(sha256="0" * 64), "HASH_MISMATCH"),
    (lambda p: p["documents"][0].update(size=3), "HASH_MISMATCH"),
    (lambda p: p["documents"][0].update(signatures=[{"valid": False}]), "SIGNATURE_INVALID"),
    (lambda p: p["application"].update(signature={"valid": False}), "APPLICATION_SIGNATURE_INVALID"),
    (lambda p: p["documents"][0].update(content_base64=None, url="http://127.0.0.1:9/x"),
     "DOCUMENT_UNAVAILABLE"),
])
def test_refuses_a_bad_package_with_reasons(sandbox, change, code):
    adapter = adapter_for(sandbox)
    pkg = package()
    change(pkg)
    sent = adapter.send(str(uuid.uuid4()), pkg)
    result = wait_verdict(adapter, sent["correlationId"])
    assert result["status"] == "REFUSED"
    assert code in [r["code"] for r in result["reasons"]]
    assert all(r["message"] for r in result["reasons"])


def test_fetches_documents_from_their_link(sandbox):
    served = threading.Event()

    # the sandbox's own control endpoint is not a file server; use a second tiny server
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Files(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            served.set()
            self.send_response(200)
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            self.wfile.write(PDF)

        def log_message(self, *a):
            pass

    files = HTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=files.handle_request, daemon=True).start()
    pkg = package()
    pkg["documents"][0].update(content_base64=None,
                               url=f"http://127.0.0.1:{files.server_address[1]}/dip.pdf")
    adapter = adapter_for(sandbox)
    result = wait_verdict(adapter, adapter.send("m-link", pkg)["correlationId"])
    files.server_close()
    assert served.is_set() and result["status"] == "ACCEPTED"


def test_bad_message_signature_is_rejected_synchronously(sandbox):
    adapter = StateServiceAdapter(AdapterSettings(url=sandbox.url, key="wrong-key", timeout=2))
    with pytest.raises(Rejected) as err:
        adapter.send("m-2", package())
    assert err.value.code == "SIGNATURE_INVALID" and err.value.http_status == 400


@pytest.mark.parametrize("mode", ["error500", "drop", "timeout"])
def test_faults_are_transient(sandbox, mode):
    control(sandbox, "/control/faults", {"mode": mode, "times": 1, "hang": 3})
    adapter = adapter_for(sandbox, timeout=0.5)
    with pytest.raises(Transient):
        adapter.send("m-3", package())
    assert adapter.send("m-3", package())["duplicate"] is False  # the fault lasted one request


def test_drop_after_receipt_then_retry_is_one_filing(sandbox):
    control(sandbox, "/control/faults", {"mode": "drop_after", "times": 1})
    adapter = adapter_for(sandbox)
    with pytest.raises(Transient):
        adapter.send("m-4", package())
    assert adapter.send("m-4", package())["duplicate"] is True
    filings = requests.get(sandbox.url + "/control/filings", timeout=5).json()["filings"]
    assert [f["receipts"] for f in filings] == [2]


def test_unreachable_endpoint_is_transient():
    adapter = StateServiceAdapter(AdapterSettings(url="http://127.0.0.1:9", timeout=0.5))
    with pytest.raises(Transient):
        adapter.send("m-5", package())


def test_forced_verdict_and_persistence(sandbox, tmp_path):
    pkg = package()
    control(sandbox, "/control/verdicts", {"application_id": pkg["application"]["id"],
                                           "status": "REFUSED",
                                           "reasons": [{"code": "X", "message": "Причина"}]})
    adapter = adapter_for(sandbox)
    sent = adapter.send("m-6", pkg)
    assert wait_verdict(adapter, sent["correlationId"])["reasons"][0]["code"] == "X"
    reloaded = make_server("127.0.0.1", 0, state_file=str(tmp_path / "state.json"))
    try:
        assert "m-6" in reloaded.state.filings
    finally:
        reloaded.server_close()
