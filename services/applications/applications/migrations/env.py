from pedatt_common.migrations import run_migrations

from applications.models import Base

run_migrations("applications", Base.metadata)
