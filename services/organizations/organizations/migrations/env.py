from pedatt_common.migrations import run_migrations

from organizations.models import Base

run_migrations("organizations", Base.metadata)
