"""The documents service in a real nameko container: real PostgreSQL, RabbitMQ and S3 (moto)."""
import base64
import time
import uuid

import pytest
import requests
from sqlalchemy import text

from documents import pki
from documents.service import DocumentsService
from pedatt_common.errors import (Conflict, InvalidInput, NotFound, PayloadTooLarge,
                                  PermissionDenied, Unprocessable)

from ..conftest import DIRECTOR_IIN, SCHOOL_BIN, TEACHER_IIN

ORG = str(uuid.uuid4())
OTHER_ORG = str(uuid.uuid4())
TEACHER = {"user_id": "teacher-1", "organization_id": ORG, "roles": ["teacher"]}
TEACHER2 = {"user_id": "teacher-2", "organization_id": ORG, "roles": ["teacher"]}
DIRECTOR = {"user_id": "director-1", "organization_id": ORG, "roles": ["director"]}
STRANGER = {"user_id": "director-9", "organization_id": OTHER_ORG, "roles": ["director"]}
PDF = b"%PDF-1.7\n" + b"hello attestation\n" * 500 + b"%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
def svc(start_service, rpc_client, s3_server, test_pki, monkeypatch):
    monkeypatch.setenv("PEDATT_S3_ENDPOINT", s3_server)
    monkeypatch.setenv("PEDATT_EDS_TRUST_DIR", str(test_pki.trust_dir))
    monkeypatch.setenv("PEDATT_EDS_REVOCATION_MODE", "soft-fail")
    monkeypatch.setenv("PEDATT_S3_BUCKET", "pedatt-documents-test")
    start_service(DocumentsService)
    return rpc_client.documents


def upload(svc, actor=TEACHER, data=PDF, filename="diploma.pdf", content_type="application/pdf",
           size="auto", subject_id="app-1:diploma", document_id=None, complete=True):
    slot = svc.create_upload_slot(actor, "application_item", subject_id, "diploma", filename,
                                  content_type, len(data) if size == "auto" else size,
                                  document_id=document_id)
    r = requests.put(slot["put"]["url"], data=data, headers=slot["put"]["headers"], timeout=10)
    assert r.status_code == 200, r.text
    return svc.complete_upload(actor, slot["upload_id"]) if complete else slot


def outbox(db_connection, event_type):
    return [row.payload for row in db_connection.execute(
        text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY created_at"),
        {"t": event_type})]


def test_direct_upload_complete_download(svc, db_connection):
    doc = upload(svc)
    assert doc["status"] == "active" and doc["current_version"] == 1
    assert doc["size"] == len(PDF) and doc["content_type"] == "application/pdf"
    import hashlib
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    link = svc.get_download_url(TEACHER, doc["id"])
    assert requests.get(link["url"], timeout=10).content == PDF
    assert outbox(db_connection, "document_uploaded")[-1]["data"]["document_id"] == doc["id"]
    again = svc.get_document(DIRECTOR, doc["id"])
    assert again["versions"][0]["sha256"] == doc["sha256"]


def test_presigned_post_upload(svc):
    slot = svc.create_upload_slot(TEACHER, "application_item", "a:1", "photo", "me.png",
                                  "image/png", len(PNG))
    r = requests.post(slot["post"]["url"], data=slot["post"]["fields"],
                      files={"file": ("me.png", PNG, "image/png")}, timeout=10)
    assert r.status_code in (200, 201, 204), r.text
    doc = svc.complete_upload(TEACHER, slot["upload_id"])
    assert doc["content_type"] == "image/png" and doc["size"] == len(PNG)


def test_png_renamed_pdf_is_rejected_and_deleted(svc, s3_server):
    slot = upload(svc, data=PNG, filename="scan.pdf", complete=False)
    with pytest.raises(Unprocessable) as err:
        svc.complete_upload(TEACHER, slot["upload_id"])
    assert err.value.details["reason"] == "TYPE_MISMATCH"
    from documents.storage import Storage
    assert Storage("pedatt-documents-test").stat(slot["object_key"]) is None
    with pytest.raises(Unprocessable):  # stays rejected
        svc.complete_upload(TEACHER, slot["upload_id"])


def test_unknown_type_and_empty_file(svc):
    with pytest.raises(InvalidInput):
        svc.create_upload_slot(TEACHER, "application_item", "a:1", "x", "a.exe",
                               "application/x-msdownload", 10)
    slot = upload(svc, data=b"", size=None, complete=False)
    with pytest.raises(Unprocessable) as err:
        svc.complete_upload(TEACHER, slot["upload_id"])
    assert err.value.details["reason"] == "EMPTY_FILE"
    slot = upload(svc, data=b"MZ\x90\x00 not a pdf", complete=False)
    with pytest.raises(Unprocessable) as err:
        svc.complete_upload(TEACHER, slot["upload_id"])
    assert err.value.details["reason"] == "TYPE_NOT_ALLOWED"


def test_size_limits(svc, monkeypatch):
    monkeypatch.setenv("PEDATT_DOC_MAX_SIZE", "1000")
    with pytest.raises(PayloadTooLarge):
        svc.create_upload_slot(TEACHER, "application_item", "a:1", "x", "a.pdf", "application/pdf", 5000)
    slot = upload(svc, data=PDF[:2000], size=None, complete=False)
    with pytest.raises(PayloadTooLarge) as err:
        svc.complete_upload(TEACHER, slot["upload_id"])
    assert err.value.details["reason"] == "TOO_LARGE"
    monkeypatch.setenv("PEDATT_DOC_MAX_SIZE", str(50 * 1024 * 1024))
    slot = upload(svc, data=PDF, size=100, complete=False)  # more than declared
    with pytest.raises(Unprocessable) as err:
        svc.complete_upload(TEACHER, slot["upload_id"])
    assert err.value.details["reason"] == "SIZE_MISMATCH"


def test_path_traversal_filename(svc):
    doc = upload(svc, filename="../../../etc/passwd\x00.pdf")
    assert doc["filename"] == "passwd.pdf"
    doc = upload(svc, filename="..\\..\\Windows\\диплом.pdf")
    assert doc["filename"] == "диплом.pdf"
    slot = svc.create_upload_slot(TEACHER, "application_item", "a:1", "x", "../x.pdf",
                                  "application/pdf", 10)
    assert ".." not in slot["object_key"] and slot["object_key"].startswith(ORG + "/")


def test_upload_never_completed(svc, monkeypatch):
    monkeypatch.setenv("PEDATT_UPLOAD_TTL", "1")
    slot = svc.create_upload_slot(TEACHER, "application_item", "a:1", "x", "a.pdf",
                                  "application/pdf", 10)
    with pytest.raises(Unprocessable) as err:
        svc.complete_upload(TEACHER, slot["upload_id"])
    assert err.value.details["reason"] == "NOT_UPLOADED"
    assert svc.list_documents(TEACHER, subject_id="a:1") == []  # a pending document is invisible
    time.sleep(1.2)
    assert svc.purge_deleted()["purged"] >= 1


def test_authorization_and_other_organization(svc):
    doc = upload(svc)
    assert svc.get_document(DIRECTOR, doc["id"])["id"] == doc["id"]
    for actor in (STRANGER, TEACHER2):
        with pytest.raises(NotFound):
            svc.get_document(actor, doc["id"])
        with pytest.raises(NotFound):
            svc.get_download_url(actor, doc["id"])
    assert svc.list_documents(STRANGER, subject_id="app-1:diploma") == []
    assert svc.list_documents(TEACHER2, subject_id="app-1:diploma") == []
    assert [d["id"] for d in svc.list_documents(DIRECTOR, subject_id="app-1:diploma")] == [doc["id"]]
    with pytest.raises(PermissionDenied):
        svc.create_upload_slot({"user_id": "x"}, "application_item", "a", "k", "a.pdf",
                               "application/pdf", 10)
    with pytest.raises(NotFound):
        svc.get_document(TEACHER, "not-a-uuid")


def test_versions_delete_and_lock(svc, db_connection):
    doc = upload(svc, subject_id="app-2:essay")
    v2 = upload(svc, data=PDF + b"v2", subject_id="app-2:essay", document_id=doc["id"])
    assert v2["id"] == doc["id"] and v2["current_version"] == 2
    full = svc.get_document(TEACHER, doc["id"])
    assert [v["version"] for v in full["versions"]] == [1, 2]
    old = svc.get_download_url(TEACHER, doc["id"], version=1)
    assert requests.get(old["url"], timeout=10).content == PDF
    with pytest.raises(PermissionDenied):
        upload(svc, actor=DIRECTOR, subject_id="app-2:essay", document_id=doc["id"])
    assert svc.set_subject_locked(TEACHER, "application_item", "app-2:essay", True)["updated"] == 1
    with pytest.raises(Conflict):
        svc.delete_document(TEACHER, doc["id"])
    svc.set_subject_locked(TEACHER, "application_item", "app-2:essay", False)
    assert svc.delete_document(TEACHER, doc["id"])["status"] == "deleted"
    assert svc.list_documents(TEACHER, subject_id="app-2:essay") == []
    assert svc.list_documents(TEACHER, subject_id="app-2:essay", include_deleted=True)
    assert outbox(db_connection, "document_deleted")
    assert svc.purge_deleted(older_than_hours=0)["purged"] >= 2


def test_signatures_verified_and_rejected(svc, test_pki, db_connection):
    doc = upload(svc, subject_id="app-3:application")
    sig = base64.b64encode(pki.sign_cms(PDF, [test_pki.teacher])).decode()
    report = svc.attach_signature(TEACHER, doc["id"], sig, expect={"signer_iin": TEACHER_IIN})
    assert report["valid"] and report["reason_code"] == "OK", report
    assert report["signers"][0]["identity"]["iin"] == TEACHER_IIN
    assert report["moment_source"] == "receipt" and report["evidence"]["certificates"]
    crls = report["evidence"]["revocation"]["crls"]
    assert crls and "der_b64" not in crls[0] and crls[0]["next_update"]
    stored = db_connection.execute(text("SELECT kind FROM revocation_evidence WHERE sha256 = :h"),
                                   {"h": crls[0]["sha256"]}).scalar()
    assert stored == "crl"  # the CRL used is kept once, reports refer to it
    event = outbox(db_connection, "document_signature_verified")[-1]["data"]
    assert event["signature_id"] == report["id"] and event["signers"][0]["iin"] == TEACHER_IIN

    both = pki.add_signer(pki.sign_cms(PDF, [test_pki.teacher]), PDF, test_pki.director)
    report = svc.attach_signature(DIRECTOR, doc["id"], base64.b64encode(both).decode(),
                                  expect={"signer_iin": TEACHER_IIN, "director_of_bin": SCHOOL_BIN})
    assert report["valid"] and len(report["signers"]) == 2
    check = svc.check_signature(TEACHER, report["id"], director_of_bin=SCHOOL_BIN)
    assert check["ok"]
    assert not svc.check_signature(TEACHER, report["id"], director_of_bin="999999999999")["ok"]

    cases = {
        "TAMPERED": pki.sign_cms(PDF + b"tampered", [test_pki.teacher]),
        "AUTH_KEY": pki.sign_cms(PDF, [test_pki.teacher_auth]),
        "EXPIRED": pki.sign_cms(PDF, [test_pki.expired]),
        "UNTRUSTED_CHAIN": pki.sign_cms(PDF, [test_pki.rogue]),
        "REVOKED": pki.sign_cms(PDF, [test_pki.revoked]),
        "MALFORMED": b"",
    }
    for code, cms in cases.items():
        report = svc.attach_signature(TEACHER, doc["id"], base64.b64encode(cms).decode())
        assert not report["valid"] and report["reason_code"] == code, (code, report)
        assert report["reason"]
    rejected = outbox(db_connection, "document_signature_rejected")
    assert {e["data"]["reason_code"] for e in rejected} >= set(cases)
    listed = svc.list_signatures(DIRECTOR, doc["id"])
    assert len(listed) == 2 + len(cases)
    with pytest.raises(NotFound):
        svc.list_signatures(STRANGER, doc["id"])
    assert svc.get_signature(DIRECTOR, listed[0]["id"])["valid"]
    r = svc.attach_signature(TEACHER, doc["id"], sig, expect={"signer_iin": DIRECTOR_IIN})
    assert r["reason_code"] == "WRONG_SIGNER"


def test_stateless_verify_and_ping_during_burst(svc, test_pki, rpc_client):
    data = b"%PDF-" + b"x" * (256 << 10)
    cms = base64.b64encode(pki.sign_cms(data, [test_pki.teacher])).decode()
    content = base64.b64encode(data).decode()
    assert svc.verify_signature(cms, content)["valid"]
    attached = base64.b64encode(pki.sign_cms(b"<xml/>", [test_pki.teacher], detached=False)).decode()
    assert svc.verify_signature(attached)["valid"]
    with pytest.raises(InvalidInput):
        svc.verify_signature(cms, "%%%")

    started = time.monotonic()
    calls = [svc.verify_signature.call_async(cms, content) for _ in range(20)]
    assert svc.ping()["ok"]
    ping_time = time.monotonic() - started
    assert all(c.result()["valid"] for c in calls)
    assert ping_time < 2.0, ping_time
