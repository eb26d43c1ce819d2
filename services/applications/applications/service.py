"""The applications service's nameko entrypoints: thin, validation + domain + unit of work."""
from pedatt_common.service import ServiceBase

from applications.dependencies import database


class ApplicationsService(ServiceBase):
    name = "applications"
    db = database()
