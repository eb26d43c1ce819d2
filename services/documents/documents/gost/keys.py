"""Kazakh GOST public/private keys: raw-DER parsing and encoding (asn1crypto cannot parse them)."""
from __future__ import annotations

from dataclasses import dataclass

from . import der, ec, oids
from .errors import GostError, LegacyAlgorithmNotSupported

# key algorithm OID -> (bits, default curve)
_KEY_ALGS = {
    oids.KEY_2015_256: (256, ec.TC26_256_A),
    oids.KEY_2015_512: (512, ec.TC26_512_A),
    oids.RU_KEY_2012_256: (256, ec.TC26_256_A),
    oids.RU_KEY_2012_512: (512, ec.TC26_512_A),
    oids.KEY_2004: (256, ec.CRYPTOPRO_A),
}
_CURVES = {
    oids.CURVE_2015_256_A: ec.TC26_256_A,
    oids.CURVE_2015_512_A: ec.TC26_512_A,
    oids.RU_CURVE_256_A: ec.TC26_256_A,
    oids.RU_CURVE_512_A: ec.TC26_512_A,
    oids.CURVE_2004_A: ec.CRYPTOPRO_A,
    "1.2.643.2.2.35.1": ec.CRYPTOPRO_A,
}


@dataclass(frozen=True)
class GostPublicKey:
    """A GOST public key. ``x``/``y`` are integers (the DER holds x‖y, each little-endian)."""

    key_oid: str
    curve_oid: str | None
    hash_oid: str | None
    bits: int
    curve: ec.Curve
    x: int
    y: int

    @property
    def legacy(self) -> bool:
        return self.key_oid == oids.KEY_2004

    def raw(self) -> bytes:
        """x‖y little-endian (the Kazakh and Russian OCTET STRING payload)."""
        n = self.curve.size
        return self.x.to_bytes(n, "little") + self.y.to_bytes(n, "little")

    def to_spki_der(self) -> bytes:
        params = [der.encode_oid(self.curve_oid or _curve_oid_for(self))]
        if self.hash_oid:
            params.append(der.encode_oid(self.hash_oid))
        alg = der.seq(der.encode_oid(self.key_oid), der.seq(*params))
        return der.seq(alg, der.bit_string(der.octet_string(self.raw())))

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        """Verify a Kazakh-format signature (r‖s, each little-endian) over a raw Streebog digest."""
        if self.legacy:
            raise LegacyAlgorithmNotSupported()
        n = self.curve.size
        if len(signature) != 2 * n:
            return False
        r = int.from_bytes(signature[:n], "little")
        s = int.from_bytes(signature[n:], "little")
        return ec.verify(self.curve, self.x, self.y, digest, r, s)


def _curve_oid_for(key: GostPublicKey) -> str:
    return oids.CURVE_2015_512_A if key.bits == 512 else oids.CURVE_2015_256_A


def parse_gost_public_key(spki_der: bytes) -> GostPublicKey:
    """Parse a DER SubjectPublicKeyInfo with a Kazakh (or Russian TC26) GOST key.

    Raises :class:`GostError` for malformed/unknown keys. Legacy 2004 keys parse (``.legacy`` is True)
    so callers can report them; verifying with them raises :class:`LegacyAlgorithmNotSupported`.
    """
    spki_der = bytes(spki_der)
    try:
        tag, s, e, _ = der.read_tlv(spki_der)
        if tag != 0x30:
            raise GostError("SubjectPublicKeyInfo is not a SEQUENCE")
        parts = der.children(spki_der, s, e)
        if len(parts) != 2 or parts[0][0] != 0x30 or parts[1][0] != 0x03:
            raise GostError("bad SubjectPublicKeyInfo")
        alg = der.children(spki_der, parts[0][1], parts[0][2])
        if not alg or alg[0][0] != 0x06:
            raise GostError("bad AlgorithmIdentifier")
        key_oid = der.decode_oid(spki_der[alg[0][1]:alg[0][2]])
        if key_oid not in _KEY_ALGS:
            raise GostError(f"не ГОСТ-ключ: {key_oid}", "GOST_UNKNOWN_KEY")
        bits, curve = _KEY_ALGS[key_oid]
        curve_oid = hash_oid = None
        if len(alg) > 1 and alg[1][0] == 0x30:
            params = der.children(spki_der, alg[1][1], alg[1][2])
            if params and params[0][0] == 0x06:
                curve_oid = der.decode_oid(spki_der[params[0][1]:params[0][2]])
                if curve_oid not in _CURVES:
                    raise GostError(f"неизвестная кривая ГОСТ: {curve_oid}", "GOST_UNKNOWN_CURVE")
                curve = _CURVES[curve_oid]
            for t, ps, pe in params[1:]:
                if t == 0x06 and hash_oid is None:
                    hash_oid = der.decode_oid(spki_der[ps:pe])
        if curve.size * 8 != bits:
            raise GostError("размер ключа не соответствует кривой", "GOST_BAD_KEY")
        bs = spki_der[parts[1][1]:parts[1][2]]
        if not bs or bs[0] != 0:
            raise GostError("bad BIT STRING", "GOST_BAD_KEY")
        raw = bs[1:]
        n = curve.size
        if len(raw) != 2 * n:
            t, os_, oe, nxt = der.read_tlv(raw)
            if t != 0x04 or nxt != len(raw):
                raise GostError("bad public key OCTET STRING", "GOST_BAD_KEY")
            raw = raw[os_:oe]
        if len(raw) != 2 * n:
            raise GostError("bad public key length", "GOST_BAD_KEY")
    except der.DerError as exc:
        raise GostError(f"повреждённый ключ ГОСТ: {exc}", "GOST_BAD_KEY") from exc
    x = int.from_bytes(raw[:n], "little")
    y = int.from_bytes(raw[n:], "little")
    if not (x < curve.p and y < curve.p and (y * y - x * x * x - curve.a * x - curve.b) % curve.p == 0):
        raise GostError("точка открытого ключа не на кривой", "GOST_BAD_KEY")
    return GostPublicKey(key_oid, curve_oid, hash_oid, bits, curve, x, y)


@dataclass(frozen=True)
class GostPrivateKey:
    """A GOST 34.10-2015 private key (scalar d) — used by tests and the dev test PKI to sign."""

    d: int
    public: GostPublicKey

    @classmethod
    def generate(cls, bits: int = 512) -> "GostPrivateKey":
        curve = ec.TC26_512_A if bits == 512 else ec.TC26_256_A
        return cls.from_scalar(ec.generate_private(curve), bits)

    @classmethod
    def from_scalar(cls, d: int, bits: int = 512) -> "GostPrivateKey":
        curve = ec.TC26_512_A if bits == 512 else ec.TC26_256_A
        x, y = ec.public_point(curve, d)
        key_oid = oids.KEY_2015_512 if bits == 512 else oids.KEY_2015_256
        curve_oid = oids.CURVE_2015_512_A if bits == 512 else oids.CURVE_2015_256_A
        hash_oid = oids.HASH_STREEBOG_512 if bits == 512 else oids.HASH_STREEBOG_256
        return cls(d, GostPublicKey(key_oid, curve_oid, hash_oid, bits, curve, x, y))

    def sign_digest(self, digest: bytes) -> bytes:
        """Kazakh-format signature r‖s (each little-endian) of a raw Streebog digest."""
        c = self.public.curve
        r, s = ec.sign(c, self.d, digest)
        return r.to_bytes(c.size, "little") + s.to_bytes(c.size, "little")

    def to_pkcs8_der(self) -> bytes:
        """PKCS#8 PrivateKeyInfo in the Kalkan layout (OCTET STRING with d little-endian)."""
        pub = self.public
        alg = der.seq(der.encode_oid(pub.key_oid),
                      der.seq(der.encode_oid(pub.curve_oid), der.encode_oid(pub.hash_oid)))
        return der.seq(der.tlv(0x02, b"\x00"), alg,
                       der.octet_string(der.octet_string(self.d.to_bytes(pub.curve.size, "little"))))

    def __repr__(self) -> str:  # never print the secret
        return f"GostPrivateKey(bits={self.public.bits})"
