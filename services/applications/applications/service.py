"""The applications service's nameko entrypoints: thin, validation + domain + unit of work."""
import base64
import functools
import hashlib
import json
import os
import uuid
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import eventlet
from marshmallow import ValidationError
from nameko.events import event_handler
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy, rpc
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from applications import domain, events
from applications.dependencies import database
from applications.exceptions import (EXPECTED, ApplicationNotFound, DocumentNotAccepted,
                                     NotComplete, NotEligible, NotYourDocument,
                                     RulesNotAcknowledged, SignatureRejected, VersionConflict)
from applications.models import (Application, Notification, PortfolioDocument, Remark,
                                 RulesAcknowledgement, StatusTransition)
from applications.schemas import (CreateApplicationSchema, ListApplicationsSchema, RemarksSchema,
                                  SubmitSchema, UpdateApplicationSchema)
from pedatt_common.actor import Actor
from pedatt_common.wire import iso, parse_uuid
from pedatt_common.db import new_id, utcnow
from pedatt_common.errors import (DependencyUnavailable, IllegalTransition, InvalidInput, NotFound,
                                  PermissionDenied, invalid_from_marshmallow)
from pedatt_common.service import ServiceBase

LOCAL_TZ = ZoneInfo("Asia/Almaty")
EDITIONS = domain.load_editions()
REVIEWER_ROLES = ("assessor", "org_admin")
READER_ROLES = ("assessor", "org_admin", "director")
SYSTEM_ROLE = "system"
RPC_TIMEOUT = float(os.environ.get("PEDATT_RPC_TIMEOUT", "10"))

LIST_COLUMNS = ("id, organization_id, teacher_id, teacher_name, edition_code, target_category, "
                "current_category, status, version, submission_count, created_at, updated_at, submitted_at")

# One round trip for the detail view (the hot read path): the application and its documents,
# remarks and transitions, aggregated to JSON by PostgreSQL (connections use UTC).
DETAIL_SQL = text("""
SELECT row_to_json(a) AS app,
  (SELECT coalesce(json_agg(d ORDER BY d.item_code, d.added_at), '[]'::json)
     FROM portfolio_documents d WHERE d.application_id = a.id) AS docs,
  (SELECT coalesce(json_agg(r ORDER BY r.created_at), '[]'::json)
     FROM remarks r WHERE r.application_id = a.id) AS remarks,
  (SELECT coalesce(json_agg(t ORDER BY t.created_at), '[]'::json)
     FROM status_transitions t WHERE t.application_id = a.id) AS timeline
FROM applications a WHERE a.id = :id""")


@functools.lru_cache(maxsize=256)
def checklist(edition_code: str, category: str) -> tuple:
    """The (immutable per edition) checklist of a category, computed once."""
    return tuple(EDITIONS[edition_code].checklist(category))


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def current_edition() -> domain.RulesEdition:
    return domain.current_edition(EDITIONS, today())


def _load(schema, data):
    try:
        return schema.load(data or {})
    except ValidationError as err:
        raise invalid_from_marshmallow(err) from None


def _uuid(value, field="id"):
    return parse_uuid(value, lambda: InvalidInput("Некорректный идентификатор",
                                                  {"fields": {field: ["Ожидается UUID"]}}))


def _str(value):
    return str(value) if value is not None else None


# --------------------------------------------------------------------------- serialization

def dump_summary(app: Application) -> dict:
    return {"id": str(app.id), "organization_id": str(app.organization_id),
            "teacher_id": str(app.teacher_id), "teacher_name": app.teacher_name,
            "edition_code": app.edition_code, "target_category": app.target_category,
            "current_category": app.current_category, "status": app.status,
            "status_title": domain.STATUS_TITLES[app.status], "version": app.version,
            "submission_count": app.submission_count, "created_at": iso(app.created_at),
            "updated_at": iso(app.updated_at), "submitted_at": iso(app.submitted_at)}


def dump_portfolio_document(pd: PortfolioDocument) -> dict:
    return {"id": str(pd.id), "item_code": pd.item_code, "document_id": str(pd.document_id),
            "document_version": pd.document_version, "filename": pd.filename,
            "content_type": pd.content_type, "size": pd.size, "sha256": pd.sha256,
            "needs_head_signature": pd.needs_head, "head_signed": pd.head_signed_at is not None,
            "head_signed_at": iso(pd.head_signed_at), "head_signer_iin": pd.head_signer_iin,
            "added_at": iso(pd.added_at)}


def _doc_rows(docs):
    return [{"id": d.id, "item_code": d.item_code, "document_id": d.document_id,
             "head_signed": d.head_signed_at is not None, "filename": d.filename,
             "sha256": d.sha256} for d in docs]


def _mark_head_signed(uow, pd: PortfolioDocument, app: Application, signer_iin, signature_id):
    pd.head_signed_at = utcnow()
    pd.head_signer_iin = signer_iin
    pd.head_signature_id = _str(signature_id)
    uow.publish(events.PORTFOLIO_DOCUMENT_HEAD_SIGNED, {
        "application_id": str(app.id), "organization_id": str(app.organization_id),
        "teacher_id": str(app.teacher_id), "portfolio_document_id": str(pd.id),
        "item_code": pd.item_code, "document_id": str(pd.document_id),
        "signer_iin": pd.head_signer_iin})


class ApplicationsService(ServiceBase):
    name = "applications"
    db = database()
    organizations = RpcProxy("organizations")
    documents = RpcProxy("documents")

    def _call(self, service, method, *args, **kwargs):
        """RPC to another service with a timeout: one that does not answer is a 503, not a hang."""
        proxy = getattr(self, service)
        try:
            reply = getattr(proxy, method).call_async(*args, **kwargs)
            with eventlet.Timeout(RPC_TIMEOUT):
                return reply.result()
        except eventlet.Timeout:
            raise DependencyUnavailable(f"Сервис «{service}» не ответил вовремя",
                                        {"service": service}) from None
        except UnknownService:
            raise DependencyUnavailable(f"Сервис «{service}» недоступен", {"service": service}) from None

    def _lock_subjects(self, uow, actor, app_id, locked: bool):
        """Lock (on submission) / unlock (back to the teacher) the portfolio's files in documents."""
        table = PortfolioDocument.__table__
        subjects = uow.session.execute(
            select(table.c.subject_type, table.c.subject_id).distinct()
            .where(table.c.application_id == app_id, table.c.subject_type.is_not(None))).all()
        for subject_type, subject_id in subjects:
            self._call("documents", "set_subject_locked", actor.to_rpc(), subject_type, subject_id, locked)

    # ======================================================================= rules
    @rpc(expected_exceptions=EXPECTED)
    def get_current_rules_edition(self):
        return current_edition().to_dict()

    @rpc(expected_exceptions=EXPECTED)
    def get_rules_edition(self, code):
        edition = EDITIONS.get(code)
        if edition is None:
            raise NotFound("Редакция правил не найдена", {"code": code})
        return edition.to_dict()

    @rpc(expected_exceptions=EXPECTED)
    def acknowledge_rules(self, actor, edition_code):
        actor = self._user(actor)
        if edition_code not in EDITIONS:
            raise InvalidInput("Неизвестная редакция правил",
                               {"fields": {"edition_code": ["Неизвестная редакция"]}})
        with self.db as uow:
            # idempotent, and safe against a double click: the unique (user, edition) decides
            uow.session.execute(pg_insert(RulesAcknowledgement).values(
                id=new_id(), user_id=_uuid(actor.user_id),
                organization_id=_uuid(actor.organization_id) if actor.organization_id else None,
                edition_code=edition_code, acknowledged_at=utcnow())
                .on_conflict_do_nothing(index_elements=["user_id", "edition_code"]))
            ack = self._acknowledgement(uow, actor.user_id, edition_code)
            return {"edition_code": ack.edition_code, "acknowledged": True,
                    "acknowledged_at": iso(ack.acknowledged_at), "user_id": str(ack.user_id)}

    @rpc(expected_exceptions=EXPECTED)
    def get_rules_acknowledgement(self, actor):
        actor = self._user(actor)
        edition = current_edition()
        with self.db as uow:
            ack = self._acknowledgement(uow, actor.user_id, edition.code)
        return {"edition_code": edition.code, "acknowledged": ack is not None,
                "acknowledged_at": iso(ack.acknowledged_at) if ack else None}

    @staticmethod
    def _acknowledgement(uow, user_id, edition_code):
        return uow.session.scalars(select(RulesAcknowledgement).where(
            RulesAcknowledgement.user_id == _uuid(user_id),
            RulesAcknowledgement.edition_code == edition_code)).first()

    # ======================================================================= creation
    @rpc(expected_exceptions=EXPECTED)
    def check_eligibility(self, actor, target_category, declared_achievements=None):
        actor = self._teacher(actor)
        data = _load(CreateApplicationSchema(), {"target_category": target_category,
                                                  "declared_achievements": declared_achievements})
        edition = current_edition()
        self._known_category(edition, data["target_category"])
        form, profile = self._form_from_profile(actor, data["target_category"])
        with self.db as uow:
            active = self._active_count(uow, actor.user_id)
        result = domain.check_eligibility(edition, profile, data["target_category"], today(),
                                          active, data["declared_achievements"])
        return {**result.to_dict(), "form": form, "edition_code": edition.code}

    @rpc(expected_exceptions=EXPECTED)
    def create_application(self, actor, target_category, declared_achievements=None):
        actor = self._teacher(actor)
        data = _load(CreateApplicationSchema(), {"target_category": target_category,
                                                  "declared_achievements": declared_achievements})
        edition = current_edition()
        self._known_category(edition, data["target_category"])
        form, profile = self._form_from_profile(actor, data["target_category"])
        with self.db as uow:
            ack = self._acknowledgement(uow, actor.user_id, edition.code)
            if ack is None:
                raise RulesNotAcknowledged(
                    "Перед подачей заявления подтвердите ознакомление с правилами аттестации",
                    {"edition_code": edition.code})
            # one teacher at a time: the "active application" check cannot race
            uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                                {"k": f"applications:teacher:{actor.user_id}"})
            active = self._active_count(uow, actor.user_id)
            result = domain.check_eligibility(edition, profile, data["target_category"], today(),
                                              active, data["declared_achievements"])
            if not result.eligible:
                raise NotEligible("Подать заявление на эту категорию нельзя",
                                  {"reasons": result.reasons, "warnings": result.warnings})
            now = utcnow()
            app = Application(
                id=new_id(), organization_id=_uuid(actor.organization_id),
                teacher_id=_uuid(actor.user_id), teacher_name=form.get("full_name") or "",
                edition_code=edition.code, target_category=data["target_category"],
                current_category=profile.current_category, status=domain.DRAFT, version=1,
                form=form, item_flags={}, early=result.early,
                declared_achievements=data["declared_achievements"],
                rules_acknowledged_at=ack.acknowledged_at, submission_count=0,
                created_at=now, updated_at=now)
            uow.session.add(app)
            uow.session.flush()
            self._record_transition(uow, app, None, domain.DRAFT, "create", "teacher", actor, None)
            uow.publish(events.APPLICATION_CREATED, {
                "application_id": str(app.id), "organization_id": str(app.organization_id),
                "teacher_id": str(app.teacher_id), "target_category": app.target_category,
                "edition_code": app.edition_code})
            return self._full(uow, app, actor)

    def _known_category(self, edition, code):
        if edition.category(code) is None:
            raise InvalidInput("Неизвестная квалификационная категория",
                               {"fields": {"target_category": ["Неизвестная категория"]},
                                "allowed": edition.category_codes})

    def _active_count(self, uow, user_id) -> int:
        year_start = datetime(today().year, 1, 1, tzinfo=LOCAL_TZ)
        blocking = sorted(domain.BLOCKING - {domain.STATE_ACCEPTED})
        return uow.session.scalar(select(func.count()).select_from(Application).where(
            Application.teacher_id == _uuid(user_id),
            or_(Application.status.in_(blocking),
                and_(Application.status == domain.STATE_ACCEPTED,
                     Application.created_at >= year_start))))

    def _form_from_profile(self, actor, target_category):
        """The form snapshot (shown for confirmation) and what eligibility needs."""
        staff = self._call("organizations", "get_staff_profile", actor.to_rpc(), actor.user_id)
        org = self._call("organizations", "get_organization", actor.to_rpc(), actor.organization_id)
        return build_form(staff, org, target_category, actor)

    # ======================================================================= reading
    @rpc(expected_exceptions=EXPECTED)
    def get_application(self, actor, application_id):
        actor = Actor.from_rpc(actor)
        app_id = _uuid(application_id, "application_id")
        with self.db as uow:
            view = self._detail(uow, app_id, actor)
        if view is None:
            raise ApplicationNotFound("Заявление не найдено", {"application_id": str(app_id)})
        return view

    @rpc(expected_exceptions=EXPECTED)
    def list_my_applications(self, actor):
        actor = self._user(actor)
        with self.db as uow:
            apps = uow.session.scalars(select(Application).where(
                Application.teacher_id == _uuid(actor.user_id))
                .order_by(Application.created_at.desc()).limit(200)).all()
            return [dump_summary(a) for a in apps]

    @rpc(expected_exceptions=EXPECTED)
    def list_applications(self, actor, **filters):
        actor = Actor.from_rpc(actor)
        f = _load(ListApplicationsSchema(), filters)
        if actor.is_platform_admin and f["organization_id"]:
            org_id = f["organization_id"]
        else:
            actor.require_role(*READER_ROLES)
            org_id = _uuid(actor.require_organization())
        # One round trip: the page (keyset, newest first) and, on the first page, the counts per
        # status, aggregated to JSON by PostgreSQL. Fragments are fixed; values are bound.
        params = {"org": org_id, "limit": f["limit"] + 1}
        conds = ["organization_id = :org"]
        if f["target_category"]:
            conds.append("target_category = :category")
            params["category"] = f["target_category"]
        if f["teacher_id"]:
            conds.append("teacher_id = :teacher")
            params["teacher"] = f["teacher_id"]
        page_conds = list(conds)
        if f["status"]:
            page_conds.append("status = :status")
            params["status"] = f["status"]
        if f["cursor"]:
            params["c_at"], params["c_id"] = _decode_cursor(f["cursor"])
            page_conds.append("(created_at, id) < (:c_at, :c_id)")
        counts_sql = ("NULL::json" if f["cursor"] else
                      "(SELECT json_object_agg(status, n) FROM (SELECT status, count(*) AS n "
                      f"FROM applications WHERE {' AND '.join(conds)} GROUP BY status) c)")
        sql = text(
            f"WITH page AS (SELECT {LIST_COLUMNS} FROM applications WHERE {' AND '.join(page_conds)} "
            "ORDER BY created_at DESC, id DESC LIMIT :limit) "
            "SELECT (SELECT coalesce(json_agg(page ORDER BY created_at DESC, id DESC), '[]'::json) "
            f"FROM page) AS items, {counts_sql} AS counts")
        with self.db as uow:
            row = uow.session.execute(sql, params).one()
        rows = [SimpleNamespace(**r) for r in row.items]
        more = len(rows) > f["limit"]
        rows = rows[:f["limit"]]
        items = [dump_summary(r) for r in rows]
        next_cursor = _encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
        counts = None if f["cursor"] else (row.counts or {})
        return {"items": items, "next_cursor": next_cursor,
                "counts": None if counts is None else {s: counts.get(s, 0) for s in domain.STATUSES},
                "total": None if counts is None else sum(counts.values())}

    @rpc(expected_exceptions=EXPECTED)
    def get_timeline(self, actor, application_id):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            app = self._get(uow, actor, application_id)
            return self._timeline(uow, app.id)

    # ======================================================================= teacher's edits
    @rpc(expected_exceptions=EXPECTED)
    def update_application(self, actor, application_id, version, changes):
        actor = Actor.from_rpc(actor)
        data = _load(UpdateApplicationSchema(), changes)
        with self.db as uow:
            app = self._editable(uow, actor, application_id, version)
            codes = {i["code"] for i in checklist(app.edition_code, app.target_category)}
            if "form" in data:
                app.form = {**app.form, **data["form"]}
            if "item_flags" in data:
                unknown = sorted(set(data["item_flags"]) - codes)
                if unknown:
                    raise InvalidInput("Неизвестный пункт перечня документов",
                                       {"fields": {"item_flags": unknown}})
                flags = dict(app.item_flags or {})
                for code, flag in data["item_flags"].items():
                    flags[code] = {"in_state_systems": flag["in_state_systems"]}
                app.item_flags = flags
            self._touch(app)
            return self._full(uow, app, actor)

    @rpc(expected_exceptions=EXPECTED)
    def add_portfolio_document(self, actor, application_id, version, item_code, document_id):
        actor = Actor.from_rpc(actor)
        document_id = _uuid(document_id, "document_id")
        with self.db as uow:
            app = self._editable(uow, actor, application_id, version)
            item = next((i for i in checklist(app.edition_code, app.target_category) if i["code"] == item_code), None)
            if item is None:
                raise InvalidInput("Такого пункта нет в перечне документов для этой категории",
                                   {"fields": {"item_code": ["Неизвестный пункт"]}})
            doc = self._call("documents", "get_document", actor.to_rpc(), str(document_id))
            if str(doc.get("owner_id")) != str(actor.user_id) or \
                    str(doc.get("organization_id")) != str(app.organization_id):
                raise NotYourDocument("Можно приложить только свой документ",
                                      {"document_id": str(document_id)})
            if doc.get("status") not in (None, "active", "ready", "stored", "complete", "completed"):
                raise DocumentNotAccepted("Документ ещё не загружен до конца или удалён",
                                          {"document_id": str(document_id), "status": doc.get("status")})
            if doc.get("content_type") not in item["accepted_types"]:
                raise DocumentNotAccepted(
                    f"Тип файла не подходит для пункта «{item['title_ru']}»",
                    {"document_id": str(document_id), "content_type": doc.get("content_type"),
                     "accepted_types": item["accepted_types"]})
            exists = uow.session.scalar(select(PortfolioDocument.id).where(
                PortfolioDocument.application_id == app.id, PortfolioDocument.document_id == document_id))
            if exists:
                raise InvalidInput("Этот документ уже приложен к заявлению",
                                   {"fields": {"document_id": ["Уже приложен"]}})
            pd = PortfolioDocument(
                id=new_id(), application_id=app.id, organization_id=app.organization_id,
                item_code=item_code, document_id=document_id,
                subject_type=(doc.get("subject_type") or None), subject_id=_str(doc.get("subject_id")),
                document_version=int(doc.get("current_version") or 1),
                filename=(doc.get("filename") or "")[:300], content_type=doc["content_type"],
                size=int(doc.get("size") or 0), sha256=doc.get("sha256") or "",
                needs_head=item["head_certification"], added_by=_uuid(actor.user_id),
                added_at=utcnow())
            uow.session.add(pd)
            self._touch(app)
            uow.session.flush()
            return self._full(uow, app, actor)

    @rpc(expected_exceptions=EXPECTED)
    def remove_portfolio_document(self, actor, application_id, version, portfolio_document_id):
        actor = Actor.from_rpc(actor)
        pd_id = _uuid(portfolio_document_id, "portfolio_document_id")
        with self.db as uow:
            app = self._editable(uow, actor, application_id, version)
            pd = uow.session.get(PortfolioDocument, pd_id)
            if pd is None or pd.application_id != app.id:
                raise NotFound("Документ портфолио не найден", {"portfolio_document_id": str(pd_id)})
            uow.session.delete(pd)
            self._touch(app)
            uow.session.flush()
            return self._full(uow, app, actor)

    @rpc(expected_exceptions=EXPECTED)
    def get_canonical_document(self, actor, application_id):
        """The exact bytes the teacher signs (the submitted ones once submitted)."""
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            app = self._get(uow, actor, application_id)
            if app.status in domain.EDITABLE:
                data = self._canonical(uow, app)
            else:
                data = ((app.last_submission or {}).get("canonical") or "").encode("utf-8")
            return {"media_type": "application/json", "sha256": domain.sha256_hex(data),
                    "content_base64": base64.b64encode(data).decode("ascii"),
                    "submission_number": app.submission_count + (1 if app.status in domain.EDITABLE else 0)}

    def _canonical(self, uow, app) -> bytes:
        docs = self._documents(uow, app.id)
        doc = domain.canonical_document(
            application_id=app.id, edition=EDITIONS[app.edition_code].summary(), form=app.form,
            target_category=app.target_category, documents=_doc_rows(docs), item_flags=app.item_flags,
            submission_number=app.submission_count + 1,
            rules_acknowledged_at=iso(app.rules_acknowledged_at))
        return domain.canonical_bytes(doc)

    # ======================================================================= submit / withdraw
    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("signature",))
    def submit_application(self, actor, application_id, version, signature=None,
                           paper_scan_document_id=None):
        actor = Actor.from_rpc(actor)
        data = _load(SubmitSchema(), {"signature": signature,
                                      "paper_scan_document_id": paper_scan_document_id})
        key = _submission_key(data)
        with self.db as uow:
            app = self._get(uow, actor, application_id, for_update=True)
            self._require_owner(actor, app)
            if app.status not in domain.EDITABLE and app.signature_sha256 == key:
                return self._full(uow, app, actor)  # a repeated submit: harmless
            self._move_check(app, "submit", "teacher")
            self._check_version(app, version)
            docs = self._documents(uow, app.id)
            edition = EDITIONS[app.edition_code]
            comp = domain.completeness(checklist(app.edition_code, app.target_category), _doc_rows(docs),
                                       app.item_flags, _has_category(edition, app.current_category))
            if not comp["complete"]:
                raise NotComplete("Заявление нельзя подать: в портфолио не хватает документов или подписей",
                                  {"reasons": comp["reasons"]})
            canonical = self._canonical(uow, app)
            digest = domain.sha256_hex(canonical)
            if data["signature"]:
                report = self._call("documents", "verify_signature", data["signature"],
                                    base64.b64encode(canonical).decode("ascii"),
                                    expect={"signer_iin": app.form.get("iin")})
                self._check_teacher_signature(report, app)
                kind, evidence = "eds", _report_summary(report)
            else:
                doc = self._call("documents", "get_document", actor.to_rpc(),
                                 str(data["paper_scan_document_id"]))
                if str(doc.get("owner_id")) != str(actor.user_id):
                    raise NotYourDocument("Можно приложить только свой документ", {})
                kind, evidence = "paper", {"document_id": str(data["paper_scan_document_id"]),
                                           "sha256": doc.get("sha256")}
            now = utcnow()
            snapshot = domain.portfolio_snapshot(_doc_rows(docs), app.item_flags, app.form)
            previous = (app.last_submission or {}).get("snapshot")
            app.last_submission = {"snapshot": snapshot, "previous": previous,
                                   "canonical": canonical.decode("utf-8")}
            app.submission_count += 1
            app.canonical_sha256 = digest
            app.signature_kind, app.signature_sha256, app.signature_report = kind, key, evidence
            app.paper_scan_document_id = data["paper_scan_document_id"]
            app.submitted_at = now
            self._move(uow, app, "submit", "teacher", actor, None)
            self._lock_subjects(uow, actor, app.id, True)
            uow.publish(events.APPLICATION_SUBMITTED, {
                "application_id": str(app.id), "organization_id": str(app.organization_id),
                "teacher_id": str(app.teacher_id), "target_category": app.target_category,
                "submission_number": app.submission_count, "canonical_sha256": digest,
                "signature_kind": kind})
            return self._full(uow, app, actor)

    def _check_teacher_signature(self, report, app):
        signers = report.get("signers") or []
        signer_iins = [(s.get("identity") or {}).get("iin") for s in signers]
        iins = [i for i in signer_iins if i]
        if not report.get("valid"):
            raise SignatureRejected(
                report.get("reason") or "Подпись не прошла проверку",
                {"reason_code": report.get("reason_code") or "INVALID_SIGNATURE",
                 "signer_iins": iins})
        if not signers or any(i != app.form.get("iin") for i in signer_iins):
            raise SignatureRejected("Заявление подписано не вашей ЭЦП: ИИН подписанта не совпадает",
                                    {"reason_code": "WRONG_SIGNER", "signer_iins": iins})

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_application(self, actor, application_id, version, comment=None):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            app = self._get(uow, actor, application_id, for_update=True)
            self._require_owner(actor, app)
            self._move_check(app, "withdraw", "teacher")
            self._check_version(app, version)
            was_locked = app.status not in domain.EDITABLE
            self._move(uow, app, "withdraw", "teacher", actor, _comment(comment))
            if was_locked:
                self._lock_subjects(uow, actor, app.id, False)
            return self._full(uow, app, actor)

    # ======================================================================= review (assessment)
    @rpc(expected_exceptions=EXPECTED)
    def take_for_review(self, actor, application_id, comment=None):
        return self._review_move(actor, application_id, "take_for_review", comment)

    @rpc(expected_exceptions=EXPECTED)
    def accept_application(self, actor, application_id, comment=None):
        def head_signatures_present(uow, app):
            missing = uow.session.scalar(select(func.count()).select_from(PortfolioDocument).where(
                PortfolioDocument.application_id == app.id, PortfolioDocument.needs_head,
                PortfolioDocument.head_signed_at.is_(None)))
            if missing:
                raise NotComplete("Не все сканы подписаны руководителем",
                                  {"reasons": [{"code": "HEAD_SIGNATURE_MISSING", "count": missing,
                                                "message": "Нет подписи руководителя"}]})
        return self._review_move(actor, application_id, "accept", comment, head_signatures_present)

    @rpc(expected_exceptions=EXPECTED)
    def return_for_rework(self, actor, application_id, remarks, comment=None):
        data = _load(RemarksSchema(), {"remarks": remarks})

        def add_remarks(uow, app):
            codes = {i["code"] for i in checklist(app.edition_code, app.target_category)}
            bad = sorted({r["item_code"] for r in data["remarks"] if r["item_code"]} - codes)
            if bad:
                raise InvalidInput("Замечание к неизвестному пункту перечня",
                                   {"fields": {"remarks": bad}})
            rows = []
            for r in data["remarks"]:
                rem = Remark(id=new_id(), application_id=app.id, item_code=r["item_code"],
                             text=r["text"], round=app.submission_count,
                             author_id=_uuid(actor_obj.user_id) if actor_obj.user_id else None,
                             created_at=utcnow())
                uow.session.add(rem)
                rows.append({"id": str(rem.id), "item_code": rem.item_code, "text": rem.text})
            uow.publish(events.APPLICATION_REMARKS_ADDED, {
                "application_id": str(app.id), "organization_id": str(app.organization_id),
                "teacher_id": str(app.teacher_id), "remarks": rows})
            self._lock_subjects(uow, actor_obj, app.id, False)  # the teacher may fix the files
        actor_obj = Actor.from_rpc(actor)
        return self._review_move(actor, application_id, "return_for_rework", comment, add_remarks)

    @rpc(expected_exceptions=EXPECTED)
    def mark_sent_to_state_service(self, actor, application_id, reference=None):
        return self._review_move(actor, application_id, "send_to_state_service",
                                 reference and f"Номер обращения: {reference}")

    @rpc(expected_exceptions=EXPECTED)
    def record_state_service_result(self, actor, application_id, accepted, reason=None, reference=None):
        action = "state_accept" if accepted else "state_refuse"
        comment = "; ".join(x for x in (reason, reference and f"Номер: {reference}") if x) or None
        return self._review_move(actor, application_id, action, comment)

    def _review_move(self, actor, application_id, action, comment, before=None):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            app = self._get(uow, actor, application_id, for_update=True, allow_system=True)
            by = self._actor_kind_for_review(actor, app)
            self._move_check(app, action, by)
            if before is not None:
                before(uow, app)
            self._move(uow, app, action, by, actor, _comment(comment))
            return self._full(uow, app, actor)

    def _actor_kind_for_review(self, actor, app) -> str:
        if SYSTEM_ROLE in actor.platform_roles:
            return "system"
        if str(app.organization_id) == str(actor.organization_id) and actor.has_role(*REVIEWER_ROLES):
            return "reviewer"
        if str(app.teacher_id) == str(actor.user_id):
            return "teacher"
        raise PermissionDenied("Рассматривать заявления может только ответственный организации",
                               {"required_roles": list(REVIEWER_ROLES)})

    # ======================================================================= director
    @rpc(expected_exceptions=EXPECTED)
    def list_director_queue(self, actor):
        actor = Actor.from_rpc(actor)
        actor.require_role("director")
        org_id = _uuid(actor.require_organization())
        edition_titles = {}
        with self.db as uow:
            rows = uow.session.execute(
                select(PortfolioDocument, Application.teacher_name, Application.status,
                       Application.edition_code, Application.target_category)
                .join(Application, Application.id == PortfolioDocument.application_id)
                .where(PortfolioDocument.organization_id == org_id, PortfolioDocument.needs_head,
                       PortfolioDocument.head_signed_at.is_(None),
                       Application.status.in_(sorted(domain.EDITABLE | {domain.SUBMITTED, domain.UNDER_REVIEW})))
                .order_by(PortfolioDocument.added_at).limit(500)).all()
        out = []
        for pd, teacher_name, status, edition_code, category in rows:
            if edition_code not in edition_titles:
                edition_titles[edition_code] = {i["code"]: i["title_ru"] for i in EDITIONS[edition_code].data["items"]}
            out.append({**dump_portfolio_document(pd), "application_id": str(pd.application_id),
                        "teacher_name": teacher_name, "application_status": status,
                        "target_category": category,
                        "item_title_ru": edition_titles[edition_code].get(pd.item_code)})
        return out

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("signature",))
    def sign_portfolio_document(self, actor, portfolio_document_id, signature):
        actor = Actor.from_rpc(actor)
        actor.require_role("director")
        org_id = actor.require_organization()
        pd_id = _uuid(portfolio_document_id, "portfolio_document_id")
        if not signature or not isinstance(signature, str):
            raise InvalidInput("Нужна подпись", {"fields": {"signature": ["Обязательное поле"]}})
        with self.db as uow:
            pd = uow.session.get(PortfolioDocument, pd_id, with_for_update=True)
            if pd is None or str(pd.organization_id) != str(org_id):
                raise NotFound("Документ портфолио не найден", {"portfolio_document_id": str(pd_id)})
            app = uow.session.get(Application, pd.application_id)
            if pd.head_signed_at is not None:
                return {**dump_portfolio_document(pd), "application_id": str(app.id)}
            if not pd.needs_head:
                raise InvalidInput("Этот документ не требует подписи руководителя", {})
            if app.status in domain.FINAL:
                raise IllegalTransition("Заявление уже закрыто", {"status": app.status})
            org = self._call("organizations", "get_organization", actor.to_rpc(), org_id)
            director = org.get("director") or {}
            if director.get("user_id") != str(actor.user_id):
                raise PermissionDenied("Подписывать сканы может только руководитель организации",
                                       {"required_roles": ["director"]})
            expect = {"signer_iin": director.get("iin"), "director_of_bin": org.get("bin")}
            report = self._call("documents", "attach_signature", actor.to_rpc(), str(pd.document_id),
                                signature, version=pd.document_version, expect=expect)
            if not report.get("valid"):
                raise SignatureRejected(report.get("reason") or "Подпись руководителя не прошла проверку",
                                        {"reason_code": report.get("reason_code") or "INVALID_SIGNATURE",
                                         "rules": report.get("rules")})
            signers = [{**(s.get("identity") or {}), "valid": s.get("valid")}
                       for s in report.get("signers") or []]
            if domain.head_signer(signers, {"bin": org.get("bin"),
                                            "director_iin": director.get("iin")}) is None:
                # the rules hold, but for two different signers (the director's personal key
                # and another person's key of the organization)
                raise SignatureRejected("Подпись должна быть сделана ключом руководителя организации",
                                        {"reason_code": "WRONG_SIGNER", "rules": report.get("rules")})
            _mark_head_signed(uow, pd, app, director.get("iin"), report.get("id"))
            return {**dump_portfolio_document(pd), "application_id": str(app.id)}

    @event_handler("documents", "document_signature_verified", requeue_on_error=True)
    def head_signature_from_documents(self, event):
        """A scan signed by the head through the documents API (or a CMS the head made elsewhere
        and the teacher attached): the same check as the director's queue, then the same mark.
        Requeued on error, so an unreachable organizations service delays it, never drops it."""
        data = event["data"]
        try:
            doc_id = uuid.UUID(str(data["document_id"]))
            org_id = str(uuid.UUID(str(data["organization_id"])))
        except (KeyError, TypeError, ValueError):
            return
        awaiting = select(PortfolioDocument.id).where(
            PortfolioDocument.document_id == doc_id,
            PortfolioDocument.document_version == data.get("version"),
            PortfolioDocument.needs_head, PortfolioDocument.head_signed_at.is_(None))
        with self.db as uow:
            if not uow.session.execute(awaiting.limit(1)).first():
                return
        try:
            authority = self._call("organizations", "get_signing_authority", org_id)
        except NotFound:
            return
        except DependencyUnavailable:
            eventlet.sleep(1)  # requeued: do not spin while organizations is away
            raise
        head = domain.head_signer(data.get("signers") or [], authority)
        if head is None:
            return
        with self.db as uow:
            if uow.is_duplicate(event, "head_signature_from_documents"):
                return
            rows = uow.session.execute(
                select(PortfolioDocument, Application)
                .join(Application, Application.id == PortfolioDocument.application_id)
                .where(PortfolioDocument.id.in_(awaiting.scalar_subquery()),
                       PortfolioDocument.organization_id == uuid.UUID(org_id),
                       Application.status.not_in(sorted(domain.FINAL)))
                .with_for_update()).all()
            for pd, app in rows:
                _mark_head_signed(uow, pd, app, head["iin"], data.get("signature_id"))

    # ======================================================================= notifications
    @rpc(expected_exceptions=EXPECTED)
    def list_notifications(self, actor, unread_only=False, limit=50):
        actor = self._user(actor)
        try:
            limit = max(1, min(int(limit), 200))
        except (TypeError, ValueError):
            raise InvalidInput("Некорректный limit", {"fields": {"limit": ["Ожидается число"]}}) from None
        with self.db as uow:
            q = select(Notification).where(Notification.user_id == _uuid(actor.user_id))
            if unread_only:
                q = q.where(Notification.read_at.is_(None))
            rows = uow.session.scalars(q.order_by(Notification.created_at.desc()).limit(limit)).all()
            unread = uow.session.scalar(select(func.count()).select_from(Notification).where(
                Notification.user_id == _uuid(actor.user_id), Notification.read_at.is_(None)))
            return {"items": [{"id": str(n.id), "kind": n.kind, "title": n.title,
                               "application_id": _str(n.application_id), "data": n.data,
                               "created_at": iso(n.created_at), "read_at": iso(n.read_at)}
                              for n in rows], "unread": unread}

    @rpc(expected_exceptions=EXPECTED)
    def mark_notifications_read(self, actor, notification_ids=None):
        actor = self._user(actor)
        with self.db as uow:
            q = select(Notification).where(Notification.user_id == _uuid(actor.user_id),
                                           Notification.read_at.is_(None))
            if notification_ids is not None:
                q = q.where(Notification.id.in_([_uuid(i, "notification_ids") for i in notification_ids]))
            now, n = utcnow(), 0
            for row in uow.session.scalars(q):
                row.read_at, n = now, n + 1
            return {"updated": n}

    @event_handler("applications", events.APPLICATION_CREATED)
    def notify_on_created(self, event):
        data = event["data"]
        self._notify(event, "notify_on_created", data["teacher_id"], "created",
                     "Создан черновик заявления", {"target_category": data["target_category"]})

    @event_handler("applications", events.APPLICATION_STATUS_CHANGED)
    def notify_on_status_changed(self, event):
        data = event["data"]
        title = (f"Статус заявления: {domain.STATUS_TITLES.get(data['to_status'], data['to_status'])}")
        self._notify(event, "notify_on_status_changed", data["teacher_id"], "status_changed", title,
                     {"from_status": data["from_status"], "to_status": data["to_status"],
                      "comment": data.get("comment")})

    @event_handler("applications", events.APPLICATION_REMARKS_ADDED)
    def notify_on_remarks_added(self, event):
        data = event["data"]
        self._notify(event, "notify_on_remarks_added", data["teacher_id"], "remarks_added",
                     f"Замечания к заявлению: {len(data['remarks'])}", {"remarks": data["remarks"]})

    @event_handler("applications", events.PORTFOLIO_DOCUMENT_HEAD_SIGNED)
    def notify_on_head_signed(self, event):
        data = event["data"]
        self._notify(event, "notify_on_head_signed", data["teacher_id"], "head_signed",
                     "Руководитель подписал документ портфолио",
                     {"item_code": data["item_code"], "portfolio_document_id": data["portfolio_document_id"]})

    @event_handler("documents", "document_deleted")
    def detach_deleted_document(self, event):
        """A file deleted in the documents service leaves the portfolios still being edited
        (submitted portfolios are locked there, so their files cannot be deleted)."""
        with self.db as uow:
            if uow.is_duplicate(event, "detach_deleted_document"):
                return
            try:
                doc_id = uuid.UUID(str(event["data"]["document_id"]))
            except (KeyError, ValueError):
                return
            rows = uow.session.execute(
                select(PortfolioDocument, Application)
                .join(Application, Application.id == PortfolioDocument.application_id)
                .where(PortfolioDocument.document_id == doc_id,
                       Application.status.in_(sorted(domain.EDITABLE)))
                .with_for_update()).all()
            for pd, app in rows:
                uow.session.delete(pd)
                self._touch(app)

    def _notify(self, event, handler, user_id, kind, title, extra):
        with self.db as uow:
            if uow.is_duplicate(event, handler):
                return
            uow.session.add(Notification(
                id=new_id(), user_id=_uuid(user_id), kind=kind,
                application_id=_uuid(event["data"]["application_id"]), title=title,
                data=extra, event_id=event["event_id"], created_at=utcnow()))

    # ======================================================================= helpers
    @staticmethod
    def _user(actor) -> Actor:
        actor = Actor.from_rpc(actor)
        if not actor.user_id:
            raise PermissionDenied("Требуется пользователь", {})
        return actor

    def _teacher(self, actor) -> Actor:
        actor = self._user(actor)
        actor.require_role("teacher")
        actor.require_organization()
        return actor

    def _get(self, uow, actor, application_id, for_update=False, allow_system=False) -> Application:
        app_id = _uuid(application_id, "application_id")
        app = uow.session.get(Application, app_id, with_for_update=for_update or None)
        if app is None or not self._may_read(actor, app, allow_system):
            raise ApplicationNotFound("Заявление не найдено", {"application_id": str(app_id)})
        return app

    @staticmethod
    def _may_read(actor, app, allow_system) -> bool:
        if actor.is_platform_admin or (allow_system and SYSTEM_ROLE in actor.platform_roles):
            return True
        if str(app.teacher_id) == str(actor.user_id):
            return True
        return str(app.organization_id) == str(actor.organization_id) and actor.has_role(*READER_ROLES)

    @staticmethod
    def _require_owner(actor, app):
        if str(app.teacher_id) != str(actor.user_id):
            raise PermissionDenied("Изменять заявление может только его автор", {})

    def _editable(self, uow, actor, application_id, version) -> Application:
        app = self._get(uow, actor, application_id, for_update=True)
        self._require_owner(actor, app)
        if app.status not in domain.EDITABLE:
            raise IllegalTransition(
                f"Заявление в статусе «{domain.STATUS_TITLES[app.status]}» изменять нельзя",
                {"from": app.status, "action": "edit", "allowed": domain.allowed_actions(app.status)})
        self._check_version(app, version)
        return app

    @staticmethod
    def _check_version(app, version):
        try:
            version = int(version)
        except (TypeError, ValueError):
            raise InvalidInput("Нужен номер версии заявления", {"fields": {"version": ["Ожидается число"]}}) from None
        if version != app.version:
            raise VersionConflict("Заявление изменилось с момента загрузки: обновите страницу",
                                  {"current_version": app.version, "your_version": version})

    @staticmethod
    def _touch(app):
        app.version += 1
        app.updated_at = utcnow()

    @staticmethod
    def _move_check(app, action, by):
        try:
            return domain.transition(app.status, action, by)
        except domain.TransitionRefused as e:
            if e.kind == "illegal":
                raise IllegalTransition(e.message, e.details) from None
            raise PermissionDenied(e.message, e.details) from None

    def _move(self, uow, app, action, by, actor, comment):
        old = app.status
        new = self._move_check(app, action, by)
        app.status = new
        self._touch(app)
        self._record_transition(uow, app, old, new, action, by, actor, comment)

    @staticmethod
    def _record_transition(uow, app, old, new, action, by, actor, comment):
        t = StatusTransition(id=new_id(), application_id=app.id, from_status=old, to_status=new,
                             action=action, actor_user_id=_uuid(actor.user_id) if actor.user_id else None,
                             actor_kind=by, comment=comment, created_at=utcnow())
        uow.session.add(t)
        if old is not None:
            uow.publish(events.APPLICATION_STATUS_CHANGED, {
                "application_id": str(app.id), "organization_id": str(app.organization_id),
                "teacher_id": str(app.teacher_id), "target_category": app.target_category,
                "from_status": old, "to_status": new, "action": action,
                "actor_user_id": _str(actor.user_id), "comment": comment, "transition_id": str(t.id)})

    @staticmethod
    def _documents(uow, app_id):
        """Plain rows (no ORM identity map): the detail view is the hot read path."""
        table = PortfolioDocument.__table__
        return uow.session.execute(select(table).where(table.c.application_id == app_id)
                                   .order_by(table.c.item_code, table.c.added_at)).all()

    @staticmethod
    def _timeline(uow, app_id):
        table = StatusTransition.__table__
        rows = uow.session.execute(select(table).where(table.c.application_id == app_id)
                                   .order_by(table.c.created_at)).all()
        return [{"id": str(t.id), "from_status": t.from_status, "to_status": t.to_status,
                 "action": t.action, "actor_user_id": _str(t.actor_user_id), "actor_kind": t.actor_kind,
                 "comment": t.comment, "created_at": iso(t.created_at)} for t in rows]

    def _full(self, uow, app, actor) -> dict:
        uow.session.flush()
        return self._detail(uow, app.id, actor, check=False)

    def _detail(self, uow, app_id, actor, check=True) -> dict | None:
        """The application as the client sees it; None when missing or not readable."""
        row = uow.session.execute(DETAIL_SQL, {"id": app_id}).first()
        if row is None:
            return None
        app = SimpleNamespace(**row.app)
        if check and not self._may_read(actor, app, False):
            return None
        docs = [SimpleNamespace(**d) for d in row.docs]
        remarks = row.remarks
        edition = EDITIONS[app.edition_code]
        rows = _doc_rows(docs)
        spec = checklist(app.edition_code, app.target_category)
        comp = domain.completeness(spec, rows, app.item_flags,
                                   _has_category(edition, app.current_category))
        by_item = {}
        for pd in docs:
            by_item.setdefault(pd.item_code, []).append(dump_portfolio_document(pd))
        remarks_out = [{"id": r["id"], "item_code": r["item_code"], "text": r["text"],
                        "round": r["round"], "created_at": r["created_at"]} for r in remarks]
        items = [{**i, "documents": by_item.get(i["code"], []),
                  "remarks": [{k: r[k] for k in ("id", "text", "round", "created_at")}
                              for r in remarks_out if r["item_code"] == i["code"]]}
                 for i in comp["items"]]
        sub = app.last_submission or {}
        if app.status in domain.EDITABLE:
            changes = domain.changes_since(sub.get("snapshot"),
                                           domain.portfolio_snapshot(rows, app.item_flags, app.form))
        else:
            changes = domain.changes_since(sub.get("previous"), sub.get("snapshot") or {})
        kind = ("teacher" if str(app.teacher_id) == str(actor.user_id) else
                "reviewer" if actor.has_role(*REVIEWER_ROLES) else
                "system" if SYSTEM_ROLE in actor.platform_roles else None)
        return {
            **dump_summary(app),
            "form": app.form, "item_flags": app.item_flags, "early": app.early,
            "declared_achievements": app.declared_achievements,
            "rules_edition": edition.summary(),
            "rules_acknowledged_at": iso(app.rules_acknowledged_at),
            "portfolio": items,
            "completeness": {k: comp[k] for k in ("complete", "missing_items",
                                                  "awaiting_head_signature", "reasons")},
            "remarks": remarks_out,
            "changes_since_last_submission": changes,
            "submission": None if not app.submission_count else {
                "number": app.submission_count, "canonical_sha256": app.canonical_sha256,
                "signature_kind": app.signature_kind, "signature": app.signature_report,
                "paper_scan_document_id": _str(app.paper_scan_document_id),
                "submitted_at": iso(app.submitted_at)},
            "allowed_actions": domain.allowed_actions(app.status, kind) if kind else [],
            "timeline": [{k: t[k] for k in ("id", "from_status", "to_status", "action", "actor_user_id",
                                            "actor_kind", "comment", "created_at")}
                         for t in row.timeline],
        }


# --------------------------------------------------------------------------- module helpers

def _has_category(edition, code) -> bool:
    cat = edition.category(code) if code else None
    return bool(cat and cat["rank"] > 0)


def _comment(comment):
    if comment is None:
        return None
    if not isinstance(comment, str) or len(comment) > 4000:
        raise InvalidInput("Комментарий слишком длинный", {"fields": {"comment": ["До 4000 символов"]}})
    return comment.strip() or None


def _submission_key(data) -> str:
    if data["signature"]:
        return hashlib.sha256("".join(data["signature"].split()).encode()).hexdigest()
    return hashlib.sha256(f"paper:{data['paper_scan_document_id']}".encode()).hexdigest()


def _report_summary(report) -> dict:
    return {"valid": report.get("valid"), "reason_code": report.get("reason_code"),
            "moment": report.get("moment"),
            "signers": [{"iin": (s.get("identity") or {}).get("iin"),
                         "common_name": (s.get("identity") or {}).get("common_name"),
                         "certificate_serial": (s.get("certificate") or {}).get("serial"),
                         "valid": s.get("valid")} for s in report.get("signers") or []]}


def _encode_cursor(created_at, app_id) -> str:
    raw = json.dumps([iso(created_at), str(app_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, app_id = json.loads(raw)
        return datetime.fromisoformat(created), uuid.UUID(app_id)
    except (ValueError, TypeError):
        raise InvalidInput("Некорректный курсор страницы", {"fields": {"cursor": ["Некорректный курсор"]}}) from None


def _years(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


HEAD_POSITIONS = ("director",)


def build_form(staff: dict, org: dict, target_category: str, actor) -> tuple[dict, domain.Profile]:
    """The snapshot of the profile (organizations.get_staff_profile) at creation; strings only
    (canonical JSON has no floats)."""
    names = [staff.get(k) for k in ("last_name", "first_name", "middle_name")]
    full_name = staff.get("full_name") or " ".join(n for n in names if n)
    category = staff.get("category_code")
    valid_until = staff.get("category_valid_until")
    experience = staff.get("teaching_experience_years")
    if experience is None:
        experience = staff.get("total_experience_years")
    years = _years(experience)
    org = org or {}
    form = {
        "full_name": full_name, "last_name": staff.get("last_name"),
        "first_name": staff.get("first_name"), "middle_name": staff.get("middle_name"),
        "iin": staff.get("iin"), "email": staff.get("email"),
        "position": staff.get("position_title") or staff.get("position_code"),
        "experience_years": None if years is None else f"{years:g}",
        "organization_id": str(actor.organization_id),
        "organization_name": org.get("name_ru"), "organization_bin": org.get("bin"),
        "current_category": category, "current_category_valid_until": iso(_date(valid_until)),
        "target_category": target_category,
    }
    profile = domain.Profile(iin=staff.get("iin"), experience_years=years,
                             current_category=category, category_valid_until=_date(valid_until),
                             is_first_head=staff.get("position_code") in HEAD_POSITIONS)
    return form, profile
