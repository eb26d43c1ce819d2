"""Settings of the documents service, from the environment (defaults suit the dev stack)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _env(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def s3_endpoint() -> str:
    return _env("PEDATT_S3_ENDPOINT", "http://127.0.0.1:9000")


def s3_public_endpoint() -> str:
    return _env("PEDATT_S3_PUBLIC_ENDPOINT", s3_endpoint())


S3_ACCESS_KEY = _env("PEDATT_S3_ACCESS_KEY", "pedatt")
S3_SECRET_KEY = _env("PEDATT_S3_SECRET_KEY", "pedatt-secret-key")
S3_REGION = _env("PEDATT_S3_REGION", "us-east-1")


def bucket() -> str:
    return _env("PEDATT_S3_BUCKET", "pedatt-documents")


def max_size() -> int:
    return int(_env("PEDATT_DOC_MAX_SIZE", str(50 * 1024 * 1024)))


def allowed_types() -> tuple[str, ...]:
    return tuple(t.strip().lower() for t in _env("PEDATT_DOC_TYPES", "pdf,jpeg,png").split(",")
                 if t.strip())


def upload_ttl() -> int:
    return int(_env("PEDATT_UPLOAD_TTL", "900"))


def retention_hours() -> float:
    return float(_env("PEDATT_RETENTION_HOURS", "720"))


DOWNLOAD_TTL = int(_env("PEDATT_DOWNLOAD_TTL", "300"))


def pki_dir() -> Path:
    """The dev/test PKI home: ``.run/pki`` for the dev stack, one per database prefix otherwise
    (parallel test stacks do not share keys)."""
    prefix = _env("PEDATT_DB_PREFIX", "pedatt_")
    default = ROOT / ".run" / ("pki" if prefix == "pedatt_" else f"pki-{prefix.rstrip('_')}")
    return Path(_env("PEDATT_PKI_DIR", str(default)))


def trust_dir() -> Path:
    return Path(_env("PEDATT_EDS_TRUST_DIR", str(pki_dir() / "trust")))


def revocation_dir() -> Path:
    return Path(_env("PEDATT_EDS_REVOCATION_DIR", str(trust_dir() / "revocation")))


def revocation_mode() -> str:
    mode = _env("PEDATT_EDS_REVOCATION_MODE", "soft-fail")
    return mode if mode in ("off", "soft-fail", "require") else "soft-fail"


def allow_fetching() -> bool:
    return _env("PEDATT_EDS_FETCH", "0") == "1"


def verify_threads() -> int:
    """OS threads verifying signatures in one instance; online CRL/OCSP fetching (threads then
    wait on the network) is the reason to raise it."""
    return max(1, int(_env("PEDATT_EDS_THREADS", "8" if allow_fetching() else "1")))
