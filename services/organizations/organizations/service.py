"""The organizations service's nameko entrypoints: thin, validation + domain + unit of work."""
from pedatt_common.service import ServiceBase

from organizations.dependencies import database


class OrganizationsService(ServiceBase):
    name = "organizations"
    db = database()
