"""The identity service's nameko entrypoints: thin, validation + domain + unit of work."""
import re
import uuid
from datetime import timedelta

from marshmallow import ValidationError
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import or_, select, update

from pedatt_common.actor import Actor
from pedatt_common.wire import parse_uuid, valid_uuids
from pedatt_common.db import new_id, utcnow
from pedatt_common.errors import (EXPECTED, Conflict, InvalidInput, NotFound, PermissionDenied,
                                  RateLimited, Unauthorized, invalid_from_marshmallow)
from pedatt_common.service import ServiceBase

from identity import passwords, settings, throttle, tokens
from identity.dependencies import database
from identity.models import Membership, RefreshToken, User
from identity.schemas import (MembershipInputSchema, UserInputSchema, UserUpdateSchema,
                              dump_membership, dump_user)

BAD_CREDENTIALS = "Неверный логин или пароль"
_IIN_LOGIN = re.compile(r"^\d{12}$")


def _load(schema, data, partial=False):
    try:
        return schema.load(data or {}, partial=partial)
    except ValidationError as err:
        raise invalid_from_marshmallow(err) from None


def _uuid(value, what="Пользователь"):
    return parse_uuid(value, lambda: NotFound(f"{what} не найден"))


def _find_by_login(session, login: str):
    login = (login or "").strip()
    if "@" in login:
        return session.execute(select(User).where(User.email == login.lower())).scalar_one_or_none()
    if _IIN_LOGIN.match(login):
        return session.execute(select(User).where(User.iin == login)).scalar_one_or_none()
    return None


def _access_changed(user: User) -> None:
    # in SQL (access_version + 1): two changes in concurrent transactions both count
    user.access_version = User.access_version + 1


def _active_memberships(session, user_id):
    rows = session.execute(select(Membership).where(
        Membership.user_id == user_id, Membership.is_active.is_(True))
        .order_by(Membership.created_at)).scalars()
    return [{"organization_id": m.organization_id, "roles": m.roles or []} for m in rows]


def _policy_check(password, user_like) -> None:
    errors = passwords.policy_errors(password, login_values=(user_like.get("email"),
                                                             user_like.get("iin")))
    if errors:
        raise InvalidInput("Пароль не соответствует требованиям", {"fields": {"password": errors}})


class IdentityService(ServiceBase):
    name = "identity"
    db = database()

    @timer(interval=3600)
    def purge_expired(self):
        """Hourly: drop spent throttle rows and long-expired or revoked refresh tokens."""
        with self.db as uow:
            throttle.purge(uow.session, utcnow())

    # -- tokens ------------------------------------------------------------------------
    def _issue(self, session, user, family_id=None) -> dict:
        now = utcnow()
        memberships = _active_memberships(session, user.id)
        access, ttl = tokens.make_access_token(user.id, user.platform_roles, memberships,
                                               user.must_change_password, now,
                                               user.access_version)
        refresh = tokens.new_refresh_token()
        session.add(RefreshToken(id=new_id(), family_id=family_id or new_id(), user_id=user.id,
                                 token_hash=tokens.hash_refresh_token(refresh), created_at=now,
                                 expires_at=now + timedelta(seconds=settings.refresh_ttl())))
        return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": ttl, "must_change_password": user.must_change_password}

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("password",))
    def login(self, login, password, client=None):
        """E-mail or IIN + password → tokens. 401 never says which part was wrong; 429 when locked."""
        if not isinstance(login, str) or not isinstance(password, str):
            raise Unauthorized(BAD_CREDENTIALS)
        limits = settings.throttle_settings(self.config)
        acct, cli = throttle.account_key(login), throttle.client_key(client)
        result = None
        with self.db as uow:
            now = utcnow()
            wait = throttle.retry_after(uow.session, [acct, cli], now)
            if wait is None:
                user = _find_by_login(uow.session, login)
                ok = passwords.verify_password(user.password_hash if user else None, password)
                if ok and user.is_active:
                    throttle.clear(uow.session, acct)
                    if not user.platform_roles and not _active_memberships(uow.session, user.id):
                        result = "no_access"
                    else:
                        result = self._issue(uow.session, user)
                else:
                    throttle.record_failure(uow.session, acct, limits["account_limit"],
                                            limits["window"], limits["lock"], now)
                    throttle.record_failure(uow.session, cli, limits["client_limit"],
                                            limits["window"], limits["lock"], now)
        if wait is not None:
            raise RateLimited(f"Слишком много неудачных попыток входа. Повторите через {wait} с.",
                              {"retry_after": wait})
        if result is None:
            raise Unauthorized(BAD_CREDENTIALS)
        if result == "no_access":
            raise PermissionDenied("Доступ к организации заблокирован; обратитесь к администратору")
        return result

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("refresh_token",))
    def refresh(self, refresh_token):
        """Rotate: the token is spent and a new one of the same family issued. Reusing a spent
        token revokes the whole family (it was stolen or replayed)."""
        if not isinstance(refresh_token, str) or not refresh_token:
            raise Unauthorized("Недействительный токен обновления")
        outcome = None
        with self.db as uow:
            s = uow.session
            now = utcnow()
            row = s.execute(select(RefreshToken).where(
                RefreshToken.token_hash == tokens.hash_refresh_token(refresh_token))
                .with_for_update()).scalar_one_or_none()
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                outcome = "invalid"
            elif row.used_at is not None:
                s.execute(update(RefreshToken).where(RefreshToken.family_id == row.family_id,
                                                     RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=now))
                outcome = "reused"
            else:
                user = s.get(User, row.user_id)
                row.used_at = now
                if not user.is_active or (not user.platform_roles
                                          and not _active_memberships(s, user.id)):
                    row.revoked_at = now
                    outcome = "invalid"
                else:
                    outcome = self._issue(s, user, family_id=row.family_id)
        if outcome == "reused":
            raise Unauthorized("Токен обновления уже использован; все сеансы этого входа завершены")
        if outcome == "invalid":
            raise Unauthorized("Недействительный токен обновления")
        return outcome

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("refresh_token",))
    def logout(self, refresh_token):
        """Revoke the refresh token's family (idempotent; an unknown token is not an error)."""
        if not isinstance(refresh_token, str):
            return None
        with self.db as uow:
            row = uow.session.execute(select(RefreshToken).where(
                RefreshToken.token_hash == tokens.hash_refresh_token(refresh_token))
            ).scalar_one_or_none()
            if row is not None:
                uow.session.execute(update(RefreshToken).where(
                    RefreshToken.family_id == row.family_id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
        return None

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("current_password", "new_password"))
    def change_password(self, actor, current_password, new_password):
        """The caller's own password; other sessions are ended; returns fresh tokens. Wrong
        current passwords count against the same brute-force limit as logins."""
        actor = Actor.from_rpc(actor)
        limits = settings.throttle_settings(self.config)
        key = f"chpw:{actor.user_id}"
        wrong = False
        with self.db as uow:
            now = utcnow()
            user = uow.session.get(User, _uuid(actor.user_id))
            if user is None:
                raise NotFound("Пользователь не найден")
            wait = throttle.retry_after(uow.session, [key], now)
            if wait is not None:
                raise RateLimited(f"Слишком много неудачных попыток. Повторите через {wait} с.",
                                  {"retry_after": wait})
            if not isinstance(current_password, str) or not passwords.verify_password(
                    user.password_hash, current_password):
                throttle.record_failure(uow.session, key, limits["account_limit"],
                                        limits["window"], limits["lock"], now)
                wrong = True
            else:
                _policy_check(new_password, {"email": user.email, "iin": user.iin})
                if passwords.verify_password(user.password_hash, new_password):
                    raise InvalidInput("Новый пароль должен отличаться от текущего",
                                       {"fields": {"new_password": ["Новый пароль должен отличаться от текущего"]}})
                throttle.clear(uow.session, key)
                self._set_password(uow, user, new_password, must_change=False)
                return self._issue(uow.session, user)
        if wrong:
            raise InvalidInput("Текущий пароль указан неверно",
                               {"fields": {"current_password": ["Текущий пароль указан неверно"]}})

    def _set_password(self, uow, user, password, must_change):
        now = utcnow()
        user.password_hash = passwords.hash_password(password)
        user.must_change_password = must_change
        user.password_changed_at = now
        _access_changed(user)
        uow.session.execute(update(RefreshToken).where(RefreshToken.user_id == user.id,
                                                       RefreshToken.revoked_at.is_(None))
                            .values(revoked_at=now))

    @rpc(expected_exceptions=EXPECTED)
    def reset_password(self, user_id):
        """Internal (called by organizations after its own checks): a temporary password the
        user must change at next login; every session of the user ends."""
        temporary = passwords.temporary_password()
        with self.db as uow:
            user = uow.session.get(User, _uuid(user_id))
            if user is None:
                raise NotFound("Пользователь не найден")
            self._set_password(uow, user, temporary, must_change=True)
        return {"user_id": str(user_id), "temporary_password": temporary}

    # -- users and memberships -----------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def get_me(self, actor):
        actor = Actor.from_rpc(actor)
        with self.db as uow:
            user = uow.session.get(User, _uuid(actor.user_id))
            if user is None:
                raise NotFound("Пользователь не найден")
            rows = uow.session.execute(select(Membership).where(Membership.user_id == user.id)
                                       .order_by(Membership.created_at)).scalars()
            data = dump_user(user)
            data["memberships"] = [dump_membership(m) for m in rows]
            return data

    @rpc(expected_exceptions=EXPECTED)
    def get_users(self, user_ids):
        """Internal: brief records of the given users (unknown ids are skipped)."""
        ids = valid_uuids(user_ids)
        with self.db as uow:
            rows = uow.session.execute(select(User).where(User.id.in_(ids))).scalars()
            return [dump_user(u) for u in rows]

    @rpc(expected_exceptions=EXPECTED)
    def get_access_versions(self, user_ids):
        """Internal (the gateway): ``{user id: access version}``; unknown ids are left out, and a
        token of a user left out is refused."""
        ids = valid_uuids(user_ids)
        with self.db as uow:
            rows = uow.session.execute(select(User.id, User.access_version, User.is_active)
                                       .where(User.id.in_(ids))).all()
            return {str(r.id): r.access_version for r in rows if r.is_active}

    @rpc(expected_exceptions=EXPECTED)
    def find_user(self, iin=None, email=None):
        """Internal: the user with this IIN or e-mail, or None."""
        with self.db as uow:
            conds = []
            if iin:
                conds.append(User.iin == iin)
            if email:
                conds.append(User.email == email.strip().lower())
            if not conds:
                return None
            user = uow.session.execute(select(User).where(or_(*conds))).scalars().first()
            return dump_user(user) if user else None

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("data.password",))
    def ensure_user(self, data, platform_roles=None):
        """Internal, idempotent by IIN: link the existing person or create one.

        Returns ``{"user": ..., "created": bool, "temporary_password": str | None}``. A new user
        without a given password gets a temporary one (must be changed at first login).
        The e-mail must not belong to another person (409, field ``email``)."""
        data = _load(UserInputSchema(), data)
        if data["email"]:
            data["email"] = data["email"].strip().lower()
        with self.db as uow:
            s = uow.session
            user = s.execute(select(User).where(User.iin == data["iin"])
                             .with_for_update()).scalar_one_or_none()
            if data["email"]:
                owner = s.execute(select(User).where(User.email == data["email"])).scalar_one_or_none()
                if owner is not None and (user is None or owner.id != user.id):
                    raise Conflict("Этот e-mail уже используется другим человеком",
                                   {"fields": {"email": ["Этот e-mail уже используется другим человеком"]}})
            if user is not None:
                if data["email"] and not user.email:
                    user.email = data["email"]
                if platform_roles and not set(platform_roles) <= set(user.platform_roles or []):
                    user.platform_roles = sorted(set(user.platform_roles or []) | set(platform_roles))
                    _access_changed(user)
                return {"user": dump_user(user), "created": False, "temporary_password": None}
            temporary = None
            password = data["password"]
            if password is None:
                password = temporary = passwords.temporary_password()
            else:
                _policy_check(password, data)
            user = User(id=new_id(), iin=data["iin"], email=data["email"],
                        last_name=data["last_name"].strip(), first_name=data["first_name"].strip(),
                        middle_name=(data["middle_name"] or "").strip() or None,
                        password_hash=passwords.hash_password(password),
                        must_change_password=True if temporary else data["must_change_password"],
                        is_active=True, platform_roles=sorted(set(platform_roles or [])),
                        password_changed_at=utcnow())
            s.add(user)
            s.flush()
            return {"user": dump_user(user), "created": True, "temporary_password": temporary}

    @rpc(expected_exceptions=EXPECTED)
    def update_user(self, user_id, changes):
        """Internal: change a person's names or e-mail (after the caller's own checks)."""
        changes = _load(UserUpdateSchema(), changes, partial=True)
        with self.db as uow:
            s = uow.session
            user = s.get(User, _uuid(user_id))
            if user is None:
                raise NotFound("Пользователь не найден")
            if "email" in changes and changes["email"]:
                email = changes["email"].strip().lower()
                owner = s.execute(select(User).where(User.email == email)).scalar_one_or_none()
                if owner is not None and owner.id != user.id:
                    raise Conflict("Этот e-mail уже используется другим человеком",
                                   {"fields": {"email": ["Этот e-mail уже используется другим человеком"]}})
                changes["email"] = email
            for key, value in changes.items():
                setattr(user, key, value.strip() if isinstance(value, str) else value)
            s.flush()
            return dump_user(user)

    @rpc(expected_exceptions=EXPECTED)
    def discard_membership(self, user_id, organization_id, delete_user_if_orphan=False):
        """Internal compensation when a staff record could not be written: remove the user's
        membership in that organization and, if asked, the user when nothing else refers to it
        (no other membership, no platform role)."""
        with self.db as uow:
            s = uow.session
            uid, oid = _uuid(user_id), _uuid(organization_id, "Организация")
            row = s.execute(select(Membership).where(Membership.user_id == uid,
                                                     Membership.organization_id == oid)
                            ).scalar_one_or_none()
            user = s.get(User, uid)
            if row is not None:
                s.delete(row)
                if user is not None:
                    _access_changed(user)
                s.flush()
            if (delete_user_if_orphan and user is not None and not user.platform_roles
                    and not s.execute(select(Membership.id).where(Membership.user_id == uid)).first()):
                s.delete(user)
                return {"membership_removed": row is not None, "user_removed": True}
            return {"membership_removed": row is not None, "user_removed": False}

    @rpc(expected_exceptions=EXPECTED)
    def set_membership(self, data):
        """Internal, idempotent: the user's exact roles and active flag in one organization."""
        data = _load(MembershipInputSchema(), data)
        with self.db as uow:
            s = uow.session
            user = s.get(User, data["user_id"], with_for_update=True)
            if user is None:
                raise NotFound("Пользователь не найден")
            row = s.execute(select(Membership).where(
                Membership.user_id == data["user_id"],
                Membership.organization_id == data["organization_id"]).with_for_update()
            ).scalar_one_or_none()
            roles = sorted(set(data["roles"]))
            if row is None:
                row = Membership(id=new_id(), user_id=data["user_id"],
                                 organization_id=data["organization_id"], roles=roles,
                                 is_active=data["is_active"])
                s.add(row)
                _access_changed(user)
            elif (sorted(row.roles or []), row.is_active) != (roles, data["is_active"]):
                row.roles, row.is_active = roles, data["is_active"]
                _access_changed(user)
            s.flush()
            return dump_membership(row)
