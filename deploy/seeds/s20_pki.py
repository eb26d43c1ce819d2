"""The dev test PKI (deploy/dev_pki.py): CA certificates in the documents service's trust
directory and PKCS#12 signing keys for the demo teacher and director (password
``Demo-Pass-2026``); the director also gets a GOST 34.10-2015 key (``director-gost.p12``). Skipped when ``PEDATT_DEV_PKI=0``. Stores ``ctx["pki"]`` =
``{"trust_dir", "keys": {email: path}}``."""
import os


def _split(full_name: str | None):
    parts = (full_name or "").split()
    return (parts + ["", "", ""])[:3]


def run(ctx) -> None:
    if os.environ.get("PEDATT_DEV_PKI", "1") == "0":
        return
    from deploy import dev_pki
    from documents import settings

    users, org = ctx.get("users") or {}, ctx.get("org") or {}
    keys, gost_keys = {}, {}
    people = [("teacher", "teacher@demo.pedatt.kz", False), ("director", "director@demo.pedatt.kz", True)]
    dev_pki.ensure_ca()
    for name, email, is_director in people:
        user = users.get(email)
        if not user or not user.get("iin"):
            continue
        surname, first, patronymic = _split(user.get("full_name"))
        person = dict(iin=user["iin"], surname=surname or "ТЕСТОВ", first_name=first or "ТЕСТ",
                      patronymic=patronymic or None,
                      bin=org.get("bin") if is_director else None,
                      organization=org.get("name_ru") if is_director else None,
                      roles=("director",) if is_director else ())
        keys[email] = str(dev_pki.ensure_person(name, **person))
        if is_director:
            gost_keys[email] = str(dev_pki.ensure_gost_person(name, **person))
    ctx["pki"] = {"trust_dir": str(settings.trust_dir()), "keys": keys, "gost_keys": gost_keys}
