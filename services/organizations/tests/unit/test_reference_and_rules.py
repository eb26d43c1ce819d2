"""Reference data and cross-field profile rules (no broker, no database)."""
from datetime import date, timedelta

import pytest

from organizations import reference
from organizations.schemas import ProfileSchema, check_profile_consistency


def test_category_codes_are_the_shared_contract():
    assert [c["code"] for c in reference.categories()] == [
        "pedagog_stazher", "pedagog", "pedagog_moderator", "pedagog_expert",
        "pedagog_issledovatel", "pedagog_master"]
    assert reference.category_title("pedagog_moderator") == "педагог-модератор"
    assert reference.organization_level_categories() == ["pedagog_moderator"]


def test_reference_lists_have_unique_codes_and_russian_titles():
    for items in (reference.positions(), reference.regions(), reference.organization_types()):
        codes = [i["code"] for i in items]
        assert len(codes) == len(set(codes))
        assert all(i["title_ru"] for i in items)
    assert reference.position_title("teacher") == "Учитель"


def test_consistency_rules():
    today = date.today()
    assert check_profile_consistency({"total_experience_years": 5, "teaching_experience_years": 6})
    assert check_profile_consistency({"category_order_date": today,
                                      "category_valid_until": today - timedelta(days=1)})
    assert check_profile_consistency({"category_order_date": today + timedelta(days=1)})
    assert check_profile_consistency({"total_experience_years": 6, "teaching_experience_years": 6}) == {}


def test_schema_messages_are_russian():
    from marshmallow import ValidationError
    with pytest.raises(ValidationError) as err:
        ProfileSchema().load({"subjects": "x", "total_experience_years": "a", "what": 1},
                             partial=True)
    messages = err.value.messages
    assert messages["subjects"] == ["Ожидается список"]
    assert messages["total_experience_years"] == ["Ожидается целое число"]
    assert messages["what"] == ["Неизвестное поле"]
