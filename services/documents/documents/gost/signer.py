"""One-call verification of a GOST CMS signer for the documents service's EDS code.

``verify_signer`` = :func:`verify_signer_info` (integrity + signature) + the certificate path with
pyhanko-certvalidator (GOST and RSA CA signatures, validity at ``moment``, CA constraints, CRL/OCSP)
+ the SIGN/AUTH key-usage rule — and answers with the EDS report's reason codes.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging

from asn1crypto import cms, crl as a_crl, ocsp as a_ocsp, pem, x509

from . import _asn1, oids
from .errors import GostError, LegacyAlgorithmNotSupported
from .hashing import new as _streebog_new
from .verify import CODE_LEGACY, verify_signer_info

log = logging.getLogger(__name__)
_asn1.register()

# verify_signer_info codes -> EDS reason codes
_CODE_MAP = {
    "OK": "OK",
    CODE_LEGACY: "GOST_LEGACY",
    "GOST_DIGEST_MISMATCH": "TAMPERED",
    "GOST_BAD_SIGNATURE": "INVALID_SIGNATURE",
    "GOST_SIGNER_CERT_MISMATCH": "INVALID_SIGNATURE",
    "GOST_ALGORITHM_MISMATCH": "INVALID_SIGNATURE",
    "GOST_CONTENT_TYPE_MISMATCH": "INVALID_SIGNATURE",
    "GOST_MALFORMED": "MALFORMED",
    "GOST_BAD_KEY": "MALFORMED",
    "GOST_UNSUPPORTED_ALGORITHM": "UNSUPPORTED_ALGORITHM",
    "GOST_UNKNOWN_KEY": "UNSUPPORTED_ALGORITHM",
    "GOST_UNKNOWN_CURVE": "UNSUPPORTED_ALGORITHM",
}


def new_hash(digest_oid):
    """hashlib-like Streebog object for a digest OID (Kazakh 1.2.398.3.10.1.3.2/.3.3 or TC26).

    Raises :class:`LegacyAlgorithmNotSupported` for GOST 34.311-95 and :class:`GostError` otherwise."""
    oid = oids._dotted(digest_oid)
    if oids.is_legacy_gost_oid(oid):
        raise LegacyAlgorithmNotSupported()
    bits = oids.HASH_BITS.get(oid)
    if bits is None:
        raise GostError(f"неподдерживаемый алгоритм хэширования: {oid}", "GOST_UNSUPPORTED_ALGORITHM")
    return _streebog_new(bits)


def key_usage_class(cert: x509.Certificate) -> str:
    """NCANode's rule classified by nonRepudiation: SIGN (DS+NR, also DS+NR+KE), AUTH (DS+KE), UNKNOWN."""
    ku = cert.key_usage_value
    bits = set(ku.native) if ku is not None else set()
    if "digital_signature" in bits and "non_repudiation" in bits:
        return "SIGN"
    if "digital_signature" in bits and "key_encipherment" in bits:
        return "AUTH"
    return "UNKNOWN"


def _load_certs(items) -> list[x509.Certificate]:
    out = []
    for item in items or ():
        if isinstance(item, x509.Certificate):
            out.append(item)
            continue
        data = bytes(item)
        if pem.detect(data):
            out.extend(x509.Certificate.load(d) for _, _, d in pem.unarmor(data, multiple=True))
        else:
            out.append(x509.Certificate.load(data))
    return out


def _find_signer_cert(si: cms.SignerInfo, certs):
    sid = si["sid"]
    for c in certs:
        try:
            if sid.name == "issuer_and_serial_number":
                if c.serial_number == sid.chosen["serial_number"].native and c.issuer == sid.chosen["issuer"]:
                    return c
            elif c.key_identifier == sid.chosen.native:
                return c
        except (ValueError, KeyError, TypeError):
            continue
    return None


def _split_trust(trust: list[x509.Certificate]):
    """Self-signed certificates and configured CAs whose issuer is not configured are anchors;
    the rest are intermediates (their own validity/revocation is then checked on the path)."""
    subjects = {c.subject.dump() for c in trust}
    roots, others = [], []
    for c in trust:
        self_issued = c.subject == c.issuer
        if self_issued or c.issuer.dump() not in subjects:
            roots.append(c)
        else:
            others.append(c)
    return roots, others


def _path_error_code(exc: Exception) -> str:
    from pyhanko_certvalidator import errors as e

    if isinstance(exc, e.DisallowedAlgorithmError) and "legacy" in str(exc):
        return "GOST_LEGACY"
    if isinstance(exc, e.RevokedError):
        return "REVOKED"
    if isinstance(exc, e.InsufficientRevinfoError):
        return "REVOCATION_UNKNOWN"
    if isinstance(exc, (e.ExpiredError, e.NotYetValidError)):
        return "EXPIRED"
    return "UNTRUSTED_CHAIN"


async def async_verify_signer(**kwargs) -> dict:
    """See :func:`verify_signer`.  Never raises for bad input: corrupted DER → ``MALFORMED``."""
    try:
        return await _async_verify_signer(**kwargs)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        log.info("GOST signer not verifiable: %s", exc)
        return {"reason_code": "MALFORMED", "message": f"Повреждённая подпись или сертификат: {exc}",
                "intact": None, "signature_ok": None, "trusted": None, "key_usage": None, "path": [],
                "revocation": {"mode": kwargs.get("revocation_mode", "soft-fail")}, "gost": None}


async def _async_verify_signer(*, signer_info_der, certificates_der=(), content_digest: bytes | None = None,
                              content=None, trust_der=(), moment: dt.datetime | None = None, crls_der=(),
                              ocsps_der=(), revocation_mode: str = "soft-fail", allow_fetching: bool = False,
                              retroactive_revinfo: bool = True, econtent_type: str | None = "data",
                              use_timestamp: bool = True, purpose: str = "sign") -> dict:
    from pyhanko_certvalidator import CertificateValidator, ValidationContext

    from .certvalidator import GostAlgorithmPolicy, GostSignatureValidator

    moment = moment or dt.datetime.now(dt.timezone.utc)
    out = {"reason_code": None, "message": None, "intact": None, "signature_ok": None, "trusted": None,
           "key_usage": None, "path": [], "revocation": {"mode": revocation_mode}, "gost": None,
           "moment": moment.isoformat(), "moment_source": "given", "timestamp": None}

    def done(code, message=None):
        out["reason_code"] = code
        out["message"] = message
        return out

    try:
        si = signer_info_der if isinstance(signer_info_der, cms.SignerInfo) else cms.SignerInfo.load(
            bytes(signer_info_der))
        certs = _load_certs(certificates_der)
        trust = _load_certs(trust_der)
        sig_oid = si["signature_algorithm"]["algorithm"].dotted
        digest_oid = si["digest_algorithm"]["algorithm"].dotted
    except (ValueError, TypeError, KeyError) as exc:
        return done("MALFORMED", str(exc))
    if oids.is_legacy_gost_oid(sig_oid) or oids.is_legacy_gost_oid(digest_oid):
        return done("GOST_LEGACY", LegacyAlgorithmNotSupported().args[0])
    cert = _find_signer_cert(si, certs) or _find_signer_cert(si, trust)
    if cert is None:
        return done("UNTRUSTED_CHAIN", "Сертификат подписанта не найден в подписи")
    res = verify_signer_info(si, content, cert, content_digest=content_digest, econtent_type=econtent_type)
    out["gost"] = res.to_dict()
    out["intact"], out["signature_ok"] = res.intact, res.valid
    if not res.ok:
        return done(_CODE_MAP.get(res.code, "INVALID_SIGNATURE"), res.message)
    out["key_usage"] = key_usage_class(cert)

    if use_timestamp and purpose == "sign":
        for token in timestamp_tokens(si):
            ts = await async_verify_timestamp_token(
                token, si["signature"].native, trust_der=trust, crls_der=crls_der, ocsps_der=ocsps_der,
                revocation_mode=revocation_mode, allow_fetching=allow_fetching)
            out["timestamp"] = {k: ts[k] for k in ("reason_code", "message", "time", "tsa", "policy")}
            if ts["reason_code"] == "OK":
                moment = dt.datetime.fromisoformat(ts["time"])
                out["moment"], out["moment_source"] = ts["time"], "timestamp"
                break

    roots, others = _split_trust(trust)
    ctx = {}
    if revocation_mode != "off":
        ctx = {"crls": [a_crl.CertificateList.load(bytes(c)) if not isinstance(c, a_crl.CertificateList) else c
                        for c in crls_der],
               "ocsps": [a_ocsp.OCSPResponse.load(bytes(o)) if not isinstance(o, a_ocsp.OCSPResponse) else o
                         for o in ocsps_der],
               "retroactive_revinfo": retroactive_revinfo}
    vc = ValidationContext(
        trust_roots=roots, other_certs=others + [c for c in certs if c is not cert],
        moment=moment, allow_fetching=allow_fetching,
        revocation_mode="soft-fail" if revocation_mode == "off" else revocation_mode,
        signature_validator=GostSignatureValidator(), algorithm_usage_policy=GostAlgorithmPolicy(), **ctx)
    try:
        path = await CertificateValidator(cert, validation_context=vc).async_validate_path()
    except Exception as exc:  # noqa: BLE001 - every path failure is a report, never a crash
        out["trusted"] = False
        code = _path_error_code(exc)
        if code == "REVOKED":
            out["revocation"]["status"] = "revoked"
        return done(code, str(exc))
    out["trusted"] = True
    out["path"] = [c.subject.human_friendly for c in path.iter_certs(include_root=True)]
    if revocation_mode != "off":
        out["revocation"]["status"] = "good" if (crls_der or ocsps_der or allow_fetching) else "not_checked"
    if purpose == "timestamp":
        try:
            eku = cert.extended_key_usage_value
            ekus = set(eku.native) if eku is not None else set()
        except ValueError:
            ekus = set()
        ku = cert.key_usage_value
        if "time_stamping" not in ekus or (ku is not None and "digital_signature" not in set(ku.native)):
            return done("KEY_USAGE", "Сертификат не предназначен для меток времени (EKU timeStamping)")
        return done("OK", res.message)
    if out["key_usage"] == "AUTH":
        return done("AUTH_KEY")
    if out["key_usage"] != "SIGN":
        return done("KEY_USAGE")
    return done("OK", res.message)


def timestamp_tokens(signer_info) -> list:
    """The signatureTimeStampToken values (cms.ContentInfo) in a SignerInfo's unsigned attributes."""
    si = signer_info if isinstance(signer_info, cms.SignerInfo) else cms.SignerInfo.load(bytes(signer_info))
    attrs = si["unsigned_attrs"]
    if attrs.native is None:
        return []
    out = []
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            out.extend(attr["values"])
    return out


async def async_verify_timestamp_token(token, signature: bytes, *, trust_der=(), crls_der=(), ocsps_der=(),
                                       revocation_mode: str = "soft-fail", allow_fetching: bool = False,
                                       moment: dt.datetime | None = None) -> dict:
    """See :func:`verify_timestamp_token`."""
    import hashlib

    from asn1crypto import tsp

    out = {"reason_code": None, "message": None, "time": None, "tsa": None, "policy": None,
           "imprint_ok": None, "signer": None}
    try:
        ci = token if isinstance(token, cms.ContentInfo) else cms.ContentInfo.load(bytes(token))
        sd = ci["content"]
        eci = sd["encap_content_info"]
        if eci["content_type"].native != "tst_info" or len(sd["signer_infos"]) != 1:
            out.update(reason_code="MALFORMED", message="Это не метка времени RFC 3161")
            return out
        tst_der = eci["content"].contents
        tst = tsp.TSTInfo.load(tst_der)
        gen_time = tst["gen_time"].native
        out["time"], out["policy"] = gen_time.isoformat(), tst["policy"].dotted
        si = sd["signer_infos"][0]
        from .verify import is_gost_signer_info

        if not is_gost_signer_info(si):
            out.update(reason_code="NOT_GOST", message="Метка времени подписана не по ГОСТ")
            return out
        imprint = tst["message_imprint"]
        halg = imprint["hash_algorithm"]["algorithm"]
        if oids.is_gost_oid(halg) or halg.dotted in oids.HASH_BITS:
            h = new_hash(halg)
        else:
            h = hashlib.new(halg.native)
        h.update(bytes(signature))
        out["imprint_ok"] = h.digest() == imprint["hashed_message"].native
        certs = [c.chosen for c in sd["certificates"]] if sd["certificates"].native is not None else []
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, GostError) as exc:
        out.update(reason_code="MALFORMED", message=f"Повреждённая метка времени: {exc}")
        return out
    res = await _async_verify_signer(
        signer_info_der=si, certificates_der=certs, content=tst_der, trust_der=trust_der,
        moment=moment or gen_time, crls_der=crls_der, ocsps_der=ocsps_der, revocation_mode=revocation_mode,
        allow_fetching=allow_fetching, econtent_type="tst_info", use_timestamp=False, purpose="timestamp")
    out["signer"] = res
    out["tsa"] = res["path"][-1] if res["path"] else None
    if not out["imprint_ok"]:
        out.update(reason_code="TIMESTAMP_MISMATCH", message="Метка времени относится к другой подписи")
    else:
        out.update(reason_code=res["reason_code"], message=res["message"])
    return out


def verify_timestamp_token(token, signature: bytes, **kwargs) -> dict:
    """Verify a GOST-signed RFC 3161 token (e.g. the НУЦ РК TSA, policy GOST 2015/512) over ``signature``.

    Checks: TSTInfo messageImprint == hash(signature) (Streebog or SHA-2), the TSA's SignerInfo
    (messageDigest over the TSTInfo, GOST signature), the TSA certificate path at genTime (or ``moment``)
    and EKU timeStamping.  Returns ``{"reason_code": OK | TIMESTAMP_MISMATCH | NOT_GOST | MALFORMED |
    <verify_signer codes>, "message", "time" (ISO genTime), "tsa", "policy", "imprint_ok", "signer"}``.
    Keyword arguments as for :func:`verify_signer` (trust_der, crls_der, ocsps_der, revocation_mode,
    allow_fetching, moment)."""
    return _run(async_verify_timestamp_token(token, signature, **kwargs))


def _run(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    coro.close()
    raise RuntimeError("called inside a running event loop: await the async_ variant")


def verify_signer(**kwargs) -> dict:
    """Complete check of one GOST SignerInfo; synchronous wrapper of :func:`async_verify_signer`.

    Keyword arguments: ``signer_info_der`` (DER or cms.SignerInfo), ``certificates_der`` (the CMS's
    certificates), ``content_digest`` (raw Streebog of the content, from :func:`new_hash`) or
    ``content`` (bytes/stream), ``trust_der`` (configured roots and intermediates; GOST and RSA mixed),
    ``moment`` (trusted time: timestamp or receipt time), ``crls_der``, ``ocsps_der``,
    ``revocation_mode`` ("off" | "soft-fail" | "hard-fail" | "require"), ``allow_fetching``.

    Returns a dict: ``reason_code`` (OK, TAMPERED, INVALID_SIGNATURE, UNTRUSTED_CHAIN, EXPIRED, REVOKED,
    REVOCATION_UNKNOWN, AUTH_KEY, KEY_USAGE, GOST_LEGACY, MALFORMED, UNSUPPORTED_ALGORITHM), ``message``,
    ``intact``, ``signature_ok``, ``trusted``, ``key_usage`` (SIGN/AUTH/UNKNOWN), ``path`` (subject
    names, trust anchor first), ``revocation``, ``gost`` (the :class:`GostSignerResult` as a dict),
    ``moment`` / ``moment_source`` ("timestamp" when a GOST signatureTimeStampToken verified and its genTime
    was used, else "given") and ``timestamp`` (that token's check, or None).  ``use_timestamp=False``
    ignores tokens.
    """
    return _run(async_verify_signer(**kwargs))
