"""The documents service's nameko entrypoints: thin, validation + domain + unit of work."""
from pedatt_common.service import ServiceBase

from documents.dependencies import database


class DocumentsService(ServiceBase):
    name = "documents"
    db = database()
