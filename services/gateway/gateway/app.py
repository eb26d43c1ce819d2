"""The WSGI application."""
import importlib
import logging
import pkgutil
import time

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway import errors, settings
from gateway.api import api
from pedatt_common.logs import new_request_id, request_id_var

log = logging.getLogger("gateway.access")


def create_app() -> Flask:
    import gateway.routes
    from gateway import auth  # noqa: F401 - installs the authenticator on ``api``
    from gateway.routes import system

    for module in pkgutil.iter_modules(gateway.routes.__path__):  # each registers its routes
        importlib.import_module(f"gateway.routes.{module.name}")

    app = Flask(__name__)
    if settings.TRUSTED_PROXIES:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.TRUSTED_PROXIES,
                                x_proto=settings.TRUSTED_PROXIES)
    app.json.ensure_ascii = False
    app.config["MAX_CONTENT_LENGTH"] = None
    app.register_blueprint(system.blueprint)
    app.register_blueprint(api.blueprint)
    errors.register(app)

    @app.before_request
    def bind_request_id():
        rid = request.headers.get("X-Request-Id") or new_request_id()
        request_id_var.set(rid[:64])
        g.started = time.perf_counter()

    @app.after_request
    def add_request_id(response):
        response.headers["X-Request-Id"] = request_id_var.get() or ""
        return response

    return app
