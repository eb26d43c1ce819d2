"""Certificate and CMS SignerInfo verification for Kazakh GOST 34.10-2015 signatures."""
from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms, pem, tsp, x509  # noqa: F401  (tsp registers the tst_info content type)

from . import der, oids
from .errors import GostError, LegacyAlgorithmNotSupported
from .keys import GostPublicKey, parse_gost_public_key
from .hashing import streebog

# signature OID -> Streebog bits; the key OIDs also show up in signatureAlgorithm (Kalkan does this)
_SIG_BITS = {
    oids.SIG_2015_256: 256, oids.SIG_2015_512: 512,
    oids.KEY_2015_256: 256, oids.KEY_2015_512: 512,
    oids.RU_SIG_2012_256: 256, oids.RU_SIG_2012_512: 512,
    oids.RU_KEY_2012_256: 256, oids.RU_KEY_2012_512: 512,
}

CODE_OK = "OK"
CODE_LEGACY = LegacyAlgorithmNotSupported.code
CODE_BAD_SIGNATURE = "GOST_BAD_SIGNATURE"
CODE_DIGEST_MISMATCH = "GOST_DIGEST_MISMATCH"
CODE_SIGNER_MISMATCH = "GOST_SIGNER_CERT_MISMATCH"
CODE_ALGORITHM_MISMATCH = "GOST_ALGORITHM_MISMATCH"
CODE_MALFORMED = "GOST_MALFORMED"
CODE_CONTENT_TYPE = "GOST_CONTENT_TYPE_MISMATCH"


def _der(cert) -> bytes:
    """Accept DER bytes, PEM bytes or an asn1crypto Certificate."""
    if isinstance(cert, x509.Certificate):
        return cert.dump()
    cert = bytes(cert)
    if pem.detect(cert):
        _, _, cert = pem.unarmor(cert)
    return cert


def signature_bits(sig_oid: str) -> int:
    """Streebog size for a signature algorithm OID; raises for legacy / non-GOST OIDs."""
    sig_oid = oids._dotted(sig_oid)
    if oids.is_legacy_gost_oid(sig_oid):
        raise LegacyAlgorithmNotSupported()
    try:
        return _SIG_BITS[sig_oid]
    except KeyError:
        raise GostError(f"неподдерживаемый алгоритм подписи: {sig_oid}", "GOST_UNSUPPORTED_ALGORITHM") from None


def public_key_of(cert_or_spki) -> GostPublicKey:
    """GOST public key of a certificate (DER/PEM/asn1crypto) or of a DER SubjectPublicKeyInfo."""
    if isinstance(cert_or_spki, GostPublicKey):
        return cert_or_spki
    if isinstance(cert_or_spki, x509.Certificate):
        return parse_gost_public_key(cert_or_spki["tbs_certificate"]["subject_public_key_info"].dump())
    data = _der(cert_or_spki)
    try:
        # SubjectPublicKeyInfo = SEQUENCE { SEQUENCE { OID ... } ... }; a certificate has no OID there
        _, s, e, _ = der.read_tlv(data)
        first = der.children(data, s, e)[0]
        inner = der.children(data, first[1], first[2])
        is_spki = bool(inner) and inner[0][0] == 0x06
    except (der.DerError, IndexError) as exc:
        raise GostError(f"повреждённый сертификат или ключ: {exc}", CODE_MALFORMED) from exc
    if is_spki:
        return parse_gost_public_key(data)
    try:
        spki = x509.Certificate.load(data)["tbs_certificate"]["subject_public_key_info"].dump()
    except (ValueError, TypeError, KeyError) as exc:
        raise GostError(f"повреждённый сертификат: {exc}", CODE_MALFORMED) from exc
    return parse_gost_public_key(spki)


def verify_signature(public_key: GostPublicKey, signature: bytes, signed_data: bytes, sig_oid: str) -> bool:
    """Verify a Kazakh-format GOST signature over ``signed_data`` (Streebog is computed here)."""
    if public_key.legacy:
        raise LegacyAlgorithmNotSupported()
    bits = signature_bits(sig_oid)
    if bits != public_key.bits:
        return False
    return public_key.verify_digest(streebog(signed_data, bits), signature)


class _LRU:
    def __init__(self, size: int = 4096):
        self.size = size
        self.data: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            v = self.data.get(key)
            if v is not None:
                self.data.move_to_end(key)
            return v

    def put(self, key, value):
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_cert_cache = _LRU()


def verify_certificate_signature(cert_der, issuer, *, use_cache: bool = True) -> bool:
    """True iff ``cert_der``'s GOST signature verifies with the issuer's key.

    ``issuer`` is the issuer certificate (DER/PEM/asn1crypto) or a :class:`GostPublicKey`.
    Raises :class:`LegacyAlgorithmNotSupported` for GOST 34.310-2004 and :class:`GostError` for
    non-GOST or malformed input.  Results are cached per (certificate, issuer key) — a CA's verdict is
    computed once per process.
    """
    der = _der(cert_der)
    issuer_key = issuer if isinstance(issuer, GostPublicKey) else public_key_of(issuer)
    key = None
    if use_cache:
        key = hashlib.sha256(der).digest() + issuer_key.raw()
        hit = _cert_cache.get(key)
        if hit is not None:
            return hit
    try:
        cert = x509.Certificate.load(der)
        sig_oid = cert["signature_algorithm"]["algorithm"].dotted
        tbs = cert["tbs_certificate"].dump()
        sig = cert["signature_value"].native
        inner_oid = cert["tbs_certificate"]["signature"]["algorithm"].dotted
    except (ValueError, TypeError, KeyError) as exc:
        raise GostError(f"повреждённый сертификат: {exc}", CODE_MALFORMED) from exc
    if oids.is_legacy_gost_oid(sig_oid):
        raise LegacyAlgorithmNotSupported()
    ok = inner_oid == sig_oid and verify_signature(issuer_key, sig, tbs, sig_oid)
    if key is not None:
        _cert_cache.put(key, ok)
    return ok


# ------------------------------------------------------------------ CMS


@dataclass
class GostSignerResult:
    """Outcome of :func:`verify_signer_info`.  ``ok`` = intact and valid."""

    ok: bool
    code: str
    message: str
    intact: bool = False          # messageDigest (or content digest) matches Streebog(content)
    valid: bool = False           # the signature over DER(SET OF signedAttrs) verifies
    signature_algorithm: str = ""
    digest_algorithm: str = ""
    bits: int | None = None
    signing_time: datetime | None = None
    content_digest: bytes | None = field(default=None, repr=False)

    @property
    def legacy(self) -> bool:
        return self.code == CODE_LEGACY

    def to_dict(self) -> dict:
        return {
            "ok": self.ok, "code": self.code, "message": self.message, "intact": self.intact,
            "valid": self.valid, "signature_algorithm": self.signature_algorithm,
            "digest_algorithm": self.digest_algorithm, "bits": self.bits,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
        }


def signer_info_algorithms(signer_info) -> tuple[str, str]:
    """(digest OID, signature OID) of a SignerInfo, dotted."""
    si = _signer_info(signer_info)
    return si["digest_algorithm"]["algorithm"].dotted, si["signature_algorithm"]["algorithm"].dotted


def is_gost_signer_info(signer_info) -> bool:
    """True if this SignerInfo must go to this package (any Kazakh GOST digest/signature OID)."""
    d, s = signer_info_algorithms(signer_info)
    return oids.is_gost_oid(d) or oids.is_gost_oid(s) or s in _SIG_BITS


def _signer_info(si) -> cms.SignerInfo:
    if isinstance(si, cms.SignerInfo):
        return si
    return cms.SignerInfo.load(bytes(si))


def _sid_matches(si: cms.SignerInfo, cert: x509.Certificate) -> bool:
    sid = si["sid"]
    if sid.name == "issuer_and_serial_number":
        ias = sid.chosen
        return ias["serial_number"].native == cert.serial_number and ias["issuer"] == cert.issuer
    if sid.name == "subject_key_identifier":
        return sid.chosen.native == cert.key_identifier
    return False


def _fail(code: str, message: str, **kw) -> GostSignerResult:
    return GostSignerResult(ok=False, code=code, message=message, **kw)


def verify_signer_info(signer_info, content=None, signer_cert=None, *, content_digest: bytes | None = None,
                       econtent_type: str | None = "data") -> GostSignerResult:
    """Check one GOST SignerInfo: integrity of the content and the signature of the signed attributes.

    * ``signer_info``: asn1crypto ``cms.SignerInfo`` or its DER.
    * ``content``: the signed bytes or a binary stream (hashed with Streebog in chunks); or pass a
      precomputed ``content_digest`` (raw Streebog of the content, size per the digest algorithm).
    * ``signer_cert``: the signer certificate (DER/PEM/asn1crypto); its SID must match the SignerInfo.
    * ``econtent_type``: the encapsulated content type the contentType attribute must name
      (``"data"`` by default; ``None`` skips the check).

    Never raises for bad signatures / legacy algorithms: returns a :class:`GostSignerResult` whose
    ``code`` says why (``LEGACY_ALGORITHM_NOT_SUPPORTED``, ``GOST_DIGEST_MISMATCH``, ``GOST_BAD_SIGNATURE``,
    ``GOST_SIGNER_CERT_MISMATCH``, ``GOST_ALGORITHM_MISMATCH``, ``GOST_MALFORMED`` ...).
    Certificate *path* validation is separate (:class:`documents.gost.GostSignatureValidator`).
    """
    try:
        return _verify_signer_info(signer_info, content, signer_cert, content_digest, econtent_type)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        # asn1crypto parses lazily: corrupted DER surfaces wherever a field is first touched
        return _fail(CODE_MALFORMED, f"Повреждённая подпись CMS или сертификат: {exc}")


def _verify_signer_info(signer_info, content, signer_cert, content_digest, econtent_type) -> GostSignerResult:
    try:
        si = _signer_info(signer_info)
        digest_oid = si["digest_algorithm"]["algorithm"].dotted
        sig_oid = si["signature_algorithm"]["algorithm"].dotted
        signature = si["signature"].native
        cert = x509.Certificate.load(_der(signer_cert))
        cert_key_oid = cert["tbs_certificate"]["subject_public_key_info"]["algorithm"]["algorithm"].dotted
    except (ValueError, TypeError, KeyError) as exc:
        return _fail(CODE_MALFORMED, f"Повреждённая подпись CMS: {exc}")
    base = {"signature_algorithm": sig_oid, "digest_algorithm": digest_oid}
    if any(oids.is_legacy_gost_oid(o) for o in (digest_oid, sig_oid, cert_key_oid)):
        return _fail(CODE_LEGACY, LegacyAlgorithmNotSupported().args[0], **base)
    try:
        bits = signature_bits(sig_oid)
        key = public_key_of(cert)
    except LegacyAlgorithmNotSupported as exc:
        return _fail(CODE_LEGACY, exc.args[0], **base)
    except GostError as exc:
        return _fail(exc.code, str(exc), **base)
    base["bits"] = bits
    if oids.HASH_BITS.get(digest_oid) != bits or key.bits != bits:
        return _fail(CODE_ALGORITHM_MISMATCH,
                     "Алгоритмы хэширования, подписи и ключа ГОСТ не согласованы", **base)
    if not _sid_matches(si, cert):
        return _fail(CODE_SIGNER_MISMATCH, "Сертификат не соответствует подписавшему (SID)", **base)

    if content_digest is None:
        if content is None:
            return _fail(CODE_MALFORMED, "Нет подписанных данных для проверки", **base)
        content_digest = streebog(content, bits)
    content_digest = bytes(content_digest)
    base["content_digest"] = content_digest

    signed_attrs = si["signed_attrs"]
    signing_time = None
    if signed_attrs.native is None or not len(signed_attrs):
        # no signed attributes: the signature is over the content digest itself
        valid = key.verify_digest(content_digest, signature)
        if not valid:
            return _fail(CODE_BAD_SIGNATURE, "Подпись ГОСТ недействительна", **base)
        return GostSignerResult(ok=True, code=CODE_OK, message="Подпись ГОСТ действительна",
                                intact=True, valid=True, **base)
    try:
        md_values, ct_values = [], []
        for attr in signed_attrs:
            atype = attr["type"].native
            if atype == "message_digest":
                md_values.extend(v.native for v in attr["values"])
            elif atype == "content_type":
                ct_values.extend(v.native for v in attr["values"])
            elif atype == "signing_time":
                vals = attr["values"]
                if len(vals):
                    signing_time = vals[0].native
        raw_attrs = signed_attrs.dump()
    except (ValueError, TypeError, KeyError) as exc:
        return _fail(CODE_MALFORMED, f"Повреждённые подписанные атрибуты: {exc}", **base)
    base["signing_time"] = signing_time
    if len(md_values) != 1 or len(ct_values) != 1:
        return _fail(CODE_MALFORMED, "Нет атрибутов messageDigest/contentType", **base)
    if econtent_type is not None and ct_values[0] != econtent_type:
        return _fail(CODE_CONTENT_TYPE, "Атрибут contentType не совпадает с типом содержимого", **base)
    intact = hmac.compare_digest(md_values[0] or b"", content_digest)
    # the signature covers DER(SET OF Attribute): the [0] IMPLICIT tag is replaced with SET (0x31)
    signed_bytes = b"\x31" + raw_attrs[1:]
    valid = key.verify_digest(streebog(signed_bytes, bits), signature)
    if not intact:
        return _fail(CODE_DIGEST_MISMATCH, "Документ изменён: хэш не совпадает с подписанным",
                     intact=False, valid=valid, **base)
    if not valid:
        return _fail(CODE_BAD_SIGNATURE, "Подпись ГОСТ недействительна", intact=True, valid=False, **base)
    return GostSignerResult(ok=True, code=CODE_OK, message="Подпись ГОСТ действительна",
                            intact=True, valid=True, **base)
