"""Health, readiness and the API's own description."""
from flask import Blueprint, Response, current_app, jsonify
from marshmallow import Schema, fields

from gateway.api import api
from gateway.openapi import build_spec, render_docs
from gateway.rpc import rpc

blueprint = Blueprint("system", __name__)


@blueprint.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz():
    services = rpc.ping_all()
    missing = sorted(name for name, ok in services.items() if not ok)
    body = {"status": "ready" if not missing else "not_ready", "services": services,
            "missing": missing}
    return jsonify(body), (200 if not missing else 503)


@blueprint.get("/openapi.json")
def openapi_json():
    return jsonify(_spec())


@blueprint.get("/docs")
def docs():
    return Response(render_docs(_spec()), mimetype="text/html")


def _spec():
    spec = current_app.extensions.get("pedatt_openapi")
    if spec is None:
        spec = current_app.extensions["pedatt_openapi"] = build_spec(api)
    return spec


class PingSchema(Schema):
    service = fields.String(required=True)
    ok = fields.Boolean(required=True)


@api.route("/ping", auth=False, response=PingSchema)
def ping():
    """One cheap RPC round trip to the identity service (used by the benchmark)."""
    return rpc.call("identity", "ping")
