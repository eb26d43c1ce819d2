"""The Kazakhstan working-day calendar (weekends and public holidays as data) and the state
service's term.

Rules: a filing received on a working day before the end of the working day (18:00 Astana time)
is received that day; one received later, or on a weekend or holiday, counts from the next
working day. The term (1 working day for "Приём документов для прохождения аттестации педагогов")
counts the day of receipt as its first day: the answer is due by the end of the
``term``-th working day starting with the day of receipt.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "kz_calendar.json"
STATE_SERVICE_TERM_DAYS = 1


class CalendarNotCovered(ValueError):
    """A date outside the years the calendar data covers: never guess."""


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: dict[date, str]
    transfers: dict[date, date]  # day off → the weekend day that became a working day
    weekend: frozenset[int]
    tz: timezone
    workday_end: time
    years: frozenset[int]

    @classmethod
    def from_data(cls, data: dict) -> "WorkingCalendar":
        holidays, transfers = {}, {}
        for year in data["years"].values():
            holidays.update({date.fromisoformat(d): name for d, name in year["holidays"].items()})
            transfers.update({date.fromisoformat(off): date.fromisoformat(work)
                              for off, work in year.get("transfers", {}).items()})
        sign = -1 if data["utc_offset"].startswith("-") else 1
        hours, minutes = (int(x) for x in data["utc_offset"].lstrip("+-").split(":"))
        return cls(holidays=holidays, transfers=transfers, weekend=frozenset(data["weekend"]),
                   tz=timezone(sign * timedelta(hours=hours, minutes=minutes)),
                   workday_end=time.fromisoformat(data["workday_end"]),
                   years=frozenset(int(y) for y in data["years"]))

    # -- days ------------------------------------------------------------------------
    def _check(self, day: date) -> None:
        if day.year not in self.years:
            raise CalendarNotCovered(f"Производственный календарь не содержит {day.year} год")

    def is_working_day(self, day: date) -> bool:
        self._check(day)
        if day in self.transfers:
            return False
        if day in set(self.transfers.values()):
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    # -- moments ---------------------------------------------------------------------
    def receipt_day(self, moment: datetime) -> date:
        """The working day a filing at ``moment`` counts from."""
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.is_working_day(day) and local.time() < self.workday_end:
            return day
        return self.next_working_day(day)

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, self.workday_end, tzinfo=self.tz)

    def due_at(self, filed_at: datetime, term_days: int = STATE_SERVICE_TERM_DAYS) -> datetime:
        """When the answer to a filing made at ``filed_at`` is due (end of working day)."""
        if term_days < 1:
            raise ValueError("term_days must be at least 1")
        first = self.receipt_day(filed_at)
        return self.end_of_day(self.add_working_days(first, term_days - 1))

    def is_overdue(self, due: datetime, now: datetime, answered_at: datetime | None = None) -> bool:
        return (answered_at or now) > due


@lru_cache(maxsize=1)
def kz_calendar() -> WorkingCalendar:
    return WorkingCalendar.from_data(json.loads(DATA_FILE.read_text(encoding="utf-8")))
