"""GOST 34.10-2015 / Streebog: real NCA test material + our own GOST test PKI (no broker, no DB)."""
from __future__ import annotations

import asyncio
import io
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import cms, pem, x509

from documents import gost
from documents.gost import ec, hashing as sb_mod, issue, oids
from documents.gost.certvalidator import GostAlgorithmPolicy, GostSignatureValidator, LegacyGostSignature

FX = Path(__file__).resolve().parents[1] / "fixtures" / "gost"
PASSWORD = "Aa123456"
INSIDE_VALIDITY = datetime(2023, 1, 10, tzinfo=timezone.utc)  # individual cert: 2022-07-28 .. 2023-07-28
UTC = timezone.utc


def _pem_or_der(path: Path) -> bytes:
    data = path.read_bytes()
    return pem.unarmor(data)[2] if pem.detect(data) else data


@pytest.fixture(scope="module")
def nca():
    key, _ = gost.load_pkcs12((FX / "individual-gost2015.p12").read_bytes(), PASSWORD)
    ceo_key, _ = gost.load_pkcs12((FX / "ceo-revoked-gost2015.p12").read_bytes(), PASSWORD)
    return {
        "ca": (FX / "nca-gost-2022-test-ca.der").read_bytes(),
        "ind": _pem_or_der(FX / "individual-gost2015-sign.pem"),
        "key": key,
        "ceo": _pem_or_der(FX / "ceo-revoked-gost2015-sign.pem"),
        "ceo_key": ceo_key,
        "legacy": _pem_or_der(FX / "ceo-gost2004-sign.cer"),
    }


def _validate(cert_der, roots, *, moment=None, crls=(), others=(), mode="soft-fail"):
    from pyhanko_certvalidator import CertificateValidator, ValidationContext

    vc = ValidationContext(
        trust_roots=[x509.Certificate.load(r) for r in roots],
        other_certs=[x509.Certificate.load(o) for o in others],
        crls=list(crls), moment=moment or datetime.now(UTC), revocation_mode=mode, allow_fetching=False,
        signature_validator=GostSignatureValidator(), algorithm_usage_policy=GostAlgorithmPolicy())
    validator = CertificateValidator(x509.Certificate.load(cert_der), validation_context=vc)
    return asyncio.run(validator.async_validate_usage({"non_repudiation"}))


def _flip(data: bytes, index: int) -> bytes:
    b = bytearray(data)
    b[index] ^= 0x01
    return bytes(b)


def _signer(cms_der: bytes, i: int = 0):
    sd = cms.ContentInfo.load(cms_der)["content"]
    return sd, sd["signer_infos"][i]


# ------------------------------------------------------------------ Streebog

def test_streebog_known_vector_and_fast_path():
    assert gost.streebog(b"", 512).hex().startswith("8e945da209aa869f0455928529bcae46")
    assert gost.streebog_fast_available(), "neither libgcrypt20 nor libengine-gost-openssl usable"


def test_streebog_backends_agree(monkeypatch):
    data = os.urandom(200_000)
    results = {}
    for kind in ("gcrypt", "openssl"):
        monkeypatch.setenv("PEDATT_GOST_HASH", kind)
        assert sb_mod.backend() == kind, f"{kind} Streebog backend missing (libgcrypt20 / libengine-gost-openssl)"
        for bits in (256, 512):
            h = gost.streebog_new(bits)
            h.update(data[:1000])
            h.update(memoryview(data)[1000:])
            first = h.digest()
            assert h.digest() == first  # digest() does not finalise the object
            results[kind, bits] = (first, gost.streebog(data, bits), gost.streebog(bytearray(data), bits))
    for bits in (256, 512):
        assert len(set(results["gcrypt", bits] + results["openssl", bits])) == 1


def test_streebog_stream_equals_bytes_and_pure_python_agrees():
    data = os.urandom(3 * sb_mod.CHUNK + 123)
    for bits in (256, 512):
        assert gost.streebog(io.BytesIO(data), bits) == gost.streebog(data, bits)
        small = data[:1000]
        pure = sb_mod._PureStreebog(bits)
        pure.update(small)
        assert pure.digest() == gost.streebog(small, bits)
    with pytest.raises(ValueError):
        gost.streebog(b"x", 384)


# ------------------------------------------------------------------ OIDs, keys

def test_oid_classification():
    assert gost.is_gost_oid("1.2.398.3.10.1.1.2.3.2") and not gost.is_legacy_gost_oid("1.2.398.3.10.1.1.2.3.2")
    assert gost.is_gost_oid("1.2.398.3.10.1.1.1.2") and gost.is_legacy_gost_oid("1.2.398.3.10.1.1.1.2")
    assert not gost.is_gost_oid("1.2.840.113549.1.1.11")
    cert = x509.Certificate.load((FX / "nca-gost-2022-test-ca.der").read_bytes())
    assert gost.is_gost_oid(cert["signature_algorithm"]["algorithm"])  # asn1crypto object accepted


def test_parse_nca_ca_public_key_and_asn1crypto_no_longer_raises(nca):
    key = gost.public_key_of(nca["ca"])
    assert (key.bits, key.curve_oid, key.hash_oid) == (512, oids.CURVE_2015_512_A, oids.HASH_STREEBOG_512)
    assert not key.legacy
    assert gost.parse_gost_public_key(key.to_spki_der()) == key
    cert = x509.Certificate.load(nca["ca"])
    assert cert.public_key.algorithm == "kz_gost2015_512"
    assert cert.key_identifier == cert.public_key.sha1
    cert.native  # full parse works once the OIDs are registered


def test_parse_rejects_malformed_and_foreign_keys(nca):
    spki = gost.public_key_of(nca["ca"]).to_spki_der()
    with pytest.raises(gost.GostError):
        gost.parse_gost_public_key(spki[:-5])
    with pytest.raises(gost.GostError):  # point moved off the curve
        gost.parse_gost_public_key(_flip(spki, len(spki) - 3))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec

    p256 = pyca_ec.generate_private_key(pyca_ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(gost.GostError):
        gost.parse_gost_public_key(p256)


# ------------------------------------------------------------------ real NCA material

def test_nca_individual_certificate_verifies_against_nca_ca(nca):
    assert gost.verify_certificate_signature(nca["ind"], nca["ca"]) is True
    assert gost.verify_certificate_signature(nca["ceo"], nca["ca"]) is True
    tampered = _flip(nca["ind"], 300)  # inside tbsCertificate
    assert gost.verify_certificate_signature(tampered, nca["ca"]) is False
    bad_sig = _flip(nca["ind"], len(nca["ind"]) - 7)
    assert gost.verify_certificate_signature(bad_sig, nca["ca"]) is False
    other_ca = gost.GostPrivateKey.generate(512).public
    assert gost.verify_certificate_signature(nca["ind"], other_ca) is False


def test_nca_path_validates_inside_validity_only(nca):
    path = _validate(nca["ind"], [nca["ca"]], moment=INSIDE_VALIDITY)
    assert len(path) == 2
    from pyhanko_certvalidator.errors import ExpiredError, PathValidationError

    with pytest.raises(ExpiredError):
        _validate(nca["ind"], [nca["ca"]], moment=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(PathValidationError):
        _validate(_flip(nca["ind"], 300), [nca["ca"]], moment=INSIDE_VALIDITY)


def test_nca_pkcs12_key_matches_certificate_and_wrong_password(nca):
    cert_key = gost.public_key_of(nca["ind"])
    assert (nca["key"].public.x, nca["key"].public.y) == (cert_key.x, cert_key.y)
    ceo_cert_key = gost.public_key_of(nca["ceo"])
    assert (nca["ceo_key"].public.x, nca["ceo_key"].public.y) == (ceo_cert_key.x, ceo_cert_key.y)
    with pytest.raises(gost.GostError) as err:
        gost.load_pkcs12((FX / "individual-gost2015.p12").read_bytes(), "wrong")
    assert err.value.code == "P12_BAD_PASSWORD"


@pytest.mark.parametrize("detached", [True, False])
def test_cms_with_nca_key_verifies_and_tampering_fails(nca, detached):
    content = os.urandom(50_000)
    signed = issue.sign_cms(content, nca["key"], nca["ind"], detached=detached,
                            signing_time=datetime(2023, 1, 5, tzinfo=UTC))
    sd, si = _signer(signed)
    assert gost.is_gost_signer_info(si)
    embedded = sd["encap_content_info"]["content"].native
    assert (embedded is None) == detached
    signed_content = content if detached else embedded
    res = gost.verify_signer_info(si, signed_content, sd["certificates"][0].chosen)
    assert res.ok and res.code == "OK" and res.intact and res.valid and res.bits == 512
    assert res.signing_time == datetime(2023, 1, 5, tzinfo=UTC)
    # streamed content, precomputed digest
    assert gost.verify_signer_info(si, io.BytesIO(content), nca["ind"]).ok
    assert gost.verify_signer_info(si, signer_cert=nca["ind"], content_digest=gost.streebog(content)).ok
    # a flipped byte in the file
    res = gost.verify_signer_info(si, _flip(content, 1234), nca["ind"])
    assert not res.ok and res.code == "GOST_DIGEST_MISMATCH" and not res.intact
    # a flipped byte in the signature
    sig = si["signature"].native
    bad = si.copy()
    bad["signature"] = _flip(sig, 10)
    res = gost.verify_signer_info(bad, content, nca["ind"])
    assert not res.ok and res.code == "GOST_BAD_SIGNATURE" and res.intact and not res.valid
    # a flipped byte in a signed attribute (signingTime)
    raw = si.dump()
    pos = raw.find(b"230105")
    res = gost.verify_signer_info(_flip(raw, pos), content, nca["ind"])
    assert res.code == "GOST_BAD_SIGNATURE"
    # a flipped byte in the certificate: the key no longer matches (or the SID), never a crash
    res = gost.verify_signer_info(si, content, _flip(nca["ind"], 400))
    assert not res.ok
    # another person's certificate
    res = gost.verify_signer_info(si, content, nca["ceo"])
    assert res.code == "GOST_SIGNER_CERT_MISMATCH"


def test_two_gost_signers_on_one_document(nca):
    content = b"attestation application" * 100
    signed = issue.sign_cms(content, nca["key"], nca["ind"])
    signed = issue.add_signer(signed, content, nca["ceo_key"], nca["ceo"])
    sd = cms.ContentInfo.load(signed)["content"]
    certs = {c.chosen.serial_number: c.chosen for c in sd["certificates"]}
    assert len(sd["signer_infos"]) == 2
    for si in sd["signer_infos"]:
        cert = certs[si["sid"].chosen["serial_number"].native]
        assert gost.verify_signer_info(si, content, cert).ok


# ------------------------------------------------------------------ legacy GOST 34.310-2004

def test_legacy_2004_certificate_is_refused_clearly(nca):
    legacy = x509.Certificate.load(nca["legacy"])
    assert gost.is_legacy_gost_oid(legacy["signature_algorithm"]["algorithm"])
    assert gost.public_key_of(legacy).legacy
    with pytest.raises(gost.LegacyAlgorithmNotSupported) as err:
        gost.verify_certificate_signature(nca["legacy"], nca["ca"])
    assert err.value.code == "LEGACY_ALGORITHM_NOT_SUPPORTED"
    # path validation: an issuer with the right name exists, the 2004 signature is refused by policy
    ca_key = gost.GostPrivateKey.generate(512)
    fake_issuer = issue.make_certificate(subject=legacy.issuer, public_key=ca_key.public, issuer_key=ca_key,
                                         ca=True, not_before=datetime(2015, 1, 1, tzinfo=UTC),
                                         subject_key_id=legacy.authority_key_identifier,
                                         not_after=datetime(2040, 1, 1, tzinfo=UTC))
    from pyhanko_certvalidator.errors import PathValidationError

    moment = legacy["tbs_certificate"]["validity"]["not_before"].native + timedelta(days=10)
    with pytest.raises(PathValidationError, match="legacy algorithm not supported"):
        _validate(nca["legacy"], [fake_issuer], moment=moment)
    # and the validator itself, if reached
    with pytest.raises(LegacyGostSignature):
        GostSignatureValidator().validate_signature(
            legacy.signature, legacy["tbs_certificate"].dump(), x509.Certificate.load(fake_issuer).public_key,
            legacy["signature_algorithm"])


def test_legacy_2004_signer_info_gives_legacy_result(nca):
    content = b"old document"
    signed = issue.sign_cms(content, nca["key"], nca["ind"])
    _, si = _signer(signed)
    si = si.copy()
    si["digest_algorithm"] = {"algorithm": oids.HASH_34311_95}
    si["signature_algorithm"] = {"algorithm": oids.SIG_2004}
    assert gost.is_gost_signer_info(si)
    res = gost.verify_signer_info(si, content, nca["legacy"])
    assert not res.ok and res.legacy and res.code == "LEGACY_ALGORITHM_NOT_SUPPORTED"
    assert "legacy algorithm not supported" in res.message
    assert res.to_dict()["code"] == "LEGACY_ALGORITHM_NOT_SUPPORTED"


# ------------------------------------------------------------------ our own GOST test PKI

@pytest.fixture(scope="module")
def pki():
    root_key = gost.GostPrivateKey.generate(512)
    root = issue.make_certificate(
        subject=issue.name(common_name="НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) PEDATT TEST", country_name="KZ"),
        public_key=root_key.public, issuer_key=root_key, ca=True, path_len=1,
        not_before=datetime(2020, 1, 1, tzinfo=UTC), not_after=datetime(2045, 1, 1, tzinfo=UTC))
    inter_key = gost.GostPrivateKey.generate(512)
    inter = issue.make_certificate(
        subject=issue.name(common_name="ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) PEDATT TEST", country_name="KZ"),
        public_key=inter_key.public, issuer_key=root_key, issuer_cert=root, ca=True, path_len=0,
        not_before=datetime(2020, 1, 1, tzinfo=UTC), not_after=datetime(2040, 1, 1, tzinfo=UTC))

    def leaf(bits=512, *, expired=False, ku=None, cn="ТЕСТОВ ТЕСТ", iin="IIN880101300123"):
        k = gost.GostPrivateKey.generate(bits)
        now = datetime.now(UTC)
        nb, na = (now - timedelta(days=400), now - timedelta(days=35)) if expired else (None, None)
        c = issue.make_certificate(
            subject=issue.name(common_name=cn, surname="ТЕСТОВ", serial_number=iin, country_name="KZ"),
            public_key=k.public, issuer_key=inter_key, issuer_cert=inter, not_before=nb, not_after=na,
            key_usage=ku, ext_key_usage=["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"],
            crl_url="http://crl.test.invalid/gost.crl")
        return k, c

    return {"root": root, "root_key": root_key, "inter": inter, "inter_key": inter_key, "leaf": leaf}


@pytest.mark.parametrize("bits", [256, 512])
def test_own_pki_full_path_and_cms(pki, bits):
    key, cert = pki["leaf"](bits)
    path = _validate(cert, [pki["root"]], others=[pki["inter"]])
    assert len(path) == 3
    content = os.urandom(10_000)
    _, si = _signer(issue.sign_cms(content, key, cert, extra_certs=[pki["inter"]]))
    res = gost.verify_signer_info(si, content, cert)
    assert res.ok and res.bits == bits
    assert not gost.verify_signer_info(si, content + b"!", cert).ok


def test_own_pki_expired_untrusted_missing_intermediate(pki):
    from pyhanko_certvalidator.errors import ExpiredError, PathBuildingError, PathValidationError

    _, expired = pki["leaf"](expired=True)
    with pytest.raises(ExpiredError):
        _validate(expired, [pki["root"]], others=[pki["inter"]])
    rogue_key = gost.GostPrivateKey.generate(512)
    rogue_root = issue.make_certificate(subject=issue.name(common_name="ROGUE GOST ROOT"),
                                        public_key=rogue_key.public, issuer_key=rogue_key, ca=True)
    _, good = pki["leaf"]()
    with pytest.raises((PathBuildingError, PathValidationError)):
        _validate(good, [rogue_root])
    with pytest.raises((PathBuildingError, PathValidationError)):
        _validate(good, [pki["root"]])  # intermediate not supplied


def test_own_pki_gost_crl_revocation(pki):
    from pyhanko_certvalidator.errors import RevokedError

    _, good = pki["leaf"]()
    _, revoked = pki["leaf"](cn="ДИРЕКТОР ТЕСТ", iin="IIN880101300124")
    revoked_serial = x509.Certificate.load(revoked).serial_number
    crl = issue.make_crl(issuer_cert=pki["inter"], issuer_key=pki["inter_key"],
                         revoked=[(revoked_serial, datetime.now(UTC) - timedelta(hours=2))])
    from asn1crypto import crl as a_crl

    root_crl = issue.make_crl(issuer_cert=pki["root"], issuer_key=pki["root_key"])
    crls = [a_crl.CertificateList.load(crl), a_crl.CertificateList.load(root_crl)]
    assert len(_validate(good, [pki["root"]], others=[pki["inter"]], crls=crls, mode="hard-fail")) == 3
    with pytest.raises(RevokedError):
        _validate(revoked, [pki["root"]], others=[pki["inter"]], crls=crls, mode="hard-fail")


def test_mixed_chain_gost_root_with_rsa_leaf_and_rsa_signed_gost_leaf(pki):
    from cryptography import x509 as pyca_x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    spki = rsa_key.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    rsa_leaf = issue.make_certificate(subject=issue.name(common_name="RSA LEAF", country_name="KZ"),
                                      public_key=spki, issuer_key=pki["inter_key"], issuer_cert=pki["inter"])
    assert len(_validate(rsa_leaf, [pki["root"]], others=[pki["inter"]])) == 3
    # RSA CA (pyca) above a GOST leaf: the GOST TBS is signed with RSA
    now = datetime.now(UTC)
    rsa_name = pyca_x509.Name.from_rfc4514_string("CN=RSA ROOT TEST,C=KZ")
    rsa_root = (pyca_x509.CertificateBuilder().subject_name(rsa_name).issuer_name(rsa_name)
                .public_key(rsa_key.public_key()).serial_number(1)
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                .add_extension(pyca_x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(pyca_x509.SubjectKeyIdentifier.from_public_key(rsa_key.public_key()),
                               critical=False)
                .sign(rsa_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    gkey = gost.GostPrivateKey.generate(512)
    gost_leaf = x509.Certificate.load(issue.make_certificate(
        subject=issue.name(common_name="GOST LEAF UNDER RSA"), public_key=gkey.public,
        issuer_key=gkey, issuer_cert=rsa_root))
    tbs = gost_leaf["tbs_certificate"].copy()
    tbs["signature"] = {"algorithm": "sha256_rsa"}
    cert = x509.Certificate({
        "tbs_certificate": tbs, "signature_algorithm": {"algorithm": "sha256_rsa"},
        "signature_value": rsa_key.sign(tbs.dump(), padding.PKCS1v15(), hashes.SHA256())}).dump()
    assert len(_validate(cert, [rsa_root])) == 2


# ------------------------------------------------------------------ backends

def test_pure_python_ec_backend_agrees_with_openssl(nca, monkeypatch):
    assert ec.backend_name() == "openssl"
    cert = x509.Certificate.load(nca["ind"])
    ca_key = gost.public_key_of(nca["ca"])
    digest = gost.streebog(cert["tbs_certificate"].dump())
    sig = cert.signature
    monkeypatch.setenv("PEDATT_GOST_PURE_EC", "1")
    assert ec.backend_name() == "python"
    assert ca_key.verify_digest(digest, sig)
    assert not ca_key.verify_digest(digest, _flip(sig, 3))
    for bits in (256, 512):
        k = gost.GostPrivateKey.generate(bits)  # generated with the Python backend
        d = os.urandom(bits // 8)
        s = k.sign_digest(d)
        assert k.public.verify_digest(d, s)
        monkeypatch.setenv("PEDATT_GOST_PURE_EC", "0")
        assert k.public.verify_digest(d, s) and gost.GostPrivateKey.from_scalar(k.d, bits).public == k.public
        monkeypatch.setenv("PEDATT_GOST_PURE_EC", "1")


def test_signature_edge_cases(nca):
    key = gost.public_key_of(nca["ind"])
    d = gost.streebog(b"x")
    n = key.curve.size
    assert not key.verify_digest(d, b"")
    assert not key.verify_digest(d, bytes(2 * n))  # r = s = 0
    assert not key.verify_digest(d, b"\xff" * (2 * n))  # r, s >= q
    res = gost.verify_signer_info(b"\x30\x03garbage", b"", nca["ind"])
    assert res.code == "GOST_MALFORMED"


# ------------------------------------------------------------------ process safety, containers, CLI

def test_loading_the_gost_provider_keeps_other_openssl_users_working():
    import subprocess
    import sys

    code = (
        "from documents import gost\n"
        "assert gost.streebog_fast_available()\n"
        "from documents.gost import hashing\n"
        "assert hashing.backend() == 'openssl'\n"
        "import hashlib, ssl\n"
        "hashlib.sha256(b'x').digest(); hashlib.md5(b'x').digest(); hashlib.pbkdf2_hmac('sha256', b'p', b's', 2)\n"
        "ssl.create_default_context()\n"
        "from cryptography.hazmat.primitives import hashes\n"
        "h = hashes.Hash(hashes.SHA256()); h.update(b'x'); h.finalize()\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2], env=dict(os.environ, PEDATT_GOST_HASH="openssl"))
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_pkcs12_roundtrip_in_nca_layout():
    from documents.gost.pkcs12 import dump_pkcs12

    key = gost.GostPrivateKey.generate(256)
    cert = issue.make_certificate(subject=issue.name(common_name="X"), public_key=key.public, issuer_key=key,
                                  ca=True)
    p12 = dump_pkcs12(key, cert, "Qwerty12", friendly_name="x")
    key2, certs = gost.load_pkcs12(p12, "Qwerty12")
    assert key2.d == key.d and key2.public == key.public and certs == [cert]
    with pytest.raises(gost.GostError):
        gost.load_pkcs12(p12, "Qwerty13")


def test_cli_demo_pki_sign_verify(tmp_path, capsys):
    import json

    from documents.gost.__main__ import main

    assert main(["demo-pki", str(tmp_path / "pki")]) == 0
    capsys.readouterr()
    doc = tmp_path / "doc.pdf"
    doc.write_bytes(b"%PDF-1.4 demo" * 100)
    assert main(["sign", "--p12", str(tmp_path / "pki" / "director_gost.p12"), "--password", "Aa123456",
                 str(doc), str(tmp_path / "doc.cms")]) == 0
    assert main(["verify", str(tmp_path / "doc.cms"), "--data", str(doc),
                 "--ca", str(tmp_path / "pki" / "gost_root.der")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] and len(report["signers"][0]["path"]) == 3
    assert "BIN010140003594" in report["signers"][0]["subject"]
    doc.write_bytes(b"%PDF-1.4 demo!" * 100)
    assert main(["verify", str(tmp_path / "doc.cms"), "--data", str(doc)]) == 1
    assert json.loads(capsys.readouterr().out)["signers"][0]["code"] == "GOST_DIGEST_MISMATCH"


def test_pure_python_streebog_fallback_when_provider_is_missing():
    import subprocess
    import sys

    code = (
        "import os\n"
        "from documents import gost\n"
        "assert not gost.streebog_fast_available()\n"
        "assert gost.streebog(b'', 512).hex().startswith('8e945da209aa869f')\n"
        "print(gost.streebog(b'abc' * 30, 256).hex())\n")
    env = dict(os.environ, PEDATT_GOST_NO_PROVIDER="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == gost.streebog(b"abc" * 30, 256).hex()


def test_mixed_signers_rsa_teacher_and_gost_director_on_one_cms(nca):
    from cryptography import x509 as pyca_x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = pyca_x509.Name.from_rfc4514_string("CN=TEACHER RSA,C=KZ")
    now = datetime.now(UTC)
    rsa_cert = (pyca_x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(rsa_key.public_key()).serial_number(11)
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                .sign(rsa_key, hashes.SHA256()))
    content = b"attestation portfolio" * 200
    rsa_cms = (pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(rsa_cert, rsa_key, hashes.SHA256())
               .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]))
    both = issue.add_signer(rsa_cms, content, nca["key"], nca["ind"])
    sd = cms.ContentInfo.load(both)["content"]
    assert len(sd["signer_infos"]) == 2  # DER SET OF: the order is by encoding, not by arrival
    gost_si = next(si for si in sd["signer_infos"] if gost.is_gost_signer_info(si))
    rsa_si = next(si for si in sd["signer_infos"] if not gost.is_gost_signer_info(si))
    assert rsa_si.dump() == cms.ContentInfo.load(rsa_cms)["content"]["signer_infos"][0].dump()
    assert {a["algorithm"].dotted for a in sd["digest_algorithms"]} == {"2.16.840.1.101.3.4.2.1", oids.HASH_STREEBOG_512}
    certs = [c.chosen for c in sd["certificates"]]
    assert len(certs) == 2
    res = gost.verify_signer(signer_info_der=gost_si, certificates_der=certs, content=content,
                             trust_der=[nca["ca"]], moment=INSIDE_VALIDITY)
    assert res["reason_code"] == "OK"
    # the RSA signer still verifies with plain pyca primitives over its signed attributes
    from cryptography.hazmat.primitives.asymmetric import padding

    rsa_key.public_key().verify(rsa_si["signature"].native, b"\x31" + rsa_si["signed_attrs"].dump()[1:],
                                padding.PKCS1v15(), hashes.SHA256())
