"""gunicorn entry point: ``gunicorn -c services/gateway/gunicorn.conf.py gateway.wsgi:app``."""
from pedatt_common.logs import configure_logging

from gateway.app import create_app

configure_logging("gateway")
app = create_app()
