"""The assessment service's nameko entrypoints: the organization's review of applications and
forwarding accepted portfolios to the state service (see README.md for the contract)."""
import logging
from datetime import datetime, timedelta

import eventlet
from nameko.events import event_handler
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from pedatt_common.actor import Actor
from pedatt_common.wire import iso, parse_uuid
from pedatt_common.db import utcnow
from pedatt_common.errors import (EXPECTED, Conflict, DependencyUnavailable, IllegalTransition,
                                  InvalidInput, NotFound, PermissionDenied, ServiceError,
                                  Unprocessable)
from pedatt_common.service import ServiceBase

from assessment import domain, events, portfolio
from assessment.adapter import Rejected, Transient
from assessment.calendar import CalendarNotCovered, kz_calendar
from assessment.dependencies import StateService, database, settings
from assessment.models import AppCommand, Decision, Delivery, DeliveryAttempt, Mark, Review, ReviewLog

log = logging.getLogger(__name__)

REVIEWERS = ("assessor", "org_admin")
SYSTEM_ACTOR = {"user_id": None, "organization_id": None, "roles": [],
                "platform_roles": ["system"]}
SUBMITTED, UNDER_REVIEW, RETURNED, ACCEPTED = ("submitted", "under_review",
                                               "returned_for_rework", "accepted")
SENT_STATUSES = ["sent_to_state_service", "state_accepted", "state_refused"]
RESULT_STATUSES = ["state_accepted", "state_refused"]
COMMAND_NOT_FOUND_LIMIT = 10


def _uuid(value, field="application_id"):
    return parse_uuid(value, lambda: InvalidInput("Неверный идентификатор",
                                                  {"fields": {field: ["Неверный UUID"]}}))


class AssessmentService(ServiceBase):
    name = "assessment"
    db = database()
    state_service = StateService()
    applications = RpcProxy("applications")
    documents = RpcProxy("documents")

    # ================================================================== helpers
    def _call(self, service: str, method: str, *args, **kwargs):
        """RPC with a timeout: a service that does not answer is DependencyUnavailable."""
        proxy = getattr(self, service)
        try:
            reply = getattr(proxy, method).call_async(*args, **kwargs)
            with eventlet.Timeout(settings.rpc_timeout):
                return reply.result()
        except eventlet.Timeout:
            raise DependencyUnavailable(f"Сервис «{service}» не ответил вовремя",
                                        {"service": service}) from None
        except UnknownService:
            raise DependencyUnavailable(f"Сервис «{service}» недоступен",
                                        {"service": service}) from None

    @staticmethod
    def _reviewer(actor) -> Actor:
        a = Actor.from_rpc(actor)
        a.require_role(*REVIEWERS)
        a.require_organization()
        return a

    @staticmethod
    def _log(uow, review: Review, actor_user_id, action: str, **details):
        uow.session.add(ReviewLog(application_id=review.application_id,
                                  organization_id=review.organization_id,
                                  actor_user_id=actor_user_id, action=action,
                                  details=details, created_at=utcnow()))

    @staticmethod
    def _lock_review(uow, application_id, organization_id=None) -> Review | None:
        review = uow.session.execute(
            select(Review).where(Review.application_id == application_id)
            .with_for_update()).scalar_one_or_none()
        if review is not None and organization_id is not None \
                and review.organization_id != organization_id:
            return None
        return review

    @staticmethod
    def _ensure_review(uow, application_id, organization_id, **values) -> Review:
        uow.session.execute(pg_insert(Review).values(
            id=__import__("uuid").uuid4(), application_id=application_id,
            organization_id=organization_id, status=values.pop("status", SUBMITTED),
            checklist=[], submission_number=values.pop("submission_number", 1) or 1,
            updated_at=values.pop("updated_at", None) or utcnow(), **values)
            .on_conflict_do_nothing())
        return AssessmentService._lock_review(uow, application_id)

    def _application(self, actor, application_id) -> dict:
        return self._call("applications", "get_application", actor, str(application_id))

    def _fill_review(self, review: Review, app: dict) -> None:
        form = app.get("form") or {}
        review.teacher_id = str(app.get("teacher_id") or review.teacher_id or "") or None
        review.teacher_name = form.get("full_name") or app.get("teacher_name") or review.teacher_name
        review.target_category = app.get("target_category") or review.target_category
        review.checklist = portfolio.checklist_items(app)
        if portfolio.submission_number(app):
            review.submission_number = int(portfolio.submission_number(app))
        if app.get("submitted_at") and review.submitted_at is None:
            review.submitted_at = datetime.fromisoformat(app["submitted_at"])

    def _documents(self, actor, app: dict) -> list[dict]:
        entries = portfolio.portfolio_documents(app)
        records = {}
        for e in entries:
            if e["document_id"] not in records:
                try:
                    records[e["document_id"]] = self._call("documents", "get_document", actor,
                                                           e["document_id"])
                except NotFound:
                    records[e["document_id"]] = {}
        return portfolio.enrich_documents(entries, records)

    @staticmethod
    def _marks(uow, review: Review) -> dict[str, dict]:
        rows = uow.session.execute(select(Mark).where(
            Mark.application_id == review.application_id,
            Mark.submission_number == review.submission_number)).scalars()
        return {m.item_code: {"verdict": m.verdict, "text": m.text, "marked_by": m.marked_by,
                              "marked_at": iso(m.marked_at)} for m in rows}

    @staticmethod
    def _review_dict(review: Review) -> dict:
        return {"application_id": str(review.application_id),
                "organization_id": review.organization_id, "teacher_id": review.teacher_id,
                "teacher_name": review.teacher_name, "target_category": review.target_category,
                "status": review.status, "submission_number": review.submission_number,
                "assessor_id": review.assessor_id, "assigned_at": iso(review.assigned_at),
                "submitted_at": iso(review.submitted_at), "updated_at": iso(review.updated_at)}

    @staticmethod
    def _delivery_dict(d: Delivery, now=None) -> dict:
        now = now or utcnow()
        overdue = bool(d.due_at) and kz_calendar().is_overdue(d.due_at, now, d.result_at)
        return {"id": str(d.id), "application_id": str(d.application_id),
                "organization_id": d.organization_id, "submission_number": d.submission_number,
                "message_id": d.message_id, "correlation_id": d.correlation_id, "state": d.state,
                "attempts": d.attempts, "next_attempt_at": iso(d.next_attempt_at),
                "last_error": d.last_error, "resends": d.resends, "reasons": d.reasons or [],
                "queued_at": iso(d.queued_at), "sent_at": iso(d.sent_at),
                "due_at": iso(d.due_at), "result_at": iso(d.result_at), "overdue": overdue,
                "documents": len((d.package or {}).get("documents") or [])}

    def _assigned(self, uow, a: Actor, application_id) -> Review:
        review = self._lock_review(uow, application_id, a.organization_id)
        if review is None:
            raise NotFound("Заявление не найдено в очереди проверки")
        if review.status != UNDER_REVIEW:
            raise IllegalTransition("Заявление не находится на проверке",
                                    {"from": review.status})
        if review.assessor_id != a.user_id:
            raise PermissionDenied("Заявление проверяет другой сотрудник",
                                   {"assessor_id": review.assessor_id})
        return review

    @staticmethod
    def _command(uow, application_id, method: str, kwargs: dict, done_statuses: list[str]):
        uow.session.add(AppCommand(application_id=application_id, method=method, kwargs=kwargs,
                                   done_statuses=done_statuses, next_attempt_at=utcnow(),
                                   created_at=utcnow()))

    # ================================================================== the queue
    @rpc(expected_exceptions=EXPECTED)
    def list_review_queue(self, actor, status=None, assessor_id=None, target_category=None,
                          limit=50, offset=0):
        """The organization's applications waiting for or under review, oldest first."""
        a = self._reviewer(actor)
        try:
            limit, offset = max(1, min(int(limit), 200)), max(0, int(offset))
        except (TypeError, ValueError):
            raise InvalidInput("Неверные параметры страницы") from None
        statuses = [status] if status else [SUBMITTED, UNDER_REVIEW]
        query = select(Review).where(Review.organization_id == a.organization_id,
                                     Review.status.in_(statuses))
        if assessor_id:
            query = query.where(Review.assessor_id == (a.user_id if assessor_id == "me" else assessor_id))
        if target_category:
            query = query.where(Review.target_category == target_category)
        with self.db as uow:
            total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar()
            rows = uow.session.execute(query.order_by(Review.submitted_at.asc().nulls_last(),
                                                      Review.id)
                                       .limit(limit).offset(offset)).scalars().all()
            return {"items": [self._review_dict(r) for r in rows], "total": total}

    @rpc(expected_exceptions=EXPECTED)
    def take_application(self, actor, application_id):
        """An assessor takes a submitted application: it becomes ``under_review``, assigned."""
        a = self._reviewer(actor)
        app_id = _uuid(application_id)
        app = self._application(actor, app_id)  # NotFound for another organization
        with self.db as uow:
            review = self._ensure_review(uow, app_id, a.organization_id)
            if review.organization_id != a.organization_id:
                raise NotFound("Заявление не найдено")
            # under the row lock: a colleague who took it a moment ago has committed by now
            taken = UNDER_REVIEW in (app.get("status"), review.status)
            if taken and review.assessor_id and review.assessor_id != a.user_id:
                raise Conflict("Заявление уже проверяет другой сотрудник",
                               {"assessor_id": review.assessor_id})
            if app.get("status") == SUBMITTED:
                try:
                    app = self._call("applications", "take_for_review", actor, str(app_id))
                except IllegalTransition as exc:
                    if (exc.details or {}).get("from") != UNDER_REVIEW:
                        raise
            elif app.get("status") != UNDER_REVIEW:
                raise IllegalTransition("Заявление не ожидает проверки",
                                        {"from": app.get("status")})
            self._fill_review(review, app)
            review.status, review.assessor_id = UNDER_REVIEW, a.user_id
            review.assigned_at = review.updated_at = utcnow()
            self._log(uow, review, a.user_id, "take")
            uow.publish(events.REVIEW_TAKEN, {"application_id": str(app_id),
                                         "organization_id": review.organization_id,
                                         "assessor_id": a.user_id})
            return self._review_dict(review)

    @rpc(expected_exceptions=EXPECTED)
    def assign_reviewer(self, actor, application_id, assessor_id):
        """The organization admin reassigns an application to another assessor."""
        a = Actor.from_rpc(actor)
        a.require_role("org_admin")
        a.require_organization()
        if not assessor_id or not isinstance(assessor_id, str) or len(assessor_id) > 64:
            raise InvalidInput("Укажите проверяющего", {"fields": {"assessor_id": ["Обязательное поле"]}})
        with self.db as uow:
            review = self._lock_review(uow, _uuid(application_id), a.organization_id)
            if review is None:
                raise NotFound("Заявление не найдено в очереди проверки")
            if review.status not in (SUBMITTED, UNDER_REVIEW):
                raise IllegalTransition("Назначить проверяющего можно только до решения",
                                        {"from": review.status})
            previous = review.assessor_id
            review.assessor_id, review.assigned_at, review.updated_at = assessor_id, utcnow(), utcnow()
            self._log(uow, review, a.user_id, "reassign", previous=previous, assessor_id=assessor_id)
            return self._review_dict(review)

    # ================================================================== the review
    @rpc(expected_exceptions=EXPECTED)
    def get_review(self, actor, application_id):
        """The review sheet: checklist items with their documents, signature reports and marks,
        the decisions so far, the log and the delivery to the state service."""
        a = self._reviewer(actor)
        app_id = _uuid(application_id)
        app = self._application(actor, app_id)
        items = portfolio.checklist_items(app)
        docs = self._documents(actor, app)
        with self.db as uow:
            review = self._lock_review(uow, app_id, a.organization_id)
            marks = self._marks(uow, review) if review else {}
            decisions = uow.session.execute(select(Decision).where(
                Decision.application_id == app_id).order_by(Decision.created_at)).scalars().all()
            logs = uow.session.execute(select(ReviewLog).where(
                ReviewLog.application_id == app_id).order_by(ReviewLog.id)).scalars().all()
            delivery = uow.session.execute(select(Delivery).where(
                Delivery.application_id == app_id).order_by(Delivery.queued_at.desc())
            ).scalars().first()
            sheet = []
            for item in items:
                sheet.append({**item, "mark": marks.get(item["code"]),
                              "documents": [d for d in docs if d["item_code"] == item["code"]]})
            app_sig = portfolio.application_signature(app)
            return {
                "application": {"id": str(app_id), "status": app.get("status"),
                                "target_category": app.get("target_category"),
                                "form": app.get("form") or {}, "signature": app_sig,
                                "submission_number": portfolio.submission_number(app)},
                "review": self._review_dict(review) if review else None,
                "items": sheet,
                "blockers": domain.accept_blockers(items, docs, marks, app_sig),
                "decisions": [{"id": str(d.id), "kind": d.kind, "actor_user_id": d.actor_user_id,
                               "submission_number": d.submission_number, "comment": d.comment,
                               "remarks": d.remarks, "created_at": iso(d.created_at)}
                              for d in decisions],
                "log": [{"action": l.action, "actor_user_id": l.actor_user_id,
                         "details": l.details, "created_at": iso(l.created_at)} for l in logs],
                "delivery": self._delivery_dict(delivery) if delivery else None,
            }

    @rpc(expected_exceptions=EXPECTED)
    def mark_item(self, actor, application_id, item_code, verdict, text=None):
        """Mark one checklist item ``ok`` or ``remark`` (a remark needs text)."""
        a = self._reviewer(actor)
        try:
            text = domain.validate_mark(verdict, text)
        except ValueError as exc:
            raise InvalidInput(str(exc), {"fields": {"text" if verdict in domain.VERDICTS
                                                     else "verdict": [str(exc)]}}) from None
        with self.db as uow:
            review = self._assigned(uow, a, _uuid(application_id))
            codes = {i["code"] for i in review.checklist or []}
            if item_code not in codes:
                raise InvalidInput("Такого пункта нет в перечне документов",
                                   {"fields": {"item_code": ["Неизвестный пункт"]}})
            values = dict(verdict=verdict, text=text, marked_by=a.user_id, marked_at=utcnow())
            uow.session.execute(pg_insert(Mark).values(
                id=__import__("uuid").uuid4(), application_id=review.application_id,
                submission_number=review.submission_number, item_code=item_code, **values)
                .on_conflict_do_update(
                    index_elements=["application_id", "submission_number", "item_code"],
                    set_=values))
            self._log(uow, review, a.user_id, "mark", item_code=item_code, verdict=verdict,
                      text=text)
            return {"item_code": item_code, "verdict": verdict, "text": text,
                    "marked_by": a.user_id, "submission_number": review.submission_number}

    @rpc(expected_exceptions=EXPECTED)
    def return_for_rework(self, actor, application_id, comment=None):
        """Return the application to the teacher with the remarks (≥ 1) of this round."""
        a = self._reviewer(actor)
        app_id = _uuid(application_id)
        with self.db as uow:
            review = self._assigned(uow, a, app_id)
            marks = self._marks(uow, review)
            blockers = domain.return_blockers(marks)
            if blockers:
                raise Unprocessable(blockers[0]["message"], {"reasons": blockers})
            remarks = domain.remarks_of(marks)
            try:
                self._call("applications", "return_for_rework", actor, str(app_id),
                           remarks=remarks, comment=comment)
            except IllegalTransition as exc:
                if (exc.details or {}).get("from") != RETURNED:
                    raise
            return self._record_decision(uow, review, a, domain.RETURN, remarks, comment)

    @rpc(expected_exceptions=EXPECTED)
    def accept_application(self, actor, application_id, comment=None):
        """Accept: only with every required item ok, valid head signatures and a valid
        application signature; queues the package for the state service in the same
        transaction."""
        a = self._reviewer(actor)
        app_id = _uuid(application_id)
        app = self._application(actor, app_id)
        items = portfolio.checklist_items(app)
        docs = self._documents(actor, app)
        app_sig = portfolio.application_signature(app)
        with self.db as uow:
            review = self._assigned(uow, a, app_id)
            blockers = domain.accept_blockers(items, docs, self._marks(uow, review), app_sig)
            if blockers:
                raise Unprocessable("Заявление нельзя принять: " + "; ".join(
                    b["message"] for b in blockers[:3]) + ("…" if len(blockers) > 3 else ""),
                    {"reasons": blockers})
            try:
                self._call("applications", "accept_application", actor, str(app_id),
                           comment=comment)
            except IllegalTransition as exc:
                if (exc.details or {}).get("from") not in [ACCEPTED, *SENT_STATUSES]:
                    raise
            package = portfolio.build_package(
                app, items, docs, app_sig,
                {"id": review.organization_id, "bin": app.get("organization_bin")
                 or (app.get("form") or {}).get("organization_bin")})
            self._queue_delivery(uow, review, package, a.to_rpc())
            return self._record_decision(uow, review, a, domain.ACCEPT, [], comment)

    def _record_decision(self, uow, review: Review, a: Actor, kind: str, remarks, comment):
        uow.session.execute(pg_insert(Decision).values(
            id=__import__("uuid").uuid4(), application_id=review.application_id,
            organization_id=review.organization_id, submission_number=review.submission_number,
            kind=kind, actor_user_id=a.user_id, comment=comment, remarks=remarks,
            created_at=utcnow()).on_conflict_do_nothing())
        review.status = RETURNED if kind == domain.RETURN else ACCEPTED
        review.updated_at = utcnow()
        self._log(uow, review, a.user_id, kind, remarks=remarks, comment=comment)
        uow.publish(events.REVIEW_DECIDED, {"application_id": str(review.application_id),
                                       "organization_id": review.organization_id,
                                       "submission_number": review.submission_number,
                                       "decision": kind, "remarks": remarks,
                                       "actor_user_id": a.user_id})
        return {"application_id": str(review.application_id), "decision": kind,
                "status": review.status, "remarks": remarks,
                "submission_number": review.submission_number}

    def _queue_delivery(self, uow, review: Review, package: dict | None, on_behalf: dict):
        now = utcnow()
        uow.session.execute(pg_insert(Delivery).values(
            id=__import__("uuid").uuid4(), application_id=review.application_id,
            organization_id=review.organization_id, submission_number=review.submission_number,
            message_id=domain.message_id_for(str(review.application_id), review.submission_number),
            state=domain.QUEUED, attempts=0, next_attempt_at=now, package=package or {},
            on_behalf=on_behalf, reasons=[], resends=0, queued_at=now, updated_at=now)
            .on_conflict_do_nothing())

    # ================================================================== events in
    @event_handler("applications", "application_submitted")
    def on_application_submitted(self, event):
        data = event.get("data") or {}
        with self.db as uow:
            if uow.is_duplicate(event, "on_application_submitted"):
                return
            app_id = _uuid(data["application_id"])
            occurred = datetime.fromisoformat(event["occurred_at"])
            review = self._ensure_review(uow, app_id, str(data.get("organization_id")),
                                         updated_at=occurred - timedelta(microseconds=1))
            review.teacher_id = str(data.get("teacher_id") or "") or review.teacher_id
            review.target_category = data.get("target_category") or review.target_category
            if data.get("submission_number") and int(data["submission_number"]) >= review.submission_number:
                review.submission_number = int(data["submission_number"])
                review.submitted_at = occurred
            if review.updated_at is None or occurred > review.updated_at:
                review.status, review.updated_at = SUBMITTED, occurred

    @event_handler("applications", "application_status_changed")
    def on_application_status_changed(self, event):
        data = event.get("data") or {}
        with self.db as uow:
            if uow.is_duplicate(event, "on_application_status_changed"):
                return
            app_id = _uuid(data["application_id"])
            occurred = datetime.fromisoformat(event["occurred_at"])
            review = self._ensure_review(uow, app_id, str(data.get("organization_id")),
                                         updated_at=occurred - timedelta(microseconds=1))
            to_status = data.get("to_status")
            review.teacher_id = str(data.get("teacher_id") or "") or review.teacher_id
            review.target_category = data.get("target_category") or review.target_category
            if to_status == ACCEPTED and not uow.session.execute(select(Delivery.id).where(
                    Delivery.application_id == app_id)).first():
                # repair path: the decision reached the applications service but our own
                # transaction was lost (an application is accepted at most once, so at most one
                # delivery): queue the package anyway, built at the first send
                self._queue_delivery(uow, review, None, {
                    "user_id": data.get("actor_user_id"),
                    "organization_id": review.organization_id, "roles": ["assessor"]})
            # Our own writes stamp updated_at with the time they happen (after the transition
            # they follow); events stamp it with the time they occurred. An event older than
            # what we know is history, not news.
            if review.updated_at is not None and occurred <= review.updated_at:
                return
            review.status = to_status or review.status
            if to_status == SUBMITTED and review.submitted_at is None:
                review.submitted_at = occurred
            if to_status == UNDER_REVIEW and not review.assessor_id:
                review.assessor_id = data.get("actor_user_id")
            review.updated_at = occurred

    # ------------------------------------------------------------------ our own events
    # The audit trail of our events in the structured log. It also keeps a queue bound to
    # each of them, so the outbox relay (mandatory publishing) never holds them back while
    # no other service consumes them yet.
    def _audit(self, event):
        log.info("assessment event %s", event.get("event_type"),
                 extra={"event": event.get("event_type"), "data": event.get("data")})

    @event_handler("assessment", events.REVIEW_TAKEN)
    def audit_review_taken(self, event):
        self._audit(event)

    @event_handler("assessment", events.REVIEW_DECIDED)
    def audit_review_decided(self, event):
        self._audit(event)

    @event_handler("assessment", events.STATE_PACKAGE_SENT)
    def audit_state_package_sent(self, event):
        self._audit(event)

    @event_handler("assessment", events.STATE_DELIVERY_FAILED)
    def audit_state_delivery_failed(self, event):
        self._audit(event)

    @event_handler("assessment", events.STATE_SERVICE_RESULT_RECEIVED)
    def audit_state_service_result_received(self, event):
        self._audit(event)

    # ================================================================== delivery
    @rpc(expected_exceptions=EXPECTED)
    def list_deliveries(self, actor, state=None, limit=50, offset=0, overdue=None):
        """Packages for the state service of the caller's organization, newest first;
        ``overdue=True``: only those whose answer came (or is still missing) after the term."""
        a = self._reviewer(actor)
        if state and state not in domain.DELIVERY_STATES:
            raise InvalidInput("Неизвестное состояние", {"fields": {"state": [f"одно из {domain.DELIVERY_STATES}"]}})
        query = select(Delivery).where(Delivery.organization_id == a.organization_id)
        if state:
            query = query.where(Delivery.state == state)
        if overdue:
            now = utcnow()
            query = query.where(Delivery.due_at.is_not(None),
                                func.coalesce(Delivery.result_at, now) > Delivery.due_at)
        with self.db as uow:
            total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar()
            rows = uow.session.execute(query.order_by(Delivery.queued_at.desc())
                                       .limit(max(1, min(int(limit), 200)))
                                       .offset(max(0, int(offset)))).scalars().all()
            now = utcnow()
            return {"items": [self._delivery_dict(d, now) for d in rows], "total": total}

    @rpc(expected_exceptions=EXPECTED)
    def get_delivery(self, actor, delivery_id):
        a = self._reviewer(actor)
        with self.db as uow:
            d = uow.session.get(Delivery, _uuid(delivery_id, "delivery_id"))
            if d is None or d.organization_id != a.organization_id:
                raise NotFound("Пакет не найден")
            attempts = uow.session.execute(select(DeliveryAttempt).where(
                DeliveryAttempt.delivery_id == d.id).order_by(DeliveryAttempt.id)).scalars()
            return {**self._delivery_dict(d),
                    "history": [{"kind": x.kind, "outcome": x.outcome, "http_status": x.http_status,
                                 "error": x.error, "at": iso(x.at)} for x in attempts]}

    @rpc(expected_exceptions=EXPECTED)
    def get_application_filing(self, actor, application_id):
        """The state-service filing of one application, for its teacher (or the organization's
        reviewers): state, due date, overdue, the verdict and its reasons."""
        a = Actor.from_rpc(actor)
        app_id = _uuid(application_id)
        with self.db as uow:
            review = uow.session.execute(select(Review).where(
                Review.application_id == app_id)).scalar_one_or_none()
            d = uow.session.execute(select(Delivery).where(Delivery.application_id == app_id)
                                    .order_by(Delivery.queued_at.desc())).scalars().first()
            org = review.organization_id if review else (d.organization_id if d else None)
            own = review is not None and a.user_id and review.teacher_id == str(a.user_id)
            reviewer = org is not None and org == a.organization_id and a.has_role(*REVIEWERS)
            if not (own or reviewer) or d is None:
                raise NotFound("Сведений об отправке в госуслугу нет")
            out = self._delivery_dict(d)
            return {k: out[k] for k in ("application_id", "state", "queued_at", "sent_at",
                                        "due_at", "result_at", "overdue", "reasons",
                                        "correlation_id")}

    @rpc(expected_exceptions=EXPECTED)
    def resend_delivery(self, actor, delivery_id):
        """The organization admin resends a package that gave up (same messageId)."""
        a = Actor.from_rpc(actor)
        a.require_role("org_admin")
        a.require_organization()
        with self.db as uow:
            d = uow.session.execute(select(Delivery).where(
                Delivery.id == _uuid(delivery_id, "delivery_id")).with_for_update()).scalar_one_or_none()
            if d is None or d.organization_id != a.organization_id:
                raise NotFound("Пакет не найден")
            if d.state != domain.FAILED:
                raise Conflict("Повторно отправить можно только пакет, отправка которого прекращена",
                               {"state": d.state})
            d.state, d.attempts, d.next_attempt_at = domain.QUEUED, 0, utcnow()
            d.resends += 1
            d.updated_at = utcnow()
            uow.session.add(DeliveryAttempt(delivery_id=d.id, kind="resend", outcome="queued",
                                            error=f"by {a.user_id}", at=utcnow()))
            review = self._lock_review(uow, d.application_id)
            if review is not None:
                self._log(uow, review, a.user_id, "resend", delivery_id=str(d.id))
            return self._delivery_dict(d)

    def _due(self, now, limit, *states):
        with self.db as uow:
            return uow.session.execute(
                select(Delivery.id).where(Delivery.state.in_(states),
                                          Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at).limit(limit)).scalars().all()

    def _claim(self, delivery_id, state: str, lease: float) -> dict | None:
        """Take a due delivery for one attempt. Instead of holding a row lock across the network
        call, the attempt is leased (next_attempt_at pushed ahead) and committed: a crash lets
        the lease expire and the next attempt repeats the same messageId."""
        now = utcnow()
        with self.db as uow:
            d = uow.session.execute(
                select(Delivery).where(Delivery.id == delivery_id, Delivery.state == state,
                                       Delivery.next_attempt_at <= now)
                .with_for_update(skip_locked=True)).scalar_one_or_none()
            if d is None:
                return None
            if state == domain.QUEUED:
                d.attempts += 1
            d.next_attempt_at, d.updated_at = now + timedelta(seconds=lease), now
            return {"id": d.id, "attempts": d.attempts, "message_id": d.message_id,
                    "package": d.package, "on_behalf": d.on_behalf,
                    "organization_id": d.organization_id, "application_id": d.application_id,
                    "correlation_id": d.correlation_id}

    def _locked(self, uow, claim: dict, state: str) -> Delivery | None:
        """The claimed delivery, if nobody moved it while we were away."""
        d = uow.session.execute(select(Delivery).where(Delivery.id == claim["id"])
                                .with_for_update()).scalar_one()
        if d.state != state or d.attempts != claim["attempts"]:
            return None
        return d

    @timer(interval=0.5)
    def send_due_deliveries(self):
        """Send the queued packages whose time has come (outbox-driven, retried with backoff)."""
        for delivery_id in self._due(utcnow(), settings.send_batch, domain.QUEUED):
            claim = self._claim(delivery_id, domain.QUEUED, settings.send_lease)
            if claim is None:
                continue
            built = None
            try:
                package, built = self._package_with_links(claim)
                outcome = ("sent", self.state_service.send(
                    claim["message_id"], package, (package.get("organization") or {}).get("bin")))
            except (Transient, ServiceError) as exc:
                outcome = ("retry", exc)
            except Rejected as exc:
                outcome = ("rejected", exc)
            with self.db as uow:
                d = self._locked(uow, claim, domain.QUEUED)
                if d is not None:
                    if built is not None:
                        d.package = built
                    self._record_send(uow, d, *outcome)

    def _package_with_links(self, claim: dict) -> tuple[dict, dict | None]:
        """The package with fresh presigned links (or inline bytes); builds it first when the
        delivery was queued by the repair path."""
        package, built = claim["package"] or {}, None
        on_behalf = claim["on_behalf"] or {}
        if not package.get("documents") and not package.get("application"):
            app = self._application(on_behalf, claim["application_id"])
            items = portfolio.checklist_items(app)
            package = built = portfolio.build_package(
                app, items, self._documents(on_behalf, app), portfolio.application_signature(app),
                {"id": claim["organization_id"],
                 "bin": (app.get("form") or {}).get("organization_bin")})
        docs = []
        for doc in package.get("documents") or []:
            if doc.get("content_base64") is not None or doc.get("url"):
                docs.append(doc)  # the bytes travel inline (or the link is already there)
                continue
            link = self._call("documents", "get_download_url", on_behalf, doc["document_id"],
                              doc.get("version"))
            docs.append({**doc, "url": link["url"]})
        return {**package, "documents": docs}, built

    def _record_send(self, uow, d: Delivery, outcome: str, value) -> None:
        now = utcnow()
        d.updated_at = now
        if outcome == "retry":
            self._retry_later(uow, d, now, value)
            return
        if outcome == "rejected":
            d.state, d.next_attempt_at = domain.FAILED, None
            d.last_error = f"{value.code}: {value.message}"
            uow.session.add(DeliveryAttempt(delivery_id=d.id, kind="send", outcome="rejected",
                                            http_status=value.http_status, error=d.last_error,
                                            at=now))
            uow.publish(events.STATE_DELIVERY_FAILED, {"application_id": str(d.application_id),
                                                  "organization_id": d.organization_id,
                                                  "delivery_id": str(d.id), "error": d.last_error})
            return
        answer = value
        d.state, d.correlation_id, d.sent_at, d.last_error = (
            domain.SENT, answer["correlationId"], now, None)
        try:
            d.due_at = kz_calendar().due_at(now)
        except CalendarNotCovered:
            d.due_at = None
        d.next_attempt_at = now + timedelta(seconds=settings.poll_interval)
        uow.session.add(DeliveryAttempt(delivery_id=d.id, kind="send",
                                        outcome="duplicate" if answer.get("duplicate") else "sent",
                                        http_status=200, at=now))
        self._command(uow, d.application_id, "mark_sent_to_state_service",
                      {"application_id": str(d.application_id), "reference": d.correlation_id},
                      SENT_STATUSES)
        uow.publish(events.STATE_PACKAGE_SENT, {"application_id": str(d.application_id),
                                           "organization_id": d.organization_id,
                                           "delivery_id": str(d.id), "message_id": d.message_id,
                                           "correlation_id": d.correlation_id,
                                           "due_at": iso(d.due_at)})

    def _retry_later(self, uow, d: Delivery, now, exc) -> None:
        error = exc.message if isinstance(exc, ServiceError) else str(exc)
        d.last_error = error
        uow.session.add(DeliveryAttempt(delivery_id=d.id, kind="send", outcome="error",
                                        http_status=getattr(exc, "http_status", None),
                                        error=error, at=now))
        if settings.retry.gives_up(d.attempts):
            d.state, d.next_attempt_at = domain.FAILED, None
            uow.publish(events.STATE_DELIVERY_FAILED, {"application_id": str(d.application_id),
                                                  "organization_id": d.organization_id,
                                                  "delivery_id": str(d.id), "error": error})
        else:
            d.next_attempt_at = now + timedelta(seconds=settings.retry.delay(d.attempts))

    @timer(interval=1)
    def poll_state_results(self):
        """Fetch the verdicts of sent packages (the async channel's polling side)."""
        for delivery_id in self._due(utcnow(), settings.send_batch, domain.SENT):
            claim = self._claim(delivery_id, domain.SENT, settings.send_lease)
            if claim is None:
                continue
            try:
                outcome = ("result", self.state_service.status(claim["correlation_id"]))
            except Transient as exc:
                outcome = ("transient", exc)
            except Rejected as exc:
                outcome = ("unknown", exc)
            with self.db as uow:
                d = self._locked(uow, claim, domain.SENT)
                if d is not None:
                    self._record_poll(uow, d, *outcome)

    def _record_poll(self, uow, d: Delivery, outcome: str, value) -> None:
        now = utcnow()
        if outcome == "transient":
            d.next_attempt_at = now + timedelta(seconds=max(settings.poll_interval, 5))
            d.last_error = f"опрос результата: {value}"
            return
        if outcome == "unknown":  # the state service does not know the message: send it again
            d.state, d.next_attempt_at = domain.QUEUED, now
            d.last_error = f"{value.code}: {value.message}"
            uow.session.add(DeliveryAttempt(delivery_id=d.id, kind="poll", outcome="unknown",
                                            http_status=value.http_status, error=d.last_error,
                                            at=now))
            return
        status = value.get("status")
        if status not in ("ACCEPTED", "REFUSED"):
            d.next_attempt_at = now + timedelta(seconds=settings.poll_interval)
            return
        accepted = status == "ACCEPTED"
        d.state = domain.STATE_ACCEPTED if accepted else domain.STATE_REFUSED
        d.reasons = value.get("reasons") or []
        d.result_at, d.next_attempt_at, d.updated_at, d.last_error = now, None, now, None
        uow.session.add(DeliveryAttempt(delivery_id=d.id, kind="poll", outcome=d.state,
                                        http_status=200, at=now))
        reason = "; ".join(r.get("message") or r.get("code", "") for r in d.reasons) or None
        self._command(uow, d.application_id, "record_state_service_result",
                      {"application_id": str(d.application_id), "accepted": accepted,
                       "reason": reason, "reference": d.correlation_id}, RESULT_STATUSES)
        review = self._lock_review(uow, d.application_id)
        if review is not None:
            review.status, review.updated_at = d.state, now
        uow.publish(events.STATE_SERVICE_RESULT_RECEIVED, {
            "application_id": str(d.application_id), "organization_id": d.organization_id,
            "delivery_id": str(d.id), "accepted": accepted, "reasons": d.reasons,
            "correlation_id": d.correlation_id})

    # ================================================================== commands out
    @timer(interval=0.5)
    def run_app_commands(self):
        """Apply the recorded status transitions in the applications service, in order per
        application, until each is done (an already-made transition counts as done). Each try
        is leased like a delivery: no lock is held across the RPC call."""
        now = utcnow()
        with self.db as uow:
            ids = uow.session.execute(
                select(AppCommand.id).where(AppCommand.done_at.is_(None),
                                            AppCommand.next_attempt_at <= now)
                .order_by(AppCommand.id).limit(50)).scalars().all()
        blocked = set()
        for command_id in ids:
            with self.db as uow:
                cmd = uow.session.execute(select(AppCommand).where(
                    AppCommand.id == command_id, AppCommand.done_at.is_(None),
                    AppCommand.next_attempt_at <= now)
                    .with_for_update(skip_locked=True)).scalar_one_or_none()
                if cmd is None or cmd.application_id in blocked:
                    continue
                earlier = uow.session.execute(select(func.count()).where(
                    AppCommand.application_id == cmd.application_id, AppCommand.id < cmd.id,
                    AppCommand.done_at.is_(None))).scalar()
                if earlier:
                    blocked.add(cmd.application_id)
                    continue
                cmd.attempts += 1
                cmd.next_attempt_at = utcnow() + timedelta(seconds=settings.rpc_timeout + 10)
                claim = {"method": cmd.method, "kwargs": dict(cmd.kwargs),
                         "done_statuses": list(cmd.done_statuses), "attempts": cmd.attempts,
                         "application_id": cmd.application_id}
            done, error = self._call_command(claim)
            with self.db as uow:
                cmd = uow.session.get(AppCommand, command_id, with_for_update=True)
                if cmd.done_at is not None or cmd.attempts != claim["attempts"]:
                    continue
                cmd.last_error = error
                if done:
                    cmd.done_at = utcnow()
                else:
                    cmd.next_attempt_at = utcnow() + timedelta(
                        seconds=domain.RetryPolicy(base=0.5, cap=60).delay(cmd.attempts))
                    blocked.add(cmd.application_id)
                    log.warning("applications.%s for %s failed: %s", cmd.method,
                                cmd.application_id, error)

    def _call_command(self, claim: dict) -> tuple[bool, str | None]:
        kwargs = claim["kwargs"]
        app_id = kwargs.pop("application_id")
        try:
            self._call("applications", claim["method"], SYSTEM_ACTOR, app_id, **kwargs)
            return True, None
        except IllegalTransition as exc:
            if (exc.details or {}).get("from") in claim["done_statuses"]:
                return True, None  # it was done before (a repeat after a lost answer)
            return False, f"{exc.code}: {exc.message} {exc.details}"
        except NotFound as exc:
            # the application is gone for good: give up after a while, keep the error visible
            return claim["attempts"] >= COMMAND_NOT_FOUND_LIMIT, f"{exc.code}: {exc.message}"
        except ServiceError as exc:
            return False, f"{exc.code}: {exc.message}"
        except Exception as exc:  # noqa: BLE001 - broker trouble etc.: retry later
            return False, f"{type(exc).__name__}: {exc}"

    # ================================================================== calendar
    @rpc(expected_exceptions=EXPECTED)
    def get_due_date(self, filed_at=None, term_days=1):
        """When the state service's answer to a filing made at ``filed_at`` is due."""
        try:
            moment = datetime.fromisoformat(filed_at) if filed_at else utcnow()
            if moment.tzinfo is None:
                raise ValueError("нет часового пояса")
            term = int(term_days)
            if not 1 <= term <= 60:
                raise ValueError("срок от 1 до 60 рабочих дней")
        except (TypeError, ValueError) as exc:
            raise InvalidInput("Неверная дата или срок", {"fields": {"filed_at": [str(exc)]}}) from None
        cal = kz_calendar()
        try:
            due = cal.due_at(moment, term)
            receipt = cal.receipt_day(moment)
        except CalendarNotCovered as exc:
            raise Unprocessable(str(exc)) from None
        return {"filed_at": moment.isoformat(), "receipt_day": receipt.isoformat(),
                "term_days": term, "due_at": due.isoformat()}

    @rpc(expected_exceptions=EXPECTED)
    def get_calendar(self, year):
        """Non-working days of a year (weekends are implicit)."""
        cal = kz_calendar()
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise InvalidInput("Неверный год") from None
        if year not in cal.years:
            raise NotFound(f"Производственный календарь не содержит {year} год")
        return {"year": year, "weekend": sorted(cal.weekend),
                "holidays": [{"date": d.isoformat(), "name": n}
                             for d, n in sorted(cal.holidays.items()) if d.year == year],
                "transfers": [{"day_off": a.isoformat(), "working_day": b.isoformat()}
                              for a, b in sorted(cal.transfers.items()) if a.year == year]}
