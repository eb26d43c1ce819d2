"""The organization's review and forwarding to the state service, end to end through the gateway:
a demo application goes from submitted through a return for rework, a fixed resubmission,
acceptance and forwarding to the sandbox, to ``state_accepted``; a second one to
``state_refused`` with the reasons shown to the teacher."""
import pytest
import requests

from tests.e2e.test_assessment_support import (Teacher, director_signs, in_queue, login,
                                               mark_all, ok, require_flow_prerequisites, wait_for)


def sandbox_url(stack):
    return f"http://127.0.0.1:{stack.state_sandbox_port}"


def delivery_of(gateway, admin, app_id):
    page = ok(gateway.get("/api/v1/state-deliveries", headers=admin))
    return next((d for d in page["items"] if d["application_id"] == str(app_id)), None)


def test_review_calendar_and_access_rules(gateway):
    teacher = login(gateway, "teacher@demo.pedatt.kz")
    assessor = login(gateway, "assessor@demo.pedatt.kz")
    assert gateway.get("/api/v1/reviews", headers=teacher).status_code == 403
    assert gateway.get("/api/v1/state-deliveries", headers=teacher).status_code == 403
    assert gateway.get("/api/v1/reviews").status_code == 401
    assert ok(gateway.get("/api/v1/reviews", headers=assessor))["total"] >= 0
    bad = gateway.get("/api/v1/reviews", headers=assessor, params={"status": "nope"})
    assert bad.status_code == 400 and bad.json()["error"] == "INVALID_INPUT"
    missing = gateway.get("/api/v1/reviews/00000000-0000-0000-0000-000000000000", headers=assessor)
    assert missing.status_code == 404
    assert gateway.get("/api/v1/reviews/not-a-uuid", headers=assessor).status_code in (400, 404)
    resend = gateway.post("/api/v1/state-deliveries/00000000-0000-0000-0000-000000000000/resend",
                          headers=assessor)
    assert resend.status_code == 403  # only the org admin resends
    due = ok(gateway.get("/api/v1/calendar/due-date", headers=teacher,
                         params={"filed_at": "2026-12-15T19:00:00+05:00"}))
    assert due["due_at"] == "2026-12-17T18:00:00+05:00"  # after hours, then Independence Day
    assert gateway.get("/api/v1/calendar/due-date", headers=teacher,
                       params={"filed_at": "tomorrow"}).status_code == 400
    year = ok(gateway.get("/api/v1/calendar/2026", headers=teacher))
    assert {"date": "2026-03-23", "name": "Наурыз мейрамы"} in year["holidays"]


def test_submitted_returned_resubmitted_accepted_and_filed(stack, gateway):
    require_flow_prerequisites(stack, gateway)
    admin = login(gateway, "admin@demo.pedatt.kz")
    assessor = login(gateway, "assessor@demo.pedatt.kz")
    director = login(gateway, "director@demo.pedatt.kz")
    teacher = Teacher(gateway, admin).apply()
    director_signs(stack, gateway, director, teacher)
    teacher.submit()

    # the assessor takes it from the queue
    queued = in_queue(gateway, assessor, teacher.id)
    assert queued["submission_number"] == 1
    taken = ok(gateway.post(f"/api/v1/reviews/{teacher.id}/take", headers=assessor))
    assert taken["status"] == "under_review" and taken["assessor_id"]
    assert teacher.app()["status"] == "under_review"
    other = gateway.post(f"/api/v1/reviews/{teacher.id}/take", headers=admin)
    assert other.status_code == 409  # someone else has it: the admin reassigns instead

    # the sheet: items with documents, hashes and signature reports beside them
    sheet = ok(gateway.get(f"/api/v1/reviews/{teacher.id}", headers=assessor))
    head_items = [i for i in sheet["items"] if i["head_certification"] and i["documents"]]
    assert head_items and all(d["head_signed"] and d["sha256"] for i in head_items
                              for d in i["documents"])
    assert any(s["valid"] for i in head_items for d in i["documents"] for s in d["signatures"])

    # a remark without text is refused; return needs a remark; accept refuses while one exists
    empty = gateway.put(f"/api/v1/reviews/{teacher.id}/items/essay", headers=assessor,
                        json={"verdict": "remark", "text": " "})
    assert empty.status_code == 400 and empty.json()["error"] == "INVALID_INPUT"
    mark_all(gateway, assessor, teacher.id)
    no_remarks = gateway.post(f"/api/v1/reviews/{teacher.id}/return", headers=assessor, json={})
    assert no_remarks.status_code == 422
    assert no_remarks.json()["details"]["reasons"][0]["code"] == "NO_REMARKS"
    mark_all(gateway, assessor, teacher.id, {"essay": "Эссе короче 250 слов"})
    refused = gateway.post(f"/api/v1/reviews/{teacher.id}/accept", headers=assessor, json={})
    assert refused.status_code == 422
    assert [r["code"] for r in refused.json()["details"]["reasons"]] == ["ITEM_HAS_REMARK"]
    returned = ok(gateway.post(f"/api/v1/reviews/{teacher.id}/return", headers=assessor,
                               json={"comment": "Исправьте эссе"}))
    assert returned["remarks"] == [{"item_code": "essay", "text": "Эссе короче 250 слов"}]

    # the teacher sees the remark on the item, fixes it and resubmits
    app = teacher.app()
    assert app["status"] == "returned_for_rework"
    essay = next(i for i in app["portfolio"] if i["code"] == "essay")
    assert [r["text"] for r in essay["remarks"]] == ["Эссе короче 250 слов"]
    teacher.replace("essay")
    teacher.submit()

    # second round: fresh marks, accepted, queued for the state service
    in_queue(gateway, assessor, teacher.id, submission=2)
    ok(gateway.post(f"/api/v1/reviews/{teacher.id}/take", headers=assessor))
    sheet = ok(gateway.get(f"/api/v1/reviews/{teacher.id}", headers=assessor))
    assert all(i["mark"] is None for i in sheet["items"])
    assert "ITEM_NOT_CHECKED" in [b["code"] for b in sheet["blockers"]]
    mark_all(gateway, assessor, teacher.id)
    accepted = ok(gateway.post(f"/api/v1/reviews/{teacher.id}/accept", headers=assessor, json={}))
    assert accepted["decision"] == "accept"

    # forwarded to the sandbox, answered, and the application's status follows
    delivery = wait_for(lambda: (d := delivery_of(gateway, admin, teacher.id))
                        and d["state"] == "state_accepted" and d, what="state_accepted")
    assert delivery["correlation_id"] and delivery["due_at"] and not delivery["overdue"]
    assert delivery["submission_number"] == 2 and delivery["documents"] >= 5
    wait_for(lambda: teacher.app()["status"] == "state_accepted", what="application status")
    timeline = [t["to_status"] for t in teacher.app()["timeline"]]
    assert timeline[-4:] == ["under_review", "accepted", "sent_to_state_service", "state_accepted"]
    assert "returned_for_rework" in timeline
    filings = requests.get(sandbox_url(stack) + "/control/filings", timeout=5).json()["filings"]
    mine = [f for f in filings if f["applicationId"] == str(teacher.id)]
    assert len(mine) == 1 and mine[0]["receipts"] == 1 and mine[0]["status"] == "ACCEPTED"

    # everything recorded: who, when, what
    sheet = ok(gateway.get(f"/api/v1/reviews/{teacher.id}", headers=admin))
    actions = [entry["action"] for entry in sheet["log"]]
    assert actions.count("take") == 2 and "return_for_rework" in actions and "accept" in actions
    assert [d["kind"] for d in sheet["decisions"]] == ["return_for_rework", "accept"]
    history = ok(gateway.get(f"/api/v1/state-deliveries/{delivery['id']}", headers=admin))["history"]
    assert [h["outcome"] for h in history] == ["sent", "state_accepted"]


def test_state_service_refusal_reaches_the_teacher(stack, gateway):
    require_flow_prerequisites(stack, gateway)
    admin = login(gateway, "admin@demo.pedatt.kz")
    assessor = login(gateway, "assessor@demo.pedatt.kz")
    director = login(gateway, "director@demo.pedatt.kz")
    teacher = Teacher(gateway, admin).apply()
    director_signs(stack, gateway, director, teacher)
    teacher.submit()
    reason = {"code": "DATA_UNRELIABLE", "message": "Сведения о стаже не подтверждены ГБД"}
    r = requests.post(sandbox_url(stack) + "/control/verdicts", timeout=5, json={
        "application_id": str(teacher.id), "status": "REFUSED", "reasons": [reason]})
    assert r.status_code == 200
    in_queue(gateway, assessor, teacher.id)
    # two reviewers press "take" at the same moment: exactly one gets it
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda h: gateway.post(f"/api/v1/reviews/{teacher.id}/take",
                                                       headers=h), [admin, assessor]))
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    # the admin (re)assigns it to the assessor
    me = ok(gateway.get("/api/v1/me", headers=assessor))
    assigned = ok(gateway.post(f"/api/v1/reviews/{teacher.id}/assign", headers=admin,
                               json={"assessor_id": me["id"]}))
    assert assigned["assessor_id"] == me["id"] and assigned["status"] == "under_review"
    mark_all(gateway, assessor, teacher.id)
    ok(gateway.post(f"/api/v1/reviews/{teacher.id}/accept", headers=assessor, json={}))
    delivery = wait_for(lambda: (d := delivery_of(gateway, admin, teacher.id))
                        and d["state"] == "state_refused" and d, what="state_refused")
    assert delivery["reasons"] == [reason]
    wait_for(lambda: teacher.app()["status"] == "state_refused", what="application status")
    last = teacher.app()["timeline"][-1]
    assert last["to_status"] == "state_refused" and reason["message"] in last["comment"]
    filing = ok(gateway.get(f"/api/v1/applications/{teacher.id}/state-filing", headers=teacher.h))
    assert filing["state"] == "state_refused" and filing["reasons"] == [reason]
    other_teacher = login(gateway, "teacher@demo.pedatt.kz")
    assert gateway.get(f"/api/v1/applications/{teacher.id}/state-filing",
                       headers=other_teacher).status_code == 404
    # after a refusal the teacher can start again
    eligibility = ok(gateway.get("/api/v1/applications/eligibility", headers=teacher.h,
                                 params={"target_category": "pedagog_expert"}))
    assert "ACTIVE_APPLICATION_EXISTS" not in [r["code"] for r in eligibility["reasons"]]



NOBODY = "00000000-0000-0000-0000-000000000000"
ACCOUNTS = {"platform_admin": "platform@demo.pedatt.kz", "org_admin": "admin@demo.pedatt.kz",
            "teacher": "teacher@demo.pedatt.kz", "director": "director@demo.pedatt.kz",
            "assessor": "assessor@demo.pedatt.kz"}
#            route                                         anon platform admin teacher director assessor
MATRIX = [
    ("GET", "/reviews", None,                              (401, 403, 200, 403, 403, 200)),
    ("GET", f"/reviews/{NOBODY}", None,                    (401, 403, 404, 403, 403, 404)),
    ("POST", f"/reviews/{NOBODY}/take", None,              (401, 403, 404, 403, 403, 404)),
    ("POST", f"/reviews/{NOBODY}/assign", {"assessor_id": "x"}, (401, 403, 404, 403, 403, 403)),
    ("PUT", f"/reviews/{NOBODY}/items/essay", {"verdict": "ok"}, (401, 403, 404, 403, 403, 404)),
    ("POST", f"/reviews/{NOBODY}/return", {},              (401, 403, 404, 403, 403, 404)),
    ("POST", f"/reviews/{NOBODY}/accept", {},              (401, 403, 404, 403, 403, 404)),
    ("GET", "/state-deliveries", None,                     (401, 403, 200, 403, 403, 200)),
    ("GET", f"/state-deliveries/{NOBODY}", None,           (401, 403, 404, 403, 403, 404)),
    ("POST", f"/state-deliveries/{NOBODY}/resend", None,   (401, 403, 404, 403, 403, 403)),
    ("GET", "/calendar/2027", None,                        (401, 200, 200, 200, 200, 200)),
    ("GET", f"/applications/{NOBODY}/state-filing", None,  (401, 404, 404, 404, 404, 404)),
]
ROLES = ("anonymous", *ACCOUNTS)


@pytest.fixture(scope="module")
def role_headers(stack):
    from tests.conftest import Gateway
    with Gateway(stack.gateway_url) as g:
        return {"anonymous": {}, **{role: login(g, email) for role, email in ACCOUNTS.items()}}


@pytest.mark.parametrize("method, path, body, expected", MATRIX,
                         ids=[f"{m} {p.replace(NOBODY, '<id>')}" for m, p, _, _ in MATRIX])
def test_access_matrix(gateway, role_headers, method, path, body, expected):
    got = {}
    for role in ROLES:
        r = gateway.request(method, "/api/v1" + path, headers=role_headers[role],
                            json=body if body is not None else None)
        got[role] = r.status_code
        if r.status_code >= 400:
            assert r.json()["error"] and r.json()["message"], r.text
    assert got == dict(zip(ROLES, expected))
