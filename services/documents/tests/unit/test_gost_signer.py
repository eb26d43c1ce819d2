"""documents.gost.verify_signer: the one-call GOST signer check the EDS code uses (reason codes)."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import cms, pem, x509

from documents import gost
from documents.gost import issue, oids

FX = Path(__file__).resolve().parents[1] / "fixtures" / "gost"
UTC = timezone.utc
NOW = datetime.now(UTC)


def _pem_or_der(path: Path) -> bytes:
    data = path.read_bytes()
    return pem.unarmor(data)[2] if pem.detect(data) else data


def _check(cms_der, content, trust, **kw):
    sd = cms.ContentInfo.load(cms_der)["content"]
    si = sd["signer_infos"][0]
    h = gost.new_hash(si["digest_algorithm"]["algorithm"])
    h.update(content)
    return gost.verify_signer(signer_info_der=si.dump(),
                              certificates_der=[c.chosen.dump() for c in sd["certificates"]],
                              content_digest=h.digest(), trust_der=trust, **kw)


@pytest.fixture(scope="module")
def pki():
    root_key = gost.GostPrivateKey.generate(512)
    root = issue.make_certificate(subject=issue.name(common_name="GOST ROOT TEST", country_name="KZ"),
                                  public_key=root_key.public, issuer_key=root_key, ca=True, path_len=1,
                                  not_before=NOW - timedelta(days=30), not_after=NOW + timedelta(days=3650))
    ca_key = gost.GostPrivateKey.generate(512)
    ca = issue.make_certificate(subject=issue.name(common_name="GOST CA TEST", country_name="KZ"),
                                public_key=ca_key.public, issuer_key=root_key, issuer_cert=root, ca=True,
                                path_len=0, not_before=NOW - timedelta(days=30),
                                not_after=NOW + timedelta(days=3000))

    def person(cn, iin, ku=None, bits=512):
        key = gost.GostPrivateKey.generate(bits)
        cert = issue.make_certificate(
            subject=issue.name(common_name=cn, serial_number=iin, country_name="KZ"), public_key=key.public,
            issuer_key=ca_key, issuer_cert=ca, key_usage=ku, not_before=NOW - timedelta(days=10),
            not_after=NOW + timedelta(days=355), crl_url="http://crl.test.invalid/gost_ca.crl",
            ocsp_url="http://ocsp.test.invalid/")
        return key, cert

    return {"root": root, "root_key": root_key, "ca": ca, "ca_key": ca_key, "person": person}


def test_nca_material_ok_at_moment_inside_validity_and_expired_after():
    key, _ = gost.load_pkcs12((FX / "individual-gost2015.p12").read_bytes(), "Aa123456")
    cert = _pem_or_der(FX / "individual-gost2015-sign.pem")
    ca = (FX / "nca-gost-2022-test-ca.der").read_bytes()
    content = os.urandom(20000)
    signed = issue.sign_cms(content, key, cert)
    res = _check(signed, content, [ca], moment=datetime(2023, 3, 1, tzinfo=UTC))
    assert res["reason_code"] == "OK" and res["trusted"] and res["key_usage"] == "SIGN"
    assert len(res["path"]) == 2 and "IIN123456789012" in res["path"][-1]
    assert _check(signed, content, [ca], moment=datetime(2023, 9, 1, tzinfo=UTC))["reason_code"] == "EXPIRED"
    assert _check(signed, content + b"x", [ca], moment=datetime(2023, 3, 1, tzinfo=UTC))["reason_code"] == "TAMPERED"
    assert _check(signed, content, [], moment=datetime(2023, 3, 1, tzinfo=UTC))["reason_code"] == "UNTRUSTED_CHAIN"


def test_revoked_director_refused_when_the_crl_says_so(pki):
    dkey, director = pki["person"]("ДИРЕКТОР ТЕСТ", "IIN800101300017")
    content = b"decision" * 500
    signed = issue.sign_cms(content, dkey, director)
    trust = [pki["root"], pki["ca"]]
    crl_ok = issue.make_crl(issuer_cert=pki["ca"], issuer_key=pki["ca_key"])
    root_crl = issue.make_crl(issuer_cert=pki["root"], issuer_key=pki["root_key"])
    res = _check(signed, content, trust, crls_der=[crl_ok, root_crl], revocation_mode="hard-fail")
    assert res["reason_code"] == "OK" and len(res["path"]) == 3 and res["revocation"]["status"] == "good"
    serial = x509.Certificate.load(director).serial_number
    crl_revoked = issue.make_crl(issuer_cert=pki["ca"], issuer_key=pki["ca_key"], number=2,
                                 revoked=[(serial, NOW - timedelta(days=1))])
    res = _check(signed, content, trust, crls_der=[crl_revoked, root_crl], revocation_mode="hard-fail")
    assert res["reason_code"] == "REVOKED" and res["trusted"] is False
    # no revocation data at all under "require"
    assert _check(signed, content, trust, revocation_mode="require")["reason_code"] == "REVOCATION_UNKNOWN"


def test_auth_key_and_unknown_key_usage_refused(pki):
    content = b"x" * 100
    akey, auth = pki["person"]("ТЕСТОВ ТЕСТ", "IIN880101300123", ku={"digital_signature", "key_encipherment"})
    assert _check(issue.sign_cms(content, akey, auth), content, [pki["root"], pki["ca"]])["reason_code"] == "AUTH_KEY"
    ukey, unk = pki["person"]("ТЕСТОВ ТЕСТ", "IIN880101300123", ku={"digital_signature"})
    assert _check(issue.sign_cms(content, ukey, unk), content, [pki["root"], pki["ca"]])["reason_code"] == "KEY_USAGE"
    skey, single = pki["person"]("ТЕСТОВ ТЕСТ", "IIN880101300123", bits=256,
                                 ku={"digital_signature", "non_repudiation", "key_encipherment"})
    res = _check(issue.sign_cms(content, skey, single), content, [pki["root"], pki["ca"]])
    assert res["reason_code"] == "OK" and res["key_usage"] == "SIGN"  # GOST 2015 single key: DS+NR+KE


def test_bad_signature_and_legacy(pki):
    content = b"y" * 100
    key, cert = pki["person"]("ТЕСТОВ ТЕСТ", "IIN880101300123")
    signed = issue.sign_cms(content, key, cert)
    sd = cms.ContentInfo.load(signed)["content"]
    si = sd["signer_infos"][0].copy()
    sig = bytearray(si["signature"].native)
    sig[0] ^= 1
    si["signature"] = bytes(sig)
    res = gost.verify_signer(signer_info_der=si.dump(), certificates_der=[cert], content=content,
                             trust_der=[pki["root"], pki["ca"]])
    assert res["reason_code"] == "INVALID_SIGNATURE" and res["intact"] and not res["signature_ok"]
    si["signature_algorithm"] = {"algorithm": oids.SIG_2004}
    res = gost.verify_signer(signer_info_der=si.dump(), certificates_der=[cert], content=content,
                             trust_der=[pki["root"]])
    assert res["reason_code"] == "GOST_LEGACY"
    with pytest.raises(gost.LegacyAlgorithmNotSupported):
        gost.new_hash(oids.HASH_34311_95)
    with pytest.raises(gost.GostError):
        gost.new_hash("2.16.840.1.101.3.4.2.1")
    res = gost.verify_signer(signer_info_der=b"\x30\x00", certificates_der=[], content=b"", trust_der=[])
    assert res["reason_code"] == "MALFORMED"


def test_mixed_chain_rsa_root_over_gost_ca(pki):
    from cryptography import x509 as pyca_x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = pyca_x509.Name.from_rfc4514_string("CN=RSA ROOT MIXED,C=KZ")
    rsa_root = (pyca_x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(rsa_key.public_key()).serial_number(7)
                .not_valid_before(NOW - timedelta(days=30)).not_valid_after(NOW + timedelta(days=365))
                .add_extension(pyca_x509.BasicConstraints(ca=True, path_length=1), critical=True)
                .add_extension(pyca_x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(pyca_x509.SubjectKeyIdentifier.from_public_key(rsa_key.public_key()),
                               critical=False)
                .sign(rsa_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    gca_key = gost.GostPrivateKey.generate(512)
    template = x509.Certificate.load(issue.make_certificate(
        subject=issue.name(common_name="GOST CA UNDER RSA", country_name="KZ"), public_key=gca_key.public,
        issuer_key=gca_key, issuer_cert=rsa_root, ca=True, path_len=0,
        not_before=NOW - timedelta(days=10), not_after=NOW + timedelta(days=300)))
    tbs = template["tbs_certificate"].copy()
    tbs["signature"] = {"algorithm": "sha256_rsa"}
    gca = x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": {"algorithm": "sha256_rsa"},
                            "signature_value": rsa_key.sign(tbs.dump(), padding.PKCS1v15(), hashes.SHA256())}
                           ).dump()
    lkey = gost.GostPrivateKey.generate(256)
    leaf = issue.make_certificate(subject=issue.name(common_name="ДИРЕКТОР", serial_number="IIN800101300017"),
                                  public_key=lkey.public, issuer_key=gca_key, issuer_cert=gca,
                                  not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=100))
    content = b"mixed"
    res = _check(issue.sign_cms(content, lkey, leaf, extra_certs=[gca]), content, [rsa_root])
    assert res["reason_code"] == "OK" and len(res["path"]) == 3


def test_gost_signed_ocsp_good_and_revoked(pki):
    key, cert = pki["person"]("ТЕСТОВ ТЕСТ", "IIN880101300123")
    content = b"ocsp" * 100
    signed = issue.sign_cms(content, key, cert)
    trust = [pki["root"], pki["ca"]]
    root_crl = issue.make_crl(issuer_cert=pki["root"], issuer_key=pki["root_key"])
    good = issue.make_ocsp_response(issuer_cert=pki["ca"], issuer_key=pki["ca_key"], cert=cert)
    res = _check(signed, content, trust, ocsps_der=[good], crls_der=[root_crl], revocation_mode="require")
    assert res["reason_code"] == "OK", res
    revoked = issue.make_ocsp_response(issuer_cert=pki["ca"], issuer_key=pki["ca_key"], cert=cert,
                                       status="revoked", revocation_time=NOW - timedelta(days=2))
    res = _check(signed, content, trust, ocsps_der=[revoked], crls_der=[root_crl], revocation_mode="require")
    assert res["reason_code"] == "REVOKED"
    # an OCSP response signed by a different GOST key is not accepted as revocation evidence
    forged = issue.make_ocsp_response(issuer_cert=pki["ca"], issuer_key=gost.GostPrivateKey.generate(512),
                                      cert=cert)
    res = _check(signed, content, trust, ocsps_der=[forged], crls_der=[root_crl], revocation_mode="require")
    assert res["reason_code"] == "REVOCATION_UNKNOWN"


def test_never_crashes_on_corrupted_signer_info_or_certificate(pki):
    import random

    key, cert = pki["person"]("ТЕСТОВ ТЕСТ", "IIN880101300123")
    content = b"fuzz" * 50
    si = cms.ContentInfo.load(issue.sign_cms(content, key, cert))["content"]["signer_infos"][0].dump()
    rnd = random.Random(8)
    codes = set()
    for _ in range(150):
        bad_si, bad_cert = bytearray(si), bytearray(cert)
        target = bad_si if rnd.random() < 0.6 else bad_cert
        for _ in range(rnd.randint(1, 3)):
            target[rnd.randrange(len(target))] = rnd.randrange(256)
        res = gost.verify_signer(signer_info_der=bytes(bad_si), certificates_der=[bytes(bad_cert)],
                                 content=content, trust_der=[pki["root"], pki["ca"]])
        codes.add(res["reason_code"])
    assert "OK" not in codes or len(codes) > 1
    assert codes <= {"OK", "MALFORMED", "INVALID_SIGNATURE", "UNTRUSTED_CHAIN", "TAMPERED", "EXPIRED",
                     "UNSUPPORTED_ALGORITHM", "KEY_USAGE", "AUTH_KEY", "GOST_LEGACY", "REVOCATION_UNKNOWN"}


def test_gost_timestamp_token_gives_the_moment(pki):
    tsa_key = gost.GostPrivateKey.generate(512)
    tsa = issue.make_certificate(subject=issue.name(common_name="TSA GOST TEST", country_name="KZ"),
                                 public_key=tsa_key.public, issuer_key=pki["ca_key"], issuer_cert=pki["ca"],
                                 key_usage={"digital_signature", "non_repudiation"}, ext_key_usage=["time_stamping"],
                                 not_before=NOW - timedelta(days=20), not_after=NOW + timedelta(days=300))
    key, cert = pki["person"]("ТЕСТОВ ТЕСТ", "IIN880101300123")
    content = b"signed with a timestamp"
    stamp_time = (NOW - timedelta(days=3)).replace(microsecond=0)
    signed = issue.sign_cms(content, key, cert, tsa=(tsa_key, tsa, stamp_time))
    trust = [pki["root"], pki["ca"]]
    res = _check(signed, content, trust)
    assert res["reason_code"] == "OK" and res["moment_source"] == "timestamp"
    assert res["moment"] == stamp_time.isoformat() and res["timestamp"]["policy"] == "1.2.398.3.3.2.6.4"
    # the token belongs to another signature -> not used, the signature itself stays valid
    si = cms.ContentInfo.load(signed)["content"]["signer_infos"][0]
    other = issue.sign_cms(b"other", key, cert, tsa=(tsa_key, tsa, stamp_time))
    token = gost.timestamp_tokens(cms.ContentInfo.load(other)["content"]["signer_infos"][0])[0]
    ts = gost.verify_timestamp_token(token, si["signature"].native, trust_der=trust)
    assert ts["reason_code"] == "TIMESTAMP_MISMATCH" and ts["imprint_ok"] is False
    assert gost.verify_timestamp_token(token, cms.ContentInfo.load(other)["content"]["signer_infos"][0][
        "signature"].native, trust_der=trust)["reason_code"] == "OK"
    # a TSA certificate without EKU timeStamping is refused; the signer falls back to the given moment
    bad_tsa = issue.make_certificate(subject=issue.name(common_name="NOT A TSA"), public_key=tsa_key.public,
                                     issuer_key=pki["ca_key"], issuer_cert=pki["ca"],
                                     not_before=NOW - timedelta(days=20))
    signed2 = issue.sign_cms(content, key, cert, tsa=(tsa_key, bad_tsa, stamp_time))
    res = _check(signed2, content, trust)
    assert res["reason_code"] == "OK" and res["moment_source"] == "given"
    assert res["timestamp"]["reason_code"] == "KEY_USAGE"
    assert gost.verify_timestamp_token(b"\x30\x00", b"sig")["reason_code"] == "MALFORMED"


def test_dev_pki_director_signs_with_gost():
    root = issue.make_root()
    inter = issue.make_intermediate(root)
    director = issue.make_person(inter, iin="800101300017", surname="ДИРЕКТОРОВ", first_name="ДИРЕКТОР",
                                 bin="010140003594", organization='КГУ "ШКОЛА-ГИМНАЗИЯ №1"', roles=("director",))
    auth = issue.make_person(inter, iin="880101300123", usage="auth", bits=256)
    key, certs = gost.load_pkcs12(director.to_p12("Aa123456", chain=[inter]), "Aa123456")
    assert key.d == director.key.d and certs == [director.cert, inter.cert]
    content = b"director decision"
    trust = [root.cert, inter.cert]
    res = _check(director.sign_cms(content), content, trust)
    assert res["reason_code"] == "OK" and len(res["path"]) == 3
    ekus = [e.dotted for e in director.certificate.extended_key_usage_value]
    assert "1.2.398.3.3.4.1.2.1" in ekus and "BIN010140003594" in res["path"][-1]
    assert _check(auth.sign_cms(content), content, trust)["reason_code"] == "AUTH_KEY"
