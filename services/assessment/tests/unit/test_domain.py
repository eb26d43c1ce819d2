import random

import pytest

from assessment import domain

ITEMS = [
    {"code": "application", "title": "Заявление", "required": True, "head_certification": False},
    {"code": "diploma", "title": "Диплом", "required": True, "head_certification": True},
    {"code": "retraining", "title": "Переподготовка", "required": False, "head_certification": False},
]
DOCS = [
    {"document_id": "d1", "item_code": "application", "filename": "app.pdf"},
    {"document_id": "d2", "item_code": "diploma", "filename": "dip.pdf", "head_signed": True,
     "head_signature": {"valid": True}},
]
SIGNED = {"kind": "eds", "valid": True}


def ok(*codes):
    return {c: {"verdict": "ok", "text": None} for c in codes}


def test_mark_validation():
    assert domain.validate_mark("ok", "  ") is None
    assert domain.validate_mark("remark", " нет печати ") == "нет печати"
    with pytest.raises(ValueError, match="текст"):
        domain.validate_mark("remark", "  ")
    with pytest.raises(ValueError):
        domain.validate_mark("maybe", None)
    with pytest.raises(ValueError):
        domain.validate_mark("remark", "x" * 2001)


def test_return_needs_a_remark():
    assert domain.return_blockers(ok("application"))[0]["code"] == "NO_REMARKS"
    marks = {**ok("application"), "diploma": {"verdict": "remark", "text": "плохой скан"}}
    assert domain.return_blockers(marks) == []
    assert domain.remarks_of(marks) == [{"item_code": "diploma", "text": "плохой скан"}]


def test_accept_when_everything_is_in_order():
    assert domain.accept_blockers(ITEMS, DOCS, ok("application", "diploma"), SIGNED) == []


def test_accept_lists_every_blocker():
    docs = [{"document_id": "d2", "item_code": "diploma", "filename": "dip.pdf",
             "head_signed": False}]
    marks = {"diploma": {"verdict": "remark", "text": "нет печати"}}
    blockers = domain.accept_blockers(ITEMS, docs, marks, {"kind": "eds", "valid": False})
    codes = sorted(b["code"] for b in blockers)
    assert codes == ["APPLICATION_SIGNATURE_INVALID", "HEAD_SIGNATURE_MISSING", "ITEM_HAS_REMARK",
                     "ITEM_MISSING", "ITEM_NOT_CHECKED"]
    assert all(b["message"] for b in blockers)


def test_invalid_head_signature_blocks():
    docs = [DOCS[0], {**DOCS[1], "head_signature": {"valid": False}}]
    blockers = domain.accept_blockers(ITEMS, docs, ok("application", "diploma"), SIGNED)
    assert [b["code"] for b in blockers] == ["HEAD_SIGNATURE_INVALID"]


def test_paper_application_needs_no_eds():
    assert domain.accept_blockers(ITEMS, DOCS, ok("application", "diploma"), {"kind": "paper"}) == []


def test_backoff_grows_with_jitter_and_caps():
    policy = domain.RetryPolicy(base=1, cap=30, max_attempts=5)
    rng = random.Random(1)
    for attempt, step in [(1, 1), (2, 2), (3, 4), (4, 8), (6, 30), (20, 30)]:
        delays = [policy.delay(attempt, rng) for _ in range(200)]
        assert all(step / 2 <= d <= step for d in delays)
        assert max(delays) - min(delays) > step / 4  # really jittered
    assert not policy.gives_up(4) and policy.gives_up(5)


def test_message_id_is_stable_per_submission():
    a = domain.message_id_for("11111111-1111-1111-1111-111111111111", 2)
    assert a == domain.message_id_for("11111111-1111-1111-1111-111111111111", 2)
    assert a != domain.message_id_for("11111111-1111-1111-1111-111111111111", 3)
