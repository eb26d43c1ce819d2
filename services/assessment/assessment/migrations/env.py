from pedatt_common.migrations import run_migrations

from assessment.models import Base

run_migrations("assessment", Base.metadata)
