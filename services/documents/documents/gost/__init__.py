"""Kazakh GOST (НУЦ РК / Kalkan) signatures: GOST 34.10-2015 (256 and 512 bit) with Streebog.

Everything here is plain Python (no nameko), importable from the documents service and its tests.
Importing the package registers the Kazakh GOST *public key* OIDs in asn1crypto (so certificates with
GOST keys no longer raise ``KeyError: '1.2.398.3.10.1.1.2.2'``).  Streebog comes from the system
libgcrypt (Debian ``libgcrypt20``), else from the OpenSSL GOST provider (Debian
``libengine-gost-openssl``, loaded into this process's libcrypto on first use), else pure Python.

Byte order (the НУЦ РК's, proven on real NCA test certificates): public key OCTET STRING = x‖y and
signature = r‖s, each little-endian; digest integer = Streebog output read little-endian; curves are
TC26 512 paramSetA (``1.2.398.3.10.1.1.2.2.1``) and TC26 256 paramSetA (``…2.1.1``).

Routing (for the CMS/path code of the documents service)
    is_gost_oid(oid) -> bool            any 1.2.398.3.10.* OID (2015 or legacy 2004): send the signer here
    is_legacy_gost_oid(oid) -> bool     GOST 34.310-2004 / 34.311-95: reject, "legacy algorithm not supported"
    is_gost_signer_info(signer_info)    digest or signature algorithm of a cms.SignerInfo is GOST
    oid arguments may be dotted strings or asn1crypto / cryptography ObjectIdentifier objects.

Primitives
    streebog(data_or_stream, bits=512) -> bytes   bytes or a binary stream (read in 1 MiB chunks)
    streebog_new(bits) -> hashlib-like object      .update() / .digest(), for hashing while streaming
    streebog_fast_available() -> bool              False = pure-Python fallback (~0.3 MB/s)
    parse_gost_public_key(spki_der) -> GostPublicKey   raw DER walk; .bits, .curve, .x, .y, .legacy,
                                                       .verify_digest(digest, sig), .to_spki_der()
    public_key_of(cert_or_spki) -> GostPublicKey

Certificates and CMS
    verify_certificate_signature(cert, issuer) -> bool
        cert: DER/PEM/asn1crypto Certificate; issuer: issuer certificate or a GostPublicKey.
        Raises LegacyAlgorithmNotSupported for 2004 signatures, GostError for non-GOST/malformed input.
        Cached per (certificate, issuer key).
    verify_signer_info(signer_info, content=None, signer_cert=None, *, content_digest=None,
                       econtent_type="data") -> GostSignerResult
        Checks SID ↔ certificate, algorithm consistency, contentType, messageDigest == Streebog(content)
        (``intact``) and the signature over DER(SET OF signedAttrs) (``valid``).  Never raises for bad
        input: ``result.ok``, ``result.code`` (OK, LEGACY_ALGORITHM_NOT_SUPPORTED, GOST_DIGEST_MISMATCH,
        GOST_BAD_SIGNATURE, GOST_SIGNER_CERT_MISMATCH, GOST_ALGORITHM_MISMATCH, GOST_CONTENT_TYPE_MISMATCH,
        GOST_MALFORMED, GOST_UNSUPPORTED_ALGORITHM), ``result.message`` (Russian), ``intact``, ``valid``,
        ``signing_time`` (self-asserted), ``to_dict()``.
        It does NOT validate the certificate path, validity, key usage or revocation: do that with
        pyhanko-certvalidator plus the two adapters below.

One call for the EDS code (integrity + signature + path + revocation + SIGN/AUTH), EDS reason codes
    new_hash(digest_oid) -> hashlib-like Streebog for 1.2.398.3.10.1.3.2/.3.3 (GostError otherwise;
                            LegacyAlgorithmNotSupported for 34.311-95) — use it in the streaming pass
    verify_signer(signer_info_der=..., certificates_der=[...], content_digest=... | content=...,
                  trust_der=[roots + intermediates, GOST and RSA], moment=..., crls_der=(), ocsps_der=(),
                  revocation_mode="soft-fail"|"hard-fail"|"require"|"off", allow_fetching=False) -> dict
        {"reason_code": OK | TAMPERED | INVALID_SIGNATURE | UNTRUSTED_CHAIN | EXPIRED | REVOKED |
                        REVOCATION_UNKNOWN | AUTH_KEY | KEY_USAGE | GOST_LEGACY | MALFORMED |
                        UNSUPPORTED_ALGORITHM,
         "message", "intact", "signature_ok", "trusted", "key_usage": SIGN|AUTH|UNKNOWN,
         "path": [subject names, anchor first], "revocation": {...}, "gost": GostSignerResult.to_dict()}
        + "moment", "moment_source" ("timestamp" | "given"), "timestamp": a GOST-signed
        signatureTimeStampToken (НУЦ РК TSA, policy GOST2015) that verifies gives the moment (genTime).
        Configured CAs whose issuer is not configured act as trust anchors (e.g. nca_gost_2022).
        async_verify_signer(...) / async_verify_timestamp_token(...): the coroutines, for event loops.
        Notes for the EDS code: pass the trust store's CRLs/OCSPs and revocation mode; skip digest OIDs
        with is_legacy_gost_oid() in the streaming pass (new_hash raises for them) so the signer gets
        GOST_LEGACY instead of the whole CMS failing.
    verify_timestamp_token(token, signature_bytes, trust_der=..., ...) -> dict   one GOST RFC 3161 token
        (imprint over the signature, TSA SignerInfo, TSA path at genTime, EKU timeStamping); use it also
        for GOST tokens on RSA signatures (pyHanko cannot check those, eds.md pitfall 12).
    timestamp_tokens(signer_info) -> [cms.ContentInfo]

Path validation (pyhanko-certvalidator)
    GostSignatureValidator()   SignatureValidator: verifies GOST signatures on certificates, CRLs and
                               OCSP responses, delegates everything else (RSA, ECDSA) → mixed chains work.
    GostAlgorithmPolicy(inner=None)  allows GOST 2015, refuses GOST 2004 with
                               "legacy algorithm not supported" (DisallowedAlgorithmError), else ``inner``.
    ValidationContext(..., signature_validator=GostSignatureValidator(),
                      algorithm_usage_policy=GostAlgorithmPolicy())

Making GOST material (tests, dev test PKI)
    GostPrivateKey.generate(bits) / .from_scalar(d, bits); key.public; key.sign_digest(digest)
    load_pkcs12(data, password) -> (GostPrivateKey | None, [cert DER])   NCA *.p12 (3DES/PBES2)
    issue.make_certificate(...), issue.make_crl(...), issue.make_ocsp_response(...),
    issue.sign_cms(content, key, cert, detached=True), issue.add_signer(cms_der, content, key, cert),
    issue.name(common_name=..., ...), pkcs12.dump_pkcs12(key, cert, password, chain=[...])
    dev PKI like documents.pki: issue.make_root(), issue.make_intermediate(root),
    issue.make_person(inter, iin=..., bin=..., roles=("director",), usage="sign"|"auth"|"single", bits=512)
    -> GostIssued(.cert DER, .key, .to_p12(password, chain), .sign_cms(data)); issue.make_demo_pki(dir)
    CLI: python -m documents.gost demo-pki OUT_DIR | sign --p12 ... FILE OUT | verify CMS --data FILE --ca CA

Errors: GostError(ValueError) with ``.code``; LegacyAlgorithmNotSupported(GostError),
code ``LEGACY_ALGORITHM_NOT_SUPPORTED``.

Performance (bench/gost.py): the EC step ``u1·G + u2·Q`` runs in OpenSSL's generic prime-curve code via
ctypes (~1 ms per 512-bit verify; pure-Python fallback ~8 ms when libcrypto is unavailable or
``PEDATT_GOST_PURE_EC=1``); Streebog runs in libgcrypt or the GOST provider (``PEDATT_GOST_HASH``
= gcrypt | openssl | python forces one; ``documents.gost.hashing.backend()`` tells which).
"""
from . import _asn1
from .errors import GostError, LegacyAlgorithmNotSupported
from .keys import GostPrivateKey, GostPublicKey, parse_gost_public_key
from .oids import is_gost_oid, is_legacy_gost_oid, is_supported_gost_oid
from .pkcs12 import load_pkcs12
from .hashing import fast_available as streebog_fast_available
from .hashing import new as streebog_new
from .hashing import streebog
from .signer import (
    async_verify_signer,
    async_verify_timestamp_token,
    key_usage_class,
    new_hash,
    timestamp_tokens,
    verify_signer,
    verify_timestamp_token,
)
from .verify import (
    GostSignerResult,
    is_gost_signer_info,
    public_key_of,
    verify_certificate_signature,
    verify_signature,
    verify_signer_info,
)

_asn1.register()


def __getattr__(name):  # lazy: pyhanko-certvalidator is only needed for path validation
    if name in ("GostSignatureValidator", "GostAlgorithmPolicy", "LegacyGostSignature"):
        from . import certvalidator

        return getattr(certvalidator, name)
    if name == "issue":
        import importlib

        return importlib.import_module(__name__ + ".issue")
    raise AttributeError(name)


__all__ = [
    "GostError", "LegacyAlgorithmNotSupported", "GostPrivateKey", "GostPublicKey", "GostSignerResult",
    "GostSignatureValidator", "GostAlgorithmPolicy", "LegacyGostSignature",
    "is_gost_oid", "is_legacy_gost_oid", "is_supported_gost_oid", "is_gost_signer_info",
    "load_pkcs12", "parse_gost_public_key", "public_key_of", "streebog", "streebog_new",
    "streebog_fast_available", "verify_certificate_signature", "verify_signature", "verify_signer_info",
    "verify_signer", "async_verify_signer", "new_hash", "key_usage_class", "timestamp_tokens",
    "verify_timestamp_token", "async_verify_timestamp_token",
]
