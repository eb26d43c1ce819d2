"""EDS (ЭЦП) verification: CMS/PKCS#7 signatures of НУЦ РК certificates, per /work/shared/eds.md.

``verify_cms`` is plain Python (no nameko, no I/O besides reading ``content``): decode → split
signers → algorithm gate (Kazakh GOST → ``documents.gost`` or "unsupported") → one streaming
pass digesting the content with every algorithm needed → per signer pyHanko integrity +
signature + certvalidator path at a trusted moment + revocation → our own SIGN/AUTH check →
identity from the certificate. The result is a JSON-friendly report with the evidence.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import itertools
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import cms, core, crl as asn1_crl, ocsp as asn1_ocsp, pem, x509

from pedatt_common.wire import iso

log = logging.getLogger(__name__)

GOST_ARC = "1.2.398.3.10"
CHUNK = 1 << 20

OID_INDIVIDUAL = "1.2.398.3.3.4.1.1"
OID_ORGANIZATION = "1.2.398.3.3.4.1.2"
ROLE_BY_OID = {
    "1.2.398.3.3.4.1.2.1": "director",
    "1.2.398.3.3.4.1.2.2": "can_sign",
    "1.2.398.3.3.4.1.2.3": "can_sign_financial",
    "1.2.398.3.3.4.1.2.4": "hr",
    "1.2.398.3.3.4.1.2.5": "employee",
}
SIGNING_ROLES = ("director", "can_sign")

REASONS = {
    "OK": "Подпись действительна",
    "TAMPERED": "Файл не совпадает с подписанным: он изменён после подписания или подпись "
                "относится к другому файлу",
    "WRONG_CONTENT": "Подписанное содержимое не совпадает с загруженным файлом",
    "INVALID_SIGNATURE": "Подпись не соответствует сертификату подписанта",
    "UNTRUSTED_CHAIN": "Сертификат подписанта выдан недоверенным удостоверяющим центром "
                       "(цепочка до корневого сертификата НУЦ РК не построена)",
    "EXPIRED": "Сертификат подписанта был недействителен на момент подписания (истёк или ещё "
               "не начал действовать)",
    "REVOKED": "Сертификат подписанта отозван",
    "REVOCATION_UNKNOWN": "Не удалось проверить статус отзыва сертификата (нет данных CRL/OCSP)",
    "AUTH_KEY": "Документ подписан ключом аутентификации (AUTH), а не ключом подписи (RSA/GOST)",
    "KEY_USAGE": "Назначение ключа не допускает подписание документов",
    "MALFORMED": "Подпись повреждена или имеет неверный формат (ожидается CMS/PKCS#7)",
    "NO_SIGNERS": "В подписи нет ни одного подписанта",
    "CONTENT_REQUIRED": "Подпись отсоединённая: для проверки нужен подписанный файл",
    "WRONG_SIGNER": "Документ подписан не тем лицом, которое должно его подписать",
    "GOST_UNSUPPORTED": "Подписи по ГОСТ пока не поддерживаются",
    "GOST_LEGACY": "Подписи ГОСТ 34.310-2004 устарели и не принимаются",
    "UNSUPPORTED_ALGORITHM": "Алгоритм подписи не поддерживается",
}

TRUST_SUFFIXES = (".cer", ".crt", ".pem", ".der")


def reason(code: str) -> str:
    return REASONS.get(code, code)


class MalformedSignature(ValueError):
    pass


_GENERATIONS = itertools.count(1)
PATH_CACHE_SECONDS = int(os.environ.get("PEDATT_EDS_PATH_CACHE_SECONDS", "60"))  # 0: off
_PATH_CACHE: dict = {}
PATH_CACHE_MAX = 4096


# -- trust store ---------------------------------------------------------------------------
@dataclass
class TrustStore:
    """Roots (self-signed) and intermediates from a directory, plus offline CRL/OCSP data."""

    roots: list = field(default_factory=list)
    intermediates: list = field(default_factory=list)
    crls: list = field(default_factory=list)      # DER bytes
    ocsps: list = field(default_factory=list)     # DER bytes
    revocation_mode: str = "soft-fail"           # off | soft-fail | require
    allow_fetching: bool = False
    source: str = ""
    generation: int = field(default_factory=lambda: next(_GENERATIONS))

    @classmethod
    def from_certs(cls, certs, crls=(), ocsps=(), revocation_mode="soft-fail",
                   allow_fetching=False) -> "TrustStore":
        store = cls(crls=list(crls), ocsps=list(ocsps), revocation_mode=revocation_mode,
                    allow_fetching=allow_fetching)
        for c in certs:
            store.add(c)
        return store

    def add(self, cert) -> None:
        if isinstance(cert, (bytes, bytearray)):
            cert = _load_cert(bytes(cert))
        elif not isinstance(cert, x509.Certificate):  # a cryptography certificate
            from cryptography.hazmat.primitives.serialization import Encoding
            cert = x509.Certificate.load(cert.public_bytes(Encoding.DER))
        if cert.self_signed in ("maybe", "yes") and cert.subject == cert.issuer:
            self.roots.append(cert)
        else:
            self.intermediates.append(cert)

    @classmethod
    def load(cls, trust_dir: str | os.PathLike, revocation_dir: str | os.PathLike | None = None,
             revocation_mode: str = "soft-fail", allow_fetching: bool = False) -> "TrustStore":
        trust = Path(trust_dir)
        rev = Path(revocation_dir) if revocation_dir else trust / "revocation"
        store = cls(revocation_mode=revocation_mode, allow_fetching=allow_fetching,
                    source=str(trust))
        if trust.is_dir():
            for path in sorted(trust.iterdir()):
                if path.suffix.lower() in TRUST_SUFFIXES and path.is_file():
                    try:
                        for der in _pem_or_der_all(path.read_bytes()):
                            store.add(der)
                    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the rest
                        log.warning("skipping trust file %s: %s", path, exc)
        if rev.is_dir():
            for path in sorted(rev.iterdir()):
                suffix = path.suffix.lower()
                if suffix == ".crl":
                    store.crls += _pem_or_der_all(path.read_bytes())
                elif suffix == ".ocsp":
                    store.ocsps.append(path.read_bytes())
        return store

    def is_gost(self, cert) -> bool:
        return _spki_oid(cert).startswith(GOST_ARC)

    def _parsed_revocation(self):
        cached = getattr(self, "_parsed", None)
        if cached is None or cached[0] != (len(self.crls), len(self.ocsps)):
            crls, ocsps = [], []
            for data in self.crls:
                try:
                    lst = asn1_crl.CertificateList.load(data)
                    lst.native  # parse once, not on every verification
                    crls.append(lst)
                except Exception as exc:  # noqa: BLE001
                    log.warning("skipping an unreadable CRL: %s", exc)
            for data in self.ocsps:
                try:
                    resp = asn1_ocsp.OCSPResponse.load(data)
                    resp.native
                    ocsps.append(resp)
                except Exception as exc:  # noqa: BLE001
                    log.warning("skipping an unreadable OCSP response: %s", exc)
            cached = self._parsed = ((len(self.crls), len(self.ocsps)), crls, ocsps)
        return cached[1], cached[2]

    def validation_context(self, moment: dt.datetime | None, extra_certs=()):
        from pyhanko_certvalidator import ValidationContext
        mode = self.revocation_mode
        roots = [c for c in self.roots if not self.is_gost(c)]
        others = [c for c in self.intermediates if not self.is_gost(c)] + list(extra_certs)
        if mode == "off":
            return ValidationContext(trust_roots=roots, other_certs=others, moment=moment,
                                     allow_fetching=False, revocation_mode="soft-fail")
        crls, ocsps = self._parsed_revocation()
        return ValidationContext(
            trust_roots=roots, other_certs=others, moment=moment,
            allow_fetching=self.allow_fetching, crls=crls, ocsps=ocsps,
            revocation_mode="require" if mode == "require" else "soft-fail",
            retroactive_revinfo=True)


def _load_cert(data: bytes) -> x509.Certificate:
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def _pem_or_der_all(data: bytes) -> list[bytes]:
    if pem.detect(data):
        return [der for _, _, der in pem.unarmor(data, multiple=True)]
    return [data]


_SPKI_OIDS: dict[bytes, str] = {}


def _spki_oid(cert: x509.Certificate) -> str:
    """The public-key algorithm OID without letting asn1crypto parse the key (GOST keys crash it)."""
    try:
        spki = cert["tbs_certificate"]["subject_public_key_info"].dump()
    except Exception:  # noqa: BLE001
        return ""
    oid = _SPKI_OIDS.get(spki)
    if oid is None:
        try:
            oid = core.load(spki)[0][0].dotted
        except Exception:  # noqa: BLE001
            oid = ""
        if len(_SPKI_OIDS) < 10000:
            _SPKI_OIDS[spki] = oid
    return oid


def _format_of(signature) -> str:
    head = signature[:40] if signature else b""
    if isinstance(head, str):
        head = head.encode("latin-1", errors="replace")
    if bytes(head[:1]) == b"\x30":
        return "der"
    return "pem" if bytes(head).lstrip().startswith(b"-----BEGIN") else "base64"


# -- decoding --------------------------------------------------------------------------------
def decode_signature(signature: bytes | str) -> bytes:
    """DER from DER, PEM or base64 (NCALayer returns base64). Decodes base64 exactly once."""
    if isinstance(signature, str):
        signature = signature.encode("ascii", errors="replace")
    data = bytes(signature or b"")
    if not data.strip():
        raise MalformedSignature("empty")
    if data[:1] == b"\x30":
        return data
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        try:
            _, _, der = pem.unarmor(stripped)
            return der
        except Exception as exc:  # noqa: BLE001
            raise MalformedSignature("bad PEM") from exc
    try:
        der = base64.b64decode(re.sub(rb"\s+", b"", stripped), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedSignature("not DER, PEM or base64") from exc
    if der[:1] != b"\x30":
        raise MalformedSignature("base64 of something that is not DER")
    return der


def parse_cms(der: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise MalformedSignature("not signedData")
        sd = info["content"]
        # force a parse of everything but the keys inside certificates
        sd["version"].native
        sd["digest_algorithms"].native
        eci = sd["encap_content_info"]
        eci["content_type"].native
        eci["content"].native
        for si in sd["signer_infos"]:
            si["sid"].native
            si["digest_algorithm"]["algorithm"].dotted
            si["signature_algorithm"]["algorithm"].dotted
            si["signature"].native
        for c in _certs(sd):
            c["tbs_certificate"]["serial_number"].native
        return sd
    except MalformedSignature:
        raise
    except Exception as exc:  # noqa: BLE001 - any structural error is "malformed"
        raise MalformedSignature(str(exc)) from exc


def _certs(sd: cms.SignedData) -> list[x509.Certificate]:
    if not _has_certs(sd):
        return []
    return [c.chosen for c in sd["certificates"] if c.name == "certificate"]


def _has_certs(sd) -> bool:
    try:
        return len(sd["certificates"]) > 0
    except Exception:  # noqa: BLE001
        return False


def _is_gost_signer(si: cms.SignerInfo) -> bool:
    return (si["signature_algorithm"]["algorithm"].dotted.startswith(GOST_ARC)
            or si["digest_algorithm"]["algorithm"].dotted.startswith(GOST_ARC))


LEGACY_GOST_PREFIXES = ("1.2.398.3.10.1.1.1", "1.2.398.3.10.1.3.1")


def _is_legacy_gost(si: cms.SignerInfo, gost=None) -> bool:
    """GOST 34.310-2004 / 34.311-95: expired CAs, no implementation; refused as legacy."""
    oids = (si["signature_algorithm"]["algorithm"].dotted, si["digest_algorithm"]["algorithm"].dotted)
    if gost is not None and hasattr(gost, "is_legacy_gost_oid"):
        try:
            return any(gost.is_legacy_gost_oid(o) for o in oids)
        except Exception:  # noqa: BLE001
            pass
    return any(o.startswith(LEGACY_GOST_PREFIXES) for o in oids)


def _gost_module():
    try:
        from documents import gost  # written separately; may be absent
    except Exception:  # noqa: BLE001
        return None
    if hasattr(gost, "verify_signer") and hasattr(gost, "new_hash"):
        return gost
    return None


# -- identity ---------------------------------------------------------------------------------
def identity_of(cert: x509.Certificate) -> dict:
    subject = cert.subject.native
    serial = str(subject.get("serial_number") or "")
    ou = subject.get("organizational_unit_name") or ""
    if isinstance(ou, list):
        ou = next((o for o in ou if str(o).upper().startswith("BIN")), ou[0] if ou else "")
    iin = serial[3:] if serial.upper().startswith("IIN") else None
    bin_ = ou[3:] if str(ou).upper().startswith("BIN") else None
    if bin_ is None and serial.upper().startswith("BIN"):
        bin_ = serial[3:]
    cn = subject.get("common_name") or ""
    surname = subject.get("surname") or ""
    first = cn[len(surname):].strip() if surname and cn.startswith(surname) else None
    try:
        ekus = cert.extended_key_usage_value
        ekus = [e.dotted for e in ekus] if ekus is not None else []
    except Exception:  # noqa: BLE001
        ekus = []
    roles = [ROLE_BY_OID[o] for o in ekus if o in ROLE_BY_OID]
    if OID_ORGANIZATION in ekus or bin_:
        subject_type = "legal_entity"
    elif OID_INDIVIDUAL in ekus or iin:
        subject_type = "individual"
    else:
        subject_type = None
    org = subject.get("organization_name")
    return {"iin": iin, "bin": bin_, "common_name": cn or None, "surname": surname or None,
            "first_name": first or None, "patronymic": subject.get("given_name"),
            "organization": org, "email": subject.get("email_address"),
            "country": subject.get("country_name"), "subject_type": subject_type,
            "roles": roles}


def key_usage_class(cert: x509.Certificate) -> str:
    """NCANode's rule, classified by NR presence (GOST 2015 single keys have DS+NR+KE)."""
    try:
        ku = cert.key_usage_value
        bits = set(ku.native) if ku is not None else set()
    except Exception:  # noqa: BLE001
        return "UNKNOWN"
    if "digital_signature" in bits and "non_repudiation" in bits:
        return "SIGN"
    if "digital_signature" in bits and "key_encipherment" in bits:
        return "AUTH"
    return "UNKNOWN"


def cert_summary(cert: x509.Certificate) -> dict:
    tbs = cert["tbs_certificate"]
    validity = tbs["validity"]
    return {"serial": format(tbs["serial_number"].native, "x"),
            "subject": cert.subject.human_friendly, "issuer": cert.issuer.human_friendly,
            "not_before": validity["not_before"].native.isoformat(),
            "not_after": validity["not_after"].native.isoformat(),
            "sha256": hashlib.sha256(cert.dump()).hexdigest()}


def check_rules(signers: list[dict], signer_iin: str | None = None,
                director_of_bin: str | None = None) -> list[dict]:
    """Identity rules callers need; only valid signers count."""
    rules = []
    good = [s for s in signers if s.get("valid")]
    if signer_iin:
        rules.append({"rule": "signer_iin", "value": signer_iin,
                      "ok": any((s.get("identity") or {}).get("iin") == signer_iin for s in good)})
    if director_of_bin:
        rules.append({"rule": "director_of_bin", "value": director_of_bin, "ok": any(
            (s.get("identity") or {}).get("bin") == director_of_bin
            and (s.get("identity") or {}).get("subject_type") == "legal_entity"
            and set((s.get("identity") or {}).get("roles") or ()) & set(SIGNING_ROLES)
            for s in good)})
    return rules


# -- verification --------------------------------------------------------------------------
def _find_cert(si: cms.SignerInfo, certs: list[x509.Certificate]):
    sid = si["sid"]
    if sid.name == "issuer_and_serial_number":
        isn = sid.chosen
        for c in certs:
            if c["tbs_certificate"]["serial_number"].native == isn["serial_number"].native and (
                    c.issuer.dump() == isn["issuer"].dump() or c.issuer == isn["issuer"]):
                return c
    else:
        ski = sid.chosen.native
        for c in certs:
            try:
                if c.key_identifier == ski:
                    return c
            except Exception:  # noqa: BLE001
                continue
    return None


def _single_signer_view(sd: cms.SignedData, si: cms.SignerInfo, certs) -> cms.SignedData:
    return cms.SignedData({
        "version": sd["version"], "digest_algorithms": sd["digest_algorithms"],
        # content stripped: we digest the exact stored bytes ourselves and pass the digest
        "encap_content_info": {"content_type": sd["encap_content_info"]["content_type"]},
        "certificates": [
            cms.CertificateChoices({"certificate": c}) for c in certs],
        "signer_infos": [si],
    })


def _digest_all(algos: set[str], content, gost) -> dict[str, bytes]:
    """One streaming pass over ``content`` (bytes or a readable) for every digest algorithm."""
    hashers = {}
    for algo in algos:
        if algo.startswith(GOST_ARC):
            hashers[algo] = gost.new_hash(algo)
        else:
            hashers[algo] = hashlib.new(algo)
    if isinstance(content, (bytes, bytearray, memoryview)):
        for h in hashers.values():
            h.update(content)
    else:
        while True:
            chunk = content.read(CHUNK)
            if not chunk:
                break
            for h in hashers.values():
                h.update(chunk)
    return {a: h.digest() for a, h in hashers.items()}


PARALLEL_DIGEST_FROM = 2 * 1024 * 1024


def _content_size(content) -> int:
    if isinstance(content, (bytes, bytearray, memoryview)):
        return len(content)
    try:
        pos = content.tell()
        content.seek(0, os.SEEK_END)
        size = content.tell()
        content.seek(pos)
        return size - pos
    except Exception:  # noqa: BLE001 - not seekable: assume large
        return PARALLEL_DIGEST_FROM


def _real_thread_cls():
    try:
        from eventlet import patcher
        return patcher.original("threading").Thread
    except ImportError:  # pragma: no cover
        return threading.Thread


class _Digests:
    """Content digests, computed in one pass; for large content in a real OS thread (hashlib
    releases the GIL) while the caller validates signatures and paths."""

    def __init__(self, algos, content, gost, background=False):
        self._result, self._error = None, None
        for algo in algos:  # fail early on an unknown algorithm
            if not algo.startswith(GOST_ARC):
                hashlib.new(algo)
        if background:
            self._thread = _real_thread_cls()(target=self._work, args=(algos, content, gost),
                                              daemon=True)
            self._thread.start()
        else:
            self._thread = None
            self._result = _digest_all(algos, content, gost)

    def _work(self, algos, content, gost):
        try:
            self._result = _digest_all(algos, content, gost)
        except BaseException as exc:  # noqa: BLE001
            self._error = exc

    @property
    def pending(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _wait(self):
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error
        return self._result

    def __getitem__(self, algo):
        return self._wait()[algo]

    def get(self, algo, default=None):
        return self._wait().get(algo, default)


def _message_digest(si: cms.SignerInfo):
    try:
        for attr in si["signed_attrs"]:
            if attr["type"].native == "message_digest":
                return attr["values"][0].native
    except Exception:  # noqa: BLE001
        return None
    return None


def _digest_name(si: cms.SignerInfo) -> str:
    oid = si["digest_algorithm"]["algorithm"]
    return oid.dotted if oid.dotted.startswith(GOST_ARC) else oid.native


def verify_cms(signature: bytes | str, content=None, *, trust: TrustStore,
               receipt_time: dt.datetime | None = None, content_sha256: str | None = None,
               expect: dict | None = None) -> dict:
    """Verify a CMS. ``content``: the stored bytes (bytes or a readable stream), required for a
    detached CMS; for an attached CMS, when given (or ``content_sha256`` is), the embedded
    content must equal it. ``receipt_time`` is the trusted moment when there is no timestamp."""
    receipt_time = receipt_time or dt.datetime.now(dt.timezone.utc)
    report = {"valid": False, "reason_code": None, "reason": None, "detached": None,
              "format": None, "received_at": receipt_time.isoformat(), "moment": None,
              "moment_source": None, "revocation_mode": trust.revocation_mode,
              "signers": [], "rules": [], "evidence": {}}

    def fail(code):
        report.update(reason_code=code, reason=reason(code), valid=False)
        return report

    try:
        report["format"] = _format_of(signature)
        der = decode_signature(signature)
        sd = parse_cms(der)
    except MalformedSignature:
        return fail("MALFORMED")

    signer_infos = list(sd["signer_infos"])
    if not signer_infos:
        return fail("NO_SIGNERS")
    econtent = sd["encap_content_info"]["content"].native
    detached = econtent is None
    report["detached"] = detached
    if detached and content is None:
        return fail("CONTENT_REQUIRED")
    if not detached:
        if content is not None or content_sha256:
            if content_sha256 is None:
                content_sha256 = _digest_all({"sha256"}, content, None)["sha256"].hex()
            if hashlib.sha256(econtent).hexdigest() != content_sha256:
                return fail("WRONG_CONTENT")
        content = econtent

    gost = _gost_module()
    all_certs = _certs(sd)
    algos = set()
    for si in signer_infos:
        name = _digest_name(si)
        if not name.startswith(GOST_ARC) or (gost is not None and not _is_legacy_gost(si, gost)):
            algos.add(name)
    try:
        digests = _Digests(algos, content, gost,
                           background=_content_size(content) >= PARALLEL_DIGEST_FROM)
    except (ValueError, TypeError):
        return fail("UNSUPPORTED_ALGORITHM")

    moments = []
    for index, si in enumerate(signer_infos):
        try:
            signer = _verify_signer(index, si, sd, all_certs, digests, trust, receipt_time, gost)
        except Exception as exc:  # noqa: BLE001 - never a crash: report the signer as malformed
            log.warning("signer %s could not be verified: %s", index, exc, exc_info=True)
            signer = {"index": index, "valid": False, "reason_code": "MALFORMED",
                      "reason": reason("MALFORMED")}
        report["signers"].append(signer)
        if signer.get("moment"):
            moments.append((signer["moment"], signer.get("moment_source")))
    if moments:
        report["moment"], report["moment_source"] = moments[0]
    report["evidence"] = {
        "certificates": sorted({base64.b64encode(c.dump()).decode() for c in all_certs}),
        "revocation": _revocation_evidence(trust, report["signers"]),
    }
    expect = expect or {}
    report["rules"] = check_rules(report["signers"], expect.get("signer_iin"),
                                  expect.get("director_of_bin"))
    bad = next((s for s in report["signers"] if not s.get("valid")), None)
    if bad is not None:
        return fail(bad["reason_code"])
    if any(not r["ok"] for r in report["rules"]):
        return fail("WRONG_SIGNER")
    report.update(valid=True, reason_code="OK", reason=reason("OK"))
    return report


def _revocation_evidence(trust: TrustStore, signers: list[dict]) -> dict:
    """The CRLs/OCSP responses that speak about the signers: described here (hash, issuer,
    dates) with their DER in ``der_b64`` (the service stores each distinct one once)."""
    if trust.revocation_mode == "off":
        return {"crls": [], "ocsps": []}
    issuers = {s["certificate"]["issuer"] for s in signers if s.get("certificate")}
    serials = {s["certificate"]["serial"] for s in signers if s.get("certificate")}
    crls, ocsps = trust._parsed_revocation()
    out_crls = []
    for c in crls:
        if c.issuer.human_friendly not in issuers:
            continue
        der = c.dump()
        tbs = c["tbs_cert_list"]
        out_crls.append({"sha256": hashlib.sha256(der).hexdigest(), "issuer": c.issuer.human_friendly,
                         "this_update": iso(tbs["this_update"].native),
                         "next_update": iso(tbs["next_update"].native),
                         "der_b64": base64.b64encode(der).decode()})
    out_ocsps = []
    for resp in ocsps:
        try:
            if any(format(r["cert_id"]["serial_number"].native, "x") in serials
                   for r in resp.response_data["responses"]):
                der = resp.dump()
                out_ocsps.append({"sha256": hashlib.sha256(der).hexdigest(),
                                  "produced_at": iso(resp.response_data["produced_at"].native),
                                  "der_b64": base64.b64encode(der).decode()})
        except Exception:  # noqa: BLE001
            continue
    return {"crls": out_crls, "ocsps": out_ocsps}


def _verify_signer(index, si, sd, all_certs, digests, trust, receipt_time, gost) -> dict:
    out = {"index": index, "valid": False, "reason_code": None, "reason": None,
           "intact": None, "signature_ok": None, "trusted": None, "key_usage": None,
           "algorithm": si["signature_algorithm"]["algorithm"].dotted,
           "digest_algorithm": si["digest_algorithm"]["algorithm"].dotted,
           "signing_time_claimed": None, "timestamp": None, "moment": None,
           "moment_source": None, "identity": None, "certificate": None, "path": [],
           "revocation": {"mode": trust.revocation_mode}}
    try:
        from pyhanko.sign.validation.generic_cms import extract_self_reported_ts
        out["signing_time_claimed"] = iso(extract_self_reported_ts(si))
    except Exception:  # noqa: BLE001
        pass
    cert = _find_cert(si, all_certs)

    def done(code):
        out.update(reason_code=code, reason=reason(code), valid=code == "OK")
        return out

    if cert is not None:
        out["identity"] = identity_of(cert)
        out["certificate"] = cert_summary(cert)
        out["key_usage"] = key_usage_class(cert)

    if _is_gost_signer(si) or (cert is not None and trust.is_gost(cert)):
        out["moment"], out["moment_source"] = receipt_time.isoformat(), "receipt"
        if _is_legacy_gost(si, gost):
            return done("GOST_LEGACY")
        if gost is None:
            return done("GOST_UNSUPPORTED")
        crls, ocsps = trust.crls, trust.ocsps
        try:
            result = gost.verify_signer(
                signer_info_der=si.dump(), certificates_der=[c.dump() for c in all_certs],
                content_digest=digests.get(_digest_name(si)),
                trust_der=[c.dump() for c in trust.roots + trust.intermediates],
                moment=receipt_time, crls_der=list(crls), ocsps_der=list(ocsps),
                revocation_mode=trust.revocation_mode, allow_fetching=trust.allow_fetching)
        except TypeError as exc:  # a GOST module with another interface: report, never crash
            log.warning("documents.gost.verify_signer failed: %s", exc)
            return done("GOST_UNSUPPORTED")
        for k in ("intact", "signature_ok", "trusted", "key_usage", "path", "timestamp"):
            if result.get(k) is not None:
                out[k] = result[k]
        if isinstance(result.get("revocation"), dict):
            out["revocation"].update(result["revocation"])
        if result.get("moment"):
            out["moment"] = iso(result["moment"])
            out["moment_source"] = ("timestamp" if result.get("moment_source") == "timestamp"
                                    else "receipt")
        code = result.get("reason_code") or "INVALID_SIGNATURE"
        if code == "OK" and out["key_usage"] == "AUTH":
            code = "AUTH_KEY"
        if code not in REASONS:
            code = "INVALID_SIGNATURE"
        return done(code)

    if cert is None:
        return done("UNTRUSTED_CHAIN")
    view_certs = [c for c in all_certs if not trust.is_gost(c)]
    view = _single_signer_view(sd, si, view_certs)
    name = _digest_name(si)
    cached = _cached_path(si, cert, trust, receipt_time)
    if cached is not None:
        return _verify_with_cached_path(out, done, si, sd, cert, digests[name], cached, receipt_time)
    claimed = _message_digest(si) if digests.pending else None
    # While the content is still being hashed (large files, another thread), validate the
    # signature and the path against the signed messageDigest, then require the real digest to
    # equal it: the same integrity check, with hashing and path building overlapped.
    digest = claimed if claimed is not None else digests[name]
    status, moment, source, ts = _run(
        _pyhanko_validate(view, si, digest, digests, trust, receipt_time))
    intact = bool(status.intact) and digests[name] == digest
    out["moment"], out["moment_source"], out["timestamp"] = moment.isoformat(), source, ts
    out["intact"], out["signature_ok"] = intact, bool(status.valid)
    out["trusted"] = bool(status.trusted)
    if status.validation_path is not None:
        try:
            out["path"] = [c.subject.human_friendly for c in status.validation_path.iter_certs(
                include_root=True)]
        except Exception:  # noqa: BLE001
            pass
    rd = status.revocation_details
    if rd is not None:
        out["revocation"].update(status="revoked", revoked_at=iso(rd.revocation_date),
                                 reason=str(rd.revocation_reason.native)
                                 if rd.revocation_reason else None)
    if not intact:
        return done("TAMPERED")
    if not status.valid:
        return done("INVALID_SIGNATURE")
    if out["key_usage"] == "AUTH":
        return done("AUTH_KEY")  # pitfall 1: pyHanko alone would accept DS+KE
    if out["key_usage"] != "SIGN":
        return done("KEY_USAGE")
    if not status.trusted:
        return done(_map_indication(status.trust_problem_indic, trust))
    if rd is None and trust.revocation_mode != "off":
        out["revocation"]["status"] = "good" if (trust.crls or trust.ocsps) else "not_checked"
    if source == "receipt" and status.validation_path is not None:
        _remember_path(si, cert, trust, receipt_time, out, status.validation_path)
    return done("OK")


def _path_key(si, cert, trust, moment):
    return (hashlib.sha256(cert.dump()).digest(), trust.generation, trust.revocation_mode,
            si["digest_algorithm"]["algorithm"].dotted, si["signature_algorithm"]["algorithm"].dotted,
            int(moment.timestamp() // PATH_CACHE_SECONDS))


def _has_timestamp(si) -> bool:
    attrs = si["unsigned_attrs"]
    return attrs.native is not None and any(
        a["type"].native == "signature_time_stamp_token" for a in attrs)


def _cached_path(si, cert, trust, moment):
    """A path that fully validated (trusted, not revoked, SIGN key) for this very certificate,
    trust store and algorithms within the same minute; its validity windows are re-checked at
    this exact moment. Signature and integrity are always checked again."""
    if PATH_CACHE_SECONDS <= 0 or _has_timestamp(si):
        return None
    entry = _PATH_CACHE.get(_path_key(si, cert, trust, moment))
    if entry is None or not all(nb <= moment <= na for nb, na in entry["windows"]):
        return None
    return entry


def _remember_path(si, cert, trust, moment, out, path) -> None:
    if PATH_CACHE_SECONDS <= 0:
        return
    try:
        windows = [(c["tbs_certificate"]["validity"]["not_before"].native,
                    c["tbs_certificate"]["validity"]["not_after"].native)
                   for c in path.iter_certs(include_root=True)]
    except Exception:  # noqa: BLE001
        return
    if len(_PATH_CACHE) >= PATH_CACHE_MAX:
        _PATH_CACHE.clear()
    _PATH_CACHE[_path_key(si, cert, trust, moment)] = {
        "windows": windows, "path": list(out["path"]), "revocation": dict(out["revocation"])}


def _verify_with_cached_path(out, done, si, sd, cert, actual_digest, cached, moment):
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity
    out["moment"], out["moment_source"] = moment.isoformat(), "receipt"
    try:
        intact, valid = validate_sig_integrity(
            si, cert, expected_content_type=sd["encap_content_info"]["content_type"].native,
            actual_digest=actual_digest)
    except Exception:  # noqa: BLE001 - structural problems: let the full path decide
        return done("MALFORMED")
    out["intact"], out["signature_ok"], out["trusted"] = bool(intact), bool(valid), True
    out["path"], out["revocation"] = list(cached["path"]), dict(cached["revocation"])
    out["path_cached"] = True
    if not intact:
        return done("TAMPERED")
    if not valid:
        return done("INVALID_SIGNATURE")
    return done("OK")


_loops = threading.local()


def _run(coro):
    """Run a coroutine on this thread's own event loop (kept: creating one costs ~0.25 ms)."""
    loop = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


def _map_indication(indic, trust) -> str:
    name = getattr(indic, "name", str(indic))
    if name in ("REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"):
        return "REVOKED"
    if name in ("OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "EXPIRED", "NOT_YET_VALID"):
        return "EXPIRED"
    if name in ("SIG_CONSTRAINTS_FAILURE",):
        return "KEY_USAGE"
    if name in ("TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE") or (
            trust.revocation_mode == "require" and name == "CERTIFICATE_CHAIN_GENERAL_FAILURE"):
        return "REVOCATION_UNKNOWN"
    return "UNTRUSTED_CHAIN"


async def _pyhanko_validate(view, si, digest, digests, trust, receipt_time):
    from pyhanko.sign.validation.generic_cms import cms_basic_validation, collect_timing_info
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import StandardCMSSignatureStatus

    def raw_digest(algo):
        return digests[algo]

    timing = {}
    source, moment, ts = "receipt", receipt_time, None
    if si["unsigned_attrs"].native is not None and any(
            a["type"].native == "signature_time_stamp_token" for a in si["unsigned_attrs"]):
        try:
            timing = await collect_timing_info(
                si, ts_validation_context=trust.validation_context(None), raw_digest=raw_digest)
            tsv = timing.get("timestamp_validity")
            if tsv is not None:
                ts = {"time": iso(tsv.timestamp), "intact": bool(tsv.intact),
                      "valid": bool(tsv.valid), "trusted": bool(tsv.trusted)}
                if tsv.intact and tsv.valid and tsv.trusted:
                    source, moment = "timestamp", tsv.timestamp
                else:
                    timing.pop("timestamp_validity", None)  # pitfall 12: unverified time, not a failure
        except Exception as exc:  # noqa: BLE001
            log.info("timestamp token not usable: %s", exc)
            timing = {}
    timing.pop("content_timestamp_validity", None)
    kwargs = await cms_basic_validation(
        view, raw_digest=digest, validation_context=trust.validation_context(moment),
        status_kwargs=timing, key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}))
    return StandardCMSSignatureStatus(**kwargs), moment, source, ts
