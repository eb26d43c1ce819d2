"""The identity service's nameko entrypoints: thin, validation + domain + unit of work."""
from pedatt_common.service import ServiceBase

from identity.dependencies import database


class IdentityService(ServiceBase):
    name = "identity"
    db = database()
