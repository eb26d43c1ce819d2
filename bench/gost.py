"""Kazakh GOST 34.10-2015/512 + Streebog verification speed, one process, one thread.

(a) a complete detached GOST-512 CMS verification as the documents service does it: decode the
    ContentInfo, Streebog-512 over a 1 MB file (``new_hash``), then ``documents.gost.verify_signer``:
    SignerInfo checks (messageDigest, signature over the signed attributes) and the certificate path
    leaf → CA (2 certificates, the CA signature on the leaf verified every time: no cache) with
    pyhanko-certvalidator + GostSignatureValidator, validity at the moment, SIGN key usage;
(b) the pure-Python baseline measured in the same run: ``gostcrypto`` verifying one GOST-512
    signature (the only GOST 34.10 implementation on PyPI), and our own pure-Python EC fallback;
(c) Streebog-512 throughput over a large buffer (hashlib + the OpenSSL GOST provider).

The signing key is generated (TC26-512 paramSetA) and the CA is our own test CA; the same math
verifies the real NCA test certificates (see services/documents/tests/unit/test_gost.py).

    .venv/bin/python bench/gost.py [--duration 5] [--size 1048576]

Ends with one JSON line: gost512_verify_per_s, pure_python_verify_per_s, streebog_mb_per_s, ...
"""
import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "services" / "documents"))

from asn1crypto import cms, x509  # noqa: E402

from documents import gost  # noqa: E402
from documents.gost import ec, hashing, issue  # noqa: E402


WALL: dict = {}


def timed(fn, duration, min_runs=3, max_runs=100000, label=None):
    """CPU seconds of this (single-threaded) process per run: the cost on one core, independent of
    what else the machine is running.  Wall-clock seconds per run are kept in WALL[label]."""
    times, wall = [], []
    end = time.perf_counter() + duration
    while (len(times) < min_runs or time.perf_counter() < end) and len(times) < max_runs:
        w, t = time.perf_counter(), time.process_time()
        fn()
        times.append(time.process_time() - t)
        wall.append(time.perf_counter() - w)
    if label:
        WALL[label] = wall
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--size", type=int, default=1 << 20)
    args = ap.parse_args()

    print(f"EC backend: {ec.backend_name()}, Streebog backend: {hashing.backend()}")
    ca_key = gost.GostPrivateKey.generate(512)
    ca = issue.make_certificate(subject=issue.name(common_name="ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) BENCH",
                                                   country_name="KZ"),
                                public_key=ca_key.public, issuer_key=ca_key, ca=True, path_len=0)
    key = gost.GostPrivateKey.generate(512)
    leaf = issue.make_certificate(subject=issue.name(common_name="ДИРЕКТОР ТЕСТ", serial_number="IIN880101300123",
                                                     country_name="KZ"),
                                  public_key=key.public, issuer_key=ca_key, issuer_cert=ca)
    content = os.urandom(args.size)
    signed = issue.sign_cms(content, key, leaf, detached=True)
    ca_cert = x509.Certificate.load(ca)

    def verify_cms():
        # what the documents service does per GOST signer: decode, one streaming Streebog pass over
        # the stored file, then documents.gost.verify_signer (SignerInfo checks + certificate path)
        sd = cms.ContentInfo.load(signed)["content"]
        si = sd["signer_infos"][0]
        assert gost.is_gost_signer_info(si) and sd["encap_content_info"]["content"].native is None
        h = gost.new_hash(si["digest_algorithm"]["algorithm"])
        h.update(content)
        res = gost.verify_signer(signer_info_der=si, certificates_der=[c.chosen for c in sd["certificates"]],
                                 content_digest=h.digest(), trust_der=[ca_cert],
                                 moment=datetime.now(timezone.utc), revocation_mode="soft-fail")
        assert res["reason_code"] == "OK" and len(res["path"]) == 2, res

    verify_cms()  # warm-up
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(figures are CPU time of this one thread; wall clock in brackets)")
    t_cms = timed(verify_cms, args.duration, label="cms")
    cms_per_s = 1 / statistics.median(t_cms)
    wall_cms_per_s = 1 / statistics.median(WALL["cms"])
    print(f"(a) detached GOST-512 CMS, {args.size} bytes, chain of 2: {cms_per_s:.1f}/s per core, "
          f"median {statistics.median(t_cms) * 1000:.2f} ms ({len(t_cms)} runs) "
          f"[wall {wall_cms_per_s:.1f}/s]")

    # raw signature verify (EC only) for reference
    digest = gost.streebog(b"bench")
    sig = key.sign_digest(digest)
    t_raw = timed(lambda: key.public.verify_digest(digest, sig), min(args.duration, 2))
    print(f"    GOST-512 signature verify alone (OpenSSL EC via ctypes): {statistics.median(t_raw) * 1000:.3f} ms")

    # (b) pure-Python baselines
    pure_per_s = None
    try:
        from gostcrypto import gostsignature

        signer = gostsignature.new(gostsignature.MODE_512,
                                   gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"])
        n = key.public.curve.size
        pub_be = bytearray(key.public.x.to_bytes(n, "big") + key.public.y.to_bytes(n, "big"))
        sig_be = bytearray(sig[:n][::-1] + sig[n:][::-1])
        dig_be = bytearray(digest[::-1])
        assert signer.verify(pub_be, dig_be, sig_be)
        t_pure = timed(lambda: signer.verify(pub_be, dig_be, sig_be), min(args.duration, 3), max_runs=10)
        pure_per_s = 1 / statistics.median(t_pure)
        print(f"(b) pure-Python gostcrypto GOST-512 verify: {statistics.median(t_pure) * 1000:.1f} ms "
              f"({pure_per_s:.2f}/s)")
    except ImportError:
        print("(b) gostcrypto not installed: no pure-Python baseline")
    os.environ["PEDATT_GOST_PURE_EC"] = "1"
    t_fb = timed(lambda: key.public.verify_digest(digest, sig), min(args.duration, 2), max_runs=200)
    os.environ.pop("PEDATT_GOST_PURE_EC")
    print(f"    our pure-Python EC fallback: {statistics.median(t_fb) * 1000:.1f} ms per verify")

    # (c) Streebog throughput
    big = os.urandom(64 << 20)
    gost.streebog(big[:1 << 20])
    t_sb = timed(lambda: gost.streebog(big, 512), min(args.duration, 3), min_runs=2, max_runs=20, label="sb")
    mb_s = (len(big) / (1 << 20)) / statistics.median(t_sb)
    print(f"(c) Streebog-512 over 64 MiB: {mb_s:.0f} MB/s "
          f"[wall {(len(big) / (1 << 20)) / statistics.median(WALL['sb']):.0f} MB/s]")
    t_sb256 = timed(lambda: gost.streebog(big[:16 << 20], 256), 1, min_runs=2, max_runs=10)
    print(f"    Streebog-256 over 16 MiB: {16 / statistics.median(t_sb256):.0f} MB/s")
    others = {}
    for kind in ("gcrypt", "openssl"):
        os.environ["PEDATT_GOST_HASH"] = kind
        if hashing.backend() == kind:
            t_k = timed(lambda: gost.streebog(big[:32 << 20], 512), 1, min_runs=2, max_runs=10)
            others[kind] = round(32 / statistics.median(t_k), 1)
    os.environ.pop("PEDATT_GOST_HASH", None)
    print(f"    Streebog-512 per backend (32 MiB): {others} MB/s")

    print(json.dumps({
        "gost512_verify_per_s": round(cms_per_s, 1),
        "gost512_cms_median_ms": round(statistics.median(t_cms) * 1000, 2),
        "gost512_verify_per_s_wall": round(wall_cms_per_s, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "gost512_signature_verify_ms": round(statistics.median(t_raw) * 1000, 3),
        "pure_python_verify_per_s": round(pure_per_s, 2) if pure_per_s else None,
        "pure_python_fallback_verify_ms": round(statistics.median(t_fb) * 1000, 1),
        "streebog_mb_per_s": round(mb_s, 1),
        "file_bytes": args.size,
        "ec_backend": ec.backend_name(),
        "streebog_backend": hashing.backend(),
        "streebog_mb_per_s_by_backend": others,
    }))


if __name__ == "__main__":
    main()
