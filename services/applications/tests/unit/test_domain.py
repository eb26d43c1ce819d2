"""The applications domain as plain Python: rules edition, state machine, eligibility,
completeness, canonical rendering."""
import json
from datetime import date
from itertools import product

import pytest

from applications import domain as d

EDITIONS = d.load_editions()
ED = d.current_edition(EDITIONS, date(2026, 12, 4))

# The full table of legal moves: (status, action, actor kind) -> new status. Everything else refused.
LEGAL = {
    ("draft", "submit", "teacher"): "submitted",
    ("returned_for_rework", "submit", "teacher"): "submitted",
    ("submitted", "take_for_review", "reviewer"): "under_review",
    ("under_review", "return_for_rework", "reviewer"): "returned_for_rework",
    ("under_review", "accept", "reviewer"): "accepted",
    ("accepted", "send_to_state_service", "reviewer"): "sent_to_state_service",
    ("accepted", "send_to_state_service", "system"): "sent_to_state_service",
    ("sent_to_state_service", "state_accept", "system"): "state_accepted",
    ("sent_to_state_service", "state_refuse", "system"): "state_refused",
    ("draft", "withdraw", "teacher"): "withdrawn",
    ("submitted", "withdraw", "teacher"): "withdrawn",
    ("under_review", "withdraw", "teacher"): "withdrawn",
    ("returned_for_rework", "withdraw", "teacher"): "withdrawn",
}
ACTORS = ("teacher", "reviewer", "system")


@pytest.mark.parametrize("status,action,by", list(product(d.STATUSES, d.TRANSITIONS, ACTORS)))
def test_every_status_action_actor_combination(status, action, by):
    expected = LEGAL.get((status, action, by))
    if expected is not None:
        assert d.transition(status, action, by) == expected
        return
    with pytest.raises(d.TransitionRefused) as info:
        d.transition(status, action, by)
    if by in d.TRANSITIONS[action].by:
        assert info.value.kind == "illegal"
        assert info.value.details["from"] == status
        assert info.value.details["allowed"] == d.allowed_actions(status)
        assert "Действие невозможно" in info.value.message
    else:
        assert info.value.kind == "forbidden"


def test_full_lifecycle_with_two_rework_rounds():
    s = "draft"
    for action, by in [("submit", "teacher"), ("take_for_review", "reviewer"),
                       ("return_for_rework", "reviewer"), ("submit", "teacher"),
                       ("take_for_review", "reviewer"), ("return_for_rework", "reviewer"),
                       ("submit", "teacher"), ("take_for_review", "reviewer"), ("accept", "reviewer"),
                       ("send_to_state_service", "system"), ("state_refuse", "system")]:
        s = d.transition(s, action, by)
    assert s == "state_refused"


def test_final_statuses_have_no_way_out():
    for status in d.FINAL:
        assert d.allowed_actions(status) == []


def test_unknown_status_or_action_is_a_bug():
    with pytest.raises(ValueError):
        d.transition("nope", "submit", "teacher")
    with pytest.raises(ValueError):
        d.transition("draft", "nope", "teacher")


def test_no_withdrawal_after_the_decision():
    for status in ("accepted", "sent_to_state_service", "state_accepted", "state_refused"):
        assert "withdraw" not in d.allowed_actions(status)


# --------------------------------------------------------------------------- rules edition

def test_current_edition_cites_order_533():
    s = ED.summary()
    assert s["order_number"] == "533" and s["order_date"] == "2022-12-30"
    assert s["url"] == "https://adilet.zan.kz/rus/docs/V2200031490"
    assert ED.category_codes == ["pedagog_stazher", "pedagog", "pedagog_moderator", "pedagog_expert",
                                 "pedagog_issledovatel", "pedagog_master"]


def test_checklist_per_category():
    moderator = {i["code"]: i for i in ED.checklist("pedagog_moderator")}
    assert moderator["identity_document"]["requirement"] == "mandatory"
    assert moderator["identity_document"]["head_certification"] is True
    assert moderator["education_diploma"]["requirement"] == "if_not_in_state_systems"
    assert moderator["retraining_certificate"]["requirement"] == "if_any"
    assert "application/pdf" in moderator["essay"]["accepted_types"]
    assert moderator["knowledge_test_certificate"]["requirement"] == "mandatory"
    assert moderator["identity_document"]["title_kk"]
    # the first category needs no knowledge test
    assert "knowledge_test_certificate" not in {i["code"] for i in ED.checklist("pedagog")}
    assert set(ED.to_dict()["checklist"]) == set(ED.category_codes) - {"pedagog_stazher"}


def test_edition_validation_refuses_broken_files():
    good = json.loads(json.dumps(ED.data))
    d.validate_edition(good)
    for breakage in (lambda x: x.pop("url"),
                     lambda x: x["items"].append(dict(x["items"][0])),
                     lambda x: x["items"][0]["requirement"].update({"*": "sometimes"}),
                     lambda x: x["items"][0]["requirement"].update({"nope": "mandatory"}),
                     lambda x: x["categories"][1].update({"rank": 7}),
                     lambda x: x["items"][0].update({"file_types": "video"})):
        bad = json.loads(json.dumps(ED.data))
        breakage(bad)
        with pytest.raises(d.RulesError):
            d.validate_edition(bad)


def test_current_edition_picks_newest_effective(tmp_path):
    old = json.loads(json.dumps(ED.data)) | {"code": "old", "effective_from": "2023-01-01"}
    future = json.loads(json.dumps(ED.data)) | {"code": "future", "effective_from": "2030-01-01"}
    for e in (old, future):
        (tmp_path / f"{e['code']}.json").write_text(json.dumps(e))
    eds = d.load_editions(tmp_path)
    assert d.current_edition(eds, date(2026, 1, 1)).code == "old"
    assert d.current_edition(eds, date(2030, 1, 1)).code == "future"


# --------------------------------------------------------------------------- eligibility

TODAY = date(2026, 12, 4)


def profile(**kw):
    base = dict(iin="880101300123", experience_years=6, current_category="pedagog",
                category_valid_until=date(2026, 1, 1))
    base.update(kw)
    return d.Profile(**base)


def codes(result):
    return [r["code"] for r in result.reasons]


def test_next_category_with_expired_current_is_eligible_with_a_warning():
    r = d.check_eligibility(ED, profile(), "pedagog_moderator", TODAY)
    assert r.eligible and r.reasons == []
    assert [w["code"] for w in r.warnings] == ["CURRENT_CATEGORY_EXPIRED"]


def test_skipping_a_step_is_refused_but_not_for_a_first_head():
    r = d.check_eligibility(ED, profile(), "pedagog_expert", TODAY)
    assert codes(r) == ["NOT_NEXT_CATEGORY"]
    assert r.reasons[0]["details"]["next_category"] == "pedagog_moderator"
    assert d.check_eligibility(ED, profile(is_first_head=True), "pedagog_expert", TODAY).eligible


def test_every_reason_is_reported_at_once():
    p = profile(iin=None, experience_years=0.5, current_category="pedagog",
                category_valid_until=date(2030, 6, 1))
    r = d.check_eligibility(ED, p, "pedagog_issledovatel", TODAY, active_applications=1)
    assert codes(r) == ["PROFILE_INCOMPLETE", "NOT_NEXT_CATEGORY", "INSUFFICIENT_EXPERIENCE",
                        "EARLY_TOO_SOON", "EARLY_NOT_ENOUGH_ACHIEVEMENTS",
                        "ACTIVE_APPLICATION_EXISTS"]
    assert not r.eligible and r.early
    assert all(x["message"] for x in r.reasons)


def test_same_or_lower_and_non_attestable_categories():
    assert codes(d.check_eligibility(ED, profile(), "pedagog", TODAY)) == ["ALREADY_HAS_CATEGORY"]
    assert "CATEGORY_NOT_ATTESTABLE" in codes(d.check_eligibility(ED, profile(), "pedagog_stazher", TODAY))


def test_unknown_experience():
    assert codes(d.check_eligibility(ED, profile(experience_years=None), "pedagog_moderator", TODAY)) \
        == ["EXPERIENCE_UNKNOWN"]


def test_early_attestation():
    # moderator valid until 2029 (assigned 2024-01-01): early to expert possible from 2026-01-01
    p = profile(current_category="pedagog_moderator", category_valid_until=date(2029, 1, 1))
    assert codes(d.check_eligibility(ED, p, "pedagog_expert", TODAY)) == ["EARLY_NOT_ENOUGH_ACHIEVEMENTS"]
    ok = d.check_eligibility(ED, p, "pedagog_expert", TODAY, declared_achievements=4)
    assert ok.eligible and ok.early
    # the first step has no early route
    p2 = profile(current_category="pedagog", category_valid_until=date(2029, 1, 1))
    assert codes(d.check_eligibility(ED, p2, "pedagog_moderator", TODAY, declared_achievements=9)) \
        == ["EARLY_NOT_AVAILABLE"]


def test_trainee_without_category_applies_for_pedagog():
    p = profile(current_category="pedagog_stazher", category_valid_until=None, experience_years=1)
    assert d.check_eligibility(ED, p, "pedagog", TODAY).eligible
    p = profile(current_category=None, category_valid_until=None, experience_years=1)
    assert d.check_eligibility(ED, p, "pedagog", TODAY).eligible


def test_unknown_target_is_a_caller_bug():
    with pytest.raises(ValueError):
        d.check_eligibility(ED, profile(), "pedagog_wizard", TODAY)


# --------------------------------------------------------------------------- completeness

def test_completeness_lists_everything_missing():
    checklist = ED.checklist("pedagog_moderator")
    c = d.completeness(checklist, [], {}, has_category=True)
    assert not c["complete"]
    assert set(c["missing_items"]) == {"identity_document", "education_diploma", "employment_record",
                                       "course_certificates", "current_category_certificate",
                                       "quality_indicators", "professional_achievements", "essay",
                                       "knowledge_test_certificate"}
    assert all(r["code"] == "ITEM_MISSING" for r in c["reasons"])


def test_completeness_state_systems_head_signatures_and_if_any():
    checklist = ED.checklist("pedagog")
    docs = [{"id": "a", "item_code": "identity_document", "head_signed": False},
            {"id": "b", "item_code": "course_certificates", "head_signed": True},
            {"id": "c", "item_code": "essay"}]
    flags = {"education_diploma": {"in_state_systems": True},
             "employment_record": {"in_state_systems": True}}
    c = d.completeness(checklist, docs, flags, has_category=False)
    assert c["missing_items"] == []
    assert c["awaiting_head_signature"] == [{"portfolio_document_id": "a", "item_code": "identity_document"}]
    assert [r["code"] for r in c["reasons"]] == ["HEAD_SIGNATURE_MISSING"]
    docs[0]["head_signed"] = True
    assert d.completeness(checklist, docs, flags, has_category=False)["complete"]
    # with a current category its certificate becomes required
    assert d.completeness(checklist, docs, flags, has_category=True)["missing_items"] == \
        ["current_category_certificate"]


# --------------------------------------------------------------------------- canonical rendering

def _canon(**over):
    kw = dict(application_id="0b6e", edition=ED.summary(),
              form={"full_name": "Тестов Тест", "iin": "880101300123", "email": "t@x.kz"},
              target_category="pedagog_moderator",
              documents=[{"document_id": "d2", "item_code": "essay", "filename": "эссе.pdf", "sha256": "aa"},
                         {"document_id": "d1", "item_code": "essay", "filename": "b.pdf", "sha256": "bb"}],
              item_flags={"education_diploma": {"in_state_systems": True}, "x": {"in_state_systems": False}},
              submission_number=1, rules_acknowledged_at="2026-12-01T10:00:00+00:00")
    kw.update(over)
    return d.canonical_bytes(d.canonical_document(**kw))


def test_canonical_bytes_are_deterministic_and_utf8():
    a = _canon()
    b = _canon(documents=list(reversed([{"document_id": "d2", "item_code": "essay", "filename": "эссе.pdf", "sha256": "aa"},
                                        {"document_id": "d1", "item_code": "essay", "filename": "b.pdf", "sha256": "bb"}])),
               form={"email": "t@x.kz", "iin": "880101300123", "full_name": "Тестов Тест"})
    assert a == b
    assert "Тестов".encode() in a and b" " not in a.replace("Тестов Тест".encode(), b"")
    doc = json.loads(a)
    assert doc["type"] == "pedatt.attestation_application"
    assert doc["in_state_systems"] == {"education_diploma": True}
    assert _canon(submission_number=2) != a
    assert len(d.sha256_hex(a)) == 64


def test_floats_are_not_canonical():
    with pytest.raises(ValueError):
        _canon(form={"experience": 1.5})


def test_changes_since_last_submission():
    before = d.portfolio_snapshot([{"document_id": "d1", "item_code": "essay"}], {}, {"email": "a"})
    after = d.portfolio_snapshot([{"document_id": "d2", "item_code": "essay"}],
                                 {"education_diploma": {"in_state_systems": True}}, {"email": "b"})
    ch = d.changes_since(before, after)
    assert ch["documents_added"] == [{"item_code": "essay", "document_id": "d2"}]
    assert ch["documents_removed"] == [{"item_code": "essay", "document_id": "d1"}]
    assert ch["form_fields_changed"] == ["email"]
    assert ch["item_flags_changed"] == ["education_diploma"]
    assert ch["changed"]
    assert d.changes_since(None, after) is None
    assert not d.changes_since(after, after)["changed"]


AUTHORITY = {"bin": "940140000385", "director_iin": "750220300123"}
HEAD = {"iin": "750220300123", "bin": "940140000385", "roles": ["director"],
        "subject_type": "legal_entity", "valid": True}


@pytest.mark.parametrize("signer, is_head", [
    (HEAD, True),
    ({**HEAD, "roles": ["can_sign"]}, True),
    ({**HEAD, "valid": False}, False),
    ({**HEAD, "iin": "880101300123"}, False),  # another person of the same organization
    ({**HEAD, "bin": "010140000123"}, False),  # the director of another organization
    ({**HEAD, "subject_type": "individual", "bin": None}, False),  # the director's personal key
    ({**HEAD, "roles": ["employee"]}, False),
])
def test_head_signer_is_the_director_on_the_organization_certificate(signer, is_head):
    teacher = {"iin": "880101300123", "bin": None, "roles": [], "subject_type": "individual",
               "valid": True}
    found = d.head_signer([teacher, signer], AUTHORITY)
    assert (found is signer) == is_head and (found is None) == (not is_head)


def test_no_head_signer_when_the_organization_has_no_director():
    assert d.head_signer([HEAD], {"bin": "940140000385", "director_iin": None}) is None
