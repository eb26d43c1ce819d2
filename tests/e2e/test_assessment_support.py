"""Helpers for the assessment end-to-end tests (no tests here): a teacher of the demo school
with a complete portfolio, signed scans and a paper-signed application, all through the gateway.

Each scenario gets its own new teacher (the org admin adds one in HR), so it never collides
with other tests' use of the demo teacher (one active application per teacher).
"""
import base64
import os
import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.ids import random_iin

PASSWORD = "Demo-Pass-2026"
TEACHER_PASSWORD = "Teacher-Pass-2026!"
TARGET = "pedagog_expert"
ROOT = Path(__file__).resolve().parents[2]


def login(gateway, name, password=PASSWORD) -> dict:
    r = gateway.post("/api/v1/auth/login", json={"login": name, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201)), \
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    return response.json() if response.content else None




def director_key(stack) -> Path | None:
    """The dev PKI's PKCS#12 key of the demo director (the documents' seed step writes it under
    the PKI home of this stack's database prefix, see documents.settings.pki_dir)."""
    prefix = stack.db_prefix
    home = os.environ.get("PEDATT_PKI_DIR") or str(
        ROOT / ".run" / ("pki" if prefix == "pedatt_" else f"pki-{prefix.rstrip('_')}"))
    path = Path(home) / "keys" / "director.p12"
    return path if path.exists() else None


def sign_detached(p12: Path, data: bytes) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), PASSWORD.encode())
    cms = (pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(cert, key, hashes.SHA256())
           .sign(serialization.Encoding.DER,
                 [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.DetachedSignature]))
    return base64.b64encode(cms).decode()


def require_flow_prerequisites(stack, gateway):
    paths = gateway.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/documents/upload", "/api/v1/director/queue", "/api/v1/reviews"):
        if path not in paths:
            pytest.skip(f"{path} is not served yet")
    if director_key(stack) is None:
        pytest.skip("the dev PKI has no director key yet")


def pdf(label: str) -> bytes:
    return f"%PDF-1.4\n% {label} {uuid.uuid4()}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()


class Teacher:
    """A new teacher of the demo school and their application."""

    def __init__(self, gateway, admin):
        self.gateway = gateway
        self.iin = random_iin()
        today = date.today()
        ok(gateway.post("/api/v1/staff", headers=admin, json={
            "iin": self.iin, "email": f"t-{self.iin}@demo.pedatt.kz", "last_name": "Тестова",
            "first_name": "Айгуль", "middle_name": "Сериковна", "password": TEACHER_PASSWORD,
            "roles": ["teacher"], "position_code": "teacher", "subjects": ["Математика"],
            "total_experience_years": 8, "teaching_experience_years": 8,
            "category_code": "pedagog_moderator", "category_order_number": "17-к",
            "category_order_date": date(today.year - 4, 5, 31).isoformat(),
            "category_valid_until": date(today.year + 1, 5, 31).isoformat()}))
        self.h = login(gateway, self.iin, TEACHER_PASSWORD)
        self.files: dict[str, bytes] = {}

    def app(self) -> dict:
        return ok(self.gateway.get(f"/api/v1/applications/{self.id}", headers=self.h))

    def upload(self, subject_type, subject_id, kind, data: bytes, filename="scan.pdf") -> str:
        r = self.gateway.post("/api/v1/documents/upload", headers=self.h,
                              params={"subject_type": subject_type, "subject_id": subject_id,
                                      "kind": kind},
                              files={"file": (filename, data, "application/pdf")})
        doc = ok(r)
        self.files[doc["id"]] = data
        return doc["id"]

    def add(self, item_code) -> str:
        data = pdf(item_code)
        doc_id = self.upload("application_item", f"{self.id}:{item_code}", item_code, data,
                             f"{item_code}.pdf")
        app = self.app()
        ok(self.gateway.post(f"/api/v1/applications/{self.id}/documents", headers=self.h,
                             json={"version": app["version"], "item_code": item_code,
                                   "document_id": doc_id}))
        return doc_id

    def apply(self):
        edition = ok(self.gateway.get("/api/v1/rules/current"))
        ok(self.gateway.post("/api/v1/rules/acknowledgement", headers=self.h,
                             json={"edition_code": edition["code"]}))
        self.id = ok(self.gateway.post("/api/v1/applications", headers=self.h,
                                       json={"target_category": TARGET,
                                             "declared_achievements": 5}))["id"]
        app = self.app()
        ok(self.gateway.patch(f"/api/v1/applications/{self.id}", headers=self.h, json={
            "version": app["version"],
            "item_flags": {"education_diploma": {"in_state_systems": True},
                           "employment_record": {"in_state_systems": True}}}))
        for item in self.app()["portfolio"]:
            if item["required"] and not item["documents"]:
                self.add(item["code"])
        return self

    def replace(self, item_code):
        """Fix a remark: remove the item's documents and attach a new one."""
        for item in self.app()["portfolio"]:
            if item["code"] == item_code:
                for d in item["documents"]:
                    app = self.app()
                    ok(self.gateway.delete(f"/api/v1/applications/{self.id}/documents/{d['id']}",
                                           headers=self.h, params={"version": app["version"]}))
        self.add(item_code)

    def submit(self):
        scan = self.upload("application", str(self.id), "paper_application", pdf("signed form"),
                           "application-signed.pdf")
        app = self.app()
        return ok(self.gateway.post(f"/api/v1/applications/{self.id}/submit", headers=self.h,
                                    json={"version": app["version"], "paper_scan_document_id": scan}))


def director_signs(stack, gateway, director, teacher: Teacher):
    """The director signs every scan of the teacher's application waiting for the head's EDS."""
    key = director_key(stack)
    queue = ok(gateway.get("/api/v1/director/queue", headers=director))
    for entry in queue:
        if entry["application_id"] != str(teacher.id):
            continue
        data = teacher.files[entry["document_id"]]
        ok(gateway.post(f"/api/v1/director/queue/{entry['id']}/signature", headers=director,
                        json={"signature": sign_detached(key, data)}))


def wait_for(check, timeout=30, interval=0.3, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def in_queue(gateway, assessor, app_id, status="submitted", submission=None):
    """The application's row in the review queue once it has ``status`` (and, given, that
    ``submission`` number: a resubmission reaches the queue by event, after the return did)."""
    def check():
        page = ok(gateway.get("/api/v1/reviews", headers=assessor, params={"status": status}))
        return next((r for r in page["items"] if r["application_id"] == str(app_id)
                     and submission in (None, r["submission_number"])), None)
    return wait_for(check, what=f"{app_id} in the review queue as {status}")


def mark_all(gateway, assessor, app_id, remarks: dict | None = None):
    sheet = ok(gateway.get(f"/api/v1/reviews/{app_id}", headers=assessor))
    for item in sheet["items"]:
        if not item["documents"] and not item["required"]:
            continue
        text = (remarks or {}).get(item["code"])
        ok(gateway.put(f"/api/v1/reviews/{app_id}/items/{item['code']}", headers=assessor,
                       json={"verdict": "remark" if text else "ok", "text": text}))
    return sheet
