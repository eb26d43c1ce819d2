"""The state-service adapter: the e-government gateway's asynchronous channel over HTTP/JSON.

``send`` posts a signed message with our messageId and gets a correlationId back; ``status``
polls the verdict. Failures are classified: ``Transient`` (connection refused or dropped,
timeout, HTTP 5xx/429: retry later) or ``Rejected`` (HTTP 4xx: the gateway refused the message
itself, e.g. a bad signature: retrying the same bytes cannot help).
"""
import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone

import requests

SERVICE_ID = "PEDATT_TEACHER_ATTESTATION_DOCS"
SENDER_ID = "pedatt"


class Transient(Exception):
    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.http_status = http_status


class Rejected(Exception):
    def __init__(self, code: str, message: str, http_status: int):
        super().__init__(message)
        self.code, self.message, self.http_status = code, message, http_status


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_message(key: str, message_info: dict, message_data: dict) -> str:
    """HMAC-SHA256 over the canonical JSON of both parts (the sandbox's stand-in for the
    gateway's message signature with the system's certificate)."""
    mac = hmac.new(key.encode(), canonical(message_info) + b"." + canonical(message_data),
                   hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class AdapterSettings:
    url: str = "http://127.0.0.1:8090"
    key: str = "pedatt-sandbox-shared-key"
    timeout: float = 5.0

    @classmethod
    def from_env(cls) -> "AdapterSettings":
        return cls(url=os.environ.get("PEDATT_STATE_SERVICE_URL", cls.url).rstrip("/"),
                   key=os.environ.get("PEDATT_STATE_SERVICE_KEY", cls.key),
                   timeout=float(os.environ.get("PEDATT_STATE_SERVICE_TIMEOUT", cls.timeout)))


class StateServiceAdapter:
    def __init__(self, settings: AdapterSettings | None = None):
        self.settings = settings or AdapterSettings.from_env()
        self.session = requests.Session()

    def build_message(self, message_id: str, package: dict, organization_bin: str | None) -> dict:
        info = {"messageId": message_id, "serviceId": SERVICE_ID, "senderId": SENDER_ID,
                "messageDate": datetime.now(timezone.utc).isoformat(),
                "organizationBin": organization_bin}
        return {"messageInfo": info, "messageData": package,
                "signature": {"algorithm": "HMAC-SHA256",
                              "value": sign_message(self.settings.key, info, package)}}

    def _request(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self.session.request(method, self.settings.url + path,
                                            timeout=(min(3.0, self.settings.timeout),
                                                     self.settings.timeout), **kwargs)
        except requests.Timeout:
            raise Transient("нет ответа (тайм-аут)") from None
        except requests.ConnectionError as exc:
            raise Transient(f"нет соединения: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise Transient(f"ошибка HTTP: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise Transient(f"HTTP {response.status_code}", response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise Transient(f"ответ не JSON (HTTP {response.status_code})",
                            response.status_code) from None
        if response.status_code >= 400:
            raise Rejected(str(body.get("code") or f"HTTP_{response.status_code}"),
                           str(body.get("message") or ""), response.status_code)
        return body

    def send(self, message_id: str, package: dict, organization_bin: str | None = None) -> dict:
        """→ ``{messageId, correlationId, status, duplicate}``."""
        body = self._request("POST", "/shep/async/send",
                             json=self.build_message(message_id, package, organization_bin))
        if not body.get("correlationId"):
            raise Transient("в ответе нет correlationId")
        return body

    def status(self, correlation_id: str) -> dict:
        """→ ``{status: PROCESSING|ACCEPTED|REFUSED, reasons, decidedAt}``."""
        return self._request("GET", f"/shep/async/status/{correlation_id}")
