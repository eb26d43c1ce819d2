"""The OpenAPI 3 document, generated from the same marshmallow schemas that validate requests,
and a human-readable page of it (self-contained: no CDN needed)."""
import html
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.api import Api, openapi_path

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code, e.g. NOT_FOUND"},
        "message": {"type": "string", "description": "human message (Russian)"},
        "details": {"description": "field messages or other specifics", "nullable": True},
    },
}
STATUS_TEXT = {400: "Invalid input", 401: "Not authenticated", 403: "Forbidden",
               404: "Not found", 409: "Conflict", 413: "Too large", 422: "Refused by the rules",
               429: "Too many attempts", 503: "A service is unavailable", 504: "A service timed out"}


def build_spec(api: Api) -> dict:
    spec = APISpec(title="PedAtt API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Attestation of teachers of Kazakhstan: the public HTTP API "
                                        "used by the web and mobile clients."})
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    paths: dict[str, dict] = {}
    for op in api.operations:
        operation = {"summary": op.summary, "tags": [op.tag], "responses": {}}
        if op.auth:
            operation["security"] = [{"bearer": []}]
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", op.path)]
        if op.query is not None:
            params.append({"in": "query", "schema": op.query})
        if params:
            operation["parameters"] = params
        if op.body is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": op.body}}}
        ok = {"description": "OK"}
        if op.response is not None:
            schema = {"type": "array", "items": op.response} if op.many else op.response
            ok["content"] = {"application/json": {"schema": schema}}
        if "produces" in op.extra:
            ok["content"] = {op.extra["produces"]: {"schema": {"type": "string", "format": "binary"}}}
        operation["responses"][str(op.status)] = ok
        statuses = set(op.errors) | {503, 504}
        if op.body is not None or op.query is not None:
            statuses.add(400)
        if op.auth:
            statuses.add(401)
        for status in sorted(statuses):
            operation["responses"][str(status)] = {
                "description": STATUS_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        operation.update(op.extra.get("openapi", {}))
        paths.setdefault(api.prefix + openapi_path(op.path), {})[op.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def render_docs(spec: dict) -> str:
    """A plain HTML page listing every operation, its body, responses and errors."""
    schemas = spec.get("components", {}).get("schemas", {})

    def schema_html(schema):
        if not schema:
            return ""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return f'<a href="#schema-{name}">{html.escape(name)}</a>'
        if schema.get("type") == "array":
            return "array of " + schema_html(schema.get("items"))
        return html.escape(schema.get("type", "object"))

    rows = []
    by_tag: dict[str, list] = {}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            by_tag.setdefault(op["tags"][0], []).append((path, method, op))
    for tag, ops in sorted(by_tag.items()):
        rows.append(f"<h2>{html.escape(tag)}</h2>")
        for path, method, op in ops:
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            responses = "".join(
                f"<li><code>{code}</code> {html.escape(r['description'])} "
                f"{schema_html(r.get('content', {}).get('application/json', {}).get('schema'))}</li>"
                for code, r in op["responses"].items())
            lock = " 🔒" if op.get("security") else ""
            rows.append(
                f'<section class="op"><h3><span class="m {method}">{method.upper()}</span> '
                f"<code>{html.escape(path)}</code>{lock}</h3><p>{html.escape(op['summary'])}</p>"
                + (f"<p>Body: {schema_html(body.get('schema'))}</p>" if body else "")
                + f"<ul>{responses}</ul></section>")
    rows.append("<h2>Schemas</h2>")
    for name, schema in sorted(schemas.items()):
        props = "".join(
            f"<tr><td><code>{html.escape(p)}</code>{' *' if p in schema.get('required', []) else ''}"
            f"</td><td>{schema_html(v)}{' (' + html.escape(', '.join(map(str, v['enum']))) + ')' if 'enum' in v else ''}"
            f"</td></tr>"
            for p, v in schema.get("properties", {}).items())
        rows.append(f'<h3 id="schema-{name}">{html.escape(name)}</h3><table>{props}</table>')
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(spec['info']['title'])} — API docs</title>
<style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}}
.op{{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}}
.m{{display:inline-block;min-width:4.5rem;font-size:.8rem;color:#fff;border-radius:4px;padding:2px 6px;text-align:center}}
.get{{background:#2b7}}.post{{background:#27c}}.put,.patch{{background:#d80}}.delete{{background:#c33}}
table{{border-collapse:collapse}}td{{border-bottom:1px solid #eee;padding:2px 12px 2px 0}}</style></head>
<body><h1>{html.escape(spec['info']['title'])} {html.escape(spec['info']['version'])}</h1>
<p>{html.escape(spec['info'].get('description', ''))} Machine-readable: <a href="/openapi.json">/openapi.json</a>.
Errors are always <code>{{"error": CODE, "message": …, "details": …}}</code>.</p>
{''.join(rows)}</body></html>"""
