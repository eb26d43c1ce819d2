"""The rules of the organization's review and of forwarding to the state service, as plain
Python (no nameko, no I/O).

Review: an assessor marks every checklist item ``ok`` or ``remark`` (a remark needs text);
"return for rework" needs at least one remark; "accept" needs every required item ``ok``, no
remark anywhere, valid head signatures where the item needs the head's certification and the
application's own valid signature — otherwise it is refused with the full list of blockers.

Delivery: a package queued for the state service is retried with exponential backoff and
jitter while the endpoint is down or answers 5xx, and gives up (``failed``) after a limit;
a person may resend it, with the same messageId.
"""
import random
from dataclasses import dataclass

OK, REMARK = "ok", "remark"
VERDICTS = (OK, REMARK)
REMARK_MAX = 2000

# -- review ---------------------------------------------------------------------------

RETURN, ACCEPT = "return_for_rework", "accept"
DECISIONS = (RETURN, ACCEPT)


def blocker(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def validate_mark(verdict: str, text: str | None) -> str | None:
    """Normalized remark text; raises ValueError with a Russian message."""
    if verdict not in VERDICTS:
        raise ValueError("Отметка должна быть «ok» или «remark»")
    text = (text or "").strip()
    if verdict == REMARK and not text:
        raise ValueError("Для замечания нужен текст")
    if len(text) > REMARK_MAX:
        raise ValueError(f"Замечание длиннее {REMARK_MAX} символов")
    return text or None


def remarks_of(marks: dict[str, dict]) -> list[dict]:
    return [{"item_code": code, "text": m["text"]} for code, m in sorted(marks.items())
            if m["verdict"] == REMARK]


def return_blockers(marks: dict[str, dict]) -> list[dict]:
    if not remarks_of(marks):
        return [blocker("NO_REMARKS", "Чтобы вернуть заявление на доработку, "
                                      "оставьте хотя бы одно замечание")]
    return []


def _signature_valid(report: dict | None) -> bool:
    return bool(report) and bool(report.get("valid"))


def accept_blockers(items: list[dict], documents: list[dict], marks: dict[str, dict],
                    application_signature: dict | None) -> list[dict]:
    """Everything that stops the organization from accepting (all of it, not the first).

    ``items``: ``[{code, title, required, head_certification}]``; ``documents``:
    ``[{document_id, item_code, filename, head_signed, head_signature}]`` where
    ``head_signature`` is the head's signature report (``valid``) when there is one;
    ``marks``: ``{item_code: {verdict, text}}``; ``application_signature``:
    ``{kind: "eds"|"paper", valid}``.
    """
    out = []
    sig = application_signature or {}
    if sig.get("kind") != "paper" and not _signature_valid(sig):
        out.append(blocker("APPLICATION_SIGNATURE_INVALID",
                           "Заявление не подписано действительной ЭЦП педагога"))
    by_item: dict[str, list[dict]] = {}
    for d in documents:
        by_item.setdefault(d["item_code"], []).append(d)
    for item in items:
        code, title = item["code"], item.get("title") or item["code"]
        mark = marks.get(code)
        docs = by_item.get(code, [])
        if mark and mark["verdict"] == REMARK:
            out.append(blocker("ITEM_HAS_REMARK", f"По пункту «{title}» есть замечание",
                               item_code=code))
        elif item.get("required") and not mark:
            out.append(blocker("ITEM_NOT_CHECKED", f"Пункт «{title}» не проверен", item_code=code))
        if item.get("required") and not docs:
            out.append(blocker("ITEM_MISSING", f"Не приложен документ: {title}", item_code=code))
        if item.get("head_certification"):
            for d in docs:
                if not d.get("head_signed") or (d.get("head_signature") is not None
                                                and not _signature_valid(d["head_signature"])):
                    out.append(blocker(
                        "HEAD_SIGNATURE_INVALID" if d.get("head_signed") else "HEAD_SIGNATURE_MISSING",
                        f"Нет действительной подписи руководителя: {title} — «{d.get('filename') or d['document_id']}»",
                        item_code=code, document_id=d["document_id"]))
    return out


# -- delivery -------------------------------------------------------------------------

QUEUED, SENT, STATE_ACCEPTED, STATE_REFUSED, FAILED = (
    "queued", "sent", "state_accepted", "state_refused", "failed")
DELIVERY_STATES = (QUEUED, SENT, STATE_ACCEPTED, STATE_REFUSED, FAILED)
FINAL = (STATE_ACCEPTED, STATE_REFUSED)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": half the step fixed, half random, capped."""
    base: float = 2.0
    cap: float = 300.0
    max_attempts: int = 8

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        step = min(self.cap, self.base * (2 ** max(0, attempt - 1)))
        return step / 2 + (rng or random).uniform(0, step / 2)

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


def message_id_for(application_id: str, submission_number: int) -> str:
    """One messageId per accepted submission of an application: a repeat is never a new filing."""
    import uuid
    return str(uuid.uuid5(uuid.NAMESPACE_URL,
                          f"pedatt:state-filing:{application_id}:{submission_number}"))
