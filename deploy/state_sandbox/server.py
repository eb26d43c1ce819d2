"""A stand-in for the state service ("Приём документов для прохождения аттестации педагогов")
behind the e-government gateway's asynchronous channel.

Protocol (JSON over HTTP, modeled on ШЭП/SmartBridge's async channel):

``POST /shep/async/send`` with ``{"messageInfo": {...,"messageId"}, "messageData": {package},
"signature": {"algorithm": "HMAC-SHA256", "value": base64}}``
  → 200 ``{"messageId", "correlationId", "status": "RECEIVED", "duplicate": bool}``.
  A repeated messageId is not a second filing: it answers the same correlationId.
  A malformed message → 400 ``MESSAGE_MALFORMED``; a bad message signature → 400
  ``SIGNATURE_INVALID`` (synchronous faults, as the gateway answers with a SOAP fault).

``GET /shep/async/status/<correlationId>`` → ``{"status": "PROCESSING" | "ACCEPTED" | "REFUSED",
"reasons": [{"code", "message", ...}], "decidedAt"}``; the verdict is ready ``result_delay``
seconds after receipt. The package is checked on receipt: every mandatory checklist item has a
document, each document's bytes (fetched from its link, or inline base64) match the declared
SHA-256 and size, no signature report is invalid (documents' and the application's own).

Control (tests and people): ``GET/POST /control/faults`` (``mode``: ok | error500 | timeout |
drop | drop_after; ``times``: how many requests the fault lasts, null = until changed;
``delay``: seconds before every answer; ``result_delay``; ``hang``: seconds a timeout lasts),
``POST /control/verdicts`` (force the verdict for an ``application_id``), ``GET /control/filings``,
``POST /control/reset``, ``GET /healthz``.
"""
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("state_sandbox")

DEFAULT_KEY = "pedatt-sandbox-shared-key"
FAULT_MODES = ("ok", "error500", "timeout", "drop", "drop_after")
MAX_BODY = 20 * 1024 * 1024
MAX_DOCUMENT = 100 * 1024 * 1024


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_message(key: str, message_info: dict, message_data: dict) -> str:
    mac = hmac.new(key.encode(), canonical(message_info) + b"." + canonical(message_data),
                   hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class SandboxState:
    """Filings by messageId, the fault plan, forced verdicts; persisted to a JSON file if given."""

    def __init__(self, state_file: str | None = None, result_delay: float = 1.0,
                 delay: float = 0.0):
        self.lock = threading.RLock()
        self.state_file = state_file
        self.filings: dict[str, dict] = {}
        self.by_correlation: dict[str, str] = {}
        self.verdicts: dict[str, dict] = {}
        self.requests = 0
        self.faults = {"mode": "ok", "times": None, "delay": delay, "result_delay": result_delay,
                       "hang": 30.0}
        self._load()

    # -- persistence ---------------------------------------------------------------
    def _load(self):
        if not self.state_file or not os.path.exists(self.state_file):
            return
        with open(self.state_file, encoding="utf-8") as f:
            data = json.load(f)
        self.filings = data.get("filings", {})
        self.verdicts = data.get("verdicts", {})
        self.by_correlation = {f["correlationId"]: m for m, f in self.filings.items()}

    def save(self):
        if not self.state_file:
            return
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"filings": self.filings, "verdicts": self.verdicts}, f, ensure_ascii=False)
        os.replace(tmp, self.state_file)

    # -- faults --------------------------------------------------------------------
    def take_fault(self) -> str:
        """The fault for this request (consumes one of ``times``)."""
        with self.lock:
            mode = self.faults["mode"]
            if mode != "ok" and self.faults["times"] is not None:
                self.faults["times"] -= 1
                if self.faults["times"] <= 0:
                    self.faults.update(mode="ok", times=None)
            return mode

    def set_faults(self, data: dict) -> dict:
        with self.lock:
            if "mode" in data:
                if data["mode"] not in FAULT_MODES:
                    raise ValueError(f"mode must be one of {FAULT_MODES}")
                self.faults["mode"] = data["mode"]
                self.faults["times"] = data.get("times")
            for key in ("delay", "result_delay", "hang"):
                if key in data:
                    self.faults[key] = float(data[key])
            return dict(self.faults)

    # -- filings -------------------------------------------------------------------
    def receive(self, message_id: str, message: dict) -> tuple[dict, bool]:
        """Record a filing once per messageId; a repeat answers the first filing."""
        with self.lock:
            existing = self.filings.get(message_id)
            if existing is not None:
                existing["receipts"] += 1
                self.save()
                return existing, True
        package = message["messageData"]
        application_id = str((package.get("application") or {}).get("id", ""))
        verdict = self.verdicts.get(application_id)
        if verdict is None:  # checked outside the lock: fetching the documents takes a while
            reasons = validate_package(package)
            verdict = {"status": "REFUSED" if reasons else "ACCEPTED", "reasons": reasons}
        with self.lock:
            existing = self.filings.get(message_id)
            if existing is not None:  # the same message arrived twice at once
                existing["receipts"] += 1
                self.save()
                return existing, True
            filing = {
                "messageId": message_id,
                "correlationId": str(uuid.uuid4()),
                "applicationId": application_id,
                "organizationBin": message["messageInfo"].get("organizationBin"),
                "receivedAt": now_iso(),
                "received_ts": time.time(),
                "receipts": 1,
                "status": "PROCESSING",
                "reasons": [],
                "documents": len(package.get("documents") or []),
                "verdict": verdict,
            }
            self.filings[message_id] = filing
            self.by_correlation[filing["correlationId"]] = message_id
            self.save()
            return filing, False

    def status(self, correlation_id: str) -> dict | None:
        with self.lock:
            message_id = self.by_correlation.get(correlation_id)
            if message_id is None:
                return None
            filing = self.filings[message_id]
            if filing["status"] == "PROCESSING" and \
                    time.time() - filing["received_ts"] >= self.faults["result_delay"]:
                filing["status"] = filing["verdict"]["status"]
                filing["reasons"] = filing["verdict"]["reasons"]
                filing["decidedAt"] = now_iso()
                self.save()
            return {"messageId": message_id, "correlationId": correlation_id,
                    "status": filing["status"], "reasons": filing["reasons"],
                    "receivedAt": filing["receivedAt"], "decidedAt": filing.get("decidedAt")}

    def reset(self):
        with self.lock:
            self.filings.clear()
            self.by_correlation.clear()
            self.verdicts.clear()
            self.requests = 0
            self.faults.update(mode="ok", times=None, delay=0.0)
            self.save()


# -- package validation ------------------------------------------------------------
def reason(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def validate_package(package: dict) -> list[dict]:
    """Everything that makes the state service refuse a package (all of it, not the first)."""
    reasons = []
    application = package.get("application") or {}
    documents = package.get("documents") or []
    if not application.get("id"):
        reasons.append(reason("APPLICATION_MISSING", "В пакете нет заявления"))
    app_sig = application.get("signature")
    if not app_sig or not app_sig.get("valid"):
        reasons.append(reason("APPLICATION_SIGNATURE_INVALID",
                              "Заявление не подписано действительной ЭЦП педагога"))
    by_item: dict[str, list] = {}
    for doc in documents:
        by_item.setdefault(doc.get("item_code"), []).append(doc)
    for item in package.get("checklist") or []:
        if item.get("mandatory") and not by_item.get(item.get("code")):
            reasons.append(reason("MANDATORY_DOCUMENT_MISSING",
                                  f"Не представлен обязательный документ: {item.get('title') or item.get('code')}",
                                  item_code=item.get("code")))
    for doc in documents:
        where = {"item_code": doc.get("item_code"), "document_id": doc.get("document_id")}
        name = doc.get("filename") or doc.get("document_id")
        try:
            data = _document_bytes(doc)
        except Exception as exc:  # noqa: BLE001 - any failure to get the bytes is a refusal
            reasons.append(reason("DOCUMENT_UNAVAILABLE",
                                  f"Не удалось получить файл «{name}»: {exc}", **where))
            continue
        if hashlib.sha256(data).hexdigest() != str(doc.get("sha256", "")).lower() \
                or (doc.get("size") is not None and len(data) != int(doc["size"])):
            reasons.append(reason("HASH_MISMATCH",
                                  f"Содержимое файла «{name}» не совпадает с хешем SHA-256",
                                  **where))
        for sig in doc.get("signatures") or []:
            if not sig.get("valid"):
                reasons.append(reason("SIGNATURE_INVALID",
                                      f"Недействительная ЭЦП на документе «{name}»", **where))
                break
    return reasons


def _document_bytes(doc: dict) -> bytes:
    if doc.get("content_base64") is not None:
        return base64.b64decode(doc["content_base64"], validate=True)
    url = doc.get("url")
    if not url:
        raise ValueError("нет ни ссылки, ни содержимого")
    with urllib.request.urlopen(url, timeout=15) as response:
        data = response.read(MAX_DOCUMENT + 1)
    if len(data) > MAX_DOCUMENT:
        raise ValueError("файл слишком большой")
    return data


# -- HTTP ----------------------------------------------------------------------------
_STATUS = re.compile(r"^/shep/async/status/([0-9a-fA-F-]{36})$")


class Handler(BaseHTTPRequestHandler):
    server_version = "PedAttStateSandbox/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> SandboxState:
        return self.server.state

    def log_message(self, fmt, *args):  # noqa: D102 - route access logs to logging
        log.info("%s %s", self.address_string(), fmt % args)

    # helpers
    def _json(self, status: int, body) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"code": code, "message": message})

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("message too large")
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def _fault_before(self) -> str | None:
        """Apply the fault plan to a state-service request; returns the mode to finish with."""
        with self.state.lock:
            self.state.requests += 1
        mode = self.state.take_fault()
        delay = self.state.faults["delay"]
        if delay:
            time.sleep(delay)
        if mode == "error500":
            self._error(500, "INTERNAL_ERROR", "Внутренняя ошибка сервиса (песочница)")
            return "done"
        if mode == "timeout":
            time.sleep(self.state.faults["hang"])
            self._drop()
            return "done"
        if mode == "drop":
            self._drop()
            return "done"
        return mode

    # routes
    def do_GET(self):  # noqa: N802
        if self.path == "/healthz":
            return self._json(200, {"status": "ok"})
        if self.path == "/control/faults":
            return self._json(200, dict(self.state.faults))
        if self.path == "/control/filings":
            with self.state.lock:
                filings = [{k: v for k, v in f.items() if k not in ("verdict", "received_ts")}
                           for f in self.state.filings.values()]
                return self._json(200, {"filings": filings, "requests": self.state.requests})
        match = _STATUS.match(self.path)
        if match:
            if self._fault_before() == "done":
                return None
            result = self.state.status(match.group(1))
            if result is None:
                return self._error(404, "CORRELATION_NOT_FOUND", "Нет сообщения с таким correlationId")
            return self._json(200, result)
        return self._error(404, "NOT_FOUND", "Нет такого адреса")

    def do_POST(self):  # noqa: N802
        try:
            body = self._body()
        except ValueError:
            return self._error(400, "MESSAGE_MALFORMED", "Тело запроса должно быть JSON")
        if self.path == "/shep/async/send":
            return self._send(body)
        if self.path == "/control/faults":
            try:
                return self._json(200, self.state.set_faults(body))
            except (ValueError, TypeError) as exc:
                return self._error(400, "INVALID_INPUT", str(exc))
        if self.path == "/control/verdicts":
            if body.get("status") not in ("ACCEPTED", "REFUSED") or not body.get("application_id"):
                return self._error(400, "INVALID_INPUT", "Нужны application_id и status")
            with self.state.lock:
                self.state.verdicts[str(body["application_id"])] = {
                    "status": body["status"], "reasons": body.get("reasons") or []}
                self.state.save()
            return self._json(200, {"ok": True})
        if self.path == "/control/reset":
            self.state.reset()
            return self._json(200, {"ok": True})
        return self._error(404, "NOT_FOUND", "Нет такого адреса")

    def _send(self, message: dict):
        mode = self._fault_before()
        if mode == "done":
            return None
        info = message.get("messageInfo") if isinstance(message, dict) else None
        data = message.get("messageData") if isinstance(message, dict) else None
        if not isinstance(info, dict) or not isinstance(data, dict) or not info.get("messageId"):
            return self._error(400, "MESSAGE_MALFORMED", "Нет messageInfo.messageId или messageData")
        signature = (message.get("signature") or {}).get("value") or ""
        expected = sign_message(self.server.key, info, data)
        if not hmac.compare_digest(signature, expected):
            return self._error(400, "SIGNATURE_INVALID", "Подпись сообщения недействительна")
        filing, duplicate = self.state.receive(str(info["messageId"]), message)
        if mode == "drop_after":  # recorded, but the sender never hears back
            return self._drop()
        answer = {"messageId": filing["messageId"], "correlationId": filing["correlationId"],
                  "status": "RECEIVED", "duplicate": duplicate}
        return self._json(200, answer)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state: SandboxState, key: str = DEFAULT_KEY):
        super().__init__(address, Handler)
        self.state = state
        self.key = key


def make_server(host: str = "127.0.0.1", port: int = 8090, *, state_file=None,
                result_delay: float = 1.0, delay: float = 0.0, key: str = DEFAULT_KEY):
    state = SandboxState(state_file, result_delay=result_delay, delay=delay)
    return SandboxServer((host, port), state, key)
