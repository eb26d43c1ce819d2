"""Reading the applications and documents services' answers into the shapes the review rules
and the state-service package use (their contract: services/applications/README.md,
services/documents/README.md). Plain functions, no I/O."""


def _first(mapping: dict, *keys, default=None):
    for key in keys:
        if isinstance(mapping, dict) and mapping.get(key) is not None:
            return mapping[key]
    return default


def checklist_items(application: dict) -> list[dict]:
    """``[{code, title, required, head_certification}]`` for the application's category
    (``portfolio`` of applications.get_application: the checklist items with their documents)."""
    raw = application.get("portfolio") or application.get("checklist") or []
    items = []
    for item in raw:
        if "code" not in item:
            continue
        required = item.get("required")
        if required is None:
            required = item.get("requirement") == "mandatory"
        items.append({"code": item["code"], "title": _first(item, "title_ru", "title", default=item["code"]),
                      "required": bool(required),
                      "head_certification": bool(item.get("head_certification"))})
    return items


def submission_number(application: dict) -> int | None:
    sub = application.get("submission") or {}
    return _first(sub, "number") or application.get("submission_count") \
        or application.get("submission_number")


def portfolio_documents(application: dict) -> list[dict]:
    """``[{portfolio_document_id, document_id, item_code, head_signed, head_signature_id}]``."""
    portfolio = application.get("portfolio") or application.get("documents") or []
    if isinstance(portfolio, dict):
        portfolio = portfolio.get("documents") or portfolio.get("items") or []
    out = []
    for entry in portfolio:
        if "documents" in entry and isinstance(entry["documents"], list):  # grouped by item
            for d in entry["documents"]:
                out.append(_portfolio_doc(d, entry.get("code") or entry.get("item_code")))
        else:
            out.append(_portfolio_doc(entry, entry.get("item_code")))
    return out


def _portfolio_doc(d: dict, item_code) -> dict:
    return {"portfolio_document_id": str(_first(d, "id", "portfolio_document_id", default="")),
            "document_id": str(_first(d, "document_id", "id")),
            "item_code": d.get("item_code") or item_code,
            "version": _first(d, "document_version", "version"),
            "head_signed": bool(d.get("head_signed")),
            "head_signer_iin": d.get("head_signer_iin"),
            "head_signature_id": _first(d, "head_signature_id", "signature_id")}


def application_signature(application: dict) -> dict:
    """``{kind: "eds"|"paper", valid, signer_iin}`` of the application itself (the
    ``submission`` of applications.get_application)."""
    sub = application.get("submission") or {}
    kind = sub.get("signature_kind") or "eds"
    report = sub.get("signature") or {}
    if kind == "paper":
        return {"kind": "paper", "valid": bool(report.get("document_id")), "signer_iin": None,
                "canonical_sha256": sub.get("canonical_sha256")}
    signers = report.get("signers") or []
    return {"kind": kind, "valid": bool(report.get("valid")),
            "signer_iin": next((x.get("iin") for x in signers if x.get("iin")), None),
            "signers": signers, "moment": report.get("moment"),
            "canonical_sha256": sub.get("canonical_sha256")}


def signature_summary(report: dict) -> dict:
    signers = []
    for s in report.get("signers") or []:
        ident = s.get("identity") or s  # full report or the documents service's summary
        signers.append({"iin": ident.get("iin"), "bin": ident.get("bin"),
                        "name": ident.get("common_name"), "roles": ident.get("roles") or [],
                        "subject_type": ident.get("subject_type"), "valid": s.get("valid")})
    return {"id": report.get("id"), "valid": bool(report.get("valid")),
            "reason_code": report.get("reason_code"), "reason": report.get("reason"),
            "moment": report.get("moment"), "signers": signers}


def head_signature(signatures: list[dict], head_signature_id=None) -> dict | None:
    """The head's (legal entity: director / authorized signer) signature among the reports."""
    if head_signature_id:
        for s in signatures:
            if str(s.get("id")) == str(head_signature_id):
                return s
    for s in signatures:
        if any(x.get("subject_type") == "legal_entity" or
               {"director", "can_sign"} & set(x.get("roles") or []) for x in s.get("signers", [])):
            return s
    return None


def enrich_documents(portfolio: list[dict], documents: dict[str, dict]) -> list[dict]:
    """Join portfolio entries with the documents service's records and signature reports."""
    out = []
    for p in portfolio:
        doc = documents.get(p["document_id"]) or {}
        sigs = [signature_summary(s) for s in doc.get("signatures") or []]
        head = head_signature(sigs, p.get("head_signature_id"))
        out.append({**p, "filename": doc.get("filename"), "content_type": doc.get("content_type"),
                    "size": doc.get("size"), "sha256": doc.get("sha256"),
                    "version": p.get("version") or doc.get("current_version"), "signatures": sigs,
                    "head_signature": head,
                    "head_signed": p["head_signed"] or bool(head and head["valid"])})
    return out


def build_package(application: dict, items: list[dict], documents: list[dict],
                  app_signature: dict, organization: dict) -> dict:
    """The portfolio as the state service receives it (links to the bytes are added at send)."""
    form = application.get("form") or {}
    return {
        "format": 1,
        "service": "Приём документов для прохождения аттестации педагогов",
        "application": {
            "id": str(application.get("id")),
            "submission_number": submission_number(application),
            "target_category": application.get("target_category"),
            "edition_code": application.get("edition_code"),
            "canonical_sha256": app_signature.get("canonical_sha256")
            or application.get("canonical_sha256"),
            "form": form,
            "signature": app_signature,
        },
        "organization": organization,
        "checklist": [{"code": i["code"], "title": i["title"], "mandatory": i["required"]}
                      for i in items],
        "documents": [{"document_id": d["document_id"], "version": d.get("version"),
                       "item_code": d["item_code"], "filename": d.get("filename"),
                       "content_type": d.get("content_type"), "size": d.get("size"),
                       "sha256": d.get("sha256"),
                       "signatures": [{"valid": s["valid"], "reason_code": s["reason_code"],
                                       "signers": s["signers"]} for s in d["signatures"]]}
                      for d in documents],
    }
