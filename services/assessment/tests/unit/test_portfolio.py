"""The applications and documents services' answers (their README contracts) read into the
review sheet and the state-service package."""
from assessment import domain, portfolio

APPLICATION = {
    "id": "a1", "status": "under_review", "target_category": "pedagog_expert",
    "edition_code": "533-2025", "submission_count": 2,
    "form": {"full_name": "Тестова Айгуль", "iin": "900512400011", "organization_bin": "940140000385"},
    "portfolio": [
        {"code": "identity_document", "title_ru": "Удостоверение личности", "requirement": "mandatory",
         "head_certification": True, "required": True,
         "documents": [{"id": "p1", "item_code": "identity_document", "document_id": "d1",
                        "document_version": 1, "filename": "id.pdf", "head_signed": True,
                        "head_signer_iin": "750220300011"}], "remarks": []},
        {"code": "essay", "title_ru": "Эссе", "requirement": "mandatory", "head_certification": False,
         "required": True, "documents": [{"id": "p2", "item_code": "essay", "document_id": "d2",
                                          "document_version": 3, "head_signed": False}]},
        {"code": "retraining_certificate", "title_ru": "Переподготовка", "requirement": "if_any",
         "head_certification": False, "required": False, "documents": []},
    ],
    "submission": {"number": 2, "canonical_sha256": "ab" * 32, "signature_kind": "eds",
                   "signature": {"valid": True, "reason_code": None,
                                 "signers": [{"iin": "900512400011", "valid": True}]}},
}
DOCUMENTS = {
    "d1": {"id": "d1", "filename": "id.pdf", "content_type": "application/pdf", "size": 10,
           "sha256": "11" * 32, "current_version": 1,
           "signatures": [{"id": "s1", "valid": True, "reason_code": None,
                           "signers": [{"iin": "750220300011", "bin": "940140000385",
                                        "roles": ["director"], "subject_type": "legal_entity",
                                        "valid": True}]}]},
    "d2": {"id": "d2", "filename": "essay.pdf", "size": 20, "sha256": "22" * 32,
           "current_version": 3, "signatures": []},
}


def test_checklist_and_documents_from_the_application():
    items = portfolio.checklist_items(APPLICATION)
    assert [(i["code"], i["required"], i["head_certification"]) for i in items] == [
        ("identity_document", True, True), ("essay", True, False),
        ("retraining_certificate", False, False)]
    docs = portfolio.enrich_documents(portfolio.portfolio_documents(APPLICATION), DOCUMENTS)
    assert [(d["document_id"], d["item_code"], d["version"]) for d in docs] == [
        ("d1", "identity_document", 1), ("d2", "essay", 3)]
    assert docs[0]["head_signature"]["signers"][0]["roles"] == ["director"]
    assert docs[0]["head_signed"] and not docs[1]["head_signed"]
    assert portfolio.submission_number(APPLICATION) == 2


def test_application_signature_eds_and_paper():
    sig = portfolio.application_signature(APPLICATION)
    assert sig["kind"] == "eds" and sig["valid"] and sig["signer_iin"] == "900512400011"
    paper = portfolio.application_signature({"submission": {"signature_kind": "paper",
                                                            "signature": {"document_id": "x"}}})
    assert paper == {"kind": "paper", "valid": True, "signer_iin": None, "canonical_sha256": None}
    assert not portfolio.application_signature({})["valid"]


def test_package_and_blockers_agree():
    items = portfolio.checklist_items(APPLICATION)
    docs = portfolio.enrich_documents(portfolio.portfolio_documents(APPLICATION), DOCUMENTS)
    sig = portfolio.application_signature(APPLICATION)
    marks = {"identity_document": {"verdict": "ok"}, "essay": {"verdict": "ok"}}
    assert domain.accept_blockers(items, docs, marks, sig) == []
    package = portfolio.build_package(APPLICATION, items, docs, sig,
                                      {"id": "org", "bin": "940140000385"})
    assert package["application"]["submission_number"] == 2
    assert package["application"]["canonical_sha256"] == "ab" * 32
    assert [c["code"] for c in package["checklist"] if c["mandatory"]] == ["identity_document", "essay"]
    assert [(d["document_id"], d["sha256"], d["size"]) for d in package["documents"]] == [
        ("d1", "11" * 32, 10), ("d2", "22" * 32, 20)]
    assert package["documents"][0]["signatures"][0]["valid"] is True
