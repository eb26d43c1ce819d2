"""The dev test PKI: a root and an intermediate CA shaped like НУЦ РК's in the trust directory
the documents service reads (``PEDATT_EDS_TRUST_DIR``), an (empty) CRL for offline revocation
checks, and PKCS#12 signing keys for demo people (password ``Demo-Pass-2026``).

Idempotent: the CA is created once and reused; a person's key is re-issued only when missing or
when the IIN/BIN in it changed. ``python -m deploy.dev_pki`` prints where everything is.
Sign with: ``python -m documents.cli sign --key <pki>/keys/teacher.p12 --file a.pdf --detached``.

The GOST line (Kazakh GOST 34.10-2015/512, as НУЦ РК issues to legal entities) is built the same
way: ``ensure_gost_ca`` / ``ensure_gost_person`` (keys ``<name>-gost.p12``); sign with
``python -m documents.gost sign --p12 <pki>/keys/director-gost.p12 --password Demo-Pass-2026 a.pdf a.cms``.
"""
import datetime as dt
import json
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from documents import pki, settings

P12_PASSWORD = "Demo-Pass-2026"


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    if private:
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _load_ca(cert_path: Path, key_path: Path):
    if cert_path.exists() and key_path.exists():
        cert = x509.load_der_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        if cert.not_valid_after_utc > pki.utcnow() + dt.timedelta(days=30):
            return pki.Issued(cert, key)
    return None


def ensure_ca(home: Path | None = None, trust: Path | None = None):
    home = home or settings.pki_dir()
    trust = trust or settings.trust_dir()
    ca_dir = home / "ca"
    root = _load_ca(trust / "dev-root.cer", ca_dir / "root.key")
    if root is None:
        root = pki.make_root(not_before=pki.utcnow() - dt.timedelta(days=2))
        _write(ca_dir / "root.key", _pem_key(root), private=True)
        _write(trust / "dev-root.cer", root.der)
    inter = _load_ca(trust / "dev-intermediate.cer", ca_dir / "intermediate.key")
    if inter is None or inter.cert.issuer != root.cert.subject:
        inter = pki.make_intermediate(root, not_before=pki.utcnow() - dt.timedelta(days=2))
        _write(ca_dir / "intermediate.key", _pem_key(inter), private=True)
        _write(trust / "dev-intermediate.cer", inter.der)
    crl = trust / "revocation" / "dev-intermediate.crl"
    if not crl.exists() or crl.stat().st_mtime < (pki.utcnow() - dt.timedelta(days=3)).timestamp():
        _write(crl, pki.make_crl(inter))
        _write(trust / "revocation" / "dev-root.crl", pki.make_crl(root))
    return root, inter


def _pem_key(issued) -> bytes:
    return issued.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())


def ensure_person(name: str, *, iin: str, surname: str, first_name: str, patronymic: str | None = None,
                  bin: str | None = None, organization: str | None = None, roles=(),
                  home: Path | None = None) -> Path:
    home = home or settings.pki_dir()
    root, inter = ensure_ca(home)
    path = home / "keys" / f"{name}.p12"
    if path.exists():
        try:
            issued, _ = pki.load_p12(path.read_bytes(), P12_PASSWORD)
            ident = {a.oid.dotted_string: a.value for a in issued.cert.subject}
            same = (ident.get("2.5.4.5") == f"IIN{iin}"
                    and ident.get("2.5.4.11") == (f"BIN{bin}" if bin else None)
                    and issued.cert.issuer == inter.cert.subject
                    and issued.cert.not_valid_after_utc > pki.utcnow() + dt.timedelta(days=7))
            if same:
                return path
        except Exception:  # noqa: BLE001 - unreadable: re-issue
            pass
    person = pki.make_person(inter, iin=iin, surname=surname.upper(), first_name=first_name.upper(),
                             patronymic=patronymic.upper() if patronymic else None, bin=bin,
                             organization=organization, roles=tuple(roles))
    _write(path, pki.to_p12(person, [inter.cert, root.cert], P12_PASSWORD, name), private=True)
    return path


def ensure_gost_ca(home: Path | None = None, trust: Path | None = None):
    """A GOST root and issuing CA next to the RSA ones (created once; kept as PKCS#12)."""
    from documents.gost import issue, load_pkcs12

    home = home or settings.pki_dir()
    trust = trust or settings.trust_dir()
    ca_dir = home / "ca"
    cas = []
    for key_name, trust_name, make in (
            ("gost-root.p12", "dev-gost-root.cer", lambda: issue.make_root()),
            ("gost-intermediate.p12", "dev-gost-intermediate.cer",
             lambda: issue.make_intermediate(cas[0]))):
        path = ca_dir / key_name
        if path.exists() and (trust / trust_name).exists():
            key, certs = load_pkcs12(path.read_bytes(), P12_PASSWORD)
            cas.append(issue.GostIssued(certs[0], key))
            continue
        ca = make()
        _write(path, ca.to_p12(P12_PASSWORD, name=key_name), private=True)
        _write(trust / trust_name, ca.cert)
        _write(trust / "revocation" / trust_name.replace(".cer", ".crl"),
               issue.make_crl(issuer_cert=ca.cert, issuer_key=ca.key))
        cas.append(ca)
    return cas[0], cas[1]


def ensure_gost_person(name: str, *, iin: str, surname: str, first_name: str,
                       patronymic: str | None = None, bin: str | None = None,
                       organization: str | None = None, roles=(), home: Path | None = None) -> Path:
    """A GOST 34.10-2015/512 signing key (``keys/<name>-gost.p12``), re-issued when the IIN/BIN changed."""
    from asn1crypto import x509 as asn1_x509

    from documents.gost import issue, load_pkcs12

    home = home or settings.pki_dir()
    root, inter = ensure_gost_ca(home)
    path = home / "keys" / f"{name}-gost.p12"
    if path.exists():
        try:
            _, certs = load_pkcs12(path.read_bytes(), P12_PASSWORD)
            subject = asn1_x509.Certificate.load(certs[0]).subject.native
            if (subject.get("serial_number") == f"IIN{iin}"
                    and subject.get("organizational_unit_name") == (f"BIN{bin}" if bin else None)
                    and asn1_x509.Certificate.load(certs[0]).issuer == inter.certificate.subject):
                return path
        except Exception:  # noqa: BLE001 - unreadable: re-issue
            pass
    person = issue.make_person(inter, iin=iin, surname=surname.upper(), first_name=first_name.upper(),
                               patronymic=patronymic.upper() if patronymic else None, bin=bin,
                               organization=organization, roles=tuple(roles))
    _write(path, person.to_p12(P12_PASSWORD, chain=[inter], name=f"{name}-gost"), private=True)
    return path


def main(argv=None) -> None:
    """Creates the CA (and, with a JSON list of people on stdin or as an argument, their keys)."""
    argv = sys.argv[1:] if argv is None else argv
    ensure_ca()
    people = json.loads(argv[0]) if argv else []
    for p in people:
        print(ensure_person(**p))
    print(f"trust dir: {settings.trust_dir()}\nkeys: {settings.pki_dir() / 'keys'}")


if __name__ == "__main__":
    main()
