"""docker-compose.yml cannot run here (no Docker engine): its structure is checked instead, and
the health probe its healthchecks run is tried for real against the e2e stack."""
import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
SERVICES = ("identity", "organizations", "applications", "documents", "assessment")
INFRA = ("rabbitmq", "postgres", "minio")
DEFAULT_PROFILE_ONLY_NOT = ("seed", "state-sandbox")  # must never run without a profile
ENV_REF = re.compile(r"PEDATT_[A-Z0-9_]+")
# Read by a service's code, with a default that is only right on a developer's machine
# (127.0.0.1 addresses, dev secrets, paths inside the checkout): compose must set them.
MUST_SET = re.compile(r"(SECRET|_KEY$|PASSWORD|_URL$|_URI$|_ENDPOINT$|TRUST_DIR$)")
NOT_SERVICE_SETTINGS = {  # read by a package's code, but not by the running service
    "PEDATT_P12_PASSWORD",  # documents/cli.py: the command-line signing tool's key password
}
STATIC_REQUIRED = {
    **{svc: {"PEDATT_PG_URL", "PEDATT_AMQP_URI"} for svc in SERVICES},
    **{f"migrate-{svc}": {"PEDATT_PG_URL"} for svc in SERVICES},
    "identity": {"PEDATT_PG_URL", "PEDATT_AMQP_URI", "PEDATT_JWT_SECRET"},
    "documents": {"PEDATT_PG_URL", "PEDATT_AMQP_URI", "PEDATT_S3_ENDPOINT",
                  "PEDATT_S3_ACCESS_KEY", "PEDATT_S3_SECRET_KEY", "PEDATT_EDS_TRUST_DIR"},
    "assessment": {"PEDATT_PG_URL", "PEDATT_AMQP_URI", "PEDATT_STATE_SERVICE_URL",
                   "PEDATT_STATE_SERVICE_KEY"},
    "gateway": {"PEDATT_AMQP_URI", "PEDATT_JWT_SECRET", "PEDATT_GATEWAY_BIND"},
    "state-sandbox": {"PEDATT_SANDBOX_HOST", "PEDATT_SANDBOX_PORT", "PEDATT_STATE_SERVICE_KEY"},
    "seed": {"PEDATT_AMQP_URI"},
}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def _depends(spec) -> dict:
    deps = spec.get("depends_on") or {}
    return {name: {} for name in deps} if isinstance(deps, list) else deps


def _env(spec) -> dict:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def _commands(spec):
    """Every argv list the container may run: command, entrypoint, healthcheck test."""
    for key in ("command", "entrypoint"):
        if isinstance(spec.get(key), list):
            yield spec[key]
    test = (spec.get("healthcheck") or {}).get("test")
    if isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL"):
        yield test[1:]


def _python_modules(argv):
    return [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "-m" and argv[0] == "python"]


def _code_env_refs(service: str) -> dict[str, Path]:
    """PEDATT_* names the service's own package reads (tests excluded) → a file reading it."""
    found = {}
    base = ROOT / "services" / service
    for path in [*base.rglob("*.py"), *base.glob("*.yaml"), *base.glob("*.conf.py")]:
        if "tests" in path.relative_to(base).parts:
            continue
        for name in ENV_REF.findall(path.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(name, path.relative_to(ROOT))
    return found


def test_every_service_of_the_issue_exists(services):
    expected = {*INFRA, *SERVICES, "gateway", "minio-init", "state-sandbox", "seed",
                *(f"migrate-{s}" for s in SERVICES)}
    assert expected <= set(services), sorted(expected - set(services))
    assert "management" in services["rabbitmq"]["image"]
    assert "minio/minio" in services["minio"]["image"]
    assert services["postgres"]["image"].startswith("postgres:")


def test_every_depends_on_target_exists_with_a_valid_condition(services):
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, spec in services.items():
        for target, how in _depends(spec).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert (how or {}).get("condition", "service_started") in conditions, (name, target)
            if (how or {}).get("condition") == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no healthcheck ({name})"
            # a service in the default profile cannot wait for one that only runs in a profile
            if not spec.get("profiles"):
                assert not services[target].get("profiles"), f"{name} waits for {target}"


def test_services_wait_for_their_one_shot_migration(services):
    for svc in SERVICES:
        migration = services[f"migrate-{svc}"]
        assert migration["command"] == ["python", "-m", "pedatt_common.dbadmin", svc]
        assert migration.get("restart") == "no"
        assert migration["image"] == services[svc]["image"]  # same code, same migrations
        assert _depends(migration)["postgres"]["condition"] == "service_healthy"
        deps = _depends(services[svc])
        assert deps[f"migrate-{svc}"]["condition"] == "service_completed_successfully"
        assert deps["rabbitmq"]["condition"] == "service_healthy"
        command = services[svc]["command"]
        assert command[:2] == ["nameko", "run"]
        module, cls = command[-1].split(":")
        assert getattr(importlib.import_module(module), cls).name == svc
        config = command[command.index("--config") + 1]
        assert (ROOT / config).is_file(), config


def test_every_volume_referenced_is_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, spec in services.items():
        for volume in spec.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            if source and not source.startswith((".", "/", "~", "$")):
                assert source in declared, f"{name} uses undeclared volume {source}"
                used.add(source)
    assert used == declared, f"declared but unused: {sorted(declared - used)}"


def test_every_env_var_a_service_needs_is_set(services):
    missing = []
    for name, required in STATIC_REQUIRED.items():
        env = _env(services[name])
        missing += [f"{name}: {var}" for var in sorted(required) if not env.get(var)]
    for svc in (*SERVICES, "gateway"):
        env = _env(services[svc])
        for var, where in sorted(_code_env_refs(svc).items()):
            if (MUST_SET.search(var) and var != f"PEDATT_{svc.upper()}_DB_URL"
                    and var not in NOT_SERVICE_SETTINGS and not env.get(var)):
                missing.append(f"{svc}: {var} (read by {where})")
    assert not missing, "docker-compose.yml does not set:\n" + "\n".join(missing)


def test_secrets_come_from_the_environment_only(services):
    for name, spec in services.items():
        for var, value in _env(spec).items():
            if re.search(r"SECRET|PASSWORD|_KEY$|_PASS$", var) and not var.endswith("ACCESS_KEY"):
                assert "${" in str(value) and ":?" in str(value), f"{name}: {var} is not required"
    assert "Demo-Pass-2026" not in COMPOSE.read_text()


def test_every_build_context_and_dockerfile_exists(services):
    builds = [(name, spec["build"]) for name, spec in services.items() if "build" in spec]
    assert {name for name, _ in builds} >= {*SERVICES, "gateway"}
    for name, build in builds:
        context = ROOT / (build if isinstance(build, str) else build["context"])
        assert context.is_dir(), name
        dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict)
                                else "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile}"
        if dockerfile.name != "Dockerfile":
            continue  # e.g. the web client's own image
        target = (build.get("args") or {}).get("SERVICE") if isinstance(build, dict) else None
        assert target == "all" or (ROOT / "services" / str(target) / "pyproject.toml").is_file()
    dockerfile = (ROOT / "deploy/docker/Dockerfile").read_text()
    for copied in re.findall(r"^COPY (?!\.)(.+) \S+$", dockerfile, flags=re.M):
        for source in copied.split():
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_web_image_builds_the_client_and_proxies_the_api(services):
    web = services["web"]
    assert (ROOT / web["build"]["dockerfile"]).is_file()
    assert (ROOT / "web/package-lock.json").is_file()
    nginx = (ROOT / "deploy/docker/web.nginx.conf").read_text()
    assert "proxy_pass http://gateway:8000" in nginx and "api/" in nginx
    assert web["depends_on"]["gateway"]["condition"] == "service_healthy"


def test_every_python_module_referenced_is_importable(services):
    modules = {m for spec in services.values() for argv in _commands(spec)
               for m in _python_modules(argv)}
    assert {"pedatt_common.dbadmin", "deploy.docker.health", "deploy.seed",
            "deploy.state_sandbox"} <= modules
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, f"python -m {module}: not importable"
    gunicorn = services["gateway"]["command"]
    assert gunicorn[0] == "gunicorn"
    assert importlib.util.find_spec(gunicorn[-1].split(":")[0]) is not None
    assert (ROOT / gunicorn[gunicorn.index("-c") + 1]).is_file()


def test_healthchecks_and_the_published_gateway(services):
    def test_of(name):
        return services[name]["healthcheck"]["test"]

    assert test_of("rabbitmq")[1:3] == ["rabbitmq-diagnostics", "-q"]
    assert "pg_isready" in test_of("postgres")
    assert "mc" in test_of("minio") or any("minio/health" in str(a) for a in test_of("minio"))
    for svc in SERVICES:
        assert test_of(svc)[1:] == ["python", "-m", "deploy.docker.health", "rpc", svc]
    assert test_of("gateway")[-1].endswith(":8000/healthz")
    ports = services["gateway"]["ports"]
    assert any(str(p).split(":")[-2:] == ["8000", "8000"] if isinstance(p, str)
               else (p.get("published") in (8000, "8000") and p.get("target") == 8000)
               for p in ports), ports
    assert _env(services["gateway"])["PEDATT_GATEWAY_BIND"].endswith(":8000")


def test_demo_data_and_dev_pki_only_in_the_demo_profile(services):
    seed = services["seed"]
    assert seed["profiles"] == ["demo"]
    assert seed["command"] == ["python", "-m", "deploy.seed"]
    for name, spec in services.items():
        if "demo" in (spec.get("profiles") or []) or name in DEFAULT_PROFILE_ONLY_NOT:
            assert spec.get("profiles"), name
            continue
        assert "PEDATT_DEV_PKI" not in _env(spec), name
        assert not any("deploy.seed" in argv for argv in _commands(spec)), name
    assert services["state-sandbox"]["command"] == ["python", "-m", "deploy.state_sandbox"]
    assert _env(services["assessment"])["PEDATT_STATE_SERVICE_URL"].endswith("state-sandbox:8090}")


# -- the health probe for real (needs the e2e stack) ---------------------------------------

def _health(stack, *args):
    env = {**stack.env, "PEDATT_HEALTH_TIMEOUT": "2"}
    return subprocess.run([sys.executable, "-m", "deploy.docker.health", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=30)


def test_the_health_probe_pings_a_real_service_and_leaves_no_queue(stack):
    assert _health(stack, "rpc", "identity").returncode == 0
    assert _health(stack, "http", f"{stack.gateway_url}/healthz").returncode == 0
    missing = _health(stack, "rpc", "no_such_service")
    assert missing.returncode == 1
    assert _health(stack, "http", f"{stack.gateway_url}/api/v1/no-such-route").returncode == 1
    vhost = stack.amqp_uri.rsplit("/", 1)[-1]
    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name"],
                            capture_output=True, text=True)
    if listed.returncode == 0:
        assert "health-" not in listed.stdout
