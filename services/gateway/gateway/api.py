"""Route registration that validates with marshmallow and documents in OpenAPI from the same schemas.

    @api.route("/auth/login", "POST", body=LoginSchema, response=TokensSchema, auth=False)
    def login(body): ...

The view gets ``body`` (loaded JSON), ``query`` (loaded query string) when schemas are given,
``actor`` when ``auth`` is on, and the path parameters. It returns a dict/list, or
``(data, status)``, or a Flask ``Response`` for a body that is not JSON (then
``produces="<media type>"`` documents it).
"""
import functools
import re
from dataclasses import dataclass, field

from flask import Blueprint, Response, jsonify, request

from gateway.errors import ApiError


@dataclass
class Operation:
    path: str
    method: str
    view: callable
    summary: str
    tag: str
    body: object = None
    query: object = None
    response: object = None
    many: bool = False
    status: int = 200
    auth: bool = True
    errors: tuple = ()
    extra: dict = field(default_factory=dict)


class Api:
    def __init__(self, prefix: str = "/api/v1"):
        self.prefix = prefix
        self.blueprint = Blueprint("api", __name__, url_prefix=prefix)
        self.operations: list[Operation] = []
        self.authenticate = None  # set by the auth module: () -> Actor, raises ApiError

    def route(self, path, method="GET", *, body=None, query=None, response=None, many=False,
              status=200, auth=True, tag="system", errors=(), **extra):
        body, query, response = (_instance(s) for s in (body, query, response))

        def decorator(view):
            op = Operation(path, method, view, (view.__doc__ or view.__name__).strip().splitlines()[0],
                           tag, body, query, response, many, status, auth, tuple(errors), extra)
            self.operations.append(op)

            @functools.wraps(view)
            def handler(**path_params):
                kwargs = dict(path_params)
                if auth:
                    kwargs["actor"] = self.authenticate()
                if body is not None:
                    payload = request.get_json(silent=True)
                    if payload is None:
                        raise ApiError(400, "INVALID_JSON", "Тело запроса должно быть JSON-объектом")
                    kwargs["body"] = body.load(payload)
                if query is not None:
                    kwargs["query"] = query.load(request.args.to_dict())
                result = view(**kwargs)
                if isinstance(result, Response):
                    return result
                code = status
                if isinstance(result, tuple):
                    result, code = result
                if response is not None and result is not None:
                    result = response.dump(result, many=many)
                if result is None:
                    return "", 204 if code == 200 else code
                return jsonify(result), code

            self.blueprint.add_url_rule(path, endpoint=f"{view.__module__.rsplit('.', 1)[-1]}_{view.__name__}",
                                        view_func=handler, methods=[method])
            return view
        return decorator


def _instance(schema):
    return schema() if isinstance(schema, type) else schema


def openapi_path(flask_path: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", r"{\1}", flask_path)


api = Api()
