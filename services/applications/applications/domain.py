"""The rules of the applications service as plain Python: no nameko, no database, no I/O
(except reading the packaged rules-edition files).

- ``RulesEdition``: an edition of the attestation rules loaded from ``rules/*.json`` (data, not code).
- The status state machine (``transition``), exhaustively unit-tested.
- Eligibility (``check_eligibility``) returning every reason, not just the first.
- Completeness of a portfolio (``completeness``), computed live.
- The canonical rendering the teacher signs (``canonical_bytes``): deterministic UTF-8 JSON.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

RULES_DIR = Path(__file__).parent / "rules"

# --------------------------------------------------------------------------- rules editions

REQUIREMENTS = ("mandatory", "if_any", "if_not_in_state_systems", "if_has_category", "not_required")


class RulesError(ValueError):
    """A rules-edition file that does not follow the format."""


@dataclass(frozen=True)
class RulesEdition:
    data: dict

    @property
    def code(self) -> str:
        return self.data["code"]

    @property
    def effective_from(self) -> date:
        return date.fromisoformat(self.data["effective_from"])

    def category(self, code: str) -> dict | None:
        return next((c for c in self.data["categories"] if c["code"] == code), None)

    @property
    def category_codes(self) -> list[str]:
        return [c["code"] for c in self.data["categories"]]

    def checklist(self, category_code: str) -> list[dict]:
        """The document checklist for applying to ``category_code``: requirement resolved,
        ``not_required`` items left out, accepted MIME types expanded."""
        items = []
        for item in self.data["items"]:
            req = item["requirement"].get(category_code, item["requirement"].get("*", "mandatory"))
            if req == "not_required":
                continue
            types = item["file_types"]
            if isinstance(types, str):
                types = self.data["file_types"][types]
            items.append({"code": item["code"], "title_ru": item["title_ru"],
                          "title_kk": item["title_kk"], "requirement": req,
                          "head_certification": bool(item["head_certification"]),
                          "accepted_types": list(types)})
        return items

    def summary(self) -> dict:
        keys = ("code", "title_ru", "title_kk", "order_number", "order_date", "issuer_ru", "url",
                "effective_from", "amended_by_ru")
        return {k: self.data.get(k) for k in keys}

    def to_dict(self) -> dict:
        out = self.summary()
        out["categories"] = [dict(c) for c in self.data["categories"]]
        out["checklist"] = {c["code"]: self.checklist(c["code"])
                            for c in self.data["categories"] if c.get("attestable")}
        out["category_validity_years"] = self.data["category_validity_years"]
        out["early_attestation_min_years"] = self.data["early_attestation_min_years"]
        return out


def validate_edition(data: dict) -> RulesEdition:
    for key in ("code", "title_ru", "title_kk", "order_number", "order_date", "url",
                "effective_from", "categories", "items", "file_types"):
        if key not in data:
            raise RulesError(f"rules edition misses '{key}'")
    date.fromisoformat(data["effective_from"])
    date.fromisoformat(data["order_date"])
    codes = {c["code"] for c in data["categories"]}
    ranks = sorted(c["rank"] for c in data["categories"])
    if ranks != list(range(len(ranks))):
        raise RulesError("category ranks must be 0..n-1")
    for c in data["categories"]:
        prev = c.get("previous_category")
        if prev is not None and prev not in codes:
            raise RulesError(f"unknown previous category {prev}")
    seen = set()
    for item in data["items"]:
        if item["code"] in seen:
            raise RulesError(f"duplicate item {item['code']}")
        seen.add(item["code"])
        for cat, req in item["requirement"].items():
            if req not in REQUIREMENTS or (cat != "*" and cat not in codes):
                raise RulesError(f"bad requirement {cat}={req} in {item['code']}")
        types = item["file_types"]
        if isinstance(types, str) and types not in data["file_types"]:
            raise RulesError(f"unknown file type group {types}")
    return RulesEdition(data)


def load_editions(directory: Path = RULES_DIR) -> dict[str, RulesEdition]:
    editions = {}
    for path in sorted(directory.glob("*.json")):
        edition = validate_edition(json.loads(path.read_text(encoding="utf-8")))
        editions[edition.code] = edition
    if not editions:
        raise RulesError(f"no rules edition in {directory}")
    return editions


def current_edition(editions: dict[str, RulesEdition], today: date) -> RulesEdition:
    effective = [e for e in editions.values() if e.effective_from <= today]
    pool = effective or list(editions.values())
    return max(pool, key=lambda e: e.effective_from)


# --------------------------------------------------------------------------- state machine

DRAFT = "draft"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
RETURNED = "returned_for_rework"
ACCEPTED = "accepted"
SENT = "sent_to_state_service"
STATE_ACCEPTED = "state_accepted"
STATE_REFUSED = "state_refused"
WITHDRAWN = "withdrawn"

STATUSES = (DRAFT, SUBMITTED, UNDER_REVIEW, RETURNED, ACCEPTED, SENT, STATE_ACCEPTED,
            STATE_REFUSED, WITHDRAWN)
EDITABLE = frozenset({DRAFT, RETURNED})
FINAL = frozenset({STATE_ACCEPTED, STATE_REFUSED, WITHDRAWN})
# Statuses that block a new application in the same cycle.
BLOCKING = frozenset(STATUSES) - {WITHDRAWN, STATE_REFUSED}

TEACHER, REVIEWER, SYSTEM = "teacher", "reviewer", "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    by: frozenset  # which kinds of actor may perform it


TRANSITIONS = {t.action: t for t in (
    Transition("submit", frozenset({DRAFT, RETURNED}), SUBMITTED, frozenset({TEACHER})),
    Transition("take_for_review", frozenset({SUBMITTED}), UNDER_REVIEW, frozenset({REVIEWER})),
    Transition("return_for_rework", frozenset({UNDER_REVIEW}), RETURNED, frozenset({REVIEWER})),
    Transition("accept", frozenset({UNDER_REVIEW}), ACCEPTED, frozenset({REVIEWER})),
    Transition("send_to_state_service", frozenset({ACCEPTED}), SENT, frozenset({REVIEWER, SYSTEM})),
    Transition("state_accept", frozenset({SENT}), STATE_ACCEPTED, frozenset({SYSTEM})),
    Transition("state_refuse", frozenset({SENT}), STATE_REFUSED, frozenset({SYSTEM})),
    Transition("withdraw", frozenset({DRAFT, SUBMITTED, UNDER_REVIEW, RETURNED}), WITHDRAWN,
               frozenset({TEACHER})),
)}

STATUS_TITLES = {
    DRAFT: "черновик", SUBMITTED: "подано", UNDER_REVIEW: "на рассмотрении",
    RETURNED: "возвращено на доработку", ACCEPTED: "принято организацией",
    SENT: "отправлено в госуслугу", STATE_ACCEPTED: "принято госуслугой",
    STATE_REFUSED: "отказ госуслуги", WITHDRAWN: "отозвано",
}


class TransitionRefused(Exception):
    """``kind`` is "illegal" (wrong state) or "forbidden" (wrong actor); ``details`` for the client."""

    def __init__(self, kind: str, message: str, details: dict):
        super().__init__(message)
        self.kind, self.message, self.details = kind, message, details


def allowed_actions(status: str, by: str | None = None) -> list[str]:
    return sorted(a for a, t in TRANSITIONS.items()
                  if status in t.sources and (by is None or by in t.by))


def transition(status: str, action: str, by: str) -> str:
    """The status after ``action`` by an actor of kind ``by``; raises ``TransitionRefused``."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status}")
    t = TRANSITIONS.get(action)
    if t is None:
        raise ValueError(f"unknown action {action}")
    if by not in t.by:
        raise TransitionRefused("forbidden", "Это действие вам недоступно",
                                {"action": action, "actor": by})
    if status not in t.sources:
        raise TransitionRefused(
            "illegal",
            f"Действие невозможно: заявление в статусе «{STATUS_TITLES[status]}»",
            {"from": status, "action": action, "allowed": allowed_actions(status)})
    return t.target


# --------------------------------------------------------------------------- eligibility

@dataclass
class Profile:
    """What eligibility needs from the staff profile (organizations service)."""
    iin: str | None
    experience_years: float | None
    current_category: str | None
    category_valid_until: date | None
    is_first_head: bool = False


@dataclass
class Eligibility:
    eligible: bool
    reasons: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    early: bool = False

    def to_dict(self) -> dict:
        return {"eligible": self.eligible, "reasons": self.reasons, "warnings": self.warnings,
                "early": self.early}


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def check_eligibility(edition: RulesEdition, profile: Profile, target_code: str, today: date,
                      active_applications: int = 0, declared_achievements: int | None = None
                      ) -> Eligibility:
    """Every reason the request is refused (``target_code`` must be a known category)."""
    reasons, warnings = [], []

    def reason(code, message, **details):
        reasons.append({"code": code, "message": message, **({"details": details} if details else {})})

    target = edition.category(target_code)
    if target is None:
        raise ValueError(f"unknown category {target_code}")
    current = edition.category(profile.current_category) if profile.current_category else None
    current_rank = current["rank"] if current else 0
    early = False

    if not profile.iin:
        reason("PROFILE_INCOMPLETE", "В профиле нет ИИН: обратитесь к администратору организации")
    if not target.get("attestable"):
        reason("CATEGORY_NOT_ATTESTABLE", f"На категорию «{target['title_ru']}» аттестация не проводится")
    elif target["rank"] <= current_rank:
        reason("ALREADY_HAS_CATEGORY",
               f"Категория «{target['title_ru']}» не выше вашей текущей категории",
               current_category=profile.current_category)
    elif target["rank"] != current_rank + 1 and not profile.is_first_head:
        expected = next(c for c in edition.data["categories"] if c["rank"] == current_rank + 1)
        reason("NOT_NEXT_CATEGORY",
               f"Категории присваиваются последовательно: следующая для вас — «{expected['title_ru']}»",
               next_category=expected["code"])

    min_exp = target.get("min_experience_years")
    if min_exp is not None:
        if profile.experience_years is None:
            reason("EXPERIENCE_UNKNOWN", "В профиле не указан педагогический стаж")
        elif profile.experience_years < min_exp:
            reason("INSUFFICIENT_EXPERIENCE",
                   f"Для категории «{target['title_ru']}» нужен стаж не менее {min_exp} лет",
                   required_years=min_exp, actual_years=profile.experience_years)

    if current and current["rank"] > 0 and profile.category_valid_until is not None:
        validity = edition.data["category_validity_years"]
        assigned = _add_years(profile.category_valid_until, -validity)
        if profile.category_valid_until < today:
            warnings.append({"code": "CURRENT_CATEGORY_EXPIRED",
                             "message": "Срок действия текущей категории истёк"})
        elif target.get("attestable") and target["rank"] > current_rank:
            early = True
            min_years = edition.data["early_attestation_min_years"]
            need = target.get("early_min_achievements")
            if need is None:
                reason("EARLY_NOT_AVAILABLE",
                       f"Текущая категория действует до {profile.category_valid_until.isoformat()}; "
                       f"досрочная аттестация на «{target['title_ru']}» не предусмотрена",
                       valid_until=profile.category_valid_until.isoformat())
            else:
                if today < _add_years(assigned, min_years):
                    reason("EARLY_TOO_SOON",
                           f"Досрочная аттестация возможна не ранее чем через {min_years} года после "
                           f"предыдущей (с {_add_years(assigned, min_years).isoformat()})",
                           earliest=_add_years(assigned, min_years).isoformat())
                if (declared_achievements or 0) < need:
                    reason("EARLY_NOT_ENOUGH_ACHIEVEMENTS",
                           f"Для досрочной аттестации нужно не менее {need} достижений из перечня",
                           required=need, declared=declared_achievements or 0)

    if active_applications:
        reason("ACTIVE_APPLICATION_EXISTS", "У вас уже есть заявление в текущем цикле аттестации")
    return Eligibility(not reasons, reasons, warnings, early)


# --------------------------------------------------------------------------- completeness

def completeness(checklist: list[dict], documents: list[dict], item_flags: dict,
                 has_category: bool) -> dict:
    """``documents``: ``[{id, item_code, head_signed}]``; ``item_flags``:
    ``{item_code: {"in_state_systems": bool}}``. Everything missing, not just the first."""
    by_item: dict[str, list[dict]] = {}
    for d in documents:
        by_item.setdefault(d["item_code"], []).append(d)
    items, missing, unsigned = [], [], []
    for item in checklist:
        docs = by_item.get(item["code"], [])
        req = item["requirement"]
        in_state = bool((item_flags or {}).get(item["code"], {}).get("in_state_systems"))
        required = (req == "mandatory" or (req == "if_not_in_state_systems" and not in_state)
                    or (req == "if_has_category" and has_category))
        present = bool(docs)
        needs_head = [d for d in docs if item["head_certification"] and not d.get("head_signed")]
        if required and not present:
            missing.append(item["code"])
        for d in needs_head:
            unsigned.append({"portfolio_document_id": str(d["id"]), "item_code": item["code"]})
        items.append({**item, "required": required, "in_state_systems": in_state,
                      "documents_count": len(docs), "awaiting_head_signature": len(needs_head),
                      "satisfied": (present or not required) and not needs_head})
    titles = {i["code"]: i["title_ru"] for i in checklist}
    reasons = [{"code": "ITEM_MISSING", "item_code": c,
                "message": f"Не приложен документ: {titles[c]}"} for c in missing]
    reasons += [{"code": "HEAD_SIGNATURE_MISSING", "item_code": u["item_code"],
                 "portfolio_document_id": u["portfolio_document_id"],
                 "message": f"Нет подписи руководителя: {titles[u['item_code']]}"} for u in unsigned]
    return {"complete": not reasons, "missing_items": missing, "awaiting_head_signature": unsigned,
            "reasons": reasons, "items": items}


# --------------------------------------------------------------------------- canonical rendering

CANONICAL_TYPE = "pedatt.attestation_application"
CANONICAL_FORMAT = 1


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, float):
        raise ValueError("floats are not canonical; use strings")
    return str(value)


def canonical_document(*, application_id, edition: dict, form: dict, target_category: str,
                       documents: list[dict], item_flags: dict, submission_number: int,
                       rules_acknowledged_at) -> dict:
    portfolio = {}
    for d in documents:
        portfolio.setdefault(d["item_code"], []).append(
            {"document_id": str(d["document_id"]), "filename": d.get("filename"),
             "sha256": d.get("sha256")})
    for docs in portfolio.values():
        docs.sort(key=lambda x: x["document_id"])
    flags = {k: bool(v.get("in_state_systems")) for k, v in sorted((item_flags or {}).items())
             if v.get("in_state_systems")}
    return _jsonable({
        "type": CANONICAL_TYPE, "format": CANONICAL_FORMAT,
        "application_id": str(application_id), "submission_number": submission_number,
        "rules_edition": {k: edition.get(k) for k in ("code", "order_number", "order_date", "url")},
        "rules_acknowledged_at": rules_acknowledged_at,
        "target_category": target_category, "form": form,
        "portfolio": [{"item_code": k, "documents": portfolio[k]} for k in sorted(portfolio)],
        "in_state_systems": flags,
    })


def canonical_bytes(doc: dict) -> bytes:
    """Deterministic bytes: sorted keys, no insignificant whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- changes since submission

def portfolio_snapshot(documents: list[dict], item_flags: dict, form: dict) -> dict:
    return {"documents": sorted(({"document_id": str(d["document_id"]), "item_code": d["item_code"]}
                                 for d in documents), key=lambda x: (x["item_code"], x["document_id"])),
            "item_flags": {k: bool(v.get("in_state_systems")) for k, v in (item_flags or {}).items()},
            "form": dict(form or {})}


def changes_since(previous: dict | None, current: dict) -> dict | None:
    """What changed since the last submission (for reviewers of a resubmitted application)."""
    if previous is None:
        return None
    prev_docs = {(d["item_code"], d["document_id"]) for d in previous.get("documents", [])}
    cur_docs = {(d["item_code"], d["document_id"]) for d in current.get("documents", [])}
    added = [{"item_code": i, "document_id": d} for i, d in sorted(cur_docs - prev_docs)]
    removed = [{"item_code": i, "document_id": d} for i, d in sorted(prev_docs - cur_docs)]
    form_changed = sorted(k for k in set(previous.get("form", {})) | set(current.get("form", {}))
                          if previous.get("form", {}).get(k) != current.get("form", {}).get(k))
    flags_changed = sorted(k for k in set(previous.get("item_flags", {})) | set(current.get("item_flags", {}))
                           if bool(previous.get("item_flags", {}).get(k)) != bool(current.get("item_flags", {}).get(k)))
    return {"documents_added": added, "documents_removed": removed, "form_fields_changed": form_changed,
            "item_flags_changed": flags_changed,
            "changed": bool(added or removed or form_changed or flags_changed)}


HEAD_SIGNING_ROLES = ("director", "can_sign")


def head_signer(signers: list[dict], authority: dict) -> dict | None:
    """The valid signer who is the organization's head: the director's IIN on a legal-entity
    certificate of the organization's BIN with a signing role. ``signers`` as the documents
    service summarizes them (``iin``, ``bin``, ``roles``, ``subject_type``, ``valid``);
    ``authority`` as organizations gives it (``bin``, ``director_iin``)."""
    iin, bin_ = authority.get("director_iin"), authority.get("bin")
    if not iin or not bin_:
        return None
    return next((s for s in signers
                 if s.get("valid") and s.get("iin") == iin and s.get("bin") == bin_
                 and s.get("subject_type") == "legal_entity"
                 and set(s.get("roles") or ()) & set(HEAD_SIGNING_ROLES)), None)
