"""The review queue and the review rules in a real container (real PostgreSQL and RabbitMQ).
The applications service is not running here: calls that need it fail cleanly and leave
nothing half-written; the full flow with it is tests/e2e/test_assessment_flow.py."""
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from nameko.standalone.events import event_dispatcher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment import dependencies
from assessment.models import Decision, Delivery, Mark, Review
from assessment.service import AssessmentService
from pedatt_common.errors import (DependencyUnavailable, IllegalTransition, InvalidInput,
                                  NotFound, PermissionDenied, Unprocessable)

ORG = "org-7"
ASSESSOR = {"user_id": "u-assessor", "organization_id": ORG, "roles": ["assessor"]}
OTHER = {"user_id": "u-other", "organization_id": ORG, "roles": ["assessor"]}
ADMIN = {"user_id": "u-admin", "organization_id": ORG, "roles": ["org_admin"]}
FOREIGN = {"user_id": "u-x", "organization_id": "org-8", "roles": ["assessor", "org_admin"]}
TEACHER = {"user_id": "u-teacher", "organization_id": ORG, "roles": ["teacher"]}
CHECKLIST = [{"code": "essay", "title": "Эссе", "required": True, "head_certification": False},
             {"code": "course_certificates", "title": "Курсы", "required": True,
              "head_certification": True}]


@pytest.fixture
def service(start_service, monkeypatch):
    monkeypatch.setattr(dependencies.settings, "rpc_timeout", 1.0)
    return start_service(AssessmentService)


@pytest.fixture
def db(service, db_connection):
    """The test's own access to the shared test connection, taking turns with the workers."""
    from nameko.testing.utils import get_extension
    from pedatt_common.db import Database
    lock = get_extension(service, Database)._bound_lock

    class Shared:
        def execute(self, *args, **kwargs):
            with lock:
                return db_connection.execute(*args, **kwargs)

        def scalar(self, stmt):
            with lock:
                return db_connection.execute(stmt).scalar()

        @property
        def lock(self):
            return lock
    return Shared()


@pytest.fixture
def dispatch(amqp_config):
    return event_dispatcher(amqp_config)


def event(data, occurred=None, event_type="application_submitted"):
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "version": 1,
            "occurred_at": (occurred or datetime.now(timezone.utc)).isoformat(),
            "request_id": None, "data": data}


def wait(check, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("timed out")


def under_review(db, db_connection, assessor="u-assessor") -> uuid.UUID:
    app_id = uuid.uuid4()
    with db.lock, Session(bind=db_connection, join_transaction_mode="create_savepoint") as s:
        s.add(Review(id=uuid.uuid4(), application_id=app_id, organization_id=ORG,
                     status="under_review", submission_number=1, assessor_id=assessor,
                     checklist=CHECKLIST, updated_at=datetime.now(timezone.utc)))
        s.commit()
    return app_id


def test_queue_is_fed_by_events_oldest_first_and_scoped(service, rpc_client, dispatch):
    now = datetime.now(timezone.utc)
    first, second = uuid.uuid4(), uuid.uuid4()
    dispatch("applications", "application_submitted", event(
        {"application_id": str(second), "organization_id": ORG, "teacher_id": "t2",
         "target_category": "pedagog_expert", "submission_number": 1}, now))
    dispatch("applications", "application_submitted", event(
        {"application_id": str(first), "organization_id": ORG, "teacher_id": "t1",
         "target_category": "pedagog_moderator", "submission_number": 1},
        now - timedelta(hours=1)))
    page = wait(lambda: (p := rpc_client.assessment.list_review_queue(ASSESSOR))["total"] == 2 and p)
    assert [r["application_id"] for r in page["items"]] == [str(first), str(second)]
    assert rpc_client.assessment.list_review_queue(
        ASSESSOR, target_category="pedagog_expert")["total"] == 1
    assert rpc_client.assessment.list_review_queue(FOREIGN)["total"] == 0
    with pytest.raises(PermissionDenied):
        rpc_client.assessment.list_review_queue(TEACHER)
    with pytest.raises(InvalidInput):
        rpc_client.assessment.list_review_queue(ASSESSOR, limit="many")

    # a later status change moves it out of the default queue; an older one is history
    dispatch("applications", "application_status_changed", event(
        {"application_id": str(first), "organization_id": ORG, "from_status": "submitted",
         "to_status": "withdrawn", "actor_user_id": "t1"}, now, "application_status_changed"))
    dispatch("applications", "application_status_changed", event(
        {"application_id": str(second), "organization_id": ORG, "from_status": "draft",
         "to_status": "submitted", "actor_user_id": "t2"}, now - timedelta(hours=2),
        "application_status_changed"))
    wait(lambda: rpc_client.assessment.list_review_queue(ASSESSOR)["total"] == 1)
    assert rpc_client.assessment.list_review_queue(ASSESSOR, status="withdrawn")["total"] == 1


def test_accepted_event_without_our_decision_queues_the_package(service, rpc_client, dispatch,
                                                                db_connection, db):
    app_id = uuid.uuid4()
    dispatch("applications", "application_status_changed", event(
        {"application_id": str(app_id), "organization_id": ORG, "from_status": "under_review",
         "to_status": "accepted", "actor_user_id": "u-assessor"},
        event_type="application_status_changed"))
    page = wait(lambda: (p := rpc_client.assessment.list_deliveries(ADMIN))["total"] == 1 and p)
    assert page["items"][0]["application_id"] == str(app_id)
    # a repeat of the event (or another accepted event) never makes a second package
    dispatch("applications", "application_status_changed", event(
        {"application_id": str(app_id), "organization_id": ORG, "from_status": "under_review",
         "to_status": "accepted", "actor_user_id": "u-assessor"},
        event_type="application_status_changed"))
    time.sleep(0.5)
    count = db.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.application_id == app_id))
    assert count == 1


def test_marks_need_the_assigned_assessor_and_text_for_a_remark(service, rpc_client,
                                                               db_connection, db):
    app_id = str(under_review(db, db_connection))
    assert rpc_client.assessment.mark_item(ASSESSOR, app_id, "essay", "ok")["verdict"] == "ok"
    marked = rpc_client.assessment.mark_item(ASSESSOR, app_id, "essay", "remark", " Мало слов ")
    assert marked["text"] == "Мало слов"  # the mark was replaced, not duplicated
    assert db.scalar(select(func.count()).select_from(Mark)) == 1
    with pytest.raises(InvalidInput):
        rpc_client.assessment.mark_item(ASSESSOR, app_id, "essay", "remark", "  ")
    with pytest.raises(InvalidInput):
        rpc_client.assessment.mark_item(ASSESSOR, app_id, "essay", "fine")
    with pytest.raises(InvalidInput):
        rpc_client.assessment.mark_item(ASSESSOR, app_id, "no_such_item", "ok")
    with pytest.raises(PermissionDenied):
        rpc_client.assessment.mark_item(OTHER, app_id, "essay", "ok")
    with pytest.raises(NotFound):
        rpc_client.assessment.mark_item(FOREIGN, app_id, "essay", "ok")
    with pytest.raises(InvalidInput):
        rpc_client.assessment.mark_item(ASSESSOR, "not-a-uuid", "essay", "ok")


def test_admin_reassigns(service, rpc_client, db_connection, db):
    app_id = str(under_review(db, db_connection))
    with pytest.raises(PermissionDenied):
        rpc_client.assessment.assign_reviewer(ASSESSOR, app_id, "u-other")
    with pytest.raises(NotFound):
        rpc_client.assessment.assign_reviewer(FOREIGN, app_id, "u-other")
    assert rpc_client.assessment.assign_reviewer(ADMIN, app_id, "u-other")["assessor_id"] == "u-other"
    rpc_client.assessment.mark_item(OTHER, app_id, "essay", "ok")
    with pytest.raises(PermissionDenied):
        rpc_client.assessment.mark_item(ASSESSOR, app_id, "essay", "ok")


def test_return_needs_a_remark_and_writes_nothing_when_applications_is_down(service, rpc_client,
                                                                           db_connection, db):
    app_id = str(under_review(db, db_connection))
    rpc_client.assessment.mark_item(ASSESSOR, app_id, "essay", "ok")
    with pytest.raises(Unprocessable) as err:
        rpc_client.assessment.return_for_rework(ASSESSOR, app_id)
    assert err.value.details["reasons"][0]["code"] == "NO_REMARKS"
    rpc_client.assessment.mark_item(ASSESSOR, app_id, "essay", "remark", "Мало слов")
    with pytest.raises(DependencyUnavailable):
        rpc_client.assessment.return_for_rework(ASSESSOR, app_id)
    assert db.scalar(select(func.count()).select_from(Decision)) == 0
    status = db.scalar(select(Review.status).where(Review.application_id == uuid.UUID(app_id)))
    assert status == "under_review"


def test_decisions_only_under_review(service, rpc_client, db_connection, db):
    app_id = under_review(db, db_connection)
    db.execute(Review.__table__.update().where(Review.application_id == app_id)
                          .values(status="accepted"))
    with pytest.raises(IllegalTransition):
        rpc_client.assessment.return_for_rework(ASSESSOR, str(app_id))
    with pytest.raises(IllegalTransition):
        rpc_client.assessment.mark_item(ASSESSOR, str(app_id), "essay", "ok")

