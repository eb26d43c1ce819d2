"""Demo data for the dev stack, through the running services' RPC (idempotent: a second run
changes nothing). Each module in ``deploy/seeds/`` is a step, run in name order; a step's
``run(ctx)`` reads and adds to ``ctx`` (e.g. the demo users' ids)."""
import importlib
import pkgutil

import deploy.seeds
from pedatt_common.config import amqp_uri  # first: pedatt_common quiets eventlet's notice
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402


def main() -> None:
    with ClusterRpcProxy({"AMQP_URI": amqp_uri()}, timeout=60) as rpc:
        ctx = {"rpc": rpc}
        for step in sorted(m.name for m in pkgutil.iter_modules(deploy.seeds.__path__)):
            importlib.import_module(f"deploy.seeds.{step}").run(ctx)
            print(f"seeded: {step}", flush=True)


if __name__ == "__main__":
    main()
