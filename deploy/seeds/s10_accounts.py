"""Demo school and the five demo accounts (password ``Demo-Pass-2026``), idempotent.

Stores for later steps:
- ``ctx["org"]`` = ``{"id", "bin", "name_ru"}`` of the demo school;
- ``ctx["users"][email]`` = ``{"id", "iin", "full_name"}`` for every demo account;
- ``ctx["actors"][email]`` = the account's actor dict (as the gateway would build it) for RPC calls.
"""
from datetime import date

from pedatt_common.errors import Conflict, NotFound
from pedatt_common.kz_ids import make_valid

PASSWORD = "Demo-Pass-2026"
DEMO_BIN = "940140000385"


def _iin(prefix10: str) -> str:
    """The first valid IIN with this 10-digit prefix (birth date, century digit, 3 serial digits)."""
    for serial in range(10):
        iin = make_valid(f"{prefix10}{serial}")
        if iin:
            return iin
    raise RuntimeError(prefix10)


PEOPLE = {
    "platform@demo.pedatt.kz": dict(iin=_iin("8501013000"), last_name="Сейткали", first_name="Айдар",
                                    middle_name="Нурланович"),
    "admin@demo.pedatt.kz": dict(iin=_iin("8803154000"), last_name="Ахметова", first_name="Гульнара",
                                 middle_name="Серикболовна"),
    "teacher@demo.pedatt.kz": dict(iin=_iin("9005124000"), last_name="Иванова", first_name="Анна",
                                   middle_name="Петровна"),
    "director@demo.pedatt.kz": dict(iin=_iin("7502203000"), last_name="Жумабаев", first_name="Ерлан",
                                    middle_name="Касымович"),
    "assessor@demo.pedatt.kz": dict(iin=_iin("8209074000"), last_name="Нурланова", first_name="Динара",
                                    middle_name="Маратовна"),
}
ROLES = {"admin@demo.pedatt.kz": ["org_admin"], "teacher@demo.pedatt.kz": ["teacher"],
         "director@demo.pedatt.kz": ["director"], "assessor@demo.pedatt.kz": ["assessor"]}


def teacher_profile(today: date | None = None) -> dict:
    today = today or date.today()
    valid_until = date(today.year + 1, 5, 31)
    return {
        "position_code": "teacher",
        "subjects": ["Математика"],
        "total_experience_years": 6,
        "teaching_experience_years": 6,
        "education": [{"institution": "Евразийский национальный университет им. Л. Н. Гумилёва",
                       "specialty": "Математика", "qualification": "Бакалавр образования",
                       "graduation_year": 2012, "diploma_number": "ЖБ-Б 0123456"}],
        "category_code": "pedagog_moderator",
        "category_order_number": "125-к",
        "category_order_date": date(valid_until.year - 5, 5, 31).isoformat(),
        "category_valid_until": valid_until.isoformat(),
        "phone": "+7 701 000 0003",
    }


def run(ctx) -> None:
    rpc = ctx["rpc"]
    users = ctx.setdefault("users", {})
    actors = ctx.setdefault("actors", {})

    platform_email = "platform@demo.pedatt.kz"
    result = rpc.identity.ensure_user(
        {**PEOPLE[platform_email], "email": platform_email, "password": PASSWORD,
         "must_change_password": False}, platform_roles=["platform_admin"])
    platform = result["user"]
    users[platform_email] = {"id": platform["id"], "iin": platform["iin"],
                             "full_name": platform["full_name"]}
    platform_actor = {"user_id": platform["id"], "organization_id": None, "roles": [],
                      "platform_roles": ["platform_admin"]}
    actors[platform_email] = platform_actor

    admin_email = "admin@demo.pedatt.kz"
    try:
        org = rpc.organizations.find_organization_by_bin(platform_actor, DEMO_BIN)
    except NotFound:
        org = rpc.organizations.create_organization(platform_actor, {
            "bin": DEMO_BIN,
            "name_ru": "КГУ «Школа-гимназия № 1 (демо)»",
            "name_kk": "«№ 1 мектеп-гимназиясы (демо)» КММ",
            "type": "school", "region": "astana", "district": "район Есиль",
            "address": "г. Астана, ул. Демонстрационная, 1",
            "phone": "+7 7172 00 00 01", "email": "school1@demo.pedatt.kz",
            "admin": {**PEOPLE[admin_email], "email": admin_email, "password": PASSWORD}})
    ctx["org"] = {"id": org["id"], "bin": org["bin"], "name_ru": org["name_ru"]}

    admin = rpc.identity.find_user(iin=PEOPLE[admin_email]["iin"])
    admin_actor = {"user_id": admin["id"], "organization_id": org["id"], "roles": ["org_admin"],
                   "platform_roles": []}
    users[admin_email] = {"id": admin["id"], "iin": admin["iin"], "full_name": admin["full_name"]}
    actors[admin_email] = admin_actor

    for email in ("teacher@demo.pedatt.kz", "director@demo.pedatt.kz", "assessor@demo.pedatt.kz"):
        try:
            staff = rpc.organizations.add_staff(admin_actor, {
                **PEOPLE[email], "email": email, "password": PASSWORD, "roles": ROLES[email]})
            user_id = staff["user_id"]
        except Conflict as exc:
            user_id = exc.details["user_id"]
        # a previous run's tests may have changed them: restore the demo state
        rpc.organizations.activate_staff(admin_actor, user_id)
        for role in ROLES[email]:
            rpc.organizations.assign_role(admin_actor, user_id, role)
        staff = rpc.organizations.get_staff(admin_actor, user_id)
        users[email] = {"id": user_id, "iin": staff["iin"], "full_name": staff["full_name"]}
        actors[email] = {"user_id": user_id, "organization_id": org["id"], "roles": ROLES[email],
                         "platform_roles": []}

    teacher_id = users["teacher@demo.pedatt.kz"]["id"]
    rpc.organizations.update_staff(admin_actor, teacher_id, teacher_profile())
    director_id = users["director@demo.pedatt.kz"]["id"]
    if (org.get("director") or {}).get("user_id") != director_id:
        rpc.organizations.update_organization(admin_actor, {"director_user_id": director_id})
