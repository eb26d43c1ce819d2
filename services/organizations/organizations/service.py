"""The organizations service's nameko entrypoints: organizations, settings, HR and profiles.

Authorization: the caller's ``actor`` selects the organization; the caller's roles are read
from this service's own staff table (the authoritative HR record), not only from the token, so
a deactivated member or a revoked role loses access at once. Objects of another organization
are reported as NotFound.

People live in the identity service (one user per IIN). Adding a person calls identity first
(idempotent by IIN), then writes the staff record and the identity membership in one local
transaction; if that transaction fails, the identity side is compensated
(``discard_membership``), so no half-created person or staff record remains.
"""
import logging
import math
import uuid

from marshmallow import ValidationError
from nameko.rpc import RpcProxy, rpc
from sqlalchemy import cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from pedatt_common import kz_ids
from pedatt_common.wire import iso, parse_uuid, valid_uuids
from pedatt_common.actor import Actor
from pedatt_common.db import new_id, utcnow
from pedatt_common.errors import (EXPECTED, Conflict, InvalidInput, NotFound, PermissionDenied,
                                  Unprocessable, invalid_from_marshmallow)
from pedatt_common.service import ServiceBase

from organizations import events, reference
from organizations.dependencies import database
from organizations.models import Organization, RoleChange, Staff
from organizations.schemas import (AttestationSettingsSchema, OrganizationCreateSchema,
                                   OrganizationUpdateSchema, ProfileSchema, RoleSchema,
                                   StaffCreateSchema, StaffQuerySchema, StaffUpdateSchema,
                                   check_profile_consistency)

log = logging.getLogger(__name__)

READ_STAFF_ROLES = ("org_admin", "director")
READ_PROFILE_ROLES = ("org_admin", "director", "assessor")
UNIQUE_FIELDS = {
    "uq_organizations_bin": ("bin", "Организация с таким БИН уже зарегистрирована"),
    "uq_staff_organization_id_iin": ("iin", "Сотрудник с таким ИИН уже есть в организации"),
    "uq_staff_organization_id_user_id": ("iin", "Этот человек уже есть в организации"),
}
PROFILE_FIELDS = ("position_code", "subjects", "total_experience_years",
                  "teaching_experience_years", "education", "category_code",
                  "category_order_number", "category_order_date", "category_valid_until", "phone")


# -- helpers -------------------------------------------------------------------------------
def _load(schema, data, partial=False):
    if not isinstance(data, dict):
        raise InvalidInput("Проверьте введённые данные", {"fields": {"_schema": ["Ожидается JSON-объект"]}})
    try:
        return schema.load(data, partial=partial)
    except ValidationError as err:
        raise invalid_from_marshmallow(err) from None


def _uuid(value, message="Сотрудник не найден"):
    return parse_uuid(value, lambda: NotFound(message))


def full_name(p) -> str:
    return " ".join(x for x in (p.last_name, p.first_name, p.middle_name) if x)


def dump_staff(st: Staff) -> dict:
    return {
        "user_id": str(st.user_id),
        "organization_id": str(st.organization_id),
        "iin": st.iin,
        "last_name": st.last_name,
        "first_name": st.first_name,
        "middle_name": st.middle_name,
        "full_name": full_name(st),
        "email": st.email,
        "phone": st.phone,
        "roles": list(st.roles or []),
        "is_active": st.is_active,
        "deactivated_at": iso(st.deactivated_at),
        "position_code": st.position_code,
        "position_title": reference.position_title(st.position_code),
        "subjects": list(st.subjects or []),
        "total_experience_years": st.total_experience_years,
        "teaching_experience_years": st.teaching_experience_years,
        "education": list(st.education or []),
        "category_code": st.category_code,
        "category_title": reference.category_title(st.category_code),
        "category_order_number": st.category_order_number,
        "category_order_date": iso(st.category_order_date),
        "category_valid_until": iso(st.category_valid_until),
        "updated_at": iso(st.updated_at),
    }


def dump_organization(org: Organization, director: Staff | None) -> dict:
    types = reference.by_code(reference.organization_types())
    regions = reference.by_code(reference.regions())
    return {
        "id": str(org.id),
        "bin": org.bin,
        "name_ru": org.name_ru,
        "name_kk": org.name_kk,
        "type": org.type,
        "type_title": types.get(org.type, {}).get("title_ru"),
        "region": org.region,
        "region_title": regions.get(org.region, {}).get("title_ru"),
        "district": org.district,
        "address": org.address,
        "phone": org.phone,
        "email": org.email,
        "website": org.website,
        "director": ({"user_id": str(director.user_id), "iin": director.iin,
                      "full_name": full_name(director)} if director else None),
        "attestation_settings": _settings_view(org.attestation_settings),
        "is_active": org.is_active,
        "created_at": iso(org.created_at),
    }


def _settings_view(settings: dict | None) -> dict:
    settings = dict(settings or {})
    settings.setdefault("commission_categories", reference.organization_level_categories())
    settings["allowed_commission_categories"] = reference.organization_level_categories()
    return settings


def _json_safe(data: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


class _Compensations:
    """Undo steps for identity-side changes, run when the local transaction fails."""

    def __init__(self):
        self.steps = []

    def add(self, fn, *args, **kwargs):
        self.steps.append((fn, args, kwargs))

    def run(self):
        for fn, args, kwargs in reversed(self.steps):
            try:
                fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - best effort; logged for the operator
                log.exception("compensation failed: %s", getattr(fn, "__name__", fn))


class OrganizationsService(ServiceBase):
    name = "organizations"
    db = database()
    identity = RpcProxy("identity")

    # -- authorization ---------------------------------------------------------------------
    def _me(self, s, actor: Actor) -> Staff:
        """The caller's active staff record in the selected organization."""
        org_id = _uuid(actor.require_organization(), "Организация не найдена")
        me = s.execute(select(Staff).where(Staff.organization_id == org_id,
                                           Staff.user_id == _uuid(actor.user_id))).scalar_one_or_none()
        if me is None or not me.is_active:
            raise PermissionDenied("Доступ к организации заблокирован или вы в ней не состоите")
        return me

    @staticmethod
    def _require(me: Staff, *roles):
        if not any(r in (me.roles or []) for r in roles):
            raise PermissionDenied("Недостаточно прав для этого действия", {"required_roles": list(roles)})

    def _staff_of(self, s, org_id, user_id, lock=False) -> Staff:
        q = select(Staff).where(Staff.organization_id == org_id,
                                Staff.user_id == _uuid(user_id))
        if lock:
            q = q.with_for_update()
        st = s.execute(q).scalar_one_or_none()
        if st is None:
            raise NotFound("Сотрудник не найден")
        return st

    def _history(self, s, st: Staff, action, role, actor_user_id):
        s.add(RoleChange(id=new_id(), organization_id=st.organization_id, user_id=st.user_id,
                         action=action, role=role, actor_user_id=_uuid(actor_user_id) if actor_user_id else None,
                         at=utcnow()))

    def _sync_membership(self, st: Staff):
        self.identity.set_membership({"user_id": str(st.user_id),
                                      "organization_id": str(st.organization_id),
                                      "roles": list(st.roles or []), "is_active": st.is_active})

    def _run(self, work):
        """``work(uow, compensations)`` inside one transaction; identity-side changes are undone
        if the transaction fails (including at commit)."""
        comp = _Compensations()
        try:
            with self.db as uow:
                result = work(uow, comp)
                uow.session.flush()
            return result
        except IntegrityError as exc:
            comp.run()
            constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or ""
            field, message = UNIQUE_FIELDS.get(constraint, (None, "Такая запись уже существует"))
            raise Conflict(message, {"fields": {field: [message]}} if field else None) from None
        except StaleDataError:
            comp.run()
            raise Conflict("Запись изменена другим пользователем; обновите страницу и повторите") from None
        except Exception:
            comp.run()
            raise

    # -- people ----------------------------------------------------------------------------
    def _add_person(self, uow, comp, org_id, person: dict, roles, actor_user_id, profile=None):
        s = uow.session
        existing = s.execute(select(Staff).where(Staff.organization_id == org_id,
                                                 Staff.iin == person["iin"])).scalar_one_or_none()
        if existing is not None:
            raise Conflict("Сотрудник с таким ИИН уже есть в организации",
                           {"fields": {"iin": ["Сотрудник с таким ИИН уже есть в организации"]},
                            "user_id": str(existing.user_id)})
        result = self.identity.ensure_user({k: person.get(k) for k in
                                            ("iin", "email", "last_name", "first_name",
                                             "middle_name", "password")}
                                           | {"must_change_password": person.get("password") is None})
        user = result["user"]
        comp.add(self.identity.discard_membership, user["id"], str(org_id),
                 delete_user_if_orphan=result["created"])
        if s.execute(select(Staff.id).where(Staff.organization_id == org_id,
                                            Staff.user_id == uuid.UUID(user["id"]))).first():
            raise Conflict("Этот человек уже есть в организации",
                           {"fields": {"iin": ["Этот человек уже есть в организации"]}, "user_id": user["id"]})
        st = Staff(id=new_id(), organization_id=org_id, user_id=uuid.UUID(user["id"]),
                   iin=user["iin"], last_name=user["last_name"], first_name=user["first_name"],
                   middle_name=user["middle_name"], email=user["email"],
                   roles=sorted(set(roles)), is_active=True, subjects=[], education=[])
        for key, value in (profile or {}).items():
            setattr(st, key, value)
        s.add(st)
        s.flush()
        self._history(s, st, "staff_added", None, actor_user_id)
        for role in st.roles:
            self._history(s, st, "role_assigned", role, actor_user_id)
        self._sync_membership(st)
        uow.publish(events.STAFF_ADDED, {"organization_id": str(org_id), "user_id": user["id"],
                                         "roles": list(st.roles)})
        out = dump_staff(st)
        out["iin_warnings"] = kz_ids.iin_warnings(st.iin)
        out["user_created"] = result["created"]
        out["temporary_password"] = result["temporary_password"]
        return out

    # -- organizations ---------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("data.admin.password",))
    def create_organization(self, actor, data):
        """Platform administrator: a new organization and its first administrator."""
        actor = Actor.from_rpc(actor)
        actor.require_platform_admin()
        data = _load(OrganizationCreateSchema(), data)
        admin = data.pop("admin")
        with self.db as uow:
            if uow.session.execute(select(Organization.id).where(Organization.bin == data["bin"])).first():
                raise Conflict("Организация с таким БИН уже зарегистрирована",
                               {"fields": {"bin": ["Организация с таким БИН уже зарегистрирована"]}})

        def work(uow, comp):
            org = Organization(id=new_id(), created_by=_uuid(actor.user_id),
                               attestation_settings={"commission_categories":
                                                     reference.organization_level_categories()},
                               is_active=True, **data)
            uow.session.add(org)
            uow.session.flush()
            staff = self._add_person(uow, comp, org.id, admin, ["org_admin"], actor.user_id)
            uow.publish(events.ORGANIZATION_CREATED, {"organization_id": str(org.id), "bin": org.bin})
            out = dump_organization(org, None)
            out["admin"] = staff
            return out
        return self._run(work)

    @rpc(expected_exceptions=EXPECTED)
    def list_organizations(self, actor, page=1, per_page=50):
        actor = Actor.from_rpc(actor)
        actor.require_platform_admin()
        page, per_page = max(1, int(page or 1)), min(100, max(1, int(per_page or 50)))
        with self.db as uow:
            s = uow.session
            total = s.execute(select(func.count(Organization.id))).scalar_one()
            rows = s.execute(select(Organization).order_by(Organization.created_at)
                             .offset((page - 1) * per_page).limit(per_page)).scalars().all()
            return {"items": [dump_organization(o, self._director(s, o)) for o in rows],
                    "total": total, "page": page, "per_page": per_page}

    @rpc(expected_exceptions=EXPECTED)
    def find_organization_by_bin(self, actor, bin):
        actor = Actor.from_rpc(actor)
        actor.require_platform_admin()
        with self.db as uow:
            org = uow.session.execute(select(Organization).where(Organization.bin == str(bin))).scalar_one_or_none()
            if org is None:
                raise NotFound("Организация не найдена")
            return dump_organization(org, self._director(uow.session, org))

    def _director(self, s, org):
        if org.director_user_id is None:
            return None
        return s.execute(select(Staff).where(Staff.organization_id == org.id,
                                             Staff.user_id == org.director_user_id)).scalar_one_or_none()

    @rpc(expected_exceptions=EXPECTED)
    def get_organization(self, actor, organization_id):
        """A member of the organization or a platform administrator; others get NotFound."""
        actor = Actor.from_rpc(actor)
        org_id = _uuid(organization_id, "Организация не найдена")
        with self.db as uow:
            s = uow.session
            if not actor.is_platform_admin:
                member = s.execute(select(Staff.id).where(
                    Staff.organization_id == org_id, Staff.user_id == _uuid(actor.user_id),
                    Staff.is_active.is_(True))).first()
                if member is None:
                    raise NotFound("Организация не найдена")
            org = s.get(Organization, org_id)
            if org is None:
                raise NotFound("Организация не найдена")
            return dump_organization(org, self._director(s, org))

    @rpc(expected_exceptions=EXPECTED)
    def get_signing_authority(self, organization_id):
        """Internal: the BIN and the director whose EDS signs for the organization, for a service
        that checks a head's signature with no user calling (an event handler)."""
        org_id = _uuid(organization_id, "Организация не найдена")
        with self.db as uow:
            org = uow.session.get(Organization, org_id)
            if org is None:
                raise NotFound("Организация не найдена")
            director = self._director(uow.session, org)
            return {"organization_id": str(org.id), "bin": org.bin,
                    "director_user_id": str(director.user_id) if director else None,
                    "director_iin": director.iin if director else None}

    @rpc(expected_exceptions=EXPECTED)
    def get_organization_names(self, organization_ids):
        """Internal: ``{id: name_ru}`` for display (e.g. the gateway's /me)."""
        ids = valid_uuids(organization_ids)
        with self.db as uow:
            rows = uow.session.execute(select(Organization.id, Organization.name_ru)
                                       .where(Organization.id.in_(ids))).all()
            return {str(r.id): r.name_ru for r in rows}

    @rpc(expected_exceptions=EXPECTED)
    def update_organization(self, actor, changes):
        """Settings module (org_admin): fields, contacts, the director."""
        actor = Actor.from_rpc(actor)
        changes = _load(OrganizationUpdateSchema(), changes, partial=True)

        def work(uow, comp):
            s = uow.session
            me = self._me(s, actor)
            self._require(me, "org_admin")
            org = s.get(Organization, me.organization_id)
            if "bin" in changes and changes["bin"] != org.bin and s.execute(
                    select(Organization.id).where(Organization.bin == changes["bin"])).first():
                raise Conflict("Организация с таким БИН уже зарегистрирована",
                               {"fields": {"bin": ["Организация с таким БИН уже зарегистрирована"]}})
            if "director_user_id" in changes:
                director_id = changes.pop("director_user_id")
                if director_id is not None:
                    try:
                        director = self._staff_of(s, org.id, director_id, lock=True)
                    except NotFound:
                        raise Unprocessable("Руководителем можно назначить только сотрудника организации",
                                            {"fields": {"director_user_id": ["Сотрудник не найден в организации"]}}) from None
                    if not director.is_active:
                        raise Unprocessable("Сотрудник отключён",
                                            {"fields": {"director_user_id": ["Сотрудник отключён"]}})
                    if "director" not in director.roles:
                        before = list(director.roles)
                        director.roles = sorted(set(director.roles) | {"director"})
                        self._history(s, director, "role_assigned", "director", actor.user_id)
                        self._sync_membership(director)
                        comp.add(self.identity.set_membership, {
                            "user_id": str(director.user_id), "organization_id": str(org.id),
                            "roles": before, "is_active": director.is_active})
                org.director_user_id = director_id
                changes["director_user_id"] = str(director_id) if director_id else None
            for key, value in changes.items():
                if key != "director_user_id":
                    setattr(org, key, value)
            s.flush()
            uow.publish(events.ORGANIZATION_UPDATED, {"organization_id": str(org.id),
                                                      "fields": sorted(changes)})
            return dump_organization(org, self._director(s, org))
        return self._run(work)

    @rpc(expected_exceptions=EXPECTED)
    def get_attestation_settings(self, actor):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            me = self._me(uow.session, actor)
            org = uow.session.get(Organization, me.organization_id)
            return _settings_view(org.attestation_settings)

    @rpc(expected_exceptions=EXPECTED)
    def update_attestation_settings(self, actor, data):
        """Which categories the organization's own commission handles (by the rules: moderator)."""
        actor = Actor.from_rpc(actor)
        data = _load(AttestationSettingsSchema(), data)
        allowed = reference.organization_level_categories()
        wrong = [c for c in data["commission_categories"] if c not in allowed]
        if wrong:
            titles = ", ".join(reference.category_title(c) for c in allowed)
            raise Unprocessable(f"По правилам комиссия организации рассматривает только: {titles}",
                                {"fields": {"commission_categories": [
                                    f"Недопустимо для уровня организации: {', '.join(wrong)}"]}})
        with self.db as uow:
            me = self._me(uow.session, actor)
            self._require(me, "org_admin")
            org = uow.session.get(Organization, me.organization_id)
            org.attestation_settings = {**(org.attestation_settings or {}),
                                        "commission_categories": sorted(set(data["commission_categories"]))}
            uow.publish(events.ORGANIZATION_UPDATED, {"organization_id": str(org.id),
                                                      "fields": ["attestation_settings"]})
            return _settings_view(org.attestation_settings)

    # -- HR ----------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def list_staff(self, actor, query=None):
        actor = Actor.from_rpc(actor)
        query = _load(StaffQuerySchema(), query or {})
        with self.db as uow:
            s = uow.session
            me = self._me(s, actor)
            self._require(me, *READ_STAFF_ROLES)
            conds = [Staff.organization_id == me.organization_id]
            if query["q"]:
                like = f"%{query['q'].strip().lower()}%"
                conds.append(or_(func.lower(Staff.last_name).like(like),
                                 func.lower(Staff.first_name).like(like),
                                 func.lower(func.coalesce(Staff.middle_name, "")).like(like),
                                 func.lower(func.concat_ws(" ", Staff.last_name, Staff.first_name,
                                                           Staff.middle_name)).like(like),
                                 Staff.iin.like(like), func.lower(func.coalesce(Staff.email, "")).like(like)))
            if query["role"]:
                conds.append(cast(Staff.roles, JSONB).contains([query["role"]]))
            if query["position_code"]:
                conds.append(Staff.position_code == query["position_code"])
            if query["active"] is not None:
                conds.append(Staff.is_active.is_(query["active"]))
            total = s.execute(select(func.count(Staff.id)).where(*conds)).scalar_one()
            page, per_page = query["page"], query["per_page"]
            rows = s.execute(select(Staff).where(*conds)
                             .order_by(Staff.last_name, Staff.first_name, Staff.id)
                             .offset((page - 1) * per_page).limit(per_page)).scalars().all()
            return {"items": [dump_staff(st) for st in rows], "total": total, "page": page,
                    "per_page": per_page, "pages": max(1, math.ceil(total / per_page))}

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("data.password",))
    def add_staff(self, actor, data):
        """HR (org_admin): creates or links the identity user (by IIN) and adds them as staff.
        Without ``password`` the person gets a temporary one (returned once), to change at
        first login."""
        actor = Actor.from_rpc(actor)
        data = _load(StaffCreateSchema(), data)
        errors = check_profile_consistency(data)
        if errors:
            raise Unprocessable("Проверьте данные профиля", {"fields": errors})
        profile = {k: data.pop(k) for k in list(data) if k in PROFILE_FIELDS}
        roles = data.pop("roles")

        def work(uow, comp):
            me = self._me(uow.session, actor)
            self._require(me, "org_admin")
            return self._add_person(uow, comp, me.organization_id, data, roles, actor.user_id,
                                    profile=profile)
        return self._run(work)

    def _visible_staff(self, s, actor, user_id, reader_roles) -> Staff:
        me = self._me(s, actor)
        target = _uuid(user_id)
        if target != me.user_id and not any(r in me.roles for r in reader_roles):
            raise NotFound("Сотрудник не найден")
        return self._staff_of(s, me.organization_id, target)

    @rpc(expected_exceptions=EXPECTED)
    def get_staff(self, actor, user_id):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            return dump_staff(self._visible_staff(uow.session, actor, user_id, READ_PROFILE_ROLES))

    @rpc(expected_exceptions=EXPECTED)
    def get_staff_profile(self, actor, user_id):
        """Contract for other services (applications snapshots it): the person's profile in the
        actor's organization. The person themself, or org_admin/director/assessor; else NotFound."""
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            return dump_staff(self._visible_staff(uow.session, actor, user_id, READ_PROFILE_ROLES))

    @rpc(expected_exceptions=EXPECTED)
    def update_staff(self, actor, user_id, changes):
        """HR (org_admin): names, e-mail and profile fields of a staff member."""
        actor = Actor.from_rpc(actor)
        changes = _load(StaffUpdateSchema(), changes, partial=True)

        def work(uow, comp):
            s = uow.session
            me = self._me(s, actor)
            self._require(me, "org_admin")
            st = self._staff_of(s, me.organization_id, user_id, lock=True)
            return self._apply_profile(uow, comp, st, changes)
        return self._run(work)

    def _apply_profile(self, uow, comp, st: Staff, changes: dict):
        errors = check_profile_consistency(changes, st)
        if errors:
            raise Unprocessable("Проверьте данные профиля", {"fields": errors})
        person = {k: changes.pop(k) for k in ("last_name", "first_name", "middle_name", "email")
                  if k in changes}
        if person:
            before = {k: getattr(st, k) for k in person}
            user = self.identity.update_user(str(st.user_id), person)
            comp.add(self.identity.update_user, str(st.user_id), before)
            for key in ("last_name", "first_name", "middle_name", "email"):
                setattr(st, key, user[key])
        if "education" in changes:
            changes["education"] = [_json_safe(e) for e in changes["education"]]
        for key, value in changes.items():
            setattr(st, key, value)
        st.updated_at = utcnow()
        uow.session.flush()
        uow.publish(events.PROFILE_UPDATED, {"organization_id": str(st.organization_id),
                                             "user_id": str(st.user_id),
                                             "fields": sorted(set(changes) | set(person))})
        return dump_staff(st)

    def _forget_director(self, uow, st: Staff):
        """The organization's recorded director loses the role or is deactivated: unset it."""
        org = uow.session.get(Organization, st.organization_id)
        if org.director_user_id == st.user_id:
            org.director_user_id = None
            uow.publish(events.ORGANIZATION_UPDATED, {"organization_id": str(org.id),
                                                      "fields": ["director_user_id"]})

    def _set_active(self, actor, user_id, active: bool):
        actor = Actor.from_rpc(actor)

        def work(uow, comp):
            s = uow.session
            me = self._me(s, actor)
            self._require(me, "org_admin")
            st = self._staff_of(s, me.organization_id, user_id, lock=True)
            if st.user_id == me.user_id and not active:
                raise Unprocessable("Нельзя отключить собственную учётную запись")
            if st.is_active == active:
                return dump_staff(st)
            st.is_active = active
            st.deactivated_at = None if active else utcnow()
            if not active:
                self._forget_director(uow, st)
            self._history(s, st, "staff_activated" if active else "staff_deactivated", None,
                          actor.user_id)
            s.flush()
            self._sync_membership(st)
            comp.add(self.identity.set_membership, {
                "user_id": str(st.user_id), "organization_id": str(st.organization_id),
                "roles": list(st.roles), "is_active": not active})
            uow.publish(events.STAFF_ACTIVATED if active else events.STAFF_DEACTIVATED,
                        {"organization_id": str(st.organization_id), "user_id": str(st.user_id)})
            return dump_staff(st)
        return self._run(work)

    @rpc(expected_exceptions=EXPECTED)
    def deactivate_staff(self, actor, user_id):
        """HR (org_admin): keeps the record and history; the person can no longer log in to
        this organization (the membership is inactive in identity)."""
        return self._set_active(actor, user_id, False)

    @rpc(expected_exceptions=EXPECTED)
    def activate_staff(self, actor, user_id):
        return self._set_active(actor, user_id, True)

    def _change_role(self, actor, user_id, role, assign: bool):
        actor = Actor.from_rpc(actor)
        role = _load(RoleSchema(), {"role": role})["role"]

        def work(uow, comp):
            s = uow.session
            me = self._me(s, actor)
            self._require(me, "org_admin")
            st = self._staff_of(s, me.organization_id, user_id, lock=True)
            if not assign and role == "org_admin" and st.user_id == me.user_id:
                raise Unprocessable("Нельзя снять с себя роль администратора организации")
            before = list(st.roles or [])
            after = sorted(set(before) | {role}) if assign else [r for r in before if r != role]
            if after == sorted(before):
                return dump_staff(st)
            st.roles = after
            if not assign and role == "director":
                self._forget_director(uow, st)
            self._history(s, st, "role_assigned" if assign else "role_revoked", role, actor.user_id)
            s.flush()
            self._sync_membership(st)
            comp.add(self.identity.set_membership, {
                "user_id": str(st.user_id), "organization_id": str(st.organization_id),
                "roles": before, "is_active": st.is_active})
            uow.publish(events.STAFF_ROLE_ASSIGNED if assign else events.STAFF_ROLE_REVOKED,
                        {"organization_id": str(st.organization_id), "user_id": str(st.user_id),
                         "role": role, "roles": after})
            return dump_staff(st)
        return self._run(work)

    @rpc(expected_exceptions=EXPECTED)
    def assign_role(self, actor, user_id, role):
        return self._change_role(actor, user_id, role, True)

    @rpc(expected_exceptions=EXPECTED)
    def revoke_role(self, actor, user_id, role):
        return self._change_role(actor, user_id, role, False)

    @rpc(expected_exceptions=EXPECTED)
    def list_role_history(self, actor, user_id=None, page=1, per_page=50):
        """HR audit (org_admin): who changed whose roles/status and when, newest first."""
        actor = Actor.from_rpc(actor)
        try:
            page, per_page = max(1, int(page or 1)), min(200, max(1, int(per_page or 50)))
        except (TypeError, ValueError):
            raise InvalidInput("Некорректные параметры страницы") from None
        with self.db as uow:
            s = uow.session
            me = self._me(s, actor)
            self._require(me, "org_admin")
            conds = [RoleChange.organization_id == me.organization_id]
            if user_id is not None:
                conds.append(RoleChange.user_id == self._staff_of(s, me.organization_id, user_id).user_id)
            total = s.execute(select(func.count(RoleChange.id)).where(*conds)).scalar_one()
            rows = s.execute(select(RoleChange).where(*conds)
                             .order_by(RoleChange.at.desc(), RoleChange.id)
                             .offset((page - 1) * per_page).limit(per_page)).scalars().all()
            people = {st.user_id: st for st in s.execute(select(Staff).where(
                Staff.organization_id == me.organization_id,
                Staff.user_id.in_({r.user_id for r in rows} | {r.actor_user_id for r in rows if r.actor_user_id})
            )).scalars()}
            items = [{"id": str(r.id), "user_id": str(r.user_id),
                      "user_full_name": full_name(people[r.user_id]) if r.user_id in people else None,
                      "action": r.action, "role": r.role,
                      "actor_user_id": str(r.actor_user_id) if r.actor_user_id else None,
                      "actor_full_name": (full_name(people[r.actor_user_id])
                                          if r.actor_user_id in people else None),
                      "at": iso(r.at)} for r in rows]
            return {"items": items, "total": total, "page": page, "per_page": per_page}

    @rpc(expected_exceptions=EXPECTED)
    def reset_staff_password(self, actor, user_id):
        """HR (org_admin): a temporary password, to be changed at next login."""
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            me = self._me(uow.session, actor)
            self._require(me, "org_admin")
            st = self._staff_of(uow.session, me.organization_id, user_id)
            if st.user_id == me.user_id:
                raise Unprocessable("Свой пароль меняйте в разделе «Сменить пароль»")
        return self.identity.reset_password(str(st.user_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_organization_staff(self, organization_id, role=None, active_only=True):
        """Internal (service-to-service, no actor): the staff of an organization, optionally with
        one role, e.g. the assessors or the director to notify. Staff dicts, sorted by name."""
        org_id = _uuid(organization_id, "Организация не найдена")
        with self.db as uow:
            conds = [Staff.organization_id == org_id]
            if role:
                conds.append(cast(Staff.roles, JSONB).contains([str(role)]))
            if active_only:
                conds.append(Staff.is_active.is_(True))
            rows = uow.session.execute(select(Staff).where(*conds).order_by(
                Staff.last_name, Staff.first_name, Staff.id)).scalars().all()
            return [dump_staff(st) for st in rows]

    # -- the caller's own profile --------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def get_my_profile(self, actor):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            return dump_staff(self._me(uow.session, actor))

    @rpc(expected_exceptions=EXPECTED)
    def update_my_profile(self, actor, changes):
        """The teacher edits their own profile (position, subjects, experience, education,
        current category, contacts). Names and e-mail are changed by the administrator."""
        actor = Actor.from_rpc(actor)
        changes = _load(ProfileSchema(), changes, partial=True)

        def work(uow, comp):
            me = self._me(uow.session, actor)
            st = self._staff_of(uow.session, me.organization_id, me.user_id, lock=True)
            return self._apply_profile(uow, comp, st, changes)
        return self._run(work)

    # -- reference -----------------------------------------------------------------------------
    @rpc
    def get_reference(self):
        """Positions, categories (exact codes), regions, organization types and roles."""
        return reference.all_reference()
