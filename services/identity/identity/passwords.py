"""Password hashing (argon2id) and the password policy."""
import re
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's argon2id baseline (m=19 MiB, t=2, p=1): ~20 ms here, and it runs in a native thread.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _hasher.hash("pedatt-dummy-password-for-timing")

MIN_LENGTH = 8
MAX_LENGTH = 128


def _offload(fn, *args):
    """argon2 releases the GIL: run it in eventlet's thread pool so other workers keep going."""
    try:
        from eventlet import patcher, tpool
        if patcher.is_monkey_patched("socket"):
            return tpool.execute(fn, *args)
    except ImportError:  # pragma: no cover
        pass
    return fn(*args)


def hash_password(password: str) -> str:
    return _offload(_hasher.hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-ish time: a missing hash still costs one verification."""
    def verify():
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return _offload(verify)


def policy_errors(password, *, login_values=()) -> list[str]:
    """Russian messages for every rule the password breaks (empty when it is acceptable)."""
    if not isinstance(password, str):
        return ["Пароль должен быть строкой"]
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"Пароль должен содержать не менее {MIN_LENGTH} символов")
    if len(password) > MAX_LENGTH:
        errors.append(f"Пароль должен содержать не более {MAX_LENGTH} символов")
    if not re.search(r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]", password):
        errors.append("Пароль должен содержать хотя бы одну букву")
    if not re.search(r"\d", password):
        errors.append("Пароль должен содержать хотя бы одну цифру")
    if password.strip() != password:
        errors.append("Пароль не должен начинаться или заканчиваться пробелом")
    lowered = password.lower()
    if any(v and v.lower() in lowered for v in login_values):
        errors.append("Пароль не должен содержать ваш e-mail или ИИН")
    return errors


def temporary_password() -> str:
    """A random password that satisfies the policy (shown once to the administrator)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if not policy_errors(candidate):
            return candidate
