"""Teach asn1crypto the Kazakh (and Russian TC26) GOST public-key OIDs, so that certificates carrying
them can be handled by asn1crypto / pyhanko-certvalidator without ``KeyError: '1.2.398.3.10.1.1.2.2'``.

Only the *public key* algorithms are registered (their parameters parse as :class:`GostKeyParams`, the
key BIT STRING as raw bytes).  Signature and digest OIDs stay unregistered: asn1crypto reports them as
dotted strings, which is what routing code compares with :func:`documents.gost.is_gost_oid`.
Idempotent; executed when :mod:`documents.gost` is imported.
"""
from __future__ import annotations

from asn1crypto import core, keys

from . import oids

KEY_ALGORITHM_NAMES = {
    oids.KEY_2015_256: "kz_gost2015_256",
    oids.KEY_2015_512: "kz_gost2015_512",
    oids.KEY_2004: "kz_gost2004",
    oids.RU_KEY_2012_256: "gost2012_256",
    oids.RU_KEY_2012_512: "gost2012_512",
}


class GostKeyParams(core.Sequence):
    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


_done = False


def register() -> None:
    global _done
    if _done:
        return
    id_cls = keys.PublicKeyAlgorithmId
    for dotted, name in KEY_ALGORITHM_NAMES.items():
        id_cls._map.setdefault(dotted, name)
        if getattr(id_cls, "_reverse_map", None) is not None:
            id_cls._reverse_map.setdefault(name, dotted)
        keys.PublicKeyAlgorithm._oid_specs.setdefault(name, GostKeyParams)

    original = keys.PublicKeyInfo._spec_callbacks["public_key"]
    gost_names = set(KEY_ALGORITHM_NAMES.values())

    def _public_key_spec(self):
        if self["algorithm"]["algorithm"].native in gost_names:
            return (core.OctetBitString, None)
        return original(self)

    _public_key_spec._pedatt_gost = True
    if not getattr(original, "_pedatt_gost", False):
        keys.PublicKeyInfo._spec_callbacks = dict(keys.PublicKeyInfo._spec_callbacks,
                                                  public_key=_public_key_spec)
    _done = True
