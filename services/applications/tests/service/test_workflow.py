"""The applications service in a real nameko container on real PostgreSQL and RabbitMQ.

Applications are put in place directly in the database (creating one needs the organizations
service's profile: that path is covered end to end in tests/e2e/test_applications.py)."""
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.utils import get_extension
from sqlalchemy.orm import Session

from applications.models import Application, PortfolioDocument
from applications.service import ApplicationsService
from pedatt_common.db import Database
from pedatt_common.errors import (Conflict, IllegalTransition, InvalidInput, NotFound,
                                  PermissionDenied, Unprocessable)

ORG = uuid.uuid4()
OTHER_ORG = uuid.uuid4()
TEACHER = uuid.uuid4()


def actor(user=None, org=ORG, roles=("teacher",), platform_roles=()):
    return {"user_id": str(user or uuid.uuid4()), "organization_id": str(org) if org else None,
            "roles": list(roles), "platform_roles": list(platform_roles)}


TEACHER_ACTOR = actor(TEACHER)
ASSESSOR = actor(roles=("assessor",))
ADMIN = actor(roles=("org_admin",))
DIRECTOR = actor(roles=("director",))
SYSTEM = {"user_id": None, "organization_id": None, "roles": [], "platform_roles": ["system"]}


@pytest.fixture
def service(start_service):
    return start_service(ApplicationsService)


@pytest.fixture
def db_lock(service):
    """The running container shares the test connection: take its lock to use it too."""
    return get_extension(service, Database)._bound_lock


@pytest.fixture
def put(db_connection, db_lock):
    session = Session(bind=db_connection, join_transaction_mode="create_savepoint")

    def put(*args, **kwargs):
        with db_lock:
            return _put(*args, **kwargs)

    def _put(status="draft", org=ORG, teacher=TEACHER, category="pedagog_moderator",
            created=None, docs=(), name="Тестов Тест"):
        now = created or datetime.now(timezone.utc)
        app = Application(id=uuid.uuid4(), organization_id=org, teacher_id=teacher, teacher_name=name,
                          edition_code="533-2025", target_category=category, current_category="pedagog",
                          status=status, version=1, form={"iin": "880101300123", "full_name": name},
                          item_flags={}, created_at=now, updated_at=now)
        session.add(app)
        session.flush()
        for item_code, needs_head in docs:
            session.add(PortfolioDocument(
                id=uuid.uuid4(), application_id=app.id, organization_id=org, item_code=item_code,
                document_id=uuid.uuid4(), document_version=1, filename=f"{item_code}.pdf",
                content_type="application/pdf", size=10, sha256="0" * 64, needs_head=needs_head,
                added_by=teacher, added_at=now))
        session.flush()
        return str(app.id)
    yield put
    with db_lock:
        session.close()


@pytest.fixture
def relay(db_connection, db_lock, amqp_config):
    """Publish what the calls wrote to the outbox, as the relay would (the relay timer is off on
    the shared test connection); returns every envelope written in this test."""
    from nameko.standalone.events import event_dispatcher
    from applications.models import messaging
    dispatch = event_dispatcher(amqp_config)
    outbox = messaging.outbox

    def relay():
        with db_lock:
            rows = db_connection.execute(outbox.select().order_by(outbox.c.created_at)).all()
            pending = [r for r in rows if r.published_at is None]
            db_connection.execute(outbox.update().where(outbox.c.id.in_([r.id for r in pending]))
                                  .values(published_at=datetime.now(timezone.utc)))
        for r in pending:  # (a relay timer running on the shared connection may have sent some)
            dispatch("applications", r.event_type, r.payload)
        return [r.payload for r in rows]
    return relay


def wait_for(fn, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = fn()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_rules_edition_and_acknowledgement(service, rpc_client):
    ed = rpc_client.applications.get_current_rules_edition()
    assert ed["order_number"] == "533" and ed["url"].endswith("V2200031490")
    assert "pedagog_master" in ed["checklist"]
    assert rpc_client.applications.get_rules_acknowledgement(TEACHER_ACTOR)["acknowledged"] is False
    first = rpc_client.applications.acknowledge_rules(TEACHER_ACTOR, ed["code"])
    again = rpc_client.applications.acknowledge_rules(TEACHER_ACTOR, ed["code"])
    assert first["acknowledged_at"] == again["acknowledged_at"]
    assert rpc_client.applications.get_rules_acknowledgement(TEACHER_ACTOR)["acknowledged"] is True
    with pytest.raises(InvalidInput):
        rpc_client.applications.acknowledge_rules(TEACHER_ACTOR, "1999")
    with pytest.raises(NotFound):
        rpc_client.applications.get_rules_edition("1999")


def test_full_review_workflow_timeline_events_and_notifications(service, rpc_client, put, relay):
    app_id = put("submitted", docs=[("identity_document", True)])
    rpc = rpc_client.applications
    # the teacher cannot review their own; another organization does not see it
    with pytest.raises(PermissionDenied):
        rpc.take_for_review(TEACHER_ACTOR, app_id)
    with pytest.raises(NotFound):
        rpc.take_for_review(actor(org=OTHER_ORG, roles=("assessor",)), app_id)
    with pytest.raises(IllegalTransition) as info:
        rpc.accept_application(ASSESSOR, app_id)
    assert info.value.details["from"] == "submitted"
    app = rpc.take_for_review(ASSESSOR, app_id, "Беру")
    assert app["status"] == "under_review"
    # accepting needs the head's signatures
    with pytest.raises(Unprocessable):
        rpc.accept_application(ASSESSOR, app_id)
    app = rpc.return_for_rework(ASSESSOR, app_id, [
        {"item_code": "essay", "text": "Эссе короче 250 слов"}, {"item_code": None, "text": "Общее"}])
    assert app["status"] == "returned_for_rework"
    essay = next(i for i in app["portfolio"] if i["code"] == "essay")
    assert essay["remarks"][0]["text"] == "Эссе короче 250 слов"
    assert len(app["remarks"]) == 2
    with pytest.raises(InvalidInput):  # no remarks
        rpc.return_for_rework(ASSESSOR, app_id, [])
    # the events were written to the outbox with the transitions; published, they feed the
    # teacher's notifications (own handlers)
    events = relay()
    assert [(e["event_type"], e["data"].get("to_status")) for e in events] == [
        ("application_status_changed", "under_review"), ("application_remarks_added", None),
        ("application_status_changed", "returned_for_rework")]
    changed = events[0]["data"]
    assert changed["from_status"] == "submitted" and changed["action"] == "take_for_review"
    assert changed["organization_id"] == str(ORG) and changed["teacher_id"] == str(TEACHER)
    assert events[1]["data"]["remarks"][0]["item_code"] == "essay"
    feed = wait_for(lambda: (lambda f: f if len(f["items"]) >= 3 else None)(
        rpc.list_notifications(TEACHER_ACTOR)))
    kinds = sorted(n["kind"] for n in feed["items"])
    assert kinds == ["remarks_added", "status_changed", "status_changed"]
    assert feed["unread"] == 3
    assert rpc.mark_notifications_read(TEACHER_ACTOR)["updated"] == 3
    assert rpc.list_notifications(TEACHER_ACTOR, unread_only=True)["items"] == []
    timeline = rpc.get_timeline(TEACHER_ACTOR, app_id)
    assert [(t["from_status"], t["to_status"], t["actor_kind"]) for t in timeline] == [
        ("submitted", "under_review", "reviewer"), ("under_review", "returned_for_rework", "reviewer")]
    assert timeline[0]["comment"] == "Беру"


def test_accept_send_and_state_results(service, rpc_client, put):
    rpc = rpc_client.applications
    ok, refused = put("under_review"), put("under_review", teacher=uuid.uuid4())
    for app_id in (ok, refused):
        assert rpc.accept_application(ASSESSOR, app_id)["status"] == "accepted"
    assert rpc.mark_sent_to_state_service(ASSESSOR, ok, "R-1")["status"] == "sent_to_state_service"
    assert rpc.mark_sent_to_state_service(SYSTEM, refused)["status"] == "sent_to_state_service"
    with pytest.raises(PermissionDenied):  # only the state service's connector records results
        rpc.record_state_service_result(ASSESSOR, ok, True)
    assert rpc.record_state_service_result(SYSTEM, ok, True, reference="N-1")["status"] == "state_accepted"
    r = rpc.record_state_service_result(SYSTEM, refused, False, reason="Нет сертификата ОЗП")
    assert r["status"] == "state_refused"
    assert r["timeline"][-1]["comment"] == "Нет сертификата ОЗП"
    with pytest.raises(IllegalTransition):
        rpc.record_state_service_result(SYSTEM, ok, False)
    with pytest.raises(IllegalTransition):
        rpc.withdraw_application(TEACHER_ACTOR, ok, 5)


def test_teacher_edits_versions_and_withdrawal(service, rpc_client, put):
    rpc = rpc_client.applications
    app_id = put("draft", docs=[("essay", False)])
    app = rpc.get_application(TEACHER_ACTOR, app_id)
    assert app["version"] == 1 and app["completeness"]["complete"] is False
    assert "education_diploma" in app["completeness"]["missing_items"]
    app = rpc.update_application(TEACHER_ACTOR, app_id, 1,
                                 {"item_flags": {"education_diploma": {"in_state_systems": True}},
                                  "form": {"email": "new@example.kz"}})
    assert app["version"] == 2 and app["form"]["email"] == "new@example.kz"
    assert "education_diploma" not in app["completeness"]["missing_items"]
    with pytest.raises(Conflict) as info:  # a stale copy
        rpc.update_application(TEACHER_ACTOR, app_id, 1, {"form": {"position": "x"}})
    assert info.value.details["reason"] == "VERSION_CONFLICT"
    assert int(info.value.details["current_version"]) == 2
    with pytest.raises(InvalidInput):
        rpc.update_application(TEACHER_ACTOR, app_id, 2, {"item_flags": {"nope": {"in_state_systems": True}}})
    with pytest.raises(InvalidInput):
        rpc.update_application(TEACHER_ACTOR, app_id, 2, {"form": {"email": "not-an-email"}})
    with pytest.raises(PermissionDenied):  # a colleague cannot edit it
        rpc.update_application(ADMIN, app_id, 2, {"form": {"position": "x"}})
    pd = app["portfolio"][[i["code"] for i in app["portfolio"]].index("essay")]["documents"][0]
    app = rpc.remove_portfolio_document(TEACHER_ACTOR, app_id, 2, pd["id"])
    assert app["version"] == 3 and "essay" in app["completeness"]["missing_items"]
    # submitting an incomplete application lists every reason
    with pytest.raises(Unprocessable) as info:
        rpc.submit_application(TEACHER_ACTOR, app_id, 3, signature="MIIB")
    assert info.value.details["reason"] == "NOT_COMPLETE"
    codes = {r["item_code"] for r in info.value.details["reasons"]}
    assert {"identity_document", "essay", "knowledge_test_certificate"} <= codes
    with pytest.raises(InvalidInput):  # neither a signature nor a scan
        rpc.submit_application(TEACHER_ACTOR, app_id, 3)
    canonical = rpc.get_canonical_document(TEACHER_ACTOR, app_id)
    assert canonical["media_type"] == "application/json" and len(canonical["sha256"]) == 64
    assert rpc.get_canonical_document(TEACHER_ACTOR, app_id) == canonical
    with pytest.raises(Conflict):
        rpc.withdraw_application(TEACHER_ACTOR, app_id, 1)
    app = rpc.withdraw_application(TEACHER_ACTOR, app_id, 3, "Передумал")
    assert app["status"] == "withdrawn" and app["allowed_actions"] == []
    with pytest.raises(IllegalTransition):
        rpc.update_application(TEACHER_ACTOR, app_id, 4, {"form": {"position": "x"}})


def test_admin_list_filters_counts_and_keyset_pages(service, rpc_client, put):
    rpc = rpc_client.applications
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    other_teacher = uuid.uuid4()
    ids = [put("submitted" if i % 3 else "draft", created=base + timedelta(minutes=i),
               teacher=other_teacher if i == 4 else uuid.uuid4(),
               category="pedagog_expert" if i % 2 else "pedagog_moderator") for i in range(7)]
    put("submitted", org=OTHER_ORG)
    page = rpc.list_applications(ADMIN, limit=3)
    assert [i["id"] for i in page["items"]] == ids[::-1][:3]
    assert page["counts"]["submitted"] == 4 and page["counts"]["draft"] == 3 and page["total"] == 7
    seen = [i["id"] for i in page["items"]]
    while page["next_cursor"]:
        page = rpc.list_applications(ADMIN, limit=3, cursor=page["next_cursor"])
        seen += [i["id"] for i in page["items"]]
    assert seen == ids[::-1]
    drafts = rpc.list_applications(ASSESSOR, status="draft")
    assert {i["id"] for i in drafts["items"]} == {ids[0], ids[3], ids[6]}
    assert drafts["counts"]["submitted"] == 4  # counts ignore the status filter
    experts = rpc.list_applications(ADMIN, target_category="pedagog_expert")
    assert {i["id"] for i in experts["items"]} == {ids[1], ids[3], ids[5]}
    assert [i["id"] for i in rpc.list_applications(ADMIN, teacher_id=str(other_teacher))["items"]] == [ids[4]]
    with pytest.raises(PermissionDenied):
        rpc.list_applications(TEACHER_ACTOR)
    with pytest.raises(InvalidInput):
        rpc.list_applications(ADMIN, status="lost")
    with pytest.raises(InvalidInput):
        rpc.list_applications(ADMIN, cursor="garbage!")
    with pytest.raises(InvalidInput):
        rpc.list_applications(ADMIN, limit=1000)
    platform = actor(org=None, roles=(), platform_roles=("platform_admin",))
    assert rpc.list_applications(platform, organization_id=str(OTHER_ORG))["total"] == 1


def test_director_queue_lists_scans_of_own_organization(service, rpc_client, put):
    rpc = rpc_client.applications
    app_id = put("draft", docs=[("identity_document", True), ("essay", False), ("course_certificates", True)])
    put("withdrawn", docs=[("identity_document", True)])
    put("draft", org=OTHER_ORG, docs=[("identity_document", True)])
    queue = rpc.list_director_queue(DIRECTOR)
    assert sorted(q["item_code"] for q in queue) == ["course_certificates", "identity_document"]
    assert {q["application_id"] for q in queue} == {app_id}
    assert queue[0]["teacher_name"] == "Тестов Тест" and queue[0]["item_title_ru"]
    with pytest.raises(PermissionDenied):
        rpc.list_director_queue(TEACHER_ACTOR)
    with pytest.raises(PermissionDenied):
        rpc.sign_portfolio_document(ADMIN, queue[0]["id"], "MIIB")
    with pytest.raises(NotFound):  # a scan of another organization
        rpc.sign_portfolio_document(actor(org=OTHER_ORG, roles=("director",)), queue[0]["id"], "MIIB")


def test_unknown_and_malformed_ids(service, rpc_client):
    with pytest.raises(NotFound):
        rpc_client.applications.get_application(TEACHER_ACTOR, str(uuid.uuid4()))
    with pytest.raises(InvalidInput):
        rpc_client.applications.get_application(TEACHER_ACTOR, "not-a-uuid")


def test_returned_application_shows_remarks_and_changes_since_submission(service, rpc_client, put,
                                                                      db_connection, db_lock):
    rpc = rpc_client.applications
    app_id = put("under_review", docs=[("essay", False)])
    with db_lock:
        session = Session(bind=db_connection, join_transaction_mode="create_savepoint")
        app = session.get(Application, uuid.UUID(app_id))
        essay = session.query(PortfolioDocument).filter_by(application_id=app.id).one()
        app.submission_count = 1
        app.last_submission = {"snapshot": {"documents": [{"document_id": "old-doc", "item_code": "essay"}],
                                            "item_flags": {}, "form": dict(app.form)},
                               "previous": None, "canonical": "{}"}
        session.flush()
    returned = rpc.return_for_rework(ASSESSOR, app_id, [{"item_code": "essay", "text": "Перепишите"}])
    assert returned["status"] == "returned_for_rework"
    assert returned["allowed_actions"] == []  # nothing left for the reviewer until resubmission
    mine = rpc.get_application(TEACHER_ACTOR, app_id)
    assert mine["allowed_actions"] == ["submit", "withdraw"]
    changes = mine["changes_since_last_submission"]
    assert changes["documents_added"] == [{"item_code": "essay", "document_id": str(essay.document_id)}]
    assert changes["documents_removed"] == [{"item_code": "essay", "document_id": "old-doc"}]
    essay_item = next(i for i in mine["portfolio"] if i["code"] == "essay")
    assert [r["text"] for r in essay_item["remarks"]] == ["Перепишите"]
    assert essay_item["remarks"][0]["round"] == 1
    with db_lock:
        session.close()


def test_a_file_deleted_in_documents_leaves_editable_portfolios(service, rpc_client, put, amqp_config):
    from nameko.standalone.events import event_dispatcher
    draft = put("draft", docs=[("essay", False)])
    submitted = put("submitted", teacher=uuid.uuid4(), docs=[("essay", False)])
    rpc = rpc_client.applications
    draft_doc = rpc.get_application(TEACHER_ACTOR, draft)["portfolio"]
    doc_id = next(i for i in draft_doc if i["code"] == "essay")["documents"][0]["document_id"]
    sub_app = rpc.get_application(ADMIN, submitted)
    sub_doc = next(i for i in sub_app["portfolio"] if i["code"] == "essay")["documents"][0]["document_id"]
    dispatch = event_dispatcher(amqp_config)
    for d in (doc_id, sub_doc):
        dispatch("documents", "document_deleted", {"event_id": str(uuid.uuid4()), "event_type": "document_deleted",
                                                   "version": 1, "data": {"document_id": d}})
    after = wait_for(lambda: (lambda a: a if a["version"] == 2 else None)(rpc.get_application(TEACHER_ACTOR, draft)))
    assert "essay" in after["completeness"]["missing_items"]
    time.sleep(0.5)
    assert rpc.get_application(ADMIN, submitted)["version"] == 1  # a submitted portfolio is untouched
