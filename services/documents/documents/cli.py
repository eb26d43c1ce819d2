"""Sign a file with a PKCS#12 key as NCALayer would (CMS, SHA-256), and check signatures locally.

    python -m documents.cli sign --key .run/pki/keys/teacher.p12 --file a.pdf [--detached] [--base64] [--out a.pdf.cms]
    python -m documents.cli cosign --key .run/pki/keys/director.p12 --file a.pdf --cms a.pdf.cms [--out both.cms]
    python -m documents.cli verify --cms a.pdf.cms [--file a.pdf] [--trust-dir DIR] [--moment ISO]

The password is ``--password`` or ``$PEDATT_P12_PASSWORD`` (dev keys: ``Demo-Pass-2026``).
``--base64`` writes base64 text (what NCALayer returns and the API accepts as ``signature``).
"""
import argparse
import base64
import datetime as dt
import json
import os
import sys
from pathlib import Path

from documents import eds, pki, settings


def _password(args) -> str:
    return args.password or os.environ.get("PEDATT_P12_PASSWORD") or "Demo-Pass-2026"


def _write(args, der: bytes, default: Path) -> None:
    data = base64.b64encode(der) if args.base64 else der
    out = Path(args.out) if args.out else default
    if str(out) == "-":
        sys.stdout.write(data.decode() + "\n" if args.base64 else "")
        if not args.base64:
            sys.stdout.buffer.write(der)
        return
    out.write_bytes(data)
    print(f"written {out} ({len(data)} bytes)", file=sys.stderr)


def cmd_sign(args) -> None:
    signer, chain = pki.load_p12(Path(args.key).read_bytes(), _password(args))
    data = Path(args.file).read_bytes()  # the exact bytes: no text mode, no re-encoding
    der = pki.sign_cms(data, [signer], detached=args.detached,
                       extra_certs=chain if args.with_chain else ())
    _write(args, der, Path(args.file + (".cms" if args.detached else ".p7s")))


def _read_cms(path: str) -> bytes:
    raw = Path(path).read_bytes()
    return eds.decode_signature(raw)


def cmd_cosign(args) -> None:
    signer, _ = pki.load_p12(Path(args.key).read_bytes(), _password(args))
    data = Path(args.file).read_bytes()
    der = pki.add_signer(_read_cms(args.cms), data, signer)
    _write(args, der, Path(args.cms))


def cmd_verify(args) -> None:
    trust = eds.TrustStore.load(args.trust_dir or settings.trust_dir(),
                                revocation_mode=args.revocation_mode)
    moment = dt.datetime.fromisoformat(args.moment) if args.moment else None
    if moment and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    content = Path(args.file).read_bytes() if args.file else None
    report = eds.verify_cms(Path(args.cms).read_bytes(), content, trust=trust, receipt_time=moment)
    report.pop("evidence", None)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(0 if report["valid"] else 1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m documents.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("sign", "cosign"):
        p = sub.add_parser(name)
        p.add_argument("--key", required=True, help="PKCS#12 file")
        p.add_argument("--password")
        p.add_argument("--file", required=True, help="the file to sign (its exact bytes)")
        p.add_argument("--out", help="output path ('-' for stdout)")
        p.add_argument("--base64", action="store_true", help="write base64 text instead of DER")
        if name == "sign":
            p.add_argument("--detached", action="store_true", help="detached CMS (no content inside)")
            p.add_argument("--with-chain", action="store_true", help="embed the CA certificates too")
        else:
            p.add_argument("--cms", required=True, help="the existing CMS to add a signer to")
    v = sub.add_parser("verify")
    v.add_argument("--cms", required=True)
    v.add_argument("--file")
    v.add_argument("--trust-dir")
    v.add_argument("--moment")
    v.add_argument("--revocation-mode", default="soft-fail", choices=("off", "soft-fail", "require"))
    args = parser.parse_args(argv)
    {"sign": cmd_sign, "cosign": cmd_cosign, "verify": cmd_verify}[args.command](args)


if __name__ == "__main__":
    main()
