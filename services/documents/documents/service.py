"""The documents service's nameko entrypoints: thin, validation + domain + unit of work."""
import base64
import binascii
import datetime as dt
import hashlib
import logging
import tempfile
import uuid

from marshmallow import ValidationError
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from pedatt_common.actor import Actor
from pedatt_common.wire import iso, parse_uuid
from pedatt_common.db import utcnow
from pedatt_common.s3 import is_missing_object
from pedatt_common.errors import (EXPECTED, Conflict, DependencyUnavailable, InvalidInput,
                                  NotFound, PayloadTooLarge, PermissionDenied, Unprocessable,
                                  invalid_from_marshmallow)
from pedatt_common.service import ServiceBase

from documents import domain, eds, events, settings
from documents.dependencies import database
from documents.models import Document, DocumentVersion, RevocationEvidence, Signature
from documents.schemas import ExpectIn, UploadSlotIn, missing_subject
from documents.storage import StorageProvider
from documents.verifier import run_off_loop, trust_cache

log = logging.getLogger(__name__)
SPOOL_IN_MEMORY = 8 * 1024 * 1024
MAX_SIGNATURE_CHARS = 2 * 1024 * 1024


def _uuid(value, what="документ") -> uuid.UUID:
    return parse_uuid(value, lambda: NotFound(f"Не найден {what}", {"id": str(value)}))


def version_dict(v: DocumentVersion) -> dict:
    return {"version": v.version, "filename": v.filename, "content_type": v.content_type,
            "size": v.size, "sha256": v.sha256, "uploaded_at": iso(v.uploaded_at),
            "uploaded_by": v.uploaded_by, "status": v.status}


def document_dict(doc: Document, current: DocumentVersion | None) -> dict:
    return {"id": str(doc.id), "owner_id": doc.owner_id, "organization_id": doc.organization_id,
            "subject_type": doc.subject_type, "subject_id": doc.subject_id, "kind": doc.kind,
            "status": doc.status, "locked": doc.locked, "current_version": doc.current_version,
            "filename": current.filename if current else None,
            "content_type": current.content_type if current else None,
            "size": current.size if current else None,
            "sha256": current.sha256 if current else None,
            "created_at": iso(doc.created_at), "updated_at": iso(doc.updated_at),
            "deleted_at": iso(doc.deleted_at)}


def signature_dict(sig: Signature) -> dict:
    report = dict(sig.report)
    report.update(id=str(sig.id), document_id=str(sig.document_id), version=sig.version,
                  created_by=sig.created_by, created_at=iso(sig.created_at))
    return report


def signature_summary(sig: Signature) -> dict:
    r = sig.report
    return {"id": str(sig.id), "version": sig.version, "valid": sig.valid,
            "reason_code": sig.reason_code, "reason": r.get("reason"),
            "signers": events.signer_summary(r), "created_at": iso(sig.created_at)}


class DocumentsService(ServiceBase):
    name = "documents"
    db = database()
    storage = StorageProvider()

    # -- helpers ------------------------------------------------------------------------------
    def _readable(self, session, actor: Actor, document_id, *, lock=False) -> Document:
        stmt = select(Document).where(Document.id == _uuid(document_id))
        if lock:
            stmt = stmt.with_for_update()
        doc = session.execute(stmt).scalar_one_or_none()
        if doc is None or not domain.can_read(actor, doc.organization_id, doc.owner_id):
            raise NotFound("Документ не найден", {"document_id": str(document_id)})
        return doc

    @staticmethod
    def _version(session, doc: Document, version=None) -> DocumentVersion:
        number = doc.current_version if version in (None, "") else int(version)
        v = session.execute(select(DocumentVersion).where(
            DocumentVersion.document_id == doc.id, DocumentVersion.version == number,
            DocumentVersion.status == "stored")).scalar_one_or_none()
        if v is None:
            raise NotFound("Версия документа не найдена", {"version": version})
        return v

    # -- uploads ------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_upload_slot(self, actor, subject_type=None, subject_id=None, kind=None,
                           filename=None, content_type=None, size=None, document_id=None):
        actor = Actor.from_rpc(actor)
        org = actor.require_organization()
        if not actor.user_id:
            raise PermissionDenied("Требуется вход в систему")
        try:
            data = UploadSlotIn().load({
                "subject_type": subject_type, "subject_id": subject_id, "kind": kind,
                "filename": filename, "content_type": content_type, "size": size,
                "document_id": document_id})
        except ValidationError as err:
            raise invalid_from_marshmallow(err) from None
        if missing_subject(data):
            raise InvalidInput("Проверьте введённые данные", {"fields": missing_subject(data)})
        limit = settings.max_size()
        if data["size"] is not None:
            if data["size"] <= 0:
                raise InvalidInput("Файл пустой", {"fields": {"size": ["Файл пустой"]},
                                                   "reason": "EMPTY_FILE"})
            if data["size"] > limit:
                raise PayloadTooLarge("Файл больше допустимого размера",
                                      {"max_size": limit, "reason": "TOO_LARGE"})
        name = domain.sanitize_filename(data["filename"])
        type_name = domain.declared_type(data["content_type"], name, settings.allowed_types())
        if type_name is None:
            raise InvalidInput(domain.REJECT_MESSAGES["TYPE_NOT_ALLOWED"],
                               {"fields": {"content_type": ["Разрешены PDF, JPEG и PNG"]},
                                "reason": "TYPE_NOT_ALLOWED"})
        ttl = settings.upload_ttl()
        now = utcnow()
        with self.db as uow:
            s = uow.session
            if data["document_id"]:
                doc = self._readable(s, actor, data["document_id"], lock=True)
                if doc.owner_id != actor.user_id:
                    raise PermissionDenied("Новую версию может загрузить только владелец документа")
                if doc.status == "deleted":
                    raise NotFound("Документ удалён", {"document_id": str(doc.id)})
                if doc.locked:
                    raise Conflict("Документ нельзя изменить: заявление на рассмотрении")
            else:
                doc = Document(owner_id=actor.user_id, organization_id=org,
                               subject_type=data["subject_type"], subject_id=data["subject_id"],
                               kind=data["kind"], status="pending", locked=False)
                s.add(doc)
                s.flush()
            version = DocumentVersion(
                document_id=doc.id, status="pending", filename=name,
                declared_type=domain.mime(type_name), declared_size=data["size"],
                uploaded_by=actor.user_id, created_at=now,
                expires_at=now + dt.timedelta(seconds=ttl), object_key="")
            s.add(version)
            s.flush()
            version.object_key = f"{org}/{doc.id}/{version.id}"
            slot = {"upload_id": str(version.id), "document_id": str(doc.id),
                    "object_key": version.object_key, "bucket": self.storage.bucket,
                    "filename": name, "content_type": version.declared_type,
                    "expires_at": iso(version.expires_at), "max_size": min(limit, data["size"] or limit)}
        try:
            slot["put"] = {"url": self.storage.presigned_put(slot["object_key"], ttl),
                           "method": "PUT", "headers": {"Content-Type": slot["content_type"]}}
            slot["post"] = self.storage.presigned_post(slot["object_key"], slot["content_type"],
                                                       slot["max_size"], ttl)
        except Exception as exc:  # noqa: BLE001
            log.warning("presigning failed: %s", exc)
            raise DependencyUnavailable("Файловое хранилище недоступно") from None
        return slot

    @rpc(expected_exceptions=EXPECTED)
    def complete_upload(self, actor, upload_id, streamed=None):
        """``streamed`` = ``{"size", "sha256"}`` computed by the gateway while it streamed the
        bytes to storage (an internal caller): then only the size (stat) and the type (first
        bytes) are re-checked here, not re-hashed."""
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            v = uow.session.get(DocumentVersion, _uuid(upload_id, "загрузка"))
            if v is None or v.uploaded_by != actor.user_id:
                raise NotFound("Загрузка не найдена", {"upload_id": str(upload_id)})
            doc = uow.session.get(Document, v.document_id)
            if v.status == "stored":
                return self._document_out(uow.session, doc)
            if v.status != "pending":
                raise Unprocessable(domain.REJECT_MESSAGES.get(v.rejected_reason, "Файл отклонён"),
                                    {"reason": v.rejected_reason})
            key, declared_type, declared_size = v.object_key, v.declared_type, v.declared_size
            filename = v.filename
        checked = self._check_object(key, declared_type, declared_size, filename, streamed)
        if "reject" in checked:
            reason = checked["reject"]
            if reason != "NOT_UPLOADED":
                self.storage.remove(key)
                with self.db as uow:
                    v = uow.session.get(DocumentVersion, v.id, with_for_update=True)
                    if v.status == "pending":
                        v.status, v.rejected_reason = "rejected", reason
            details = {"reason": reason, "max_size": settings.max_size()}
            if reason == "TOO_LARGE":
                raise PayloadTooLarge(domain.REJECT_MESSAGES[reason], details)
            raise Unprocessable(domain.REJECT_MESSAGES[reason], details)
        with self.db as uow:
            s = uow.session
            doc = s.get(Document, v.document_id, with_for_update=True)
            v = s.get(DocumentVersion, v.id, with_for_update=True)
            if v.status == "stored":
                return self._document_out(s, doc)
            if doc.status == "deleted" or doc.locked:
                raise Conflict("Документ нельзя изменить", {"document_id": str(doc.id)})
            last = s.execute(select(func.max(DocumentVersion.version)).where(
                DocumentVersion.document_id == doc.id)).scalar() or 0
            v.version = last + 1
            v.status, v.size, v.sha256 = "stored", checked["size"], checked["sha256"]
            v.content_type, v.uploaded_at = checked["content_type"], utcnow()
            doc.current_version, doc.status, doc.updated_at = v.version, "active", utcnow()
            s.flush()
            uow.publish(events.DOCUMENT_UPLOADED, {
                "document_id": str(doc.id), "version": v.version, "owner_id": doc.owner_id,
                "organization_id": doc.organization_id, "subject_type": doc.subject_type,
                "subject_id": doc.subject_id, "kind": doc.kind, "filename": v.filename,
                "content_type": v.content_type, "size": v.size, "sha256": v.sha256})
            return self._document_out(s, doc)

    def _stat(self, key):
        """The object's stat, None when it is not there; 503 when storage does not answer."""
        try:
            return self.storage.stat(key)
        except Exception as exc:  # noqa: BLE001
            log.warning("stat failed: %s", exc)
            raise DependencyUnavailable("Файловое хранилище недоступно") from None

    def _check_object(self, key, declared_type, declared_size, filename, streamed=None) -> dict:
        stat = self._stat(key)
        if stat is None:
            return {"reject": "NOT_UPLOADED"}
        size = stat.size
        if size == 0:
            return {"reject": "EMPTY_FILE"}
        if size > settings.max_size():
            return {"reject": "TOO_LARGE"}
        if declared_size and size > declared_size:
            return {"reject": "SIZE_MISMATCH"}
        trusted_sha = None
        if isinstance(streamed, dict) and streamed.get("size") == size and \
                len(str(streamed.get("sha256") or "")) == 64:
            trusted_sha = str(streamed["sha256"]).lower()
        response = self.storage.open(key, length=16 if trusted_sha else 0)
        try:
            h = hashlib.sha256()
            head = b""
            for chunk in response.stream(1024 * 1024):
                if not head:
                    head = chunk[:16]
                    kind = domain.sniff(head)
                    if kind is None or kind not in settings.allowed_types():
                        return {"reject": "TYPE_NOT_ALLOWED"}
                    ext_kind = domain.type_from_extension(filename)
                    if domain.mime(kind) != declared_type or (ext_kind and ext_kind != kind):
                        return {"reject": "TYPE_MISMATCH"}
                if trusted_sha:
                    break
                h.update(chunk)
        finally:
            response.close()
            response.release_conn()
        return {"size": size, "sha256": trusted_sha or h.hexdigest(), "content_type": declared_type}

    def _document_out(self, session, doc, with_details=False) -> dict:
        current = None
        if doc.current_version is not None:
            current = session.execute(select(DocumentVersion).where(
                DocumentVersion.document_id == doc.id,
                DocumentVersion.version == doc.current_version)).scalar_one_or_none()
        out = document_dict(doc, current)
        if with_details:
            versions = session.execute(select(DocumentVersion).where(
                DocumentVersion.document_id == doc.id, DocumentVersion.version.is_not(None))
                .order_by(DocumentVersion.version)).scalars()
            out["versions"] = [version_dict(v) for v in versions]
            sigs = session.execute(select(Signature).where(Signature.document_id == doc.id)
                                   .order_by(Signature.created_at)).scalars()
            out["signatures"] = [signature_summary(s) for s in sigs]
        return out

    # -- reading ------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def get_document(self, actor, document_id):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            doc = self._readable(uow.session, actor, document_id)
            if doc.status == "pending":
                raise NotFound("Документ не найден", {"document_id": str(document_id)})
            return self._document_out(uow.session, doc, with_details=True)

    @rpc(expected_exceptions=EXPECTED)
    def list_documents(self, actor, subject_type=None, subject_id=None, owner_id=None,
                       include_deleted=False):
        actor = Actor.from_rpc(actor)
        stmt = select(Document).where(Document.status != "pending")
        if not actor.is_platform_admin:
            if not actor.organization_id:
                return []
            stmt = stmt.where(Document.organization_id == actor.organization_id)
            if not actor.has_role(*domain.READER_ROLES):
                stmt = stmt.where(Document.owner_id == actor.user_id)
        if subject_type:
            stmt = stmt.where(Document.subject_type == subject_type)
        if subject_id:
            stmt = stmt.where(Document.subject_id == subject_id)
        if owner_id:
            stmt = stmt.where(Document.owner_id == owner_id)
        if not include_deleted:
            stmt = stmt.where(Document.status != "deleted")
        with self.db as uow:
            docs = uow.session.execute(stmt.order_by(Document.created_at).limit(1000)).scalars().all()
            return [self._document_out(uow.session, d) for d in docs]

    @rpc(expected_exceptions=EXPECTED)
    def get_download_url(self, actor, document_id, version=None):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            doc = self._readable(uow.session, actor, document_id)
            if doc.status != "active":
                raise NotFound("Документ не найден", {"document_id": str(document_id)})
            v = self._version(uow.session, doc, version)
            out = {"version": v.version, "filename": v.filename, "content_type": v.content_type,
                   "size": v.size, "sha256": v.sha256, "object_key": v.object_key,
                   "bucket": self.storage.bucket}
        if self._stat(out["object_key"]) is None:  # a link to nothing shows storage's error page
            raise _content_missing(out["object_key"])
        out["url"] = self.storage.presigned_get(out["object_key"], settings.DOWNLOAD_TTL,
                                                out["filename"], out["content_type"])
        out["expires_at"] = iso(utcnow() + dt.timedelta(seconds=settings.DOWNLOAD_TTL))
        return out

    # -- deletion, locking, retention ---------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def delete_document(self, actor, document_id):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            doc = self._readable(uow.session, actor, document_id, lock=True)
            if doc.owner_id != actor.user_id and not actor.is_platform_admin:
                raise PermissionDenied("Удалить документ может только его владелец")
            if doc.locked:
                raise Conflict("Документ нельзя удалить: заявление на рассмотрении")
            if doc.status == "deleted":
                return {"id": str(doc.id), "status": "deleted"}
            doc.status, doc.deleted_at = "deleted", utcnow()
            uow.publish(events.DOCUMENT_DELETED, {
                "document_id": str(doc.id), "owner_id": doc.owner_id,
                "organization_id": doc.organization_id, "subject_type": doc.subject_type,
                "subject_id": doc.subject_id})
            return {"id": str(doc.id), "status": "deleted"}

    @rpc(expected_exceptions=EXPECTED)
    def set_subject_locked(self, actor, subject_type, subject_id, locked):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            docs = uow.session.execute(select(Document).where(
                Document.subject_type == subject_type, Document.subject_id == subject_id)
                .with_for_update()).scalars().all()
            docs = [d for d in docs if domain.can_read(actor, d.organization_id, d.owner_id)]
            for d in docs:
                d.locked = bool(locked)
            return {"updated": len(docs)}

    @timer(interval=float(settings._env("PEDATT_EDS_CRL_REFRESH_SECONDS", "3600")))
    def refresh_revocation_cache(self):
        """Fetch the CRLs of the trust store (and ``PEDATT_EDS_CRL_URLS``) into the offline cache."""
        if settings._env("PEDATT_EDS_CRL_REFRESH", "0") != "1":
            return
        from documents import revocation
        try:
            revocation.refresh(trust_cache.get())
        except Exception:  # noqa: BLE001
            log.exception("revocation cache refresh failed")

    @timer(interval=600)
    def purge_timer(self):
        try:
            self.purge_deleted()
        except Exception:  # noqa: BLE001
            log.exception("retention job failed")

    @rpc(expected_exceptions=EXPECTED)
    def purge_deleted(self, older_than_hours=None):
        """Remove bytes of documents deleted longer ago than the retention, and of uploads never
        completed (expired slots) or rejected."""
        hours = settings.retention_hours() if older_than_hours is None else float(older_than_hours)
        now = utcnow()
        removed = 0
        with self.db as uow:
            s = uow.session
            stale = s.execute(select(DocumentVersion).where(
                DocumentVersion.purged_at.is_(None),
                ((DocumentVersion.status == "pending") & (DocumentVersion.expires_at < now))
                | (DocumentVersion.status == "rejected")).limit(500)
                .with_for_update(skip_locked=True)).scalars().all()
            deleted_docs = s.execute(select(Document.id).where(
                Document.status == "deleted",
                Document.deleted_at < now - dt.timedelta(hours=hours))).scalars().all()
            old = s.execute(select(DocumentVersion).where(
                DocumentVersion.document_id.in_(deleted_docs),
                DocumentVersion.purged_at.is_(None)).limit(500)
                .with_for_update(skip_locked=True)).scalars().all() if deleted_docs else []
            for v in list(stale) + list(old):
                self.storage.remove(v.object_key)
                if v.status == "pending":
                    v.status, v.rejected_reason = "expired", "NOT_UPLOADED"
                v.purged_at = now
                removed += 1
        return {"purged": removed}

    # -- signatures ---------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def attach_signature(self, actor, document_id, signature, version=None, expect=None):
        actor = Actor.from_rpc(actor)
        expect = self._expect(expect)
        raw = self._signature_bytes(signature)
        with self.db as uow:
            doc = self._readable(uow.session, actor, document_id)
            if doc.status != "active":
                raise NotFound("Документ не найден", {"document_id": str(document_id)})
            v = self._version(uow.session, doc, version)
            key, sha, version_id, number = v.object_key, v.sha256, v.id, v.version
        received = utcnow()
        spool = self._spool(key)
        try:
            report = run_off_loop(eds.verify_cms, raw, spool, trust=trust_cache.get(),
                                  receipt_time=received, expect=expect)
        finally:
            spool.close()
        blobs = _split_evidence(report)
        with self.db as uow:
            s = uow.session
            if blobs:
                s.execute(pg_insert(RevocationEvidence).values(blobs).on_conflict_do_nothing())
            doc = s.get(Document, doc.id)
            sig = Signature(document_id=doc.id, version_id=version_id, version=number,
                            cms=raw if isinstance(raw, bytes) else raw.encode(),
                            valid=report["valid"], reason_code=report["reason_code"],
                            report=report, created_by=actor.user_id or "", created_at=received)
            s.add(sig)
            s.flush()
            payload = {"signature_id": str(sig.id), "document_id": str(doc.id), "version": number,
                       "owner_id": doc.owner_id, "organization_id": doc.organization_id,
                       "subject_type": doc.subject_type, "subject_id": doc.subject_id,
                       "sha256": sha, "signers": events.signer_summary(report),
                       "moment": report.get("moment"), "rules": report.get("rules")}
            if report["valid"]:
                uow.publish(events.SIGNATURE_VERIFIED, payload)
            else:
                uow.publish(events.SIGNATURE_REJECTED, {**payload, "reason_code": report["reason_code"],
                                                        "reason": report["reason"]})
            return signature_dict(sig)

    def _spool(self, key):
        """The stored bytes in a local spool (memory up to 8 MB, then disk): read from S3 on the
        event loop, hashed later in a worker thread."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        try:
            response = self.storage.open(key)
            try:
                for chunk in response.stream(1024 * 1024):
                    spool.write(chunk)
            finally:
                response.close()
                response.release_conn()
        except Exception as exc:  # noqa: BLE001
            spool.close()
            if is_missing_object(exc):
                raise _content_missing(key) from None
            log.warning("could not read %s: %s", key, exc)
            raise DependencyUnavailable("Файловое хранилище недоступно") from None
        spool.seek(0)
        return spool

    @staticmethod
    def _expect(expect):
        if not expect:
            return None
        try:
            return ExpectIn().load(expect)
        except ValidationError as err:
            raise invalid_from_marshmallow(err) from None

    @staticmethod
    def _signature_bytes(signature):
        if signature is None:
            raise InvalidInput("Передайте подпись", {"fields": {"signature": ["Обязательное поле"]}})
        if not isinstance(signature, (str, bytes)):
            raise InvalidInput("Подпись должна быть строкой (base64 или PEM)",
                               {"fields": {"signature": ["Неверный формат"]}})
        if len(signature) > MAX_SIGNATURE_CHARS:
            raise PayloadTooLarge("Слишком большая подпись", {"max_size": MAX_SIGNATURE_CHARS})
        return signature if isinstance(signature, bytes) else signature.strip()

    @rpc(expected_exceptions=EXPECTED)
    def get_signature(self, actor, signature_id):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            sig = uow.session.get(Signature, _uuid(signature_id, "подпись"))
            if sig is None:
                raise NotFound("Подпись не найдена", {"signature_id": str(signature_id)})
            self._readable(uow.session, actor, sig.document_id)
            return signature_dict(sig)

    @rpc(expected_exceptions=EXPECTED)
    def list_signatures(self, actor, document_id, version=None):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            doc = self._readable(uow.session, actor, document_id)
            stmt = select(Signature).where(Signature.document_id == doc.id)
            if version not in (None, ""):
                stmt = stmt.where(Signature.version == int(version))
            return [signature_dict(s) for s in
                    uow.session.execute(stmt.order_by(Signature.created_at)).scalars()]

    @rpc(expected_exceptions=EXPECTED)
    def check_signature(self, actor, signature_id, signer_iin=None, director_of_bin=None):
        report = self.get_signature(actor, signature_id)
        rules = eds.check_rules(report.get("signers", []), signer_iin, director_of_bin)
        signers = report.get("signers") or []
        return {"ok": bool(signers) and all(x.get("valid") for x in signers)
                and all(r["ok"] for r in rules),
                "rules": rules, "signature_id": str(signature_id)}

    @rpc(expected_exceptions=EXPECTED)
    def verify_signature(self, signature, content=None, moment=None, expect=None):
        raw = self._signature_bytes(signature)
        data = None
        if content is not None:
            try:
                data = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise InvalidInput("content должен быть в base64",
                                   {"fields": {"content": ["Неверный base64"]}}) from None
        when = utcnow()
        if moment:
            try:
                when = dt.datetime.fromisoformat(str(moment))
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.timezone.utc)
            except ValueError:
                raise InvalidInput("Неверный момент времени", {"fields": {"moment": ["ISO-8601"]}}) from None
        report = run_off_loop(eds.verify_cms, raw, data, trust=trust_cache.get(),
                              receipt_time=when, expect=self._expect(expect))
        report.pop("evidence", None)
        return report


def _content_missing(key: str) -> NotFound:
    log.error("object %s of a recorded version is missing from storage", key)
    return NotFound("Файл документа не найден в хранилище", {"reason": "CONTENT_MISSING"})


def _split_evidence(report: dict) -> list[dict]:
    """Moves the DER of the CRLs/OCSP responses out of the report into rows stored once."""
    rows = {}
    revocation = (report.get("evidence") or {}).get("revocation") or {}
    for kind, items in (("crl", revocation.get("crls") or []), ("ocsp", revocation.get("ocsps") or [])):
        for item in items:
            der = item.pop("der_b64", None)
            if der and item.get("sha256"):
                rows[item["sha256"]] = {"sha256": item["sha256"], "kind": kind,
                                        "data": base64.b64decode(der), "created_at": utcnow()}
    return list(rows.values())
