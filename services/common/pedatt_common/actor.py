"""Who is calling: passed explicitly as ``actor`` on RPC calls where authorization matters."""
from dataclasses import dataclass, field, asdict

from pedatt_common.errors import PermissionDenied

ROLES = ("org_admin", "teacher", "director", "assessor")
PLATFORM_ADMIN = "platform_admin"


@dataclass(frozen=True)
class Actor:
    user_id: str | None = None
    organization_id: str | None = None
    roles: tuple[str, ...] = field(default_factory=tuple)
    platform_roles: tuple[str, ...] = field(default_factory=tuple)
    request_id: str | None = None

    @classmethod
    def from_rpc(cls, data: dict | None) -> "Actor":
        data = data or {}
        return cls(
            user_id=data.get("user_id"),
            organization_id=data.get("organization_id"),
            roles=tuple(data.get("roles") or ()),
            platform_roles=tuple(data.get("platform_roles") or ()),
            request_id=data.get("request_id"),
        )

    def to_rpc(self) -> dict:
        data = asdict(self)
        data["roles"] = list(self.roles)
        data["platform_roles"] = list(self.platform_roles)
        return data

    @property
    def is_platform_admin(self) -> bool:
        return PLATFORM_ADMIN in self.platform_roles

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def require_role(self, *roles: str) -> None:
        if not self.has_role(*roles):
            raise PermissionDenied("Недостаточно прав для этого действия",
                                   {"required_roles": list(roles)})

    def require_platform_admin(self) -> None:
        if not self.is_platform_admin:
            raise PermissionDenied("Действие доступно только администратору платформы")

    def require_organization(self) -> str:
        if not self.organization_id:
            raise PermissionDenied("Выберите организацию")
        return self.organization_id
