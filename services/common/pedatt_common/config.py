"""Where the running system finds its infrastructure: environment variables, one place."""
import os

PG_DEFAULT = "postgresql+psycopg2://postgres@127.0.0.1:5432"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def database_name(service: str) -> str:
    return f"{env('PEDATT_DB_PREFIX', 'pedatt_')}{service}"


def database_url(service: str) -> str:
    """The single source of a service's database URL (service config and alembic both call it).

    ``PEDATT_<SERVICE>_DB_URL`` wins; otherwise ``PEDATT_PG_URL`` + ``/pedatt_<service>``.
    """
    explicit = env(f"PEDATT_{service.upper()}_DB_URL")
    if explicit:
        return explicit
    return f"{env('PEDATT_PG_URL', PG_DEFAULT)}/{database_name(service)}"


def amqp_uri() -> str:
    return env("PEDATT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
