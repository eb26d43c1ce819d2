"""Make GOST 34.10-2015 material: certificates, CRLs and CMS SignedData (Kalkan/NCALayer layout).

For tests and the dev test PKI ("the demo director can sign with GOST"); production never signs.
Byte order as the НУЦ РК uses it: public key x‖y and signature r‖s, each little-endian.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from asn1crypto import algos, cms, core, crl as a_crl, keys as a_keys, tsp, x509  # tsp registers tst_info

from . import _asn1, oids
from .keys import GostPrivateKey
from .hashing import streebog

_asn1.register()


def _sig_oid(key: GostPrivateKey) -> str:
    return oids.SIG_2015_512 if key.public.bits == 512 else oids.SIG_2015_256


def _hash_oid(key: GostPrivateKey) -> str:
    return oids.HASH_STREEBOG_512 if key.public.bits == 512 else oids.HASH_STREEBOG_256


def _sig_alg(key: GostPrivateKey):
    return {"algorithm": _sig_oid(key), "parameters": core.Null()}


def sign_bytes(key: GostPrivateKey, data: bytes) -> bytes:
    """Kazakh-format GOST signature over ``data`` (Streebog of the key's size)."""
    return key.sign_digest(streebog(data, key.public.bits))


def name(**attrs) -> x509.Name:
    """x509.Name from asn1crypto attribute names (common_name, surname, serial_number, given_name,
    country_name, organization_name, organizational_unit_name, email_address), UTF8String values."""
    return x509.Name.build(attrs)


def make_certificate(*, subject: x509.Name, public_key, issuer_key: GostPrivateKey,
                     issuer_cert: x509.Certificate | bytes | None = None,
                     not_before: datetime | None = None, not_after: datetime | None = None,
                     serial: int | None = None, ca: bool = False, path_len: int | None = None,
                     key_usage: set[str] | None = None, ext_key_usage: list[str] | None = None,
                     policies: list[str] | None = None, crl_url: str | None = None,
                     ocsp_url: str | None = None, subject_key_id: bytes | None = None) -> bytes:
    """Issue a certificate signed with ``issuer_key`` (self-signed when ``issuer_cert`` is None).

    ``public_key`` is a GostPublicKey (or anything with ``to_spki_der()``) or an asn1crypto
    PublicKeyInfo / DER SPKI (e.g. an RSA key: mixed chains).
    """
    now = datetime.now(timezone.utc)
    not_before = not_before or now - timedelta(days=1)
    not_after = not_after or now + timedelta(days=365)
    if hasattr(public_key, "to_spki_der"):
        spki = a_keys.PublicKeyInfo.load(public_key.to_spki_der())
    elif isinstance(public_key, a_keys.PublicKeyInfo):
        spki = public_key
    else:
        spki = a_keys.PublicKeyInfo.load(bytes(public_key))
    if isinstance(issuer_cert, (bytes, bytearray)):
        issuer_cert = x509.Certificate.load(bytes(issuer_cert))
    issuer_name = issuer_cert.subject if issuer_cert is not None else subject
    ski = subject_key_id or spki.sha1
    exts = [
        {"extn_id": "basic_constraints", "critical": True,
         "extn_value": {"ca": ca, "path_len_constraint": path_len if ca else None}},
        {"extn_id": "key_usage", "critical": True,
         "extn_value": key_usage or ({"key_cert_sign", "crl_sign"} if ca
                                     else {"digital_signature", "non_repudiation"})},
        {"extn_id": "key_identifier", "critical": False, "extn_value": ski},
    ]
    aki_src = (issuer_cert.key_identifier or issuer_cert.public_key.sha1) if issuer_cert is not None else ski
    exts.append({"extn_id": "authority_key_identifier", "critical": False,
                 "extn_value": {"key_identifier": aki_src}})
    if ext_key_usage:
        exts.append({"extn_id": "extended_key_usage", "critical": False, "extn_value": ext_key_usage})
    if policies:
        exts.append({"extn_id": "certificate_policies", "critical": False,
                     "extn_value": [{"policy_identifier": p} for p in policies]})
    if crl_url:
        exts.append({"extn_id": "crl_distribution_points", "critical": False, "extn_value": [
            {"distribution_point": x509.DistributionPointName(
                name="full_name", value=[x509.GeneralName(name="uniform_resource_identifier", value=crl_url)])}]})
    if ocsp_url:
        exts.append({"extn_id": "authority_information_access", "critical": False, "extn_value": [
            {"access_method": "ocsp",
             "access_location": x509.GeneralName(name="uniform_resource_identifier", value=ocsp_url)}]})
    tbs = x509.TbsCertificate({
        "version": "v3",
        "serial_number": serial if serial is not None else secrets.randbits(159),
        "signature": _sig_alg(issuer_key),
        "issuer": issuer_name,
        "validity": {"not_before": x509.Time({"utc_time": not_before}),
                     "not_after": x509.Time({"utc_time": not_after})},
        "subject": subject,
        "subject_public_key_info": spki,
        "extensions": exts,
    })
    tbs_der = tbs.dump()
    cert = x509.Certificate({
        "tbs_certificate": tbs,
        "signature_algorithm": _sig_alg(issuer_key),
        "signature_value": sign_bytes(issuer_key, tbs_der),
    })
    return cert.dump()


def make_crl(*, issuer_cert, issuer_key: GostPrivateKey, revoked: list[tuple[int, datetime]] = (),
             this_update: datetime | None = None, next_update: datetime | None = None,
             number: int = 1) -> bytes:
    """A GOST-signed CRL of ``issuer_cert`` listing ``(serial, revocation time)`` pairs."""
    if isinstance(issuer_cert, (bytes, bytearray)):
        issuer_cert = x509.Certificate.load(bytes(issuer_cert))
    now = datetime.now(timezone.utc)
    this_update = this_update or now - timedelta(hours=1)
    next_update = next_update or now + timedelta(days=7)
    tbs = a_crl.TbsCertList({
        "version": "v2",
        "signature": _sig_alg(issuer_key),
        "issuer": issuer_cert.subject,
        "this_update": x509.Time({"utc_time": this_update}),
        "next_update": x509.Time({"utc_time": next_update}),
        "revoked_certificates": [
            {"user_certificate": s, "revocation_date": x509.Time({"utc_time": t})} for s, t in revoked
        ] or None,
        "crl_extensions": [
            {"extn_id": "crl_number", "critical": False, "extn_value": number},
            {"extn_id": "authority_key_identifier", "critical": False,
             "extn_value": {"key_identifier": issuer_cert.key_identifier}},
        ],
    })
    return a_crl.CertificateList({
        "tbs_cert_list": tbs,
        "signature_algorithm": _sig_alg(issuer_key),
        "signature": sign_bytes(issuer_key, tbs.dump()),
    }).dump()


def _signer_info(content_digest: bytes, key: GostPrivateKey, cert: x509.Certificate,
                 signing_time: datetime | None, content_type: str = "data", tsa=None):
    attrs = cms.CMSAttributes([
        {"type": "content_type", "values": [content_type]},
        {"type": "signing_time", "values": [cms.Time({"utc_time": signing_time or datetime.now(timezone.utc)})]},
        {"type": "message_digest", "values": [content_digest]},
    ])
    signed_set = b"\x31" + attrs.dump()[1:]  # DER SET OF: same bytes as the [0] IMPLICIT field
    signature = sign_bytes(key, signed_set)
    fields = {
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": cert.issuer, "serial_number": cert.serial_number}}),
        "digest_algorithm": {"algorithm": _hash_oid(key)},
        "signed_attrs": attrs,
        "signature_algorithm": {"algorithm": _sig_oid(key)},
        "signature": signature,
    }
    if tsa is not None:
        tsa_key, tsa_cert, gen_time = tsa
        token = make_timestamp_token(signature, tsa_key=tsa_key, tsa_cert=tsa_cert, gen_time=gen_time)
        fields["unsigned_attrs"] = [{"type": "signature_time_stamp_token",
                                     "values": [cms.ContentInfo.load(token)]}]
    return cms.SignerInfo(fields)


def sign_cms(content: bytes, key: GostPrivateKey, cert, *, detached: bool = True,
             signing_time: datetime | None = None, extra_certs=(), tsa=None) -> bytes:
    """CMS SignedData (DER ContentInfo) with one GOST signer, as NCALayer's createCMSSignature makes it:
    signed attributes contentType, signingTime, messageDigest (Streebog); signer certificate embedded.
    ``tsa=(tsa_key, tsa_cert, gen_time)`` adds a GOST-signed RFC 3161 token (signatureTimeStampToken)."""
    cert = cert if isinstance(cert, x509.Certificate) else x509.Certificate.load(bytes(cert))
    extra = [c if isinstance(c, x509.Certificate) else x509.Certificate.load(bytes(c)) for c in extra_certs]
    si = _signer_info(streebog(content, key.public.bits), key, cert, signing_time, tsa=tsa)
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": _hash_oid(key)}],
        "encap_content_info": {"content_type": "data", "content": None if detached else content},
        "certificates": [cert] + extra,
        "signer_infos": [si],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


def add_signer(cms_der: bytes, content: bytes, key: GostPrivateKey, cert, *,
               signing_time: datetime | None = None) -> bytes:
    """Add one more GOST SignerInfo (e.g. the director after the teacher) to an existing CMS."""
    cert = cert if isinstance(cert, x509.Certificate) else x509.Certificate.load(bytes(cert))
    ci = cms.ContentInfo.load(bytes(cms_der))
    sd = ci["content"]
    si = _signer_info(streebog(content, key.public.bits), key, cert, signing_time)
    digest_algs = [a for a in sd["digest_algorithms"]]
    if all(a["algorithm"].dotted != _hash_oid(key) for a in digest_algs):
        digest_algs.append(algos.DigestAlgorithm({"algorithm": _hash_oid(key)}))
    certs = list(sd["certificates"]) if sd["certificates"].native is not None else []
    if all(c.chosen.dump() != cert.dump() for c in certs):
        certs.append(cms.CertificateChoices({"certificate": cert}))
    new_sd = cms.SignedData({
        "version": sd["version"].native,
        "digest_algorithms": digest_algs,
        "encap_content_info": sd["encap_content_info"],
        "certificates": certs,
        "signer_infos": list(sd["signer_infos"]) + [si],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": new_sd}).dump()


def make_ocsp_response(*, issuer_cert, issuer_key: GostPrivateKey, cert, status: str = "good",
                       revocation_time: datetime | None = None, this_update: datetime | None = None,
                       next_update: datetime | None = None) -> bytes:
    """A GOST-signed OCSP response about ``cert``, signed by its CA itself (status good/revoked)."""
    import hashlib

    from asn1crypto import ocsp

    if isinstance(issuer_cert, (bytes, bytearray)):
        issuer_cert = x509.Certificate.load(bytes(issuer_cert))
    if isinstance(cert, (bytes, bytearray)):
        cert = x509.Certificate.load(bytes(cert))
    now = datetime.now(timezone.utc)
    if status == "revoked":
        cert_status = ocsp.CertStatus(name="revoked", value={
            "revocation_time": revocation_time or now - timedelta(hours=1),
            "revocation_reason": "key_compromise"})
    else:
        cert_status = ocsp.CertStatus(name="good", value=core.Null())
    tbs = ocsp.ResponseData({
        "responder_id": ocsp.ResponderId(name="by_key", value=issuer_cert.public_key.sha1),
        "produced_at": now,
        "responses": [{
            "cert_id": {"hash_algorithm": {"algorithm": "sha1"},
                        "issuer_name_hash": hashlib.sha1(issuer_cert.subject.dump()).digest(),
                        "issuer_key_hash": issuer_cert.public_key.sha1,
                        "serial_number": cert.serial_number},
            "cert_status": cert_status,
            "this_update": this_update or now - timedelta(minutes=5),
            "next_update": next_update or now + timedelta(days=1),
        }],
    })
    basic = ocsp.BasicOCSPResponse({
        "tbs_response_data": tbs,
        "signature_algorithm": _sig_alg(issuer_key),
        "signature": sign_bytes(issuer_key, tbs.dump()),
    })
    return ocsp.OCSPResponse({
        "response_status": "successful",
        "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
    }).dump()


def make_timestamp_token(signature: bytes, *, tsa_key: GostPrivateKey, tsa_cert, gen_time: datetime | None = None,
                         policy: str = "1.2.398.3.3.2.6.4", serial: int | None = None) -> bytes:
    """An RFC 3161 TimeStampToken over ``signature`` (Streebog messageImprint), signed by a GOST TSA —
    like the НУЦ РК TSA with policy GOST 2015/512 (1.2.398.3.3.2.6.4)."""


    if isinstance(tsa_cert, (bytes, bytearray)):
        tsa_cert = x509.Certificate.load(bytes(tsa_cert))
    tst = tsp.TSTInfo({
        "version": "v1",
        "policy": policy,
        "message_imprint": {"hash_algorithm": {"algorithm": _hash_oid(tsa_key)},
                            "hashed_message": streebog(signature, tsa_key.public.bits)},
        "serial_number": serial if serial is not None else secrets.randbits(63),
        "gen_time": gen_time or datetime.now(timezone.utc),
    })
    tst_der = tst.dump()
    si = _signer_info(streebog(tst_der, tsa_key.public.bits), tsa_key, tsa_cert, gen_time,
                      content_type="tst_info")
    sd = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [{"algorithm": _hash_oid(tsa_key)}],
        "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_der)},
        "certificates": [tsa_cert],
        "signer_infos": [si],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


# ------------------------------------------------------------------ dev test PKI (mirrors documents.pki)

GOST_ROOT_CN = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST"
GOST_INTERMEDIATE_CN = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST"
ROLE_OIDS = {"director": "1.2.398.3.3.4.1.2.1", "can_sign": "1.2.398.3.3.4.1.2.2",
             "can_sign_financial": "1.2.398.3.3.4.1.2.3", "hr": "1.2.398.3.3.4.1.2.4",
             "employee": "1.2.398.3.3.4.1.2.5"}


class GostIssued:
    """A GOST certificate (DER) with its private key, like ``documents.pki.Issued`` for RSA."""

    def __init__(self, cert: bytes, key: GostPrivateKey):
        self.cert = cert
        self.key = key

    @property
    def certificate(self) -> x509.Certificate:
        return x509.Certificate.load(self.cert)

    def to_p12(self, password: str, chain=(), name: str = "key") -> bytes:
        from .pkcs12 import dump_pkcs12

        return dump_pkcs12(self.key, self.cert, password,
                           chain=[c.cert if isinstance(c, GostIssued) else c for c in chain], friendly_name=name)

    def sign_cms(self, data: bytes, detached: bool = True, chain=()) -> bytes:
        return sign_cms(data, self.key, self.cert, detached=detached,
                        extra_certs=[c.cert if isinstance(c, GostIssued) else c for c in chain])


def make_root(cn: str = GOST_ROOT_CN, days: int = 3650, not_before: datetime | None = None) -> GostIssued:
    key = GostPrivateKey.generate(512)
    start = not_before or datetime.now(timezone.utc) - timedelta(days=1)
    cert = make_certificate(subject=name(common_name=cn, country_name="KZ"), public_key=key.public,
                            issuer_key=key, ca=True, path_len=1, not_before=start,
                            not_after=start + timedelta(days=days), policies=["1.2.398.3.3.1.1"])
    return GostIssued(cert, key)


def make_intermediate(root: GostIssued, cn: str = GOST_INTERMEDIATE_CN, days: int = 3000,
                      not_before: datetime | None = None,
                      base_url: str = "http://pki.test.invalid") -> GostIssued:
    key = GostPrivateKey.generate(512)
    start = not_before or datetime.now(timezone.utc) - timedelta(days=1)
    cert = make_certificate(subject=name(common_name=cn, country_name="KZ"), public_key=key.public,
                            issuer_key=root.key, issuer_cert=root.cert, ca=True, path_len=0,
                            not_before=start, not_after=start + timedelta(days=days),
                            policies=["1.2.398.3.3.1.1"], crl_url=f"{base_url}/gost_root.crl")
    return GostIssued(cert, key)


def make_person(issuer: GostIssued, *, iin: str, surname: str = "ТЕСТОВ", first_name: str = "ТЕСТ",
                patronymic: str | None = "ТЕСТОВИЧ", bin: str | None = None, organization: str | None = None,
                roles: tuple[str, ...] = (), usage: str = "sign", bits: int = 512,
                not_before: datetime | None = None, not_after: datetime | None = None,
                email: str | None = None, base_url: str = "http://pki.test.invalid") -> GostIssued:
    """A GOST 34.10-2015 personal certificate shaped like the НУЦ РК's: ``usage`` "sign" (DS+NR),
    "auth" (DS+KE) or "single" (DS+NR+KE, the GOST 2015 one-key form); with ``bin`` a legal-entity
    certificate (O, OU=BIN…) whose ``roles`` become EKU roles (director, employee…)."""
    key = GostPrivateKey.generate(bits)
    start = not_before or datetime.now(timezone.utc) - timedelta(days=1)
    end = not_after or start + timedelta(days=365)
    ku = {"sign": {"digital_signature", "non_repudiation"},
          "auth": {"digital_signature", "key_encipherment"},
          "single": {"digital_signature", "non_repudiation", "key_encipherment"}}[usage]
    eku = ["1.3.6.1.5.5.7.3.2" if usage == "auth" else "1.3.6.1.5.5.7.3.4"]
    if bin:
        eku += ["1.2.398.3.3.4.1.2"] + [ROLE_OIDS[r] for r in roles]
    else:
        eku.append("1.2.398.3.3.4.1.1")
    attrs = {"common_name": f"{surname} {first_name}", "surname": surname, "serial_number": f"IIN{iin}",
             "country_name": "KZ"}
    if organization:
        attrs["organization_name"] = organization
    if bin:
        attrs["organizational_unit_name"] = f"BIN{bin}"
    if patronymic:
        attrs["given_name"] = patronymic
    if email:
        attrs["email_address"] = email
    cert = make_certificate(subject=name(**attrs), public_key=key.public, issuer_key=issuer.key,
                            issuer_cert=issuer.cert, key_usage=ku, ext_key_usage=eku, not_before=start,
                            not_after=end, policies=["1.2.398.3.3.2"], crl_url=f"{base_url}/gost_inter.crl",
                            ocsp_url=f"{base_url}/ocsp")
    return GostIssued(cert, key)


def make_demo_pki(out_dir, password: str = "Aa123456", bits: int = 512) -> dict:
    """Write a GOST dev PKI: root + issuing CA (DER), their CRLs, and a director (CEO of
    BIN010140003594) and a teacher certificate with PKCS#12 containers. Returns the file names."""
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = make_root()
    inter = make_intermediate(root)
    (out / "gost_root.der").write_bytes(root.cert)
    (out / "gost_inter.der").write_bytes(inter.cert)
    (out / "gost_root.crl").write_bytes(make_crl(issuer_cert=root.cert, issuer_key=root.key))
    (out / "gost_inter.crl").write_bytes(make_crl(issuer_cert=inter.cert, issuer_key=inter.key))
    people = {
        "director": make_person(inter, iin="800101300017", surname="ДИРЕКТОРОВ", first_name="ДИРЕКТОР",
                                patronymic="ДИРЕКТОРОВИЧ", bin="010140003594",
                                organization='КГУ "ШКОЛА-ГИМНАЗИЯ №1"', roles=("director",), bits=bits),
        "teacher": make_person(inter, iin="880101300123", bits=bits),
    }
    result = {"root": "gost_root.der", "intermediate": "gost_inter.der",
              "crls": ["gost_root.crl", "gost_inter.crl"]}
    for who, issued in people.items():
        (out / f"{who}_gost.der").write_bytes(issued.cert)
        (out / f"{who}_gost.p12").write_bytes(issued.to_p12(password, chain=[inter], name=who))
        result[who] = {"certificate": f"{who}_gost.der", "p12": f"{who}_gost.p12", "password": password}
    return result
