"""Documents: upload slots (direct to storage), streaming upload through the gateway, downloads,
EDS signatures. The documents service authorizes every call again; file bytes never go over RPC.
"""
import hashlib
import logging
import os
import threading
from urllib.parse import quote, urlparse

import requests
from flask import Response, after_this_request, request, stream_with_context
from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from gateway.api import api
from gateway.errors import ApiError
from gateway.rpc import rpc
from pedatt_common.errors import PayloadTooLarge
from pedatt_common.s3 import is_missing_object

log = logging.getLogger(__name__)
TAG = "documents"
READ_CHUNK = 1024 * 1024
PART_SIZE = 5 * 1024 * 1024  # S3's minimum part; memory ≈ PART_SIZE × (PARALLEL_PARTS + 2)
PARALLEL_PARTS = 2
MAX_FORM_FIELD = 64 * 1024


class _Loose(Schema):
    class Meta:
        unknown = EXCLUDE


class UploadSlotSchema(_Loose):
    subject_type = fields.String(required=True, validate=validate.Length(1, 64))
    subject_id = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.Length(1, 64))
    filename = fields.String(required=True, validate=validate.Length(1, 1000))
    content_type = fields.String(load_default=None, allow_none=True)
    size = fields.Integer(load_default=None, allow_none=True)
    document_id = fields.UUID(load_default=None, allow_none=True)


class StreamUploadQuery(_Loose):
    subject_type = fields.String(load_default=None)
    subject_id = fields.String(load_default=None)
    kind = fields.String(load_default=None)
    filename = fields.String(load_default=None)
    document_id = fields.UUID(load_default=None, allow_none=True)


class ListQuery(_Loose):
    subject_type = fields.String(load_default=None)
    subject_id = fields.String(load_default=None)
    owner_id = fields.String(load_default=None)
    include_deleted = fields.Boolean(load_default=False)


class VersionQuery(_Loose):
    version = fields.Integer(load_default=None, allow_none=True)


class ExpectSchema(_Loose):
    signer_iin = fields.String(load_default=None, allow_none=True)
    director_of_bin = fields.String(load_default=None, allow_none=True)


class SignatureSchema(_Loose):
    signature = fields.String(required=True, metadata={"description": "CMS: base64, PEM or base64 of DER"})
    version = fields.Integer(load_default=None, allow_none=True)
    expect = fields.Nested(ExpectSchema, load_default=None, allow_none=True)


class VerifySchema(_Loose):
    signature = fields.String(required=True)
    content = fields.String(load_default=None, allow_none=True, metadata={"description": "base64"})
    expect = fields.Nested(ExpectSchema, load_default=None, allow_none=True)


def _strip_none(d):
    return {k: v for k, v in d.items() if v is not None} or None


# -- storage access for streaming (credentials from the same environment as the service) ----
_s3 = None


def _s3_client():
    global _s3
    if _s3 is None:
        from minio import Minio
        url = urlparse(os.environ.get("PEDATT_S3_ENDPOINT") or "http://127.0.0.1:9000")
        _s3 = Minio(url.netloc, access_key=os.environ.get("PEDATT_S3_ACCESS_KEY") or "pedatt",
                    secret_key=os.environ.get("PEDATT_S3_SECRET_KEY") or "pedatt-secret-key",
                    secure=url.scheme == "https",
                    region=os.environ.get("PEDATT_S3_REGION") or "us-east-1")
    return _s3


class _LimitedReader:
    """A file-like view of an iterator of chunks: returns at most one chunk per ``read`` (no
    buffering), refuses to pass ``limit`` bytes, and hashes what passes (SHA-256, size, head)."""

    def __init__(self, chunks, limit):
        self._chunks = chunks
        self._rest = b""
        self.limit = limit
        self.total = 0
        self.sha256 = hashlib.sha256()
        self.head = b""

    def read(self, size=-1):
        data = self._rest or next(self._chunks, b"")
        if size is not None and 0 <= size < len(data):
            data, self._rest = data[:size], data[size:]
        else:
            self._rest = b""
        if data:
            self.total += len(data)
            if self.total > self.limit:
                raise PayloadTooLarge("Файл больше допустимого размера",
                                      {"max_size": self.limit, "reason": "TOO_LARGE"})
            if len(self.head) < 16:
                self.head += data[:16 - len(self.head)]
            self.sha256.update(data)
        return data


def _put_presigned(slot, reader, length):
    """A body of known length: one streamed PUT to the slot's presigned URL (constant memory,
    no multipart assembly in storage)."""
    def body():
        while True:
            chunk = reader.read(READ_CHUNK)
            if not chunk:
                return
            yield chunk
    prepared = requests.Request("PUT", slot["put"]["url"], data=body(), headers={
        **slot["put"]["headers"], "Content-Length": str(length)}).prepare()
    prepared.headers.pop("Transfer-Encoding", None)  # a known length: not chunked
    r = _http().send(prepared, timeout=(5, 300))
    if r.status_code >= 300:
        raise ApiError(503, "DEPENDENCY_UNAVAILABLE", "Файловое хранилище недоступно",
                       {"status": r.status_code})


_local = threading.local()


def _http():
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def _raw_chunks(stream):
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            return
        yield chunk


def _multipart_file(stream, boundary: bytes):
    """Streams a multipart body: returns (form fields seen before the file, file meta, chunks)."""
    decoder = MultipartDecoder(boundary)  # fed only on NeedData: holds one chunk at most
    form, current, value = {}, None, b""

    def events():
        while True:
            event = decoder.next_event()
            if isinstance(event, NeedData):
                chunk = stream.read(READ_CHUNK)
                decoder.receive_data(chunk or None)
                continue
            yield event
            if isinstance(event, Epilogue):
                return

    it = events()
    for event in it:
        if isinstance(event, Field):
            current, value = event.name, b""
        elif isinstance(event, File):
            if event.name != "file":
                raise ApiError(400, "INVALID_INPUT", "Файл передаётся в поле «file»")
            meta = {"filename": event.filename, "content_type": event.headers.get("Content-Type")}

            def file_chunks():
                for ev in it:
                    if isinstance(ev, Data):
                        if ev.data:
                            yield ev.data
                        if not ev.more_data:
                            return
            return form, meta, file_chunks()
        elif isinstance(event, Data) and current is not None:
            value += event.data
            if len(value) > MAX_FORM_FIELD:
                raise ApiError(400, "INVALID_INPUT", "Слишком длинное поле формы")
            if not event.more_data:
                form[current] = value.decode("utf-8", errors="replace")
                current = None
        elif isinstance(event, Epilogue):
            break
    raise ApiError(400, "INVALID_INPUT", "В запросе нет файла (поле «file»)",
                   {"fields": {"file": ["Обязательное поле"]}})


# -- routes ------------------------------------------------------------------------------
@api.route("/documents/uploads", "POST", body=UploadSlotSchema, status=201, tag=TAG,
           errors=(400, 403, 404, 409, 413, 503))
def create_upload_slot(actor, body):
    """Ask for an upload slot: a presigned PUT URL and POST policy limited to the declared size/type"""
    body["document_id"] = str(body["document_id"]) if body.get("document_id") else None
    return rpc.call("documents", "create_upload_slot", actor.to_rpc(), **body)


@api.route("/documents/uploads/<upload_id>/complete", "POST", status=201, tag=TAG,
           errors=(404, 413, 422, 503))
def complete_upload(actor, upload_id):
    """Finish a direct upload: the service checks size, type (magic bytes) and computes SHA-256"""
    return rpc.call("documents", "complete_upload", actor.to_rpc(), upload_id)


@api.route("/documents/upload", "POST", query=StreamUploadQuery, status=201, tag=TAG,
           errors=(400, 403, 404, 409, 413, 422, 503))
def stream_upload(actor, query):
    """Upload through the gateway: multipart/form-data (field «file») or a raw body with ?filename=; streamed to storage"""

    @after_this_request
    def close_unread_body(response):
        if response.status_code >= 400:  # the body may be unread: do not reuse the connection
            response.headers["Connection"] = "close"
        return response

    ctype = request.mimetype or ""
    form = {}
    if ctype == "multipart/form-data":
        boundary = request.mimetype_params.get("boundary")
        if not boundary:
            raise ApiError(400, "INVALID_INPUT", "Нет границы multipart")
        form, meta, chunks = _multipart_file(request.stream, boundary.encode("latin-1"))
        filename = meta["filename"] or query.get("filename")
        content_type = meta["content_type"]
        if content_type in (None, "", "application/octet-stream"):
            content_type = None
    else:
        filename, content_type = query.get("filename"), ctype or None
        chunks = _raw_chunks(request.stream)
    params = {k: query.get(k) or form.get(k) for k in ("subject_type", "subject_id", "kind")}
    document_id = query.get("document_id") or form.get("document_id")
    declared = request.content_length if ctype != "multipart/form-data" else None
    if declared == 0:
        declared = None  # the service rejects the empty file with its own reason
    slot = rpc.call("documents", "create_upload_slot", actor.to_rpc(), filename=filename or "",
                    content_type=content_type, size=declared,
                    document_id=str(document_id) if document_id else None, **params)
    reader = _LimitedReader(chunks, slot["max_size"])
    try:
        if declared and ctype != "multipart/form-data":
            _put_presigned(slot, reader, declared)
        else:
            _s3_client().put_object(slot["bucket"], slot["object_key"], reader, length=-1,
                                    part_size=PART_SIZE, num_parallel_uploads=PARALLEL_PARTS,
                                    content_type=slot["content_type"])
    except PayloadTooLarge:
        raise
    except Exception as exc:  # noqa: BLE001
        from minio.error import S3Error
        if isinstance(exc, (S3Error, OSError, requests.RequestException)):
            raise ApiError(503, "DEPENDENCY_UNAVAILABLE", "Файловое хранилище недоступно") from None
        raise
    streamed = {"size": reader.total, "sha256": reader.sha256.hexdigest()}
    return rpc.call("documents", "complete_upload", actor.to_rpc(), slot["upload_id"],
                    streamed=streamed)


@api.route("/documents", "GET", query=ListQuery, tag=TAG)
def list_documents(actor, query):
    """Documents the caller may read (filter by subject or owner)"""
    return rpc.call("documents", "list_documents", actor.to_rpc(), **query)


@api.route("/documents/<document_id>", "GET", tag=TAG, errors=(404,))
def get_document(actor, document_id):
    """A document with its versions and signature summaries"""
    return rpc.call("documents", "get_document", actor.to_rpc(), document_id)


@api.route("/documents/<document_id>", "DELETE", status=204, tag=TAG, errors=(403, 404, 409))
def delete_document(actor, document_id):
    """Delete (mark deleted; the bytes are removed later by the retention job)"""
    rpc.call("documents", "delete_document", actor.to_rpc(), document_id)
    return None


@api.route("/documents/<document_id>/download", "GET", query=VersionQuery, tag=TAG, errors=(404,))
def download_url(actor, document_id, query):
    """A short-lived presigned GET URL of a version (default: current)"""
    out = rpc.call("documents", "get_download_url", actor.to_rpc(), document_id, query.get("version"))
    out.pop("object_key", None)
    out.pop("bucket", None)
    return out


@api.route("/documents/<document_id>/content", "GET", query=VersionQuery, tag=TAG, errors=(404,),
           produces="application/octet-stream")
def download_content(actor, document_id, query):
    """The bytes of a version (default: current), streamed by the gateway"""
    info = rpc.call("documents", "get_download_url", actor.to_rpc(), document_id, query.get("version"))
    try:
        obj = _s3_client().get_object(info["bucket"], info["object_key"])
    except Exception as exc:  # noqa: BLE001  (urllib3's connection errors are not OSErrors)
        if is_missing_object(exc):
            log.error("document %s: object %s is missing from storage", document_id,
                      info["object_key"])
            raise ApiError(404, "NOT_FOUND", "Файл документа не найден в хранилище",
                           {"reason": "CONTENT_MISSING", "document_id": document_id,
                            "version": info.get("version")}) from None
        raise ApiError(503, "DEPENDENCY_UNAVAILABLE", "Файловое хранилище недоступно") from None

    def body():
        try:
            yield from obj.stream(READ_CHUNK)
        finally:
            obj.close()
            obj.release_conn()

    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(info['filename'])}",
               "Content-Length": str(info["size"]), "X-Content-SHA256": info["sha256"] or "",
               "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return Response(stream_with_context(body()), mimetype=info["content_type"], headers=headers)


@api.route("/documents/<document_id>/signatures", "POST", body=SignatureSchema, status=201,
           tag=TAG, errors=(400, 404, 413))
def attach_signature(actor, document_id, body):
    """Attach an EDS (CMS) to a version and verify it against the stored bytes; returns the report"""
    return rpc.call("documents", "attach_signature", actor.to_rpc(), document_id, body["signature"],
                    version=body.get("version"), expect=_strip_none(body.get("expect") or {}))


@api.route("/documents/<document_id>/signatures", "GET", query=VersionQuery, tag=TAG, errors=(404,))
def list_signatures(actor, document_id, query):
    """Verification reports of a document's signatures"""
    return rpc.call("documents", "list_signatures", actor.to_rpc(), document_id, query.get("version"))


@api.route("/signatures/<signature_id>", "GET", tag=TAG, errors=(404,))
def get_signature(actor, signature_id):
    """One stored verification report with its evidence"""
    return rpc.call("documents", "get_signature", actor.to_rpc(), signature_id)


@api.route("/signatures/verify", "POST", body=VerifySchema, tag=TAG, errors=(400, 413))
def verify_signature(actor, body):
    """Verify a CMS over given content (base64) or an attached CMS; nothing is stored"""
    return rpc.call("documents", "verify_signature", body["signature"], body.get("content"),
                    expect=_strip_none(body.get("expect") or {}))

