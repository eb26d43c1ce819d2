"""GOST command line for the dev test PKI and the demo (not used by the services).

    python -m documents.gost demo-pki OUT_DIR [--password Aa123456] [--bits 512]
        writes a GOST test root + issuing CA (DER) and their CRLs, a director (CEO of BIN010140003594) and a
        teacher certificate with their PKCS#12 containers (NCA layout): issue.make_demo_pki()
    python -m documents.gost sign --p12 KEY.p12 --password PW [--attached] [--base64] FILE OUT.cms
        NCALayer-style CMS (detached by default) over FILE with a GOST key
    python -m documents.gost verify CMS [--data FILE] [--ca CA.der ...] [--moment ISO8601]
        prints a JSON report: per signer the GOST checks and, with --ca, the certificate path
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from asn1crypto import cms, pem, x509

from . import is_gost_signer_info, load_pkcs12, verify_signer_info
from . import issue
from .pkcs12 import dump_pkcs12


def _read_cert(path: str) -> bytes:
    data = Path(path).read_bytes()
    return pem.unarmor(data)[2] if pem.detect(data) else data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m documents.gost")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("demo-pki")
    p.add_argument("out")
    p.add_argument("--password", default="Aa123456")
    p.add_argument("--bits", type=int, default=512, choices=(256, 512))
    p = sub.add_parser("sign")
    p.add_argument("--p12", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--cert", help="signer certificate, when the container's certificate bag is unreadable "
                                   "(NCA test containers use RC2-40)")
    p.add_argument("--attached", action="store_true")
    p.add_argument("--base64", action="store_true")
    p.add_argument("file")
    p.add_argument("out")
    p = sub.add_parser("verify")
    p.add_argument("cms")
    p.add_argument("--data")
    p.add_argument("--ca", action="append", default=[])
    p.add_argument("--moment")
    args = ap.parse_args(argv)

    if args.cmd == "demo-pki":
        print(json.dumps(issue.make_demo_pki(args.out, args.password, args.bits), ensure_ascii=False, indent=1))
        return 0
    if args.cmd == "sign":
        key, certs = load_pkcs12(Path(args.p12).read_bytes(), args.password)
        if args.cert:
            certs = [_read_cert(args.cert)] + certs
        if key is None or not certs:
            print("no GOST key/certificate in the container", file=sys.stderr)
            return 2
        der = issue.sign_cms(Path(args.file).read_bytes(), key, certs[0], detached=not args.attached,
                             extra_certs=certs[1:])
        Path(args.out).write_bytes(base64.b64encode(der) if args.base64 else der)
        return 0
    # verify
    raw = Path(args.cms).read_bytes()
    if not raw.startswith(b"\x30"):
        raw = base64.b64decode(raw)
    sd = cms.ContentInfo.load(raw)["content"]
    data = Path(args.data).read_bytes() if args.data else sd["encap_content_info"]["content"].native
    certs = [c.chosen for c in sd["certificates"] if c.name == "certificate"]
    report, all_ok = [], True
    for si in sd["signer_infos"]:
        if not is_gost_signer_info(si):
            report.append({"ok": False, "code": "NOT_GOST"})
            all_ok = False
            continue
        sid = si["sid"].chosen
        cert = next((c for c in certs if c.serial_number == sid["serial_number"].native), None) \
            if si["sid"].name == "issuer_and_serial_number" else \
            next((c for c in certs if c.key_identifier == sid.native), None)
        if cert is None:
            report.append({"ok": False, "code": "SIGNER_CERT_NOT_FOUND"})
            all_ok = False
            continue
        res = verify_signer_info(si, data, cert).to_dict()
        res["subject"] = cert.subject.human_friendly
        if args.ca and res["ok"]:
            from pyhanko_certvalidator import CertificateValidator, ValidationContext

            from .certvalidator import GostAlgorithmPolicy, GostSignatureValidator

            roots = [x509.Certificate.load(_read_cert(c)) for c in args.ca]
            moment = datetime.fromisoformat(args.moment) if args.moment else datetime.now(timezone.utc)
            vc = ValidationContext(trust_roots=roots, other_certs=certs, moment=moment, allow_fetching=False,
                                   signature_validator=GostSignatureValidator(),
                                   algorithm_usage_policy=GostAlgorithmPolicy())
            try:
                path = asyncio.run(CertificateValidator(cert, validation_context=vc).async_validate_usage(
                    {"non_repudiation"}))
                res["path"] = [c.subject.human_friendly for c in path]
            except Exception as exc:  # report, never crash
                res.update(ok=False, code="PATH_INVALID", path_error=str(exc))
        all_ok &= res["ok"]
        report.append(res)
    print(json.dumps({"valid": all_ok and bool(report), "signers": report}, ensure_ascii=False, indent=1))
    return 0 if all_ok and report else 1


if __name__ == "__main__":
    sys.exit(main())
