"""The assessment service's nameko entrypoints: thin, validation + domain + unit of work."""
from pedatt_common.service import ServiceBase

from assessment.dependencies import database


class AssessmentService(ServiceBase):
    name = "assessment"
    db = database()
