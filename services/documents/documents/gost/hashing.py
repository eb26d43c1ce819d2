"""Streebog (GOST 34.11-2015 / GOST R 34.11-2012), 256 and 512 bits, from the fastest backend present.

1. ``gcrypt``: the system libgcrypt (Debian ``libgcrypt20``, GCRY_MD_STRIBOG256/512) through ctypes —
   the fastest here (≈150 MB/s of one core on this VM under load, vs ≈132 MB/s for the provider);
2. ``openssl``: ``hashlib`` with the OpenSSL GOST provider (Debian ``libengine-gost-openssl``:
   ``md_gost12_256`` / ``md_gost12_512``), loaded into the process by
   :func:`documents.gost._openssl.load_gost_provider`;
3. ``python``: the pure-Python implementation from ``gostcrypto`` (correct but ≈0.3 MB/s).

``PEDATT_GOST_HASH=gcrypt|openssl|python`` forces one (tests compare them).  All give the standard
digest byte order (the one ``hashlib`` prints; the GOST math reads it little-endian).
ctypes releases the GIL while hashing, like hashlib does.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import logging
import os
import threading

from . import _openssl

log = logging.getLogger(__name__)

CHUNK = 1 << 20
_NAMES = {256: "md_gost12_256", 512: "md_gost12_512"}
_GCRY_ALGO = {256: 309, 512: 310}  # GCRY_MD_STRIBOG256 / GCRY_MD_STRIBOG512
_lock = threading.Lock()
_state: dict[str, object] = {}


# ------------------------------------------------------------------ libgcrypt

def _load_gcrypt():
    name = ctypes.util.find_library("gcrypt") or "libgcrypt.so.20"
    try:
        lib = ctypes.CDLL(name)
        lib.gcry_check_version.restype = ctypes.c_char_p
        lib.gcry_check_version.argtypes = [ctypes.c_char_p]
        if not lib.gcry_check_version(b"1.8.0"):
            return None
        lib.gcry_control.restype = ctypes.c_uint
        # initialise once (no secure memory needed for hashing) unless the host application did
        if not lib.gcry_control(40, 0):  # GCRYCTL_ANY_INITIALIZATION_P
            lib.gcry_control(37, 0)  # GCRYCTL_DISABLE_SECMEM
            lib.gcry_control(38, 0)  # GCRYCTL_INITIALIZATION_FINISHED
        lib.gcry_md_open.restype = ctypes.c_uint
        lib.gcry_md_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_uint]
        lib.gcry_md_write.restype = None
        lib.gcry_md_write.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.gcry_md_read.restype = ctypes.POINTER(ctypes.c_ubyte)
        lib.gcry_md_read.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.gcry_md_copy.restype = ctypes.c_uint
        lib.gcry_md_copy.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
        lib.gcry_md_close.restype = None
        lib.gcry_md_close.argtypes = [ctypes.c_void_p]
        lib.gcry_md_hash_buffer.restype = None
        lib.gcry_md_hash_buffer.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        # self-test against the known Streebog-512("") value
        out = ctypes.create_string_buffer(64)
        lib.gcry_md_hash_buffer(310, out, b"", 0)
        if not out.raw.hex().startswith("8e945da209aa869f"):
            return None
        return lib
    except (OSError, AttributeError):
        return None


class _GcryptStreebog:
    __slots__ = ("_hd", "_algo", "digest_size", "name")

    def __init__(self, bits: int, _hd=None):
        self._algo = _GCRY_ALGO[bits]
        self.digest_size = bits // 8
        self.name = f"streebog{bits}"
        if _hd is None:
            _hd = ctypes.c_void_p()
            if _GCRYPT.gcry_md_open(ctypes.byref(_hd), self._algo, 0):
                raise MemoryError("gcry_md_open failed")
        self._hd = _hd

    def update(self, data) -> None:
        if not isinstance(data, bytes):
            data = bytes(data)
        _GCRYPT.gcry_md_write(self._hd, data, len(data))

    def copy(self) -> "_GcryptStreebog":
        hd = ctypes.c_void_p()
        if _GCRYPT.gcry_md_copy(ctypes.byref(hd), self._hd):
            raise MemoryError("gcry_md_copy failed")
        return _GcryptStreebog(self.digest_size * 8, hd)

    def digest(self) -> bytes:
        tmp = self.copy()  # reading finalises: keep this object usable
        try:
            return ctypes.string_at(_GCRYPT.gcry_md_read(tmp._hd, self._algo), self.digest_size)
        finally:
            tmp.close()

    def hexdigest(self) -> str:
        return self.digest().hex()

    def close(self) -> None:
        hd, self._hd = self._hd, None
        if hd:
            _GCRYPT.gcry_md_close(hd)

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


_GCRYPT = _load_gcrypt()


# ------------------------------------------------------------------ pure Python

class _PureStreebog:
    def __init__(self, bits: int):
        try:
            from gostcrypto import gosthash  # imported lazily: only the fallback needs it
        except ImportError as exc:  # pragma: no cover - depends on the machine
            from .errors import GostError

            raise GostError("Стрибог недоступен: нет ни libgcrypt, ни провайдера OpenSSL GOST "
                            "(libengine-gost-openssl), ни пакета gostcrypto", "GOST_UNAVAILABLE") from exc
        self._h = gosthash.new("streebog512" if bits == 512 else "streebog256")
        self.digest_size = bits // 8

    def update(self, data):
        self._h.update(bytearray(data))

    def digest(self) -> bytes:
        return bytes(self._h.digest())

    def hexdigest(self) -> str:
        return self.digest().hex()


# ------------------------------------------------------------------ selection

def _openssl_ok() -> bool:
    ok = _state.get("openssl")
    if ok is None:
        with _lock:
            ok = _state.get("openssl")
            if ok is None:
                ok = _openssl.load_gost_provider()
                if ok:
                    try:
                        ok = hashlib.new(_NAMES[512], b"").hexdigest().startswith("8e945da209aa869f")
                    except ValueError:
                        ok = False
                _state["openssl"] = ok
    return bool(ok)


def backend() -> str:
    """``gcrypt``, ``openssl`` or ``python``: the Streebog implementation in use."""
    forced = os.environ.get("PEDATT_GOST_HASH")
    if forced == "gcrypt" and _GCRYPT is not None:
        return "gcrypt"
    if forced == "openssl" and _openssl_ok():
        return "openssl"
    if forced == "python" or os.environ.get("PEDATT_GOST_NO_PROVIDER") == "1":
        return "python"
    if _GCRYPT is not None:
        return "gcrypt"
    if _openssl_ok():
        return "openssl"
    return "python"


def fast_available() -> bool:
    """True when Streebog runs in C (libgcrypt or the OpenSSL GOST provider)."""
    return backend() != "python"


def new(bits: int = 512, data: bytes | None = None):
    """A hashlib-style Streebog object (``update``/``digest``)."""
    if bits not in _NAMES:
        raise ValueError("Streebog is 256 or 512 bits")
    kind = backend()
    if kind == "gcrypt":
        h = _GcryptStreebog(bits)
    elif kind == "openssl":
        h = hashlib.new(_NAMES[bits])
    else:
        h = _PureStreebog(bits)
    if data:
        h.update(data)
    return h


def streebog(data_or_stream, bits: int = 512) -> bytes:
    """Streebog digest (standard output byte order, as ``hashlib`` gives it) of bytes or a binary stream.

    Streams (anything with ``.read``) are hashed in 1 MiB chunks from their current position.
    """
    if not hasattr(data_or_stream, "read"):
        if bits not in _NAMES:
            raise ValueError("Streebog is 256 or 512 bits")
        if backend() == "gcrypt":
            data = data_or_stream if isinstance(data_or_stream, bytes) else bytes(data_or_stream)
            out = ctypes.create_string_buffer(bits // 8)
            _GCRYPT.gcry_md_hash_buffer(_GCRY_ALGO[bits], out, data, len(data))
            return out.raw
        return new(bits, data_or_stream).digest()
    h = new(bits)
    read = data_or_stream.read
    while True:
        chunk = read(CHUNK)
        if not chunk:
            break
        h.update(chunk)
    return h.digest()
