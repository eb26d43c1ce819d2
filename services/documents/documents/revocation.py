"""Keeps the offline revocation cache (``<trust dir>/revocation``) fresh: downloads the CRLs named
by ``PEDATT_EDS_CRL_URLS`` (comma-separated; e.g. НУЦ РК's ``nca_rsa_2022.crl`` and the delta
``nca_d_rsa_2022.crl``) and by the CRL distribution points of the trust store's certificates.
A file is replaced only by a CRL that parses; several instances may run it (atomic replace)."""
import hashlib
import logging
import os
from pathlib import Path

from asn1crypto import crl as asn1_crl

from documents import settings

log = logging.getLogger(__name__)
MAX_CRL_BYTES = 64 * 1024 * 1024


def crl_urls(store) -> list[str]:
    urls = [u.strip() for u in os.environ.get("PEDATT_EDS_CRL_URLS", "").split(",") if u.strip()]
    for cert in store.roots + store.intermediates:
        try:
            points = cert.crl_distribution_points_value
        except Exception:  # noqa: BLE001 - GOST keys etc.
            continue
        for point in points or []:
            name = point["distribution_point"]
            if name.name != "full_name":
                continue
            for general in name.chosen:
                if general.name == "uniform_resource_identifier":
                    url = general.native
                    if url.startswith(("http://", "https://")) and url not in urls:
                        urls.append(url)
    return urls


def refresh(store, directory: Path | None = None, fetch=None) -> dict:
    """Download each CRL; returns {url: "ok" | error}."""
    import requests
    directory = Path(directory or settings.revocation_dir())
    directory.mkdir(parents=True, exist_ok=True)
    fetch = fetch or (lambda url: requests.get(url, timeout=20))
    results = {}
    for url in crl_urls(store):
        try:
            response = fetch(url)
            response.raise_for_status()
            data = response.content
            if len(data) > MAX_CRL_BYTES:
                raise ValueError("CRL too large")
            asn1_crl.CertificateList.load(data).native  # a truncated download is refused (NCANode #52)
            name = f"fetched-{hashlib.sha1(url.encode()).hexdigest()[:16]}.crl"
            tmp = directory / f".{name}.{os.getpid()}"
            tmp.write_bytes(data)
            os.replace(tmp, directory / name)
            results[url] = "ok"
        except Exception as exc:  # noqa: BLE001 - keep the previous file
            log.warning("CRL %s not refreshed: %s", url, exc)
            results[url] = str(exc)[:200]
    return results
