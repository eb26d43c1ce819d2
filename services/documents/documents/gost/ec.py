"""GOST 34.10-2015 (= GOST R 34.10-2012) signature math on the curves the НУЦ РК uses.

Integers only: callers convert the Kazakh little-endian byte strings (see :mod:`documents.gost.keys`).
The heavy part, ``u1*G + u2*Q``, runs in OpenSSL's generic EC code through ctypes
(:mod:`documents.gost._openssl`); a pure-Python Jacobian implementation is the fallback.

Equations (GOST 34.10-2015 §6.1/6.2): with e = (digest as a little-endian integer) mod q, e ≠ 0:
  sign:   C = kG, r = x_C mod q, s = (r·d + k·e) mod q
  verify: v = e⁻¹, z1 = s·v, z2 = −r·v (mod q), C = z1·G + z2·Q, valid iff x_C mod q == r
"""
from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass

from . import _openssl


@dataclass(frozen=True)
class Curve:
    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    q: int
    cofactor: int

    @property
    def size(self) -> int:
        """Bytes per coordinate / scalar (32 or 64)."""
        return (self.p.bit_length() + 7) // 8


# Parameter values as published in RFC 7836 (TC26) and RFC 4357 (CryptoPro).
TC26_512_A = Curve(
    name="id-tc26-gost-3410-12-512-paramSetA",
    p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7,
    a=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4,
    b=0xE8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760,
    gx=3,
    gy=0x7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4,
    q=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275,
    cofactor=1,
)

# id-tc26-gost-3410-2012-256-paramSetA in its Weierstrass form (RFC 7836 A.2); cofactor 4.
TC26_256_A = Curve(
    name="id-tc26-gost-3410-2012-256-paramSetA",
    p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97,
    a=0xC2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335,
    b=0x295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513,
    gx=0x91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28,
    gy=0x32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C,
    q=0x400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67,
    cofactor=4,
)

# GOST R 34.10-2001 CryptoPro-A (= Kazakh GOST 34.310-2004 curve). Listed for completeness only:
# the 2004 algorithm itself (its hash GOST 34.311-95) is not supported.
CRYPTOPRO_A = Curve(
    name="id-GostR3410-2001-CryptoPro-A-ParamSet",
    p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97,
    a=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94,
    b=166,
    gx=1,
    gy=0x8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14,
    q=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893,
    cofactor=1,
)


# ---------------------------------------------------------------- backends

class _PurePython:
    """Jacobian-coordinate arithmetic with Python ints (fallback, ~10× slower than OpenSSL)."""

    def __init__(self, c: Curve):
        self.c = c
        self._g_table = self._table((c.gx, c.gy, 1))

    # points are (X, Y, Z) Jacobian; Z == 0 is infinity
    def _dbl(self, P):
        X1, Y1, Z1 = P
        if not Z1 or not Y1:
            return (1, 1, 0)
        p, a = self.c.p, self.c.a
        YY = Y1 * Y1 % p
        S = 4 * X1 * YY % p
        ZZ = Z1 * Z1 % p
        M = (3 * X1 * X1 + a * ZZ * ZZ) % p
        X3 = (M * M - 2 * S) % p
        Y3 = (M * (S - X3) - 8 * YY * YY) % p
        Z3 = 2 * Y1 * Z1 % p
        return (X3, Y3, Z3)

    def _add(self, P, Q):
        X1, Y1, Z1 = P
        X2, Y2, Z2 = Q
        if not Z1:
            return Q
        if not Z2:
            return P
        p = self.c.p
        Z1Z1 = Z1 * Z1 % p
        Z2Z2 = Z2 * Z2 % p
        U1 = X1 * Z2Z2 % p
        U2 = X2 * Z1Z1 % p
        S1 = Y1 * Z2 * Z2Z2 % p
        S2 = Y2 * Z1 * Z1Z1 % p
        H = (U2 - U1) % p
        R = (S2 - S1) % p
        if not H:
            return self._dbl(P) if not R else (1, 1, 0)
        HH = H * H % p
        HHH = H * HH % p
        V = U1 * HH % p
        X3 = (R * R - HHH - 2 * V) % p
        Y3 = (R * (V - X3) - S1 * HHH) % p
        Z3 = Z1 * Z2 * H % p
        return (X3, Y3, Z3)

    def _table(self, P, w=4):
        t = [(1, 1, 0), P]
        for _ in range(2, 1 << w):
            t.append(self._add(t[-1], P))
        return t

    def _affine_x(self, P):
        X, _, Z = P
        if not Z:
            return None
        p = self.c.p
        zi = pow(Z, -1, p)
        return X * zi * zi % p

    def _affine(self, P):
        X, Y, Z = P
        p = self.c.p
        zi = pow(Z, -1, p)
        zi2 = zi * zi % p
        return X * zi2 % p, Y * zi2 * zi % p

    def _on_curve(self, x, y):
        c = self.c
        return 0 <= x < c.p and 0 <= y < c.p and (y * y - x * x * x - c.a * x - c.b) % c.p == 0

    def _shamir(self, u1, tab1, u2, tab2):
        R = (1, 1, 0)
        nbits = max(u1.bit_length(), u2.bit_length())
        nwin = (nbits + 3) // 4
        for i in range(nwin - 1, -1, -1):
            R = self._dbl(self._dbl(self._dbl(self._dbl(R))))
            d1 = (u1 >> (4 * i)) & 15
            d2 = (u2 >> (4 * i)) & 15
            if d1:
                R = self._add(R, tab1[d1])
            if d2:
                R = self._add(R, tab2[d2])
        return R

    def mul_add_x(self, u1, u2, qx, qy):
        if not self._on_curve(qx, qy):
            return None
        R = self._shamir(u1, self._g_table, u2, self._table((qx, qy, 1)))
        return self._affine_x(R)

    def mul_base_xy(self, k):
        R = self._shamir(k, self._g_table, 0, self._g_table)
        return None if not R[2] else self._affine(R)

    def mul_base_x(self, k):
        xy = self.mul_base_xy(k)
        return None if xy is None else xy[0]


_backends: dict[tuple[str, str], object] = {}
_backends_lock = threading.Lock()


def backend_name() -> str:
    """``"openssl"`` or ``"python"``: which EC arithmetic is in use (``PEDATT_GOST_PURE_EC=1`` forces Python)."""
    if _openssl.LIBCRYPTO is None or os.environ.get("PEDATT_GOST_PURE_EC") == "1":
        return "python"
    return "openssl"


def _backend(c: Curve, kind: str | None = None):
    kind = kind or backend_name()
    key = (c.name, kind)
    be = _backends.get(key)
    if be is None:
        with _backends_lock:
            be = _backends.get(key)
            if be is None:
                if kind == "openssl":
                    be = _openssl.OpenSSLCurve(c.p, c.a, c.b, c.gx, c.gy, c.q, c.cofactor)
                else:
                    be = _PurePython(c)
                _backends[key] = be
    return be


# ---------------------------------------------------------------- GOST 34.10

def digest_to_e(digest: bytes, q: int) -> int:
    e = int.from_bytes(digest, "little") % q
    return e or 1


def verify(c: Curve, qx: int, qy: int, digest: bytes, r: int, s: int, *, backend: str | None = None) -> bool:
    """True iff (r, s) is a GOST 34.10-2015 signature of ``digest`` (raw Streebog output) under Q."""
    q = c.q
    if not (0 < r < q and 0 < s < q):
        return False
    e = digest_to_e(digest, q)
    v = pow(e, -1, q)
    z1 = s * v % q
    z2 = (q - r) * v % q
    x = _backend(c, backend).mul_add_x(z1, z2, qx, qy)
    return x is not None and x % q == r


def sign(c: Curve, d: int, digest: bytes, *, k: int | None = None) -> tuple[int, int]:
    """GOST 34.10-2015 signature (r, s) of ``digest`` with private scalar d (tests and the dev PKI)."""
    q = c.q
    if not 0 < d < q:
        raise ValueError("private key out of range")
    e = digest_to_e(digest, q)
    be = _backend(c)
    while True:
        kk = k if k is not None else secrets.randbelow(q - 1) + 1
        x = be.mul_base_x(kk)
        if x is None:
            continue
        r = x % q
        if not r:
            continue
        s = (r * d + kk * e) % q
        if s:
            return r, s
        if k is not None:  # pragma: no cover - astronomically unlikely
            raise ValueError("bad k")


def public_point(c: Curve, d: int) -> tuple[int, int]:
    xy = _backend(c).mul_base_xy(d)
    if xy is None:
        raise ValueError("bad private key")
    return xy


def generate_private(c: Curve) -> int:
    return secrets.randbelow(c.q - 1) + 1
