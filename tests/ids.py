"""Fresh, valid identifiers for tests that need a new person or organization."""
import random

from pedatt_common.kz_ids import make_valid


def valid(prefix_fn) -> str:
    """A valid number from 11 digits that ``prefix_fn`` keeps proposing."""
    while True:  # about one 11-digit prefix in eleven has no valid check digit
        number = make_valid(prefix_fn())
        if number:
            return number


def random_iin() -> str:
    return valid(lambda: f"{random.randint(60, 99)}{random.randint(1, 12):02d}"
                          f"{random.randint(1, 28):02d}{random.choice('34')}{random.randint(0, 9999):04d}")


def random_bin() -> str:
    return valid(lambda: f"{random.randint(0, 25):02d}{random.randint(1, 12):02d}40"
                          f"{random.randint(0, 99999):05d}")
