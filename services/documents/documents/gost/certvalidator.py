"""pyhanko-certvalidator adapters: GOST CA/CRL/OCSP signatures inside ordinary path validation.

    from pyhanko_certvalidator import ValidationContext, CertificateValidator
    from documents.gost.certvalidator import GostSignatureValidator, GostAlgorithmPolicy
    vc = ValidationContext(trust_roots=[...], other_certs=[...], crls=[...], moment=...,
                           signature_validator=GostSignatureValidator(),
                           algorithm_usage_policy=GostAlgorithmPolicy())
    path = await CertificateValidator(gost_leaf_cert, validation_context=vc).async_validate_usage(
        {"non_repudiation"})

Mixed chains work: anything that is not a Kazakh GOST signature is delegated to certvalidator's
``DefaultSignatureValidator`` (RSA, ECDSA, ...).  GOST 34.310-2004 signatures make the path fail:
``GostAlgorithmPolicy`` refuses them up front with the reason "legacy algorithm not supported"
(``DisallowedAlgorithmError``), and the validator itself raises :class:`LegacyGostSignature`
(an ``InvalidSignature``) if it is reached anyway.  It never crashes.
"""
from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from pyhanko_certvalidator.policy_decl import (
    AlgorithmUsageConstraint,
    AlgorithmUsagePolicy,
    DisallowWeakAlgorithmsPolicy,
)
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidator,
)

from . import _asn1, oids
from .errors import GostError, LegacyAlgorithmNotSupported
from .keys import parse_gost_public_key
from .verify import _SIG_BITS, verify_signature

_asn1.register()

LEGACY_REASON = "legacy algorithm not supported (ГОСТ 34.310-2004)"


class LegacyGostSignature(InvalidSignature):
    """A GOST 34.310-2004 signature: reported as invalid with a clear reason."""


class GostSignatureValidator(SignatureValidator):
    """Verifies Kazakh GOST 34.10-2015 signatures (certificates, CRLs, OCSP responses); delegates others."""

    def __init__(self, fallback: SignatureValidator | None = None):
        self.fallback = fallback or DefaultSignatureValidator()

    def validate_signature(self, signature, signed_data, public_key_info, signature_algorithm,
                           context=DEFAULT_VALIDATION_CONTEXT):
        sig_oid = signature_algorithm["algorithm"].dotted
        if oids.is_legacy_gost_oid(sig_oid):
            raise LegacyGostSignature(LEGACY_REASON)
        if sig_oid not in _SIG_BITS and not oids.is_gost_oid(sig_oid):
            return self.fallback.validate_signature(signature, signed_data, public_key_info,
                                                    signature_algorithm, context)
        try:
            key = parse_gost_public_key(public_key_info.dump())
            ok = verify_signature(key, bytes(signature), bytes(signed_data), sig_oid)
        except LegacyAlgorithmNotSupported as exc:
            raise LegacyGostSignature(LEGACY_REASON) from exc
        except GostError as exc:
            # wrong key type for a GOST signature, unknown curve, malformed key ...
            raise InvalidSignature(str(exc)) from exc
        if not ok:
            raise InvalidSignature("GOST signature does not verify")


class GostAlgorithmPolicy(AlgorithmUsagePolicy):
    """Wraps a policy (default: DisallowWeakAlgorithmsPolicy): GOST 2015 allowed, GOST 2004 refused."""

    def __init__(self, inner: AlgorithmUsagePolicy | None = None):
        self.inner = inner or DisallowWeakAlgorithmsPolicy()

    def digest_algorithm_allowed(self, algo, moment):
        oid = algo["algorithm"].dotted
        if oids.is_legacy_gost_oid(oid):
            return AlgorithmUsageConstraint(allowed=False, failure_reason=LEGACY_REASON)
        if oids.is_gost_oid(oid) or oid in oids.HASH_BITS:
            return AlgorithmUsageConstraint(allowed=True)
        return self.inner.digest_algorithm_allowed(algo, moment)

    def signature_algorithm_allowed(self, algo, moment, public_key):
        oid = algo["algorithm"].dotted
        if oids.is_legacy_gost_oid(oid):
            return AlgorithmUsageConstraint(allowed=False, failure_reason=LEGACY_REASON)
        if oid in _SIG_BITS or oids.is_gost_oid(oid):
            return AlgorithmUsageConstraint(allowed=True)
        return self.inner.signature_algorithm_allowed(algo, moment, public_key)
