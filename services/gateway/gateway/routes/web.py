"""The web client: the built ``web/dist`` served at ``/`` with a fallback to ``index.html`` for the
client-side routes (``/teacher/applications/…``). ``/api``, ``/healthz``, ``/readyz``,
``/openapi.json`` and ``/docs`` keep their own handlers: an unknown ``/api/…`` path is still the
API's JSON 404.

``PEDATT_WEB_DIST`` overrides the folder (default: ``<repo>/web/dist``)."""
import os
from pathlib import Path

from flask import Blueprint, Response, request, send_from_directory
from werkzeug.exceptions import NotFound

from gateway import errors
from gateway.api import api

DIST = Path(os.environ.get("PEDATT_WEB_DIST") or Path(__file__).resolve().parents[4] / "web" / "dist")
RESERVED = ("/api/", "/api", "/healthz", "/readyz", "/openapi.json", "/docs")

blueprint = Blueprint("web", __name__)

NOT_BUILT = """<!doctype html><html lang="ru"><meta charset="utf-8"><title>PedAtt</title>
<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto">
<h1>Веб-клиент ещё не собран</h1>
<p>Соберите его: <code>npm ci --prefix web &amp;&amp; npm run build --prefix web</code>
(это делает <code>make run</code>). API работает: <a href="/docs">/docs</a>.</p></body></html>"""


def _index() -> Response:
    if not (DIST / "index.html").is_file():
        return Response(NOT_BUILT, status=200, mimetype="text/html")
    response = send_from_directory(DIST, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/")
def index():
    return _index()


@blueprint.get("/assets/<path:filename>")
def assets(filename):
    # hashed file names: cache for a year
    return send_from_directory(DIST / "assets", filename, max_age=31536000)


def _is_reserved(path: str) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in RESERVED)


@blueprint.app_errorhandler(NotFound)
def spa_fallback(exc):
    """A GET of a non-API path the server does not know is a client-side route: serve the app."""
    path = request.path
    if request.method in ("GET", "HEAD") and not _is_reserved(path) and not path.startswith("/assets/"):
        candidate = (DIST / path.lstrip("/")).resolve()
        if candidate.is_file() and DIST.resolve() in candidate.parents:
            return send_from_directory(DIST, path.lstrip("/"))
        return _index()
    return errors.to_response(exc)


# Route modules only register API operations; the app registers ``api.blueprint``. Register this
# blueprint on the same app at that moment (no change to app.py needed).
api.blueprint.record_once(lambda state: state.app.register_blueprint(blueprint))
