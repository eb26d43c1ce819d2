"""Creating a service's database and running its alembic migrations (dev stack, tests, compose)."""
import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pedatt_common.config import database_url


def ensure_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def alembic_config(service: str) -> AlembicConfig:
    package_dir = Path(importlib.import_module(service).__file__).parent
    cfg = AlembicConfig(str(package_dir.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(package_dir / "migrations"))
    return cfg


def migrate(service: str, connection=None) -> None:
    """Create the database if missing and upgrade it to head."""
    cfg = alembic_config(service)
    if connection is None:
        ensure_database(database_url(service))
    else:
        cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


def main() -> None:  # pragma: no cover - command-line entry
    import sys
    for service in sys.argv[1:]:
        migrate(service)
        print(f"migrated {service}")


if __name__ == "__main__":  # pragma: no cover
    main()
