"""Kazakh GOST algorithm OIDs (arc 1.2.398.3.10, НУЦ РК / Kalkan) and their classification."""
from __future__ import annotations

KZ_ARC = "1.2.398.3.10."

# GOST 34.10-2015 (current)
KEY_2015_256 = "1.2.398.3.10.1.1.2.1"
KEY_2015_512 = "1.2.398.3.10.1.1.2.2"
CURVE_2015_256_A = "1.2.398.3.10.1.1.2.1.1"   # = id-tc26-gost-3410-2012-256-paramSetA
CURVE_2015_512_A = "1.2.398.3.10.1.1.2.2.1"   # = id-tc26-gost-3410-12-512-paramSetA
SIG_2015_256 = "1.2.398.3.10.1.1.2.3.1"       # GOST 34.10-2015/256 + Streebog-256
SIG_2015_512 = "1.2.398.3.10.1.1.2.3.2"       # GOST 34.10-2015/512 + Streebog-512
HASH_STREEBOG_256 = "1.2.398.3.10.1.3.2"
HASH_STREEBOG_512 = "1.2.398.3.10.1.3.3"

# GOST 34.310-2004 (legacy, not supported)
KEY_2004 = "1.2.398.3.10.1.1.1.1"
CURVE_2004_A = "1.2.398.3.10.1.1.1.1.1"
SIG_2004 = "1.2.398.3.10.1.1.1.2"
HASH_34311_95 = "1.2.398.3.10.1.3.1"

# Russian (TC26) equivalents, accepted too (same math, same byte order for the key)
RU_KEY_2012_256 = "1.2.643.7.1.1.1.1"
RU_KEY_2012_512 = "1.2.643.7.1.1.1.2"
RU_SIG_2012_256 = "1.2.643.7.1.1.3.2"
RU_SIG_2012_512 = "1.2.643.7.1.1.3.3"
RU_HASH_256 = "1.2.643.7.1.1.2.2"
RU_HASH_512 = "1.2.643.7.1.1.2.3"
RU_CURVE_256_A = "1.2.643.7.1.2.1.1.1"
RU_CURVE_512_A = "1.2.643.7.1.2.1.2.1"

SIGNATURE_BITS = {SIG_2015_256: 256, SIG_2015_512: 512}
KEY_BITS = {KEY_2015_256: 256, KEY_2015_512: 512}
HASH_BITS = {HASH_STREEBOG_256: 256, HASH_STREEBOG_512: 512, RU_HASH_256: 256, RU_HASH_512: 512}

LEGACY_OIDS = frozenset({KEY_2004, CURVE_2004_A, SIG_2004, HASH_34311_95, "1.2.398.3.10.1.3.1.1.0"})
SUPPORTED_OIDS = frozenset({KEY_2015_256, KEY_2015_512, CURVE_2015_256_A, CURVE_2015_512_A,
                            SIG_2015_256, SIG_2015_512, HASH_STREEBOG_256, HASH_STREEBOG_512})


def _dotted(oid) -> str:
    # accepts "1.2.3", asn1crypto ObjectIdentifier objects, cryptography ObjectIdentifier
    dotted = getattr(oid, "dotted", None) or getattr(oid, "dotted_string", None)
    return str(dotted if dotted is not None else oid)


def is_gost_oid(oid) -> bool:
    """True for any Kazakh GOST algorithm OID (2015 *or* legacy 2004): route such signers to this package."""
    return _dotted(oid).startswith(KZ_ARC)


def is_legacy_gost_oid(oid) -> bool:
    """True for GOST 34.310-2004 / 34.311-95 OIDs (rejected as "legacy algorithm not supported")."""
    return _dotted(oid) in LEGACY_OIDS


def is_supported_gost_oid(oid) -> bool:
    return _dotted(oid) in SUPPORTED_OIDS
