"""A test PKI shaped like НУЦ РК's (RSA line): root → intermediate → personal certificates.

Used by the dev stack (deploy/dev_pki.py), the signing tool (documents.cli) and the tests. Pure
``cryptography``; nothing here is used to *verify* (that is documents.eds).
"""
from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# NCA's CA names exceed X.509's 64-character advice; real NCA certificates carry them too.
warnings.filterwarnings("ignore", message="Attribute's length must be")

OID_INDIVIDUAL = "1.2.398.3.3.4.1.1"
OID_ORGANIZATION = "1.2.398.3.3.4.1.2"
ROLE_OIDS = {
    "director": "1.2.398.3.3.4.1.2.1",
    "can_sign": "1.2.398.3.3.4.1.2.2",
    "can_sign_financial": "1.2.398.3.3.4.1.2.3",
    "hr": "1.2.398.3.3.4.1.2.4",
    "employee": "1.2.398.3.3.4.1.2.5",
}
ROOT_CN = "КОРНЕВОЙ УДОСТОВЕРЯЮЩИЙ ЦЕНТР (RSA) TEST"
INTERMEDIATE_CN = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _attr(oid, value):
    return x509.NameAttribute(oid, value, _validate=False)  # NCA CNs exceed 64 bytes of UTF-8


def ca_name(cn: str) -> x509.Name:
    return x509.Name([_attr(NameOID.COMMON_NAME, cn), _attr(NameOID.COUNTRY_NAME, "KZ")])


def person_name(iin: str, surname: str, first_name: str, patronymic: str | None = None,
                bin: str | None = None, organization: str | None = None,
                email: str | None = None) -> x509.Name:
    attrs = [_attr(NameOID.COMMON_NAME, f"{surname} {first_name}"),
             _attr(NameOID.SURNAME, surname),
             _attr(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
             _attr(NameOID.COUNTRY_NAME, "KZ")]
    if organization:
        attrs.append(_attr(NameOID.ORGANIZATION_NAME, organization))
    if bin:
        attrs.append(_attr(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin}"))
    if patronymic:
        attrs.append(_attr(NameOID.GIVEN_NAME, patronymic))
    if email:
        attrs.append(_attr(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def make_root(cn: str = ROOT_CN, days: int = 3650, not_before: dt.datetime | None = None) -> Issued:
    key = _key()
    name = ca_name(cn)
    start = not_before or utcnow() - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Issued(cert, key)


def make_intermediate(root: Issued, cn: str = INTERMEDIATE_CN, days: int = 3000,
                      not_before: dt.datetime | None = None) -> Issued:
    key = _key()
    start = not_before or utcnow() - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(ca_name(cn)).issuer_name(root.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()),
                           critical=False)
            .sign(root.key, hashes.SHA256()))
    return Issued(cert, key)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                         crl_sign=True, encipher_only=False, decipher_only=False)


def make_person(issuer: Issued, *, iin: str, surname: str = "ТЕСТОВ", first_name: str = "ТЕСТ",
                patronymic: str | None = "ТЕСТОВИЧ", bin: str | None = None,
                organization: str | None = None, roles: tuple[str, ...] = (),
                usage: str = "sign", not_before: dt.datetime | None = None,
                not_after: dt.datetime | None = None, email: str | None = None,
                base_url: str = "http://pki.test.invalid") -> Issued:
    """A personal certificate: ``usage`` "sign" (DS+NR) or "auth" (DS+KE); with ``bin`` it is a
    legal-entity certificate (O, OU=BIN…) and ``roles`` name the EKU roles (director, employee…)."""
    key = _key()
    start = not_before or utcnow() - dt.timedelta(days=1)
    end = not_after or start + dt.timedelta(days=365)
    sign = usage == "sign"
    ku = x509.KeyUsage(digital_signature=True, content_commitment=sign, key_encipherment=not sign,
                       data_encipherment=False, key_agreement=False, key_cert_sign=False,
                       crl_sign=False, encipher_only=False, decipher_only=False)
    eku = [ExtendedKeyUsageOID.EMAIL_PROTECTION if sign else ExtendedKeyUsageOID.CLIENT_AUTH]
    if bin:
        eku.append(x509.ObjectIdentifier(OID_ORGANIZATION))
        eku += [x509.ObjectIdentifier(ROLE_OIDS[r]) for r in roles]
    else:
        eku.append(x509.ObjectIdentifier(OID_INDIVIDUAL))
    cert = (x509.CertificateBuilder()
            .subject_name(person_name(iin, surname, first_name, patronymic, bin, organization, email))
            .issuer_name(issuer.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(ku, critical=True)
            .add_extension(x509.ExtendedKeyUsage(eku), critical=False)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                x509.ObjectIdentifier("1.2.398.3.3.2.3" if sign else "1.2.398.3.3.2.4"), None)]),
                critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                           critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(f"{base_url}/inter.crl")], None, None, None)]),
                critical=False)
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                x509.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(f"{base_url}/ocsp"))]), critical=False)
            .sign(issuer.key, hashes.SHA256()))
    return Issued(cert, key)


def make_crl(issuer: Issued, revoked: list[x509.Certificate] = (),
             revoked_at: dt.datetime | None = None) -> bytes:
    now = utcnow()
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject)
               .last_update(now - dt.timedelta(minutes=5)).next_update(now + dt.timedelta(days=7))
               .add_extension(x509.CRLNumber(1), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer.key.public_key()), critical=False))
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
            .revocation_date(revoked_at or now - dt.timedelta(days=2)).build())
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def make_ocsp(issuer: Issued, cert: x509.Certificate, revoked: bool = False,
              revoked_at: dt.datetime | None = None) -> bytes:
    now = utcnow()
    status = ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=cert, issuer=issuer.cert, algorithm=hashes.SHA256(), cert_status=status,
        this_update=now - dt.timedelta(minutes=5), next_update=now + dt.timedelta(days=1),
        revocation_time=(revoked_at or now - dt.timedelta(days=2)) if revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def sign_cms(data: bytes, signers: list[Issued], detached: bool = True,
             extra_certs: list[x509.Certificate] = ()) -> bytes:
    """A CMS (DER) as NCALayer makes it: binary content, SHA-256, only the signers' certificates
    embedded unless ``extra_certs`` adds the chain."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data)
    for s in signers:
        builder = builder.add_signer(s.cert, s.key, hashes.SHA256())
    for c in extra_certs:
        builder = builder.add_certificate(c)
    options = [pkcs7.PKCS7Options.Binary]
    if detached:
        options.append(pkcs7.PKCS7Options.DetachedSignature)
    return builder.sign(serialization.Encoding.DER, options)


def add_signer(cms_der: bytes, data: bytes, signer: Issued) -> bytes:
    """Co-sign: merge a new signer into an existing CMS over the same ``data``."""
    from asn1crypto import cms
    existing = cms.ContentInfo.load(cms_der)
    detached = existing["content"]["encap_content_info"]["content"].native is None
    extra = cms.ContentInfo.load(sign_cms(data, [signer], detached=detached))
    sd, new = existing["content"], extra["content"]
    certs = list(sd["certificates"]) if sd["certificates"].native is not None else []
    have = {c.dump() for c in certs}
    certs += [c for c in new["certificates"] if c.dump() not in have]
    digests = list(sd["digest_algorithms"])
    if all(d.dump() != new["digest_algorithms"][0].dump() for d in digests):
        digests.append(new["digest_algorithms"][0])
    merged = cms.SignedData({
        "version": sd["version"], "digest_algorithms": digests,
        "encap_content_info": sd["encap_content_info"], "certificates": certs,
        "signer_infos": list(sd["signer_infos"]) + list(new["signer_infos"]),
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": merged}).dump()


def to_p12(issued: Issued, chain: list[x509.Certificate], password: str, name: str = "key") -> bytes:
    return pkcs12.serialize_key_and_certificates(
        name.encode(), issued.key, issued.cert, chain,
        serialization.BestAvailableEncryption(password.encode()))


def load_p12(data: bytes, password: str) -> tuple[Issued, list[x509.Certificate]]:
    key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode())
    return Issued(cert, key), list(chain or ())
