"""IIN (individuals) and BIN (legal entities) of Kazakhstan: 12 digits with a check digit."""
import re
from datetime import date

_W1 = range(1, 12)
_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_DIGITS = re.compile(r"^\d{12}$")


def check_digit(first11: str) -> int | None:
    """The 12th digit for ``first11``, or None when no valid number has these 11 digits."""
    d = [int(c) for c in first11]
    s = sum(x * w for x, w in zip(d, _W1)) % 11
    if s == 10:
        s = sum(x * w for x, w in zip(d, _W2)) % 11
    return None if s == 10 else s


def is_valid(number: str) -> bool:
    """Format and checksum (the same algorithm for IIN and BIN)."""
    if not isinstance(number, str) or not _DIGITS.match(number):
        return False
    return check_digit(number[:11]) == int(number[11])


def iin_warnings(iin: str) -> list[str]:
    """Odd birth date or century digit: only warnings (foreigners' and old IINs break them)."""
    warnings = []
    century = int(iin[6])
    if century not in range(1, 7):
        warnings.append("Неожиданная цифра века/пола в ИИН")
        return warnings
    year = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}[century] + int(iin[0:2])
    try:
        date(year, int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        warnings.append("Дата рождения в ИИН выглядит необычно")
    return warnings


def make_valid(prefix11: str) -> str | None:
    """Complete 11 digits into a valid number (demo data and tests)."""
    digit = check_digit(prefix11)
    return None if digit is None else prefix11 + str(digit)
