"""Open НУЦ РК PKCS#12 containers (``*.p12``) holding GOST keys.

``cryptography``/OpenSSL refuse these (unknown key OID), so the container is walked with asn1crypto and
decrypted here: PKCS#12 PBE (SHA-1 + 3DES / RC2) as the NCA test containers use, and PBES2
(PBKDF2 + AES/3DES).  GOST-encrypted containers (GOST 28147 / Kuznyechik PBE) are not supported.
"""
from __future__ import annotations

import hashlib
import hmac

from asn1crypto import pkcs12 as a_p12

from . import der, oids
from .errors import GostError
from .keys import GostPrivateKey


def _pkcs12_kdf(hash_name: str, password: bytes, salt: bytes, iterations: int, key_len: int, id_: int) -> bytes:
    """RFC 7292 appendix B.2 key derivation (password already BMPString-encoded with the 2 NULs)."""
    h = hashlib.new(hash_name)
    u, v = h.digest_size, h.block_size

    def stretch(b: bytes) -> bytes:
        if not b:
            return b""
        n = v * ((len(b) + v - 1) // v)
        return (b * (n // len(b) + 1))[:n]

    d = bytes([id_]) * v
    i = bytearray(stretch(salt) + stretch(password))
    out = b""
    while len(out) < key_len:
        a = d + bytes(i)
        for _ in range(iterations):
            a = hashlib.new(hash_name, a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big") + 1
        for j in range(0, len(i), v):
            blk = (int.from_bytes(i[j:j + v], "big") + b) % (1 << (8 * v))
            i[j:j + v] = blk.to_bytes(v, "big")
    return out[:key_len]


def _bmp(password: str) -> bytes:
    return password.encode("utf-16-be") + b"\x00\x00"


def _decrypt(enc_alg, ciphertext: bytes, password: str) -> bytes:
    from cryptography.hazmat.decrepit.ciphers.algorithms import RC2, TripleDES
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    name = enc_alg["algorithm"].native
    if name.startswith("pkcs12_sha1_"):
        params = enc_alg["parameters"]
        salt, it = params["salt"].native, params["iterations"].native
        pw = _bmp(password)
        if "tripledes_3key" in name:
            key = _pkcs12_kdf("sha1", pw, salt, it, 24, 1)
            iv = _pkcs12_kdf("sha1", pw, salt, it, 8, 2)
            algo, bs = TripleDES(key), 64
        elif "rc2" in name:
            klen = 5 if name.endswith("_40") else 16
            key = _pkcs12_kdf("sha1", pw, salt, it, klen, 1)
            iv = _pkcs12_kdf("sha1", pw, salt, it, 8, 2)
            algo, bs = RC2(key), 64
        else:
            raise GostError(f"неподдерживаемое шифрование контейнера: {name}", "P12_UNSUPPORTED")
    elif name == "pbes2":
        params = enc_alg["parameters"]
        kdf = params["key_derivation_func"]
        if kdf["algorithm"].native != "pbkdf2":
            raise GostError("неподдерживаемый KDF контейнера", "P12_UNSUPPORTED")
        kp = kdf["parameters"]
        scheme = params["encryption_scheme"]
        sname = scheme["algorithm"].native
        prf = kp["prf"]["algorithm"].native if kp["prf"] else "sha1"
        prf_hash = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256(), "sha512": hashes.SHA512()}.get(
            prf.replace("hmac_", "") if isinstance(prf, str) else "sha1")
        if prf_hash is None:
            raise GostError(f"неподдерживаемый PRF: {prf}", "P12_UNSUPPORTED")
        klen = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32, "tripledes_3key": 24}.get(sname)
        if klen is None:
            raise GostError(f"неподдерживаемое шифрование контейнера: {sname}", "P12_UNSUPPORTED")
        key = PBKDF2HMAC(prf_hash, klen, kp["salt"].native, kp["iteration_count"].native).derive(
            password.encode("utf-8"))
        iv = scheme["parameters"].native
        algo, bs = (TripleDES(key), 64) if sname == "tripledes_3key" else (algorithms.AES(key), 128)
    else:
        raise GostError(f"неподдерживаемое шифрование контейнера: {name}", "P12_UNSUPPORTED")
    dec = Cipher(algo, modes.CBC(iv)).decryptor()
    padded = dec.update(ciphertext) + dec.finalize()
    try:
        unpad = padding.PKCS7(bs).unpadder()
        return unpad.update(padded) + unpad.finalize()
    except ValueError as exc:
        raise GostError("неверный пароль контейнера", "P12_BAD_PASSWORD") from exc


def parse_gost_private_key(pkcs8_der: bytes) -> GostPrivateKey:
    """PKCS#8 PrivateKeyInfo with a Kazakh GOST 2015 key → :class:`GostPrivateKey`."""
    buf = bytes(pkcs8_der)
    _, s, e, _ = der.read_tlv(buf)
    parts = der.children(buf, s, e)
    if len(parts) < 3:
        raise GostError("bad PrivateKeyInfo", "P12_BAD_KEY")
    alg = der.children(buf, parts[1][1], parts[1][2])
    key_oid = der.decode_oid(buf[alg[0][1]:alg[0][2]])
    if oids.is_legacy_gost_oid(key_oid):
        from .errors import LegacyAlgorithmNotSupported
        raise LegacyAlgorithmNotSupported()
    if key_oid not in (oids.KEY_2015_256, oids.KEY_2015_512, oids.RU_KEY_2012_256, oids.RU_KEY_2012_512):
        raise GostError(f"не ГОСТ-ключ: {key_oid}", "P12_NOT_GOST")
    bits = 512 if key_oid in (oids.KEY_2015_512, oids.RU_KEY_2012_512) else 256
    body = buf[parts[2][1]:parts[2][2]]
    # the OCTET STRING holds either the raw scalar, or an inner OCTET STRING / INTEGER with it
    if body and body[0] in (0x04, 0x02):
        t, s2, e2, nxt = der.read_tlv(body)
        if nxt == len(body):
            inner = body[s2:e2]
            d = int.from_bytes(inner, "big") if t == 0x02 else int.from_bytes(inner, "little")
        else:
            d = int.from_bytes(body, "little")
    else:
        d = int.from_bytes(body, "little")
    return GostPrivateKey.from_scalar(d, bits)


def load_pkcs12(data: bytes, password: str) -> tuple[GostPrivateKey | None, list[bytes]]:
    """Open a PKCS#12 container: (GOST private key or None, [certificate DER, ...]).

    The MAC is checked (SHA-1/SHA-256 PKCS#12 MAC).  Raises :class:`GostError` with codes
    ``P12_BAD_PASSWORD`` / ``P12_UNSUPPORTED`` / ``P12_NOT_GOST``.
    """
    pfx = a_p12.Pfx.load(bytes(data))
    auth_safe = pfx["auth_safe"]
    if auth_safe["content_type"].native != "data":
        raise GostError("контейнер с открытым ключом подписи не поддерживается", "P12_UNSUPPORTED")
    content = auth_safe["content"].native
    mac_data = pfx["mac_data"]
    if mac_data.native is not None and mac_data:
        halg = mac_data["mac"]["digest_algorithm"]["algorithm"].native
        if halg not in ("sha1", "sha256", "sha512"):
            raise GostError(f"неподдерживаемый MAC контейнера: {halg}", "P12_UNSUPPORTED")
        dlen = hashlib.new(halg).digest_size
        mkey = _pkcs12_kdf(halg, _bmp(password), mac_data["mac_salt"].native,
                           mac_data["iterations"].native, dlen, 3)
        if not hmac.compare_digest(hmac.new(mkey, content, halg).digest(), mac_data["mac"]["digest"].native):
            raise GostError("неверный пароль контейнера", "P12_BAD_PASSWORD")
    safes = a_p12.AuthenticatedSafe.load(content)
    key = None
    certs: list[bytes] = []
    for ci in safes:
        ctype = ci["content_type"].native
        if ctype == "data":
            bags_der = ci["content"].native
        elif ctype == "encrypted_data":
            eci = ci["content"]["encrypted_content_info"]
            try:
                bags_der = _decrypt(eci["content_encryption_algorithm"], eci["encrypted_content"].native,
                                    password)
            except (GostError, ValueError) as exc:
                # e.g. RC2-40 certificate bags (pyca only has 128-bit RC2): the key is what matters
                if getattr(exc, "code", "") == "P12_BAD_PASSWORD":
                    raise
                continue
        else:
            continue
        for bag in a_p12.SafeContents.load(bags_der):
            btype = bag["bag_id"].native
            if btype == "pkcs8_shrouded_key_bag":
                epki = bag["bag_value"]
                pkcs8 = _decrypt(epki["encryption_algorithm"], epki["encrypted_data"].native, password)
                key = parse_gost_private_key(pkcs8)
            elif btype == "key_bag":
                key = parse_gost_private_key(bag["bag_value"].dump())
            elif btype == "cert_bag":
                cb = bag["bag_value"]
                if cb["cert_id"].native == "x509":
                    certs.append(cb["cert_value"].parsed.dump() if hasattr(cb["cert_value"], "parsed")
                                 else cb["cert_value"].native)
    return key, certs


__all__ = ["load_pkcs12", "parse_gost_private_key"]


def dump_pkcs12(key: GostPrivateKey, cert_der: bytes, password: str, *, chain=(), iterations: int = 2048,
                friendly_name: str | None = None) -> bytes:
    """Write a PKCS#12 in the layout Kalkan/NCALayer produce (key bag: pbeWithSHAAnd3-KeyTripleDES-CBC,
    certificates in a plain bag, SHA-1 MAC), so a dev-PKI GOST key can be used like an NCA ``.p12``."""
    import os

    from asn1crypto import algos, cms, core, x509
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    pw = _bmp(password)
    salt = os.urandom(20)
    k3 = _pkcs12_kdf("sha1", pw, salt, iterations, 24, 1)
    iv = _pkcs12_kdf("sha1", pw, salt, iterations, 8, 2)
    padder = padding.PKCS7(64).padder()
    plain = padder.update(key.to_pkcs8_der()) + padder.finalize()
    enc = Cipher(TripleDES(k3), modes.CBC(iv)).encryptor()
    encrypted = enc.update(plain) + enc.finalize()
    cert = x509.Certificate.load(bytes(cert_der))
    local_id = cert.public_key.sha1
    attrs = [{"type": "local_key_id", "values": [local_id]}]
    if friendly_name:
        attrs.append({"type": "friendly_name", "values": [friendly_name]})
    key_bag = a_p12.SafeBag({
        "bag_id": "pkcs8_shrouded_key_bag",
        "bag_value": a_p12.EncryptedPrivateKeyInfo({
            "encryption_algorithm": algos.EncryptionAlgorithm({
                "algorithm": "pkcs12_sha1_tripledes_3key",
                "parameters": {"salt": salt, "iterations": iterations}}),
            "encrypted_data": encrypted}),
        "bag_attributes": attrs,
    })
    cert_bags = [a_p12.SafeBag({"bag_id": "cert_bag",
                                "bag_value": a_p12.CertBag({"cert_id": "x509", "cert_value": core.ParsableOctetString(
                                    c if isinstance(c, bytes) else c.dump())}),
                                "bag_attributes": attrs if i == 0 else []})
                 for i, c in enumerate([bytes(cert_der)] + [bytes(c) for c in chain])]
    safes = a_p12.AuthenticatedSafe([
        cms.ContentInfo({"content_type": "data", "content": a_p12.SafeContents([key_bag]).dump()}),
        cms.ContentInfo({"content_type": "data", "content": a_p12.SafeContents(cert_bags).dump()}),
    ])
    content = safes.dump()
    mac_salt = os.urandom(20)
    mkey = _pkcs12_kdf("sha1", pw, mac_salt, iterations, 20, 3)
    return a_p12.Pfx({
        "version": "v3",
        "auth_safe": {"content_type": "data", "content": content},
        "mac_data": {"mac": {"digest_algorithm": {"algorithm": "sha1"},
                             "digest": hmac.new(mkey, content, "sha1").digest()},
                     "mac_salt": mac_salt, "iterations": iterations},
    }).dump()


__all__.append("dump_pkcs12")
