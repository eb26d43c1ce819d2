from pedatt_common.migrations import run_migrations

from documents.models import Base

run_migrations("documents", Base.metadata)
