"""EDS verification against a PKI generated here (cryptography), per /work/shared/eds.md §6."""
import base64
import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from documents import eds, pki

NCA = Path("/work/shared/fixtures/nca-test")
TEACHER_IIN = "880101300123"
DIRECTOR_IIN = "750505400456"
SCHOOL_BIN = "010140003594"
DATA = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def p():
    now = pki.utcnow()
    root = pki.make_root(not_before=now - dt.timedelta(days=800))
    inter = pki.make_intermediate(root, not_before=now - dt.timedelta(days=700))
    ns = type("PKI", (), {})()
    ns.root, ns.inter = root, inter
    ns.teacher = pki.make_person(inter, iin=TEACHER_IIN)
    ns.teacher_auth = pki.make_person(inter, iin=TEACHER_IIN, usage="auth")
    ns.director = pki.make_person(inter, iin=DIRECTOR_IIN, surname="ДИРЕКТОРОВА", first_name="АЙГУЛЬ",
                                  patronymic="СЕРИКОВНА", bin=SCHOOL_BIN,
                                  organization='КГУ "ШКОЛА-ГИМНАЗИЯ №1"', roles=("director",))
    ns.employee = pki.make_person(inter, iin="900101300111", bin=SCHOOL_BIN,
                                  organization="ШКОЛА", roles=("employee",))
    ns.expired = pki.make_person(inter, iin=TEACHER_IIN, not_before=now - dt.timedelta(days=400),
                                 not_after=now - dt.timedelta(days=1))
    ns.revoked = pki.make_person(inter, iin="900101300222")
    rogue_root = pki.make_root("ROGUE ROOT")
    ns.rogue = pki.make_person(pki.make_intermediate(rogue_root, "ROGUE CA"), iin=TEACHER_IIN)
    ns.crl = pki.make_crl(inter, [ns.revoked.cert])
    ns.root_crl = pki.make_crl(root)
    return ns


def store(p, mode="off", crls=(), ocsps=(), intermediates=True):
    certs = [p.root.cert] + ([p.inter.cert] if intermediates else [])
    return eds.TrustStore.from_certs(certs, crls=crls, ocsps=ocsps, revocation_mode=mode)


def test_valid_detached_signature_with_identity(p):
    sig = pki.sign_cms(DATA, [p.teacher])
    r = eds.verify_cms(sig, DATA, trust=store(p))
    assert r["valid"] and r["reason_code"] == "OK" and r["detached"] is True
    s = r["signers"][0]
    assert s["intact"] and s["signature_ok"] and s["trusted"] and s["key_usage"] == "SIGN"
    ident = s["identity"]
    assert ident["iin"] == TEACHER_IIN and ident["subject_type"] == "individual"
    assert (ident["surname"], ident["first_name"], ident["patronymic"]) == ("ТЕСТОВ", "ТЕСТ", "ТЕСТОВИЧ")
    assert r["moment_source"] == "receipt" and len(s["path"]) == 3
    assert r["evidence"]["certificates"]


def test_base64_pem_and_stream_inputs(p, tmp_path):
    sig = pki.sign_cms(DATA, [p.teacher])
    b64 = base64.b64encode(sig).decode()
    pem = "-----BEGIN CMS-----\n" + base64.encodebytes(sig).decode() + "-----END CMS-----\n"
    f = tmp_path / "doc.pdf"
    f.write_bytes(DATA)
    with f.open("rb") as stream:
        assert eds.verify_cms(b64, stream, trust=store(p))["valid"]
    r = eds.verify_cms(pem, DATA, trust=store(p))
    assert r["valid"] and r["format"] == "pem"


def test_tampered_byte_and_other_file(p):
    sig = pki.sign_cms(DATA, [p.teacher])
    tampered = bytearray(DATA)
    tampered[100] ^= 1
    r = eds.verify_cms(sig, bytes(tampered), trust=store(p))
    assert not r["valid"] and r["reason_code"] == "TAMPERED" and "изменён" in r["reason"]
    assert eds.verify_cms(sig, b"%PDF other", trust=store(p))["reason_code"] == "TAMPERED"


def test_attached_must_equal_the_stored_file(p):
    sig = pki.sign_cms(DATA, [p.teacher], detached=False)
    assert eds.verify_cms(sig, None, trust=store(p))["valid"]
    assert eds.verify_cms(sig, DATA, trust=store(p))["valid"]
    r = eds.verify_cms(sig, DATA + b"x", trust=store(p))
    assert r["reason_code"] == "WRONG_CONTENT"


def test_detached_without_content(p):
    r = eds.verify_cms(pki.sign_cms(DATA, [p.teacher]), None, trust=store(p))
    assert r["reason_code"] == "CONTENT_REQUIRED"


def test_expired_now_but_valid_at_a_past_moment(p):
    sig = pki.sign_cms(DATA, [p.expired])
    r = eds.verify_cms(sig, DATA, trust=store(p))
    assert r["reason_code"] == "EXPIRED" and "недействителен" in r["reason"]
    past = pki.utcnow() - dt.timedelta(days=30)
    assert eds.verify_cms(sig, DATA, trust=store(p), receipt_time=past)["valid"]


def test_untrusted_root_and_missing_intermediate(p):
    r = eds.verify_cms(pki.sign_cms(DATA, [p.rogue]), DATA, trust=store(p))
    assert r["reason_code"] == "UNTRUSTED_CHAIN"
    sig = pki.sign_cms(DATA, [p.teacher])
    assert eds.verify_cms(sig, DATA, trust=store(p, intermediates=False))["reason_code"] == "UNTRUSTED_CHAIN"
    with_chain = pki.sign_cms(DATA, [p.teacher], extra_certs=[p.inter.cert])
    assert eds.verify_cms(with_chain, DATA, trust=store(p, intermediates=False))["valid"]


def test_auth_key_is_rejected(p):
    r = eds.verify_cms(pki.sign_cms(DATA, [p.teacher_auth]), DATA, trust=store(p))
    assert r["reason_code"] == "AUTH_KEY" and r["signers"][0]["key_usage"] == "AUTH"


def test_revoked_by_crl(p):
    sig = pki.sign_cms(DATA, [p.revoked])
    r = eds.verify_cms(sig, DATA, trust=store(p, "soft-fail", crls=[p.crl, p.root_crl]))
    assert r["reason_code"] == "REVOKED" and r["evidence"]["revocation"]["crls"]
    ok = eds.verify_cms(pki.sign_cms(DATA, [p.teacher]), DATA,
                        trust=store(p, "require", crls=[p.crl, p.root_crl]))
    assert ok["valid"], ok


def test_revoked_by_ocsp_and_require_mode(p):
    good = pki.make_ocsp(p.inter, p.teacher.cert)
    bad = pki.make_ocsp(p.inter, p.revoked.cert, revoked=True)
    root_crl = [p.root_crl]
    r = eds.verify_cms(pki.sign_cms(DATA, [p.revoked]), DATA,
                       trust=store(p, "require", crls=root_crl, ocsps=[good, bad]))
    assert r["reason_code"] == "REVOKED"
    r = eds.verify_cms(pki.sign_cms(DATA, [p.teacher]), DATA,
                       trust=store(p, "require", crls=root_crl, ocsps=[good, bad]))
    assert r["valid"], r
    r = eds.verify_cms(pki.sign_cms(DATA, [p.teacher]), DATA, trust=store(p, "require"))
    assert r["reason_code"] == "REVOCATION_UNKNOWN"


def test_two_signers_teacher_and_director(p):
    sig = pki.add_signer(pki.sign_cms(DATA, [p.teacher]), DATA, p.director)
    r = eds.verify_cms(sig, DATA, trust=store(p),
                       expect={"signer_iin": TEACHER_IIN, "director_of_bin": SCHOOL_BIN})
    assert r["valid"] and len(r["signers"]) == 2
    d = next(s["identity"] for s in r["signers"] if s["identity"]["iin"] == DIRECTOR_IIN)
    assert d["bin"] == SCHOOL_BIN and d["roles"] == ["director"] and d["subject_type"] == "legal_entity"
    assert all(rule["ok"] for rule in r["rules"])


def test_wrong_signer_rules(p):
    sig = pki.sign_cms(DATA, [p.teacher, p.employee])
    r = eds.verify_cms(sig, DATA, trust=store(p), expect={"director_of_bin": SCHOOL_BIN})
    assert r["reason_code"] == "WRONG_SIGNER"
    r = eds.verify_cms(sig, DATA, trust=store(p), expect={"signer_iin": "000000000000"})
    assert r["reason_code"] == "WRONG_SIGNER"


@pytest.mark.parametrize("garbage", [b"", "", b"\x00\x01garbage", "not base64 at all!",
                                     base64.b64encode(b"hello"), b"\x30\x03\x02\x01\x01"])
def test_garbage_is_malformed_never_a_crash(p, garbage):
    r = eds.verify_cms(garbage, DATA, trust=store(p))
    assert not r["valid"] and r["reason_code"] == "MALFORMED"


def test_kazakh_gost_is_recognised_not_crashed(p):
    """A real NCA GOST 2015 certificate signing (if the gost module is absent: unsupported)."""
    from asn1crypto import cms, pem, x509 as ax
    _, _, der = pem.unarmor((NCA / "individual-gost2015-sign.pem").read_bytes())
    cert = ax.Certificate.load(der)
    rsa_cms = cms.ContentInfo.load(pki.sign_cms(DATA, [p.teacher]))
    sd = rsa_cms["content"]
    si = sd["signer_infos"][0]
    gost_si = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number})}),
        "digest_algorithm": {"algorithm": "1.2.398.3.10.1.3.3"},
        "signed_attrs": si["signed_attrs"],
        "signature_algorithm": {"algorithm": "1.2.398.3.10.1.1.2.3.2"},
        "signature": b"\x01" * 128,
    })
    forged = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": "1.2.398.3.10.1.3.3"}],
        "encap_content_info": {"content_type": "data"},
        "certificates": [cert], "signer_infos": [gost_si]})}).dump()
    r = eds.verify_cms(forged, DATA, trust=store(p))
    assert not r["valid"]
    s = r["signers"][0]
    assert s["identity"]["iin"] == "123456789012"
    if eds._gost_module() is None:
        assert r["reason_code"] == "GOST_UNSUPPORTED"
    else:
        assert r["reason_code"] != "OK"


def test_nca_certificate_identity():
    ident = eds.identity_of(eds._load_cert((NCA / "individual-rsa2004-sign.cer").read_bytes()))
    assert ident["iin"] and ident["subject_type"] == "individual"


def test_trust_dir_loading(p, tmp_path):
    (tmp_path / "root.cer").write_bytes(p.root.der)
    (tmp_path / "inter.pem").write_bytes(p.inter.pem)
    (tmp_path / "junk.cer").write_bytes(b"junk")
    (tmp_path / "revocation").mkdir()
    (tmp_path / "revocation" / "inter.crl").write_bytes(p.crl)
    s = eds.TrustStore.load(tmp_path, revocation_mode="soft-fail")
    assert len(s.roots) == 1 and len(s.intermediates) == 1 and len(s.crls) == 1
    assert eds.verify_cms(pki.sign_cms(DATA, [p.teacher]), DATA, trust=s)["valid"]


def test_p12_roundtrip(p):
    blob = pki.to_p12(p.teacher, [p.inter.cert], "pw")
    issued, chain = pki.load_p12(blob, "pw")
    assert issued.cert.serial_number == p.teacher.cert.serial_number and chain
    assert issued.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())


def test_gost_signatures_through_the_gate(p, tmp_path):
    """With the GOST module present: a GOST 2015 signature from its own test PKI is verified,
    a tampered one rejected; RSA and GOST trust material live in one trust store."""
    issue = pytest.importorskip("documents.gost.issue")
    groot = issue.make_root()
    ginter = issue.make_intermediate(groot)
    person = issue.make_person(ginter, iin=TEACHER_IIN)
    trust = eds.TrustStore.from_certs([p.root.cert, p.inter.cert, groot.cert, ginter.cert],
                                      revocation_mode="off")
    cms_der = person.sign_cms(DATA)
    r = eds.verify_cms(cms_der, DATA, trust=trust)
    assert r["valid"], r
    assert r["signers"][0]["identity"]["iin"] == TEACHER_IIN
    assert eds.verify_cms(cms_der, DATA + b"x", trust=trust)["reason_code"] == "TAMPERED"
    both = pki.add_signer(cms_der, DATA, p.director)
    r = eds.verify_cms(both, DATA, trust=trust, expect={"director_of_bin": SCHOOL_BIN})
    assert r["valid"] and len(r["signers"]) == 2, r


def test_revocation_cache_refresh(p, tmp_path, monkeypatch):
    from documents import revocation

    class Resp:
        def __init__(self, content):
            self.content = content

        def raise_for_status(self):
            pass

    monkeypatch.setenv("PEDATT_EDS_CRL_URLS", "http://pki.test.invalid/inter.crl,http://pki.test.invalid/bad.crl")
    served = {"http://pki.test.invalid/inter.crl": p.crl, "http://pki.test.invalid/bad.crl": p.crl[:50]}
    results = revocation.refresh(store(p), tmp_path, fetch=lambda url: Resp(served[url]))
    assert results["http://pki.test.invalid/inter.crl"] == "ok"
    assert results["http://pki.test.invalid/bad.crl"] != "ok"  # a truncated CRL is refused
    assert len(list(tmp_path.glob("*.crl"))) == 1


def test_path_cache_never_weakens_checks(p):
    """The second verification of the same certificate reuses its validated path (same minute,
    same trust store) but still checks integrity and signature; another store or a past moment
    validates afresh."""
    trust = store(p)
    sig = pki.sign_cms(DATA, [p.teacher])
    first = eds.verify_cms(sig, DATA, trust=trust)
    second = eds.verify_cms(sig, DATA, trust=trust)
    assert first["valid"] and second["valid"] and second["signers"][0].get("path_cached")
    assert second["signers"][0]["path"] == first["signers"][0]["path"]
    tampered = eds.verify_cms(sig, DATA + b"!", trust=trust)
    assert tampered["reason_code"] == "TAMPERED"
    other = pki.sign_cms(b"%PDF other", [p.teacher])
    assert eds.verify_cms(other, DATA, trust=trust)["reason_code"] == "TAMPERED"
    untrusting = eds.TrustStore.from_certs([p.root.cert], revocation_mode="off")
    assert eds.verify_cms(sig, DATA, trust=untrusting)["reason_code"] == "UNTRUSTED_CHAIN"
    revoked_now = store(p, "soft-fail", crls=[pki.make_crl(p.inter, [p.teacher.cert]), p.root_crl])
    assert eds.verify_cms(sig, DATA, trust=revoked_now)["reason_code"] == "REVOKED"
