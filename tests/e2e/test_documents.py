"""Documents through the gateway against the real stack (two documents-service instances, moto S3,
RabbitMQ, PostgreSQL): direct and streaming uploads, rejections, access across organizations,
downloads, and EDS signatures made with the dev PKI's keys (seed step s20_pki)."""
import base64
import hashlib
import random
from pathlib import Path

import pytest
import requests

from documents import pki
from pedatt_common.kz_ids import make_valid

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo-Pass-2026"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300


def login(url, email, password=PASSWORD):
    r = requests.post(url + "/api/v1/auth/login", json={"login": email, "password": password},
                      timeout=30)
    assert r.status_code == 200, (email, r.text)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _valid(fn):
    while True:
        number = make_valid(fn())
        if number:
            return number


@pytest.fixture(scope="module")
def world(stack):
    url = stack.gateway_url
    h = {name: login(url, f"{name}@demo.pedatt.kz")
         for name in ("teacher", "director", "assessor", "admin", "platform")}
    me = requests.get(url + "/api/v1/me", headers=h["teacher"], timeout=30).json()
    org = requests.get(url + "/api/v1/organization", headers=h["admin"], timeout=30).json()
    iin = _valid(lambda: f"{random.randint(60, 99)}0101{random.choice('34')}{random.randint(0, 9999):04d}")
    admin = {"iin": iin, "email": f"d{iin}@e2e.pedatt.kz", "last_name": "Чужой",
             "first_name": "Админ", "password": "Foreign-Pass-2026"}
    foreign = requests.post(url + "/api/v1/organizations", headers=h["platform"], json={
        "bin": _valid(lambda: f"{random.randint(0, 25):02d}0140{random.randint(0, 99999):05d}"),
        "name_ru": "Чужая школа (документы)", "name_kk": "Бөгде мектеп", "type": "school",
        "region": "almaty", "address": "г. Алматы, ул. Чужая, 5", "admin": admin}, timeout=30)
    assert foreign.status_code == 201, foreign.text
    h["foreign"] = login(url, admin["email"], admin["password"])
    keys = ROOT / ".run" / f"pki-{stack.db_prefix.rstrip('_')}" / "keys"
    return {"h": h, "teacher_iin": me["iin"], "bin": org["bin"], "keys": keys}


def slot(gateway, headers, data, filename="diploma.pdf", content_type="application/pdf",
         subject_id="e2e-app:diploma", **extra):
    r = gateway.post("/api/v1/documents/uploads", headers=headers, json={
        "subject_type": "application_item", "subject_id": subject_id, "kind": "diploma",
        "filename": filename, "content_type": content_type, "size": len(data), **extra})
    assert r.status_code == 201, r.text
    return r.json()


def direct_upload(gateway, headers, data=PDF, **kw):
    s = slot(gateway, headers, data, **kw)
    put = requests.put(s["put"]["url"], data=data, headers=s["put"]["headers"], timeout=30)
    assert put.status_code == 200, put.text
    return gateway.post(f"/api/v1/documents/uploads/{s['upload_id']}/complete", headers=headers)


def test_direct_upload_download_and_access(gateway, world):
    h = world["h"]
    r = direct_upload(gateway, h["teacher"])
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest() and doc["current_version"] == 1
    link = gateway.get(f"/api/v1/documents/{doc['id']}/download", headers=h["director"])
    assert link.status_code == 200
    assert requests.get(link.json()["url"], timeout=30).content == PDF
    content = gateway.get(f"/api/v1/documents/{doc['id']}/content", headers=h["assessor"])
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["Content-Type"] == "application/pdf"
    for path in (f"/api/v1/documents/{doc['id']}", f"/api/v1/documents/{doc['id']}/download",
                 f"/api/v1/documents/{doc['id']}/content", f"/api/v1/documents/{doc['id']}/signatures"):
        r = gateway.get(path, headers=h["foreign"])
        assert r.status_code == 404 and r.json()["error"] == "NOT_FOUND", (path, r.text)
    assert gateway.get("/api/v1/documents?subject_id=e2e-app:diploma", headers=h["foreign"]).json() == []
    assert gateway.get(f"/api/v1/documents/{doc['id']}").status_code == 401
    listed = gateway.get("/api/v1/documents?subject_id=e2e-app:diploma", headers=h["director"]).json()
    assert doc["id"] in [d["id"] for d in listed]


def test_streaming_uploads_through_the_gateway(gateway, world):
    h = world["h"]["teacher"]
    data = b"%PDF-1.5\n" + random.randbytes(3 * 1024 * 1024 + 17)
    r = gateway.post("/api/v1/documents/upload?subject_type=application_item&subject_id=e2e-app:courses&kind=course",
                     headers=h, files={"file": ("курсы.pdf", data, "application/pdf")})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["size"] == len(data) and doc["sha256"] == hashlib.sha256(data).hexdigest()
    assert doc["filename"] == "курсы.pdf"
    raw = gateway.post(f"/api/v1/documents/upload?document_id={doc['id']}&filename=v2.png",
                       headers={**h, "Content-Type": "image/png"}, data=PNG)
    assert raw.status_code == 201, raw.text
    assert raw.json()["current_version"] == 2 and raw.json()["content_type"] == "image/png"
    versions = gateway.get(f"/api/v1/documents/{doc['id']}", headers=h).json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]


@pytest.mark.parametrize("data,filename,ctype,status,reason", [
    (PNG, "scan.pdf", "application/pdf", 422, "TYPE_MISMATCH"),
    (b"", "empty.pdf", "application/pdf", 422, "EMPTY_FILE"),
    (b"MZ\x90\x00binary", "virus.pdf", "application/pdf", 422, "TYPE_NOT_ALLOWED"),
])
def test_rejected_uploads(gateway, world, data, filename, ctype, status, reason):
    h = world["h"]["teacher"]
    r = gateway.post("/api/v1/documents/upload?subject_type=application_item&subject_id=e2e-app:bad&kind=x",
                     headers=h, files={"file": (filename, data, ctype)})
    assert r.status_code == status, r.text
    assert r.json()["details"]["reason"] == reason and r.json()["message"]


def test_over_the_limit_and_bad_slots(gateway, world):
    h = world["h"]["teacher"]
    r = gateway.post("/api/v1/documents/uploads", headers=h, json={
        "subject_type": "application_item", "subject_id": "x", "kind": "x", "filename": "big.pdf",
        "content_type": "application/pdf", "size": 51 * 1024 * 1024})
    assert r.status_code == 413 and r.json()["error"] == "PAYLOAD_TOO_LARGE"

    r = gateway.post("/api/v1/documents/uploads", headers=h, json={
        "subject_type": "application_item", "subject_id": "x", "kind": "x", "filename": "a.exe",
        "content_type": "application/x-msdownload", "size": 10})
    assert r.status_code == 400 and r.json()["error"] == "INVALID_INPUT"

    def body():
        yield b"%PDF-1.4\n"
        chunk = b"\x00" * (1024 * 1024)
        for _ in range(51):
            yield chunk
    # last, on its own connection: the gateway answers 413 and closes it without reading the rest
    r = requests.post(gateway.base_url + "/api/v1/documents/upload?subject_type=application_item"
                      "&subject_id=x&kind=x&filename=big.pdf",
                      headers={**h, "Content-Type": "application/pdf"}, data=body(), timeout=60)
    assert r.status_code == 413, r.text
    assert r.json()["details"]["reason"] == "TOO_LARGE"


def test_path_traversal_and_never_completed(gateway, world):
    h = world["h"]["teacher"]
    r = direct_upload(gateway, h, filename="../../../etc/passwd.pdf")
    assert r.status_code == 201 and r.json()["filename"] == "passwd.pdf"
    s = slot(gateway, h, PDF, subject_id="e2e-app:never")
    r = gateway.post(f"/api/v1/documents/uploads/{s['upload_id']}/complete", headers=h)
    assert r.status_code == 422 and r.json()["details"]["reason"] == "NOT_UPLOADED"
    assert gateway.get("/api/v1/documents?subject_id=e2e-app:never", headers=h).json() == []
    other = gateway.post(f"/api/v1/documents/uploads/{s['upload_id']}/complete",
                         headers=world["h"]["director"])
    assert other.status_code == 404


def test_delete_keeps_nothing_visible(gateway, world):
    h = world["h"]["teacher"]
    doc = direct_upload(gateway, h, subject_id="e2e-app:del").json()
    assert gateway.delete(f"/api/v1/documents/{doc['id']}", headers=world["h"]["director"]).status_code == 403
    assert gateway.delete(f"/api/v1/documents/{doc['id']}", headers=h).status_code == 204
    assert gateway.get("/api/v1/documents?subject_id=e2e-app:del", headers=h).json() == []


def _p12(world, name):
    path = world["keys"] / f"{name}.p12"
    assert path.exists(), f"the seed step s20_pki did not create {path}"
    return pki.load_p12(path.read_bytes(), PASSWORD)[0]


def test_eds_signatures_with_the_dev_pki(gateway, world):
    h = world["h"]
    doc = direct_upload(gateway, h["teacher"], subject_id="e2e-app:application").json()
    teacher, director = _p12(world, "teacher"), _p12(world, "director")
    cms = pki.sign_cms(PDF, [teacher])
    r = gateway.post(f"/api/v1/documents/{doc['id']}/signatures", headers=h["teacher"], json={
        "signature": base64.b64encode(cms).decode(), "expect": {"signer_iin": world["teacher_iin"]}})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["valid"], report
    assert report["signers"][0]["identity"]["iin"] == world["teacher_iin"]

    both = pki.add_signer(cms, PDF, director)
    r = gateway.post(f"/api/v1/documents/{doc['id']}/signatures", headers=h["director"], json={
        "signature": base64.b64encode(both).decode(),
        "expect": {"signer_iin": world["teacher_iin"], "director_of_bin": world["bin"]}})
    assert r.status_code == 201 and r.json()["valid"], r.text
    roles = {tuple(s["identity"]["roles"]) for s in r.json()["signers"]}
    assert ("director",) in roles

    tampered = pki.sign_cms(PDF + b"!", [teacher])
    r = gateway.post(f"/api/v1/documents/{doc['id']}/signatures", headers=h["teacher"],
                     json={"signature": base64.b64encode(tampered).decode()})
    assert r.status_code == 201 and r.json()["reason_code"] == "TAMPERED"
    assert "изменён" in r.json()["reason"]

    stranger_root = pki.make_root("E2E ROGUE")
    rogue = pki.make_person(pki.make_intermediate(stranger_root, "E2E ROGUE CA"), iin=world["teacher_iin"])
    r = gateway.post(f"/api/v1/documents/{doc['id']}/signatures", headers=h["teacher"],
                     json={"signature": base64.b64encode(pki.sign_cms(PDF, [rogue])).decode()})
    assert r.json()["reason_code"] == "UNTRUSTED_CHAIN"

    r = gateway.post(f"/api/v1/documents/{doc['id']}/signatures", headers=h["teacher"],
                     json={"signature": "this is not a signature"})
    assert r.status_code == 201 and r.json()["reason_code"] == "MALFORMED"
    r = gateway.post(f"/api/v1/documents/{doc['id']}/signatures", headers=h["foreign"],
                     json={"signature": base64.b64encode(cms).decode()})
    assert r.status_code == 404

    listed = gateway.get(f"/api/v1/documents/{doc['id']}/signatures", headers=h["assessor"]).json()
    assert len(listed) == 5
    one = gateway.get(f"/api/v1/signatures/{listed[0]['id']}", headers=h["director"]).json()
    assert one["valid"] and one["evidence"]["certificates"]
    summary = gateway.get(f"/api/v1/documents/{doc['id']}", headers=h["teacher"]).json()["signatures"]
    assert [s["valid"] for s in summary][:2] == [True, True]

    attached = pki.sign_cms(b"<application/>", [teacher], detached=False)
    r = gateway.post("/api/v1/signatures/verify", headers=h["teacher"],
                     json={"signature": base64.b64encode(attached).decode()})
    assert r.status_code == 200 and r.json()["valid"], r.text


def test_two_instances_share_the_work(stack, gateway, world):
    """The stack runs two documents instances on one queue; slots made by one are completed by
    whichever instance takes the next call (the service keeps no state of its own)."""
    from kombu import Connection
    with Connection(stack.amqp_uri) as conn:
        count = conn.default_channel.queue_declare(queue="rpc-documents", passive=True).consumer_count
    assert count == 2
    h = world["h"]["teacher"]
    subject = f"e2e-app:many-{random.randint(0, 10**9)}"
    for i in range(6):
        data = PDF + str(i).encode()
        r = direct_upload(gateway, h, data=data, subject_id=subject)
        assert r.status_code == 201 and r.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(gateway.get(f"/api/v1/documents?subject_id={subject}", headers=h).json()) == 6


def test_a_file_missing_from_storage_is_reported_as_not_found(stack, gateway, world):
    """Bytes gone from the bucket (a storage accident, never our retention) give 404 with the
    reason, not "storage unavailable": retrying would not help."""
    import os
    from unittest import mock

    from documents.storage import Storage
    h = world["h"]
    doc = direct_upload(gateway, h["teacher"], subject_id="e2e-app:lost").json()
    with mock.patch.dict(os.environ, stack.env, clear=True):  # the stack's own S3 server
        storage = Storage()
    (key,) = [o.object_name for o in storage.client.list_objects(storage.bucket, recursive=True)
              if f"/{doc['id']}/" in o.object_name]
    storage.remove(key)

    for route in ("content", "download"):
        r = gateway.get(f"/api/v1/documents/{doc['id']}/{route}", headers=h["teacher"])
        assert r.status_code == 404, (route, r.text)
        assert r.json()["error"] == "NOT_FOUND" and r.json()["details"]["reason"] == "CONTENT_MISSING"
    cms = pki.sign_cms(PDF, [_p12(world, "teacher")])
    r = gateway.post(f"/api/v1/documents/{doc['id']}/signatures", headers=h["teacher"],
                     json={"signature": base64.b64encode(cms).decode()})
    assert r.status_code == 404, r.text
    assert r.json()["details"]["reason"] == "CONTENT_MISSING"
    assert gateway.get(f"/api/v1/documents/{doc['id']}", headers=h["teacher"]).status_code == 200


def test_the_content_stream_is_documented_as_binary(gateway):
    op = gateway.get("/openapi.json").json()["paths"]["/api/v1/documents/{document_id}/content"]["get"]
    assert op["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    assert {"401", "404"} <= set(op["responses"]) and op["security"]
