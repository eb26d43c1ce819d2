"""Streebog (GOST 34.11-2015 / GOST R 34.11-2012), 256 and 512 bits.

Fast path: ``hashlib`` with the OpenSSL GOST provider (``md_gost12_256`` / ``md_gost12_512``), loaded
into the process by :func:`documents.gost._openssl.load_gost_provider` on first use.  Fallback: the
pure-Python implementation from ``gostcrypto`` (correct but ~0.3 MB/s).
"""
from __future__ import annotations

import hashlib
import threading

from . import _openssl

CHUNK = 1 << 20
_NAMES = {256: "md_gost12_256", 512: "md_gost12_512"}
_lock = threading.Lock()
_fast: bool | None = None


def fast_available() -> bool:
    """True when Streebog runs in OpenSSL (GOST provider loaded and working)."""
    global _fast
    if _fast is None:
        with _lock:
            if _fast is None:
                ok = _openssl.load_gost_provider()
                if ok:
                    try:
                        ok = hashlib.new(_NAMES[512], b"").hexdigest().startswith("8e945da209aa869f")
                    except ValueError:
                        ok = False
                _fast = ok
    return _fast


class _PureStreebog:
    def __init__(self, bits: int):
        try:
            from gostcrypto import gosthash  # imported lazily: only the fallback needs it
        except ImportError as exc:  # pragma: no cover - depends on the machine
            from .errors import GostError

            raise GostError("Стрибог недоступен: нет ни провайдера OpenSSL GOST (libengine-gost-openssl), "
                            "ни пакета gostcrypto", "GOST_UNAVAILABLE") from exc

        self._h = gosthash.new("streebog512" if bits == 512 else "streebog256")
        self.digest_size = bits // 8

    def update(self, data):
        self._h.update(bytearray(data))

    def digest(self) -> bytes:
        return bytes(self._h.digest())

    def hexdigest(self) -> str:
        return self.digest().hex()


def new(bits: int = 512, data: bytes | None = None):
    """A hashlib-style Streebog object (``update``/``digest``)."""
    if bits not in _NAMES:
        raise ValueError("Streebog is 256 or 512 bits")
    h = hashlib.new(_NAMES[bits]) if fast_available() else _PureStreebog(bits)
    if data:
        h.update(data)
    return h


def streebog(data_or_stream, bits: int = 512) -> bytes:
    """Streebog digest (standard output byte order, as ``hashlib`` gives it) of bytes or a binary stream.

    Streams (anything with ``.read``) are hashed in 1 MiB chunks from their current position.
    """
    h = new(bits)
    if hasattr(data_or_stream, "read"):
        read = data_or_stream.read
        while True:
            chunk = read(CHUNK)
            if not chunk:
                break
            h.update(chunk)
    else:
        h.update(data_or_stream)
    return h.digest()
