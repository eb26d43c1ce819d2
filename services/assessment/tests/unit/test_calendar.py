from datetime import date, datetime, timedelta, timezone

import pytest

from assessment.calendar import CalendarNotCovered, kz_calendar

ALMATY = timezone(timedelta(hours=5))
cal = kz_calendar()


@pytest.mark.parametrize("day, working", [
    ("2026-12-04", True),    # Friday
    ("2026-12-05", False),   # Saturday
    ("2026-12-16", False),   # Independence Day (Wednesday)
    ("2026-03-23", False),   # Nauryz (Monday)
    ("2026-03-24", False),   # Nauryz moved from the weekend
    ("2026-03-26", True),
    ("2026-05-27", False),   # Kurban Ait
    ("2027-01-04", False),   # 2 January 2027 is a Saturday: moved to Monday
    ("2027-05-16", False),   # Kurban Ait on a Sunday: not moved
    ("2027-05-17", True),
    ("2025-01-03", False),   # moved by decree to Sunday 5 January
    ("2025-01-05", True),
])
def test_working_days(day, working):
    assert cal.is_working_day(date.fromisoformat(day)) is working


def test_filing_in_working_hours_is_due_the_same_day():
    due = cal.due_at(datetime(2026, 12, 4, 10, 0, tzinfo=ALMATY))
    assert due == datetime(2026, 12, 4, 18, 0, tzinfo=ALMATY)


def test_filing_after_hours_counts_from_the_next_working_day():
    # Friday 19:00 → Monday; before 16 December (Wednesday holiday) → Thursday
    assert cal.due_at(datetime(2026, 12, 4, 19, 0, tzinfo=ALMATY)).date() == date(2026, 12, 7)
    assert cal.due_at(datetime(2026, 12, 15, 18, 0, tzinfo=ALMATY)).date() == date(2026, 12, 17)


def test_filing_on_a_holiday_weekend_skips_the_whole_break():
    # Saturday 21 March 2026: Nauryz 21-25 → Thursday 26 March
    assert cal.due_at(datetime(2026, 3, 21, 11, 0, tzinfo=ALMATY)).date() == date(2026, 3, 26)


def test_utc_moment_is_read_in_astana_time():
    # 12:30 UTC = 17:30 in Astana: still that day; 13:30 UTC = 18:30: next working day
    assert cal.due_at(datetime(2026, 12, 4, 12, 30, tzinfo=timezone.utc)).date() == date(2026, 12, 4)
    assert cal.due_at(datetime(2026, 12, 4, 13, 30, tzinfo=timezone.utc)).date() == date(2026, 12, 7)


def test_longer_term_and_overdue():
    filed = datetime(2026, 12, 15, 9, 0, tzinfo=ALMATY)
    due = cal.due_at(filed, term_days=3)
    assert due.date() == date(2026, 12, 18)  # 15, 17, 18 (16 is a holiday)
    assert not cal.is_overdue(due, now=due)
    assert cal.is_overdue(due, now=due + timedelta(minutes=1))
    assert not cal.is_overdue(due, now=due + timedelta(days=3), answered_at=due - timedelta(hours=1))


def test_working_days_between():
    assert cal.working_days_between(date(2026, 12, 14), date(2026, 12, 21)) == 4


def test_years_outside_the_data_are_refused():
    with pytest.raises(CalendarNotCovered):
        cal.is_working_day(date(2031, 1, 5))
