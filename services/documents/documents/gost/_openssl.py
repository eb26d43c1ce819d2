"""ctypes bindings to the system libcrypto (OpenSSL 3) that Python's ``hashlib`` is linked with.

Two things are used from it:

* ``OSSL_PROVIDER_load(NULL, "gostprov")`` — Debian's ``libengine-gost-openssl`` provider, loaded into
  the *default* library context at import time, so that ``hashlib.new("md_gost12_256"/"md_gost12_512")``
  (Streebog) works in this process.  The ``default`` provider is loaded explicitly first: loading any
  provider by hand would otherwise stop OpenSSL from auto-activating ``default`` and break every other
  ``hashlib``/``ssl`` user.  ``cryptography`` (pyca) ships its own statically linked OpenSSL and is not
  affected at all.
* the generic prime-curve EC arithmetic (``EC_GROUP_new_curve_GFp`` + ``EC_POINT_mul``), which computes
  ``u1*G + u2*Q`` on the GOST curves in C.  The GOST 34.10 equations around it are plain Python
  (see :mod:`documents.gost.ec`).  No GOST *signature* support from OpenSSL is needed, so the Kazakh
  OIDs and byte orders never have to be rewritten into the Russian forms.

Everything degrades gracefully: if libcrypto cannot be found the module sets ``LIBCRYPTO = None``
and the pure-Python fallbacks are used.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

log = logging.getLogger(__name__)

_c_void_p = ctypes.c_void_p


def _find_libcrypto() -> str | None:
    """Path of the libcrypto already mapped by ``_hashlib`` (the same instance hashlib uses)."""
    try:
        import _hashlib  # noqa: F401  (maps libcrypto into the process)
    except ImportError:  # pragma: no cover - Python built without OpenSSL
        return None
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 6 and "/libcrypto.so" in parts[-1]:
                    return parts[-1]
    except OSError:  # pragma: no cover - not Linux
        pass
    return ctypes.util.find_library("crypto")


def _load() -> ctypes.CDLL | None:
    path = _find_libcrypto()
    if not path:
        return None
    try:
        lib = ctypes.CDLL(path)
        # does it look like OpenSSL 3?
        lib.OpenSSL_version_num.restype = ctypes.c_ulong
        if lib.OpenSSL_version_num() < 0x30000000:
            log.info("libcrypto %s is older than OpenSSL 3; GOST acceleration off", path)
            return None
    except (OSError, AttributeError):
        return None

    def fn(name, restype, *argtypes):
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = list(argtypes)
        return f

    v, i, c = _c_void_p, ctypes.c_int, ctypes.c_char_p
    try:
        fn("OSSL_PROVIDER_load", v, v, c)
        fn("OSSL_PROVIDER_available", i, v, c)
        fn("BN_CTX_new", v)
        fn("BN_CTX_free", None, v)
        fn("BN_new", v)
        fn("BN_free", None, v)
        fn("BN_bin2bn", v, c, i, v)
        fn("BN_bn2binpad", i, v, ctypes.c_void_p, i)
        fn("EC_GROUP_new_curve_GFp", v, v, v, v, v)
        fn("EC_GROUP_free", None, v)
        fn("EC_GROUP_set_generator", i, v, v, v, v)
        fn("EC_POINT_new", v, v)
        fn("EC_POINT_free", None, v)
        fn("EC_POINT_set_affine_coordinates", i, v, v, v, v, v)
        fn("EC_POINT_get_affine_coordinates", i, v, v, v, v, v)
        fn("EC_POINT_is_on_curve", i, v, v, v)
        fn("EC_POINT_is_at_infinity", i, v, v)
        fn("EC_POINT_mul", i, v, v, v, v, v, v)
    except AttributeError:  # pragma: no cover - an OpenSSL without these symbols
        return None
    try:  # deprecated in OpenSSL 3 (still exported); only an optimisation
        fn("EC_GROUP_precompute_mult", i, v, v)
    except AttributeError:  # pragma: no cover
        pass
    return lib


LIBCRYPTO = _load()

_provider_lock = threading.Lock()
_provider_state: dict[str, bool] = {}


def load_gost_provider() -> bool:
    """Load ``default`` + ``gostprov`` into OpenSSL's default library context (idempotent).

    Returns True when Streebog is then available through ``hashlib``.  Set
    ``PEDATT_GOST_NO_PROVIDER=1`` to skip it (forces the pure-Python Streebog; used by tests).
    """
    with _provider_lock:
        if "gost" in _provider_state:
            return _provider_state["gost"]
        ok = False
        if LIBCRYPTO is not None and os.environ.get("PEDATT_GOST_NO_PROVIDER") != "1":
            # keep "default" active, whatever happens next
            LIBCRYPTO.OSSL_PROVIDER_load(None, b"default")
            name = os.environ.get("PEDATT_GOST_PROVIDER", "gostprov").encode()
            ok = bool(LIBCRYPTO.OSSL_PROVIDER_load(None, name))
            if not ok:
                log.warning("OpenSSL GOST provider %r not found (install libengine-gost-openssl); "
                            "falling back to the slow pure-Python Streebog", name.decode())
        _provider_state["gost"] = ok
        return ok


def _bn(value: int, size: int):
    return LIBCRYPTO.BN_bin2bn(value.to_bytes(size, "big"), size, None)


class OpenSSLCurve:
    """A short-Weierstrass curve y² = x³ + ax + b over GF(p) held as an OpenSSL EC_GROUP."""

    def __init__(self, p: int, a: int, b: int, gx: int, gy: int, q: int, cofactor: int):
        lib = LIBCRYPTO
        self.size = (p.bit_length() + 7) // 8
        self.q = q
        ctx = lib.BN_CTX_new()
        bns = [_bn(v, self.size) for v in (p, a, b, gx, gy, q, cofactor)]
        try:
            bp, ba, bb, bx, by, bq, bh = bns
            grp = lib.EC_GROUP_new_curve_GFp(bp, ba, bb, ctx)
            if not grp:
                raise ValueError("EC_GROUP_new_curve_GFp failed")
            g = lib.EC_POINT_new(grp)
            try:
                if not lib.EC_POINT_set_affine_coordinates(grp, g, bx, by, ctx):
                    raise ValueError("bad generator")
                if not lib.EC_GROUP_set_generator(grp, g, bq, bh):
                    raise ValueError("EC_GROUP_set_generator failed")
            finally:
                lib.EC_POINT_free(g)
            # fixed-base table for G: u1*G becomes much cheaper
            precompute = getattr(lib, "EC_GROUP_precompute_mult", None)
            if precompute is not None:
                precompute(grp, ctx)
            self._group = grp
        finally:
            for bn in bns:
                lib.BN_free(bn)
            lib.BN_CTX_free(ctx)

    def mul_add_x(self, u1: int, u2: int, qx: int, qy: int) -> int | None:
        """x coordinate of u1*G + u2*Q, or None (Q not on the curve / result at infinity)."""
        lib = LIBCRYPTO
        grp = self._group
        size = self.size
        ctx = lib.BN_CTX_new()
        bx, by = _bn(qx, size), _bn(qy, size)
        b1, b2 = _bn(u1, size), _bn(u2, size)
        pt_q = lib.EC_POINT_new(grp)
        res = lib.EC_POINT_new(grp)
        out = ctypes.create_string_buffer(size)
        try:
            if not lib.EC_POINT_set_affine_coordinates(grp, pt_q, bx, by, ctx):
                return None  # also rejects points that are not on the curve
            if lib.EC_POINT_is_on_curve(grp, pt_q, ctx) != 1:
                return None
            if not lib.EC_POINT_mul(grp, res, b1, pt_q, b2, ctx):
                return None
            if lib.EC_POINT_is_at_infinity(grp, res):
                return None
            if not lib.EC_POINT_get_affine_coordinates(grp, res, bx, None, ctx):
                return None
            lib.BN_bn2binpad(bx, out, size)
            return int.from_bytes(out.raw, "big")
        finally:
            lib.EC_POINT_free(pt_q)
            lib.EC_POINT_free(res)
            for bn in (bx, by, b1, b2):
                lib.BN_free(bn)
            lib.BN_CTX_free(ctx)

    def mul_base_x(self, k: int) -> int | None:
        """x coordinate of k*G (used for signing)."""
        lib = LIBCRYPTO
        grp = self._group
        ctx = lib.BN_CTX_new()
        bk = _bn(k, self.size)
        bx = lib.BN_new()
        res = lib.EC_POINT_new(grp)
        out = ctypes.create_string_buffer(self.size)
        try:
            if not lib.EC_POINT_mul(grp, res, bk, None, None, ctx):
                return None
            if not lib.EC_POINT_get_affine_coordinates(grp, res, bx, None, ctx):
                return None
            lib.BN_bn2binpad(bx, out, self.size)
            return int.from_bytes(out.raw, "big")
        finally:
            lib.EC_POINT_free(res)
            lib.BN_free(bk)
            lib.BN_free(bx)
            lib.BN_CTX_free(ctx)

    def mul_base_xy(self, k: int) -> tuple[int, int] | None:
        """k*G as affine (x, y) (used to derive a public key)."""
        lib = LIBCRYPTO
        grp = self._group
        ctx = lib.BN_CTX_new()
        bk = _bn(k, self.size)
        bx, by = lib.BN_new(), lib.BN_new()
        res = lib.EC_POINT_new(grp)
        out = ctypes.create_string_buffer(self.size)
        try:
            if not lib.EC_POINT_mul(grp, res, bk, None, None, ctx):
                return None
            if not lib.EC_POINT_get_affine_coordinates(grp, res, bx, by, ctx):
                return None
            lib.BN_bn2binpad(bx, out, self.size)
            x = int.from_bytes(out.raw, "big")
            lib.BN_bn2binpad(by, out, self.size)
            return x, int.from_bytes(out.raw, "big")
        finally:
            lib.EC_POINT_free(res)
            for bn in (bk, bx, by):
                lib.BN_free(bn)
            lib.BN_CTX_free(ctx)

    def __del__(self):  # pragma: no cover - curves live for the whole process
        grp, self._group = getattr(self, "_group", None), None
        if grp and LIBCRYPTO is not None:
            LIBCRYPTO.EC_GROUP_free(grp)
