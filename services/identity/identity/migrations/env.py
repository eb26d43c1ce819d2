from pedatt_common.migrations import run_migrations

from identity.models import Base

run_migrations("identity", Base.metadata)
