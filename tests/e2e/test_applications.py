"""The teacher's part of the workflow through the real gateway: rules → application → portfolio →
the director signs the scans → EDS-signed submission; and every refusal case of the issue.

Signing keys: a test CA (root + intermediate, shaped like НУЦ РК's RSA line) is generated here and
placed in the stack's EDS trust directory (the documents service reloads it when it changes);
the demo teacher's and director's certificates carry their real IIN / the school's BIN.
"""
import atexit
import base64
import os
import time
import uuid
from unittest import mock

import pytest

from documents import pki
from documents import settings as documents_settings

PASSWORD = "Demo-Pass-2026"
TEACHER, DIRECTOR, ADMIN, ASSESSOR = ("teacher@demo.pedatt.kz", "director@demo.pedatt.kz",
                                      "admin@demo.pedatt.kz", "assessor@demo.pedatt.kz")
PDF = "application/pdf"


# --------------------------------------------------------------------------- helpers

def login(gateway, email):
    r = gateway.post("/api/v1/auth/login", json={"login": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def pdf_bytes(label: str) -> bytes:
    return (f"%PDF-1.4\n% {label} {uuid.uuid4()}\n1 0 obj << /Type /Catalog >> endobj\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n").encode()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
       b"\x00\x00IEND\xaeB`\x82")


def upload(gateway, headers, data: bytes, content_type=PDF, name="scan.pdf",
           subject=("application_item", "demo")) -> dict:
    """Upload through the gateway (streaming route); returns the stored document."""
    params = {"subject_type": subject[0], "subject_id": subject[1], "kind": "portfolio"}
    r = gateway.post("/api/v1/documents/upload", params=params, headers=headers,
                     files={"file": (name, data, content_type)})
    assert r.status_code == 201, r.text
    return r.json()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def wait_for(fn, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@pytest.fixture
def people(stack, gateway):
    heads = {email: login(gateway, email) for email in (TEACHER, DIRECTOR, ADMIN, ASSESSOR)}
    me = {email: gateway.get("/api/v1/me", headers=h).json() for email, h in heads.items()}
    return heads, me


_KEYS: dict = {}


@pytest.fixture
def keys(stack, gateway, people):
    """A test CA in the stack's trust dir (once per session; the documents service re-reads the
    directory every few seconds); signing keys for the demo teacher and director."""
    if _KEYS:
        return _KEYS
    heads, me = people
    with mock.patch.dict(os.environ, stack.env, clear=True):  # the stack's own trust dir
        trust = documents_settings.trust_dir()
    trust.mkdir(parents=True, exist_ok=True)
    root = pki.make_root(cn=f"E2E APPLICATIONS ROOT {uuid.uuid4().hex[:8]}")
    inter = pki.make_intermediate(root, cn=f"E2E APPLICATIONS CA {uuid.uuid4().hex[:8]}")
    tag = f"e2e-applications-{os.getpid()}"
    files = [trust / f"{tag}-root.pem", trust / f"{tag}-ca.pem"]
    files[0].write_bytes(root.pem)
    files[1].write_bytes(inter.pem)
    atexit.register(lambda: [f.unlink(missing_ok=True) for f in files])
    org = gateway.get("/api/v1/organization", headers=heads[DIRECTOR]).json()
    teacher_iin, director_iin = me[TEACHER]["iin"], me[DIRECTOR]["iin"]
    _KEYS.update({
        "teacher": pki.make_person(inter, iin=teacher_iin, surname="ИВАНОВА", first_name="АННА"),
        "teacher_auth": pki.make_person(inter, iin=teacher_iin, usage="auth"),
        "director": pki.make_person(inter, iin=director_iin, surname="ЖУМАБАЕВ", first_name="ЕРЛАН",
                                    bin=org["bin"], organization=org.get("name_ru"), roles=("director",)),
        "stranger": pki.make_person(inter, iin="880101300123"),
        # the director's personal key, and another person's key of the organization
        "director_personal": pki.make_person(inter, iin=director_iin),
        "org_signer": pki.make_person(inter, iin="880101300123", bin=org["bin"],
                                      organization=org.get("name_ru"), roles=("can_sign",)),
        "chain": [inter.cert],
    })
    # wait until every documents instance trusts the new CA (3 valid answers in a row)
    probe = {"signature": sign(_KEYS, "teacher", b"probe"), "content": b64(b"probe")}
    deadline, streak = time.monotonic() + 30, 0
    while streak < 3:
        r = gateway.post("/api/v1/signatures/verify", headers=heads[TEACHER], json=probe)
        streak = streak + 1 if r.ok and r.json().get("valid") else 0
        assert time.monotonic() < deadline, f"the documents service never trusted the test CA: {r.text}"
        time.sleep(0.3)
    return _KEYS


def sign(keys, who, data: bytes) -> str:
    return b64(pki.sign_cms(data, [keys[who]], detached=True, extra_certs=keys["chain"]))


# --------------------------------------------------------------------------- tests

def test_rules_edition_is_public_and_cites_order_533(gateway):
    r = gateway.get("/api/v1/rules/current")
    assert r.status_code == 200
    edition = r.json()
    assert edition["order_number"] == "533" and edition["order_date"] == "2022-12-30"
    assert edition["url"] == "https://adilet.zan.kz/rus/docs/V2200031490"
    expert = {i["code"]: i for i in edition["checklist"]["pedagog_expert"]}
    assert expert["identity_document"]["head_certification"] is True
    assert expert["identity_document"]["title_kk"]
    assert expert["education_diploma"]["requirement"] == "if_not_in_state_systems"
    assert gateway.get("/api/v1/rules/1999").json()["error"] == "NOT_FOUND"


def test_teacher_applies_director_signs_teacher_submits(gateway, people, keys):
    if "/api/v1/documents/upload" not in gateway.get("/openapi.json").json()["paths"]:
        pytest.skip("the documents service's upload route is not in this build yet")
    heads, me = people
    t, d, a = heads[TEACHER], heads[DIRECTOR], heads[ADMIN]

    # a leftover application of an earlier run in the same stack is withdrawn first
    withdraw_leftovers(gateway, t)

    # --- rules: acknowledged before the first application
    edition = gateway.get("/api/v1/rules/current").json()["code"]
    if not gateway.get("/api/v1/rules/acknowledgement", headers=t).json()["acknowledged"]:
        r = gateway.post("/api/v1/applications", headers=t, json={"target_category": "pedagog_expert",
                                                                  "declared_achievements": 4})
        assert r.status_code == 422 and r.json()["details"]["reason"] == "RULES_NOT_ACKNOWLEDGED"
    r = gateway.post("/api/v1/rules/acknowledgement", headers=t, json={"edition_code": edition})
    assert r.status_code == 201 and r.json()["acknowledged"] is True
    assert gateway.get("/api/v1/rules/acknowledgement", headers=t).json()["acknowledged"] is True

    # --- eligibility: every reason at once; unknown category is a 400
    r = gateway.get("/api/v1/applications/eligibility", headers=t,
                    params={"target_category": "pedagog_master"})
    assert r.status_code == 200 and r.json()["eligible"] is False
    codes = {x["code"] for x in r.json()["reasons"]}
    assert "NOT_NEXT_CATEGORY" in codes and len(codes) >= 2
    r = gateway.post("/api/v1/applications", headers=t, json={"target_category": "pedagog_master"})
    assert r.status_code == 422 and r.json()["details"]["reason"] == "NOT_ELIGIBLE"
    assert {x["code"] for x in r.json()["details"]["reasons"]} == codes
    r = gateway.post("/api/v1/applications", headers=t, json={"target_category": "pedagog_wizard"})
    assert r.status_code == 400 and r.json()["error"] == "INVALID_INPUT"
    r = gateway.post("/api/v1/applications", headers=t, json={"target_category": "pedagog_expert"})
    assert r.status_code == 422  # early attestation needs the declared achievements
    assert "EARLY_NOT_ENOUGH_ACHIEVEMENTS" in {x["code"] for x in r.json()["details"]["reasons"]}
    r = gateway.post("/api/v1/applications", headers=d, json={"target_category": "pedagog_expert"})
    assert r.status_code == 403  # not a teacher

    # --- create: the form snapshot comes from the profile
    r = gateway.post("/api/v1/applications", headers=t,
                     json={"target_category": "pedagog_expert", "declared_achievements": 4})
    assert r.status_code == 201, r.text
    app = r.json()
    app_id = app["id"]
    assert app["status"] == "draft" and app["version"] == 1
    assert app["form"]["iin"] == me[TEACHER]["iin"]
    assert app["form"]["current_category"] == "pedagog_moderator"
    assert app["rules_edition"]["url"].endswith("V2200031490")
    r = gateway.post("/api/v1/applications", headers=t,
                     json={"target_category": "pedagog_expert", "declared_achievements": 4})
    assert r.status_code == 422
    assert "ACTIVE_APPLICATION_EXISTS" in {x["code"] for x in r.json()["details"]["reasons"]}

    # --- portfolio: upload and attach; refusals leave nothing half-written
    subject = ("application_item", app_id)
    version = app["version"]
    scans = {}
    for item in ("identity_document", "course_certificates", "quality_indicators",
                 "current_category_certificate", "professional_achievements",
                 "pupils_achievements", "essay", "knowledge_test_certificate"):
        data = pdf_bytes(item)
        doc = upload(gateway, t, data, subject=subject, name=f"{item}.pdf")
        r = gateway.post(f"/api/v1/applications/{app_id}/documents", headers=t,
                         json={"version": version, "item_code": item, "document_id": doc["id"]})
        assert r.status_code == 201, r.text
        version = r.json()["version"]
        scans[doc["id"]] = data
    png = upload(gateway, t, PNG, "image/png", "essay.png", subject=subject)
    r = gateway.post(f"/api/v1/applications/{app_id}/documents", headers=t,
                     json={"version": version, "item_code": "essay", "document_id": png["id"]})
    assert r.status_code == 422 and r.json()["details"]["reason"] == "DOCUMENT_NOT_ACCEPTED"
    r = gateway.post("/api/v1/documents/uploads", headers=t, json={
        "subject_type": subject[0], "subject_id": subject[1], "kind": "portfolio",
        "filename": "huge.pdf", "content_type": PDF, "size": 10 ** 12})
    assert r.status_code == 413  # over-sized: refused before a byte is sent
    foreign = upload(gateway, d, pdf_bytes("director's own"), subject=("misc", "director"))
    r = gateway.post(f"/api/v1/applications/{app_id}/documents", headers=t,
                     json={"version": version, "item_code": "essay", "document_id": foreign["id"]})
    assert r.status_code in (403, 404), r.text  # another person's document
    r = gateway.post(f"/api/v1/applications/{app_id}/documents", headers=t,
                     json={"version": version, "item_code": "no_such_item", "document_id": png["id"]})
    assert r.status_code == 400
    r = gateway.post(f"/api/v1/applications/{app_id}/documents", headers=t,
                     json={"version": version - 1, "item_code": "essay", "document_id": png["id"]})
    assert r.status_code == 409 and r.json()["details"]["reason"] == "VERSION_CONFLICT"
    app = gateway.get(f"/api/v1/applications/{app_id}", headers=t).json()
    assert app["version"] == version
    assert sorted(app["completeness"]["missing_items"]) == ["education_diploma", "employment_record"]

    # diploma and work record are in the state systems: not needed as files
    r = gateway.patch(f"/api/v1/applications/{app_id}", headers=t, json={
        "version": version, "item_flags": {"education_diploma": {"in_state_systems": True},
                                           "employment_record": {"in_state_systems": True}}})
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    r = gateway.patch(f"/api/v1/applications/{app_id}", headers=t,
                      json={"version": version - 1, "form": {"position": "Учитель"}})
    assert r.status_code == 409 and r.json()["details"]["reason"] == "VERSION_CONFLICT"

    # --- submit refused while the head's signatures are missing (every reason listed)
    canonical = gateway.get(f"/api/v1/applications/{app_id}/canonical", headers=t).json()
    content = base64.b64decode(canonical["content_base64"])
    r = gateway.post(f"/api/v1/applications/{app_id}/submit", headers=t,
                     json={"version": version, "signature": sign(keys, "teacher", content)})
    assert r.status_code == 422 and r.json()["details"]["reason"] == "NOT_COMPLETE"
    reasons = r.json()["details"]["reasons"]
    assert {x["item_code"] for x in reasons} == {"identity_document", "course_certificates",
                                                 "quality_indicators"}
    assert all(x["code"] == "HEAD_SIGNATURE_MISSING" for x in reasons)

    # --- the director's queue and signatures
    r = gateway.get("/api/v1/director/queue", headers=t)
    assert r.status_code == 403
    queue = [q for q in gateway.get("/api/v1/director/queue", headers=d).json() if q["application_id"] == app_id]
    assert sorted(q["item_code"] for q in queue) == ["course_certificates", "identity_document",
                                                     "quality_indicators"]
    first = queue[0]
    data = scans[first["document_id"]]
    r = gateway.post(f"/api/v1/director/queue/{first['id']}/signature", headers=t,
                     json={"signature": sign(keys, "director", data)})
    assert r.status_code == 403  # only the director
    r = gateway.post(f"/api/v1/director/queue/{first['id']}/signature", headers=d,
                     json={"signature": sign(keys, "teacher", data)})
    assert r.status_code == 422 and r.json()["details"]["reason"] == "SIGNATURE_REJECTED"  # not the director's key
    r = gateway.post(f"/api/v1/director/queue/{first['id']}/signature", headers=d,
                     json={"signature": sign(keys, "director", b"other bytes")})
    assert r.status_code == 422 and r.json()["details"]["reason"] == "SIGNATURE_REJECTED"  # over other bytes
    pair = b64(pki.sign_cms(data, [keys["director_personal"], keys["org_signer"]], detached=True,
                            extra_certs=keys["chain"]))
    r = gateway.post(f"/api/v1/director/queue/{first['id']}/signature", headers=d,
                     json={"signature": pair})  # the IIN and the BIN rules met by two people
    assert r.status_code == 422 and r.json()["details"]["reason_code"] == "WRONG_SIGNER", r.text
    for q in queue:
        r = gateway.post(f"/api/v1/director/queue/{q['id']}/signature", headers=d,
                         json={"signature": sign(keys, "director", scans[q["document_id"]])})
        assert r.status_code == 201, r.text
        assert r.json()["head_signed"] is True
    assert not [q for q in gateway.get("/api/v1/director/queue", headers=d).json()
                if q["application_id"] == app_id]

    # --- sign and submit
    app = gateway.get(f"/api/v1/applications/{app_id}", headers=t).json()
    assert app["completeness"]["complete"] is True and app["version"] == version
    canonical = gateway.get(f"/api/v1/applications/{app_id}/canonical", headers=t).json()
    content = base64.b64decode(canonical["content_base64"])
    raw = gateway.get(f"/api/v1/applications/{app_id}/canonical.json", headers=t)
    assert raw.content == content and raw.headers["X-Content-SHA256"] == canonical["sha256"]
    for who, payload in (("teacher", content + b" "), ("stranger", content), ("teacher_auth", content)):
        r = gateway.post(f"/api/v1/applications/{app_id}/submit", headers=t,
                         json={"version": version, "signature": sign(keys, who, payload)})
        assert r.status_code == 422 and r.json()["details"]["reason"] == "SIGNATURE_REJECTED", (who, r.text)
    r = gateway.post(f"/api/v1/applications/{app_id}/submit", headers=t, json={"version": version})
    assert r.status_code == 400  # neither a signature nor a scan
    signature = sign(keys, "teacher", content)
    r = gateway.post(f"/api/v1/applications/{app_id}/submit", headers=t,
                     json={"version": version, "signature": signature})
    assert r.status_code == 200, r.text
    app = r.json()
    assert app["status"] == "submitted" and app["submission"]["signature_kind"] == "eds"
    assert app["submission"]["signature"]["valid"] is True
    assert app["submission"]["signature"]["signers"][0]["iin"] == me[TEACHER]["iin"]
    assert app["submission"]["canonical_sha256"] == canonical["sha256"]
    again = gateway.post(f"/api/v1/applications/{app_id}/submit", headers=t,
                         json={"version": version, "signature": signature})
    assert again.status_code == 200 and again.json()["version"] == app["version"]  # idempotent
    assert [x["to_status"] for x in again.json()["timeline"]] == ["draft", "submitted"]
    r = gateway.patch(f"/api/v1/applications/{app_id}", headers=t,
                      json={"version": app["version"], "form": {"position": "Учитель"}})
    assert r.status_code == 409 and r.json()["error"] == "ILLEGAL_TRANSITION"
    # the submitted files are locked in the documents service: no new version under review
    r = gateway.post("/api/v1/documents/uploads", headers=t, json={
        "subject_type": subject[0], "subject_id": subject[1], "kind": "portfolio", "filename": "v2.pdf",
        "content_type": PDF, "size": 100, "document_id": next(iter(scans))})
    assert r.status_code == 409, r.text
    # the signed bytes stay available to the reviewers
    assert gateway.get(f"/api/v1/applications/{app_id}/canonical", headers=heads[ASSESSOR]).json()["sha256"] \
        == canonical["sha256"]

    # --- monitoring: the teacher's list, the feed, the organization's list and counts
    mine = gateway.get("/api/v1/applications/mine", headers=t).json()
    assert any(x["id"] == app_id and x["status"] == "submitted" for x in mine)
    def arrived():
        feed = gateway.get("/api/v1/notifications", headers=t).json()
        kinds = {(n["kind"], (n["data"] or {}).get("to_status")) for n in feed["items"]
                 if n["application_id"] == app_id}
        return feed if {("head_signed", None), ("status_changed", "submitted")} <= kinds else None
    feed = wait_for(arrived)
    assert feed, "notifications did not arrive"
    assert feed["unread"] >= 4  # three scans signed + submitted
    r = gateway.post("/api/v1/notifications/read", headers=t, json={})
    assert r.status_code == 200
    assert gateway.get("/api/v1/notifications", headers=t, params={"unread_only": "true"}).json()["unread"] == 0
    page = gateway.get("/api/v1/applications", headers=a, params={"status": "submitted"}).json()
    assert app_id in {x["id"] for x in page["items"]} and page["counts"]["submitted"] >= 1
    r = gateway.get("/api/v1/applications", headers=t)
    assert r.status_code == 403
    r = gateway.get("/api/v1/applications", headers=a, params={"status": "lost"})
    assert r.status_code == 400
    timeline = gateway.get(f"/api/v1/applications/{app_id}/timeline", headers=a).json()
    assert [(x["from_status"], x["to_status"]) for x in timeline] == [(None, "draft"), ("draft", "submitted")]

    # --- the reviewers' RPC moves it on (the assessment service's HTTP API drives this in use)
    r = gateway.get(f"/api/v1/applications/{uuid.uuid4()}", headers=t)
    assert r.status_code == 404 and r.json()["details"]["reason"] == "APPLICATION_NOT_FOUND"
    r = gateway.post(f"/api/v1/applications/{app_id}/withdraw", headers=t,
                     json={"version": app["version"], "comment": "Передумала"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = gateway.post(f"/api/v1/applications/{app_id}/withdraw", headers=t,
                     json={"version": r.json()["version"]})
    assert r.status_code == 409 and r.json()["error"] == "ILLEGAL_TRANSITION"


def test_unauthenticated_and_malformed_requests(gateway):
    assert gateway.get("/api/v1/applications/mine").status_code == 401
    assert gateway.post("/api/v1/applications", json={}).status_code == 401
    h = login(gateway, TEACHER)
    r = gateway.post("/api/v1/applications", headers=h, data="not json")
    assert r.status_code == 400
    r = gateway.get("/api/v1/applications/not-a-uuid", headers=h)
    assert r.status_code == 400
    r = gateway.post("/api/v1/rules/acknowledgement", headers=h, json={"edition_code": "1999"})
    assert r.status_code == 400


def withdraw_leftovers(gateway, t):
    for old in gateway.get("/api/v1/applications/mine", headers=t).json():
        if "withdraw" in gateway.get(f"/api/v1/applications/{old['id']}", headers=t).json()["allowed_actions"]:
            r = gateway.post(f"/api/v1/applications/{old['id']}/withdraw", headers=t,
                             json={"version": old["version"]})
            assert r.status_code == 200, r.text


def draft_with_scans(gateway, t) -> tuple[dict, dict]:
    """A draft with every required item attached; (application, {document id: scan bytes})."""
    edition = gateway.get("/api/v1/rules/current").json()["code"]
    gateway.post("/api/v1/rules/acknowledgement", headers=t, json={"edition_code": edition})
    r = gateway.post("/api/v1/applications", headers=t,
                     json={"target_category": "pedagog_expert", "declared_achievements": 5})
    assert r.status_code == 201, r.text
    app = r.json()
    scans = {}
    for item in app["completeness"]["missing_items"]:
        if item in ("education_diploma", "employment_record"):
            continue
        data = pdf_bytes(item)
        doc = upload(gateway, t, data, subject=("application_item", app["id"]))
        r = gateway.post(f"/api/v1/applications/{app['id']}/documents", headers=t,
                         json={"version": app["version"], "item_code": item, "document_id": doc["id"]})
        assert r.status_code == 201, r.text
        app, scans[doc["id"]] = r.json(), data
    r = gateway.patch(f"/api/v1/applications/{app['id']}", headers=t, json={
        "version": app["version"], "item_flags": {"education_diploma": {"in_state_systems": True},
                                                  "employment_record": {"in_state_systems": True}}})
    return r.json(), scans


def complete_application(gateway, heads, keys) -> dict:
    """A draft with every required item, the head's signatures present; returns it."""
    t, d = heads[TEACHER], heads[DIRECTOR]
    app, scans = draft_with_scans(gateway, t)
    for q in gateway.get("/api/v1/director/queue", headers=d).json():
        if q["application_id"] == app["id"]:
            r = gateway.post(f"/api/v1/director/queue/{q['id']}/signature", headers=d,
                             json={"signature": sign(keys, "director", scans[q["document_id"]])})
            assert r.status_code == 201, r.text
    app = gateway.get(f"/api/v1/applications/{app['id']}", headers=t).json()
    assert app["completeness"]["complete"], app["completeness"]
    return app


def test_a_head_signature_made_through_the_documents_api_counts(gateway, people, keys):
    """The director signs in the documents API, or signs elsewhere and the teacher attaches the
    CMS: the portfolio shows the head's signature as with the director's queue. A teacher's own
    signature, or the head's over other bytes, does not count."""
    heads, _ = people
    t, d = heads[TEACHER], heads[DIRECTOR]
    withdraw_leftovers(gateway, t)
    app, scans = draft_with_scans(gateway, t)
    first, second, third = sorted((pd for pd in documents_of(app) if pd["needs_head_signature"]),
                                  key=lambda pd: pd["item_code"])

    def attach(headers, pd, who, data=None):
        r = gateway.post(f"/api/v1/documents/{pd['document_id']}/signatures", headers=headers,
                         json={"signature": sign(keys, who, data or scans[pd["document_id"]])})
        assert r.status_code == 201, r.text
        return r.json()

    assert attach(t, first, "teacher")["valid"]  # valid, but not the head's
    assert not attach(d, second, "director", b"other bytes")["valid"]
    assert attach(d, second, "director")["valid"]  # the director, in the documents API
    assert attach(t, third, "director")["valid"]  # made elsewhere, attached by the teacher

    def signed():
        got = gateway.get(f"/api/v1/applications/{app['id']}", headers=t).json()
        marks = {pd["id"]: pd["head_signed"] for pd in documents_of(got)}
        return marks if marks[second["id"]] and marks[third["id"]] else None
    marks = wait_for(signed)
    assert marks[first["id"]] is False
    queue = {q["id"] for q in gateway.get("/api/v1/director/queue", headers=d).json()}
    assert first["id"] in queue and not {second["id"], third["id"]} & queue
    def head_signed_notes():
        items = gateway.get("/api/v1/notifications", headers=t).json()["items"]
        return [n for n in items if n["kind"] == "head_signed" and n["application_id"] == app["id"]]
    assert len(wait_for(lambda: len(head_signed_notes()) == 2 and head_signed_notes())) == 2


def documents_of(app):
    return [doc for item in app["portfolio"] for doc in item["documents"]]


def test_submission_with_a_scan_of_the_signed_paper_form(gateway, people, keys):
    if "/api/v1/documents/upload" not in gateway.get("/openapi.json").json()["paths"]:
        pytest.skip("the documents service's upload route is not in this build yet")
    heads, _ = people
    t, d = heads[TEACHER], heads[DIRECTOR]
    withdraw_leftovers(gateway, t)
    app = complete_application(gateway, heads, keys)
    url = f"/api/v1/applications/{app['id']}/submit"
    foreign = upload(gateway, d, pdf_bytes("not the teacher's"), subject=("misc", "director"))
    r = gateway.post(url, headers=t, json={"version": app["version"], "paper_scan_document_id": foreign["id"]})
    assert r.status_code in (403, 404), r.text
    r = gateway.post(url, headers=t, json={"version": app["version"], "paper_scan_document_id": foreign["id"],
                                           "signature": "MIIB"})
    assert r.status_code == 400  # one or the other, not both
    paper = upload(gateway, t, pdf_bytes("signed paper form"), subject=("application", app["id"]))
    r = gateway.post(url, headers=t, json={"version": app["version"], "paper_scan_document_id": paper["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted"
    assert r.json()["submission"]["signature_kind"] == "paper"
    assert r.json()["submission"]["paper_scan_document_id"] == paper["id"]
    r = gateway.post(f"/api/v1/applications/{app['id']}/withdraw", headers=t,
                     json={"version": r.json()["version"]})
    assert r.status_code == 200
