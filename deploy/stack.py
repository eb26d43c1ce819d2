"""The local stack: infrastructure checks, S3 server, databases, migrations, the services and
the gateway as child processes. Used by ``make run`` (deploy/devstack.py) and by the
end-to-end tests (tests/conftest.py), so both run the system the same way."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SERVICES = ("identity", "organizations", "applications", "documents", "assessment")

START_COMMANDS = {
    "PostgreSQL": (5432, "pg_ctlcluster", "pg_ctlcluster --skip-systemctl-redirect "
                   "$(ls /etc/postgresql) main start", "apt-get install -y postgresql"),
    "RabbitMQ": (5672, "rabbitmq-server", "rabbitmq-server -detached",
                 "apt-get install -y rabbitmq-server"),
}


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_for(check, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise RuntimeError(f"timed out waiting for {what}")


def ensure_infrastructure() -> None:
    """PostgreSQL and RabbitMQ on their standard ports: start them if installed but stopped."""
    for name, (port, binary, start, install) in START_COMMANDS.items():
        if port_open(port):
            continue
        if shutil.which(binary) is None:
            raise SystemExit(f"{name} is not running on 127.0.0.1:{port} and is not installed.\n"
                             f"Install it with: {install}")
        print(f"starting {name}: {start}", flush=True)
        subprocess.run(start, shell=True, check=False)
        wait_for(lambda p=port: port_open(p), 90, f"{name} on port {port}")


def ensure_vhost(amqp_uri: str) -> None:
    vhost = amqp_uri.rstrip("/").rsplit("/", 1)[-1] if amqp_uri.count("/") > 2 else ""
    if vhost in ("", "%2F") or shutil.which("rabbitmqctl") is None:
        return
    listed = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True, text=True)
    if vhost not in listed.stdout.split():
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True)
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest",
                        ".*", ".*", ".*"], check=True)


@dataclass
class Stack:
    """One running PedAtt system. ``env`` is the environment every process gets."""

    gateway_port: int = 8000
    s3_port: int = 9000
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    db_prefix: str = "pedatt_"
    document_instances: int = 1
    sandbox_port: int | None = None  # the state-service sandbox; default 8090 / gateway + 5
    log_dir: Path = ROOT / ".run" / "logs"
    extra_env: dict = field(default_factory=dict)
    restart_crashed: bool = False
    """Restart a process that exits on its own, as compose's restart policy does in production
    (a nameko 2 service exits when the broker vanishes while it answers a call)."""
    processes: dict = field(default_factory=dict)
    commands: dict = field(default_factory=dict)
    _supervisor: threading.Thread | None = None

    @property
    def env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "PEDATT_AMQP_URI": self.amqp_uri,
            "PEDATT_DB_PREFIX": self.db_prefix,
            "PEDATT_GATEWAY_BIND": f"127.0.0.1:{self.gateway_port}",
            "PEDATT_S3_ENDPOINT": os.environ.get("PEDATT_S3_ENDPOINT")
            or f"http://127.0.0.1:{self.s3_port}",
            "PYTHONUNBUFFERED": "1",
            "PEDATT_SANDBOX_PORT": str(self.state_sandbox_port),
            "PEDATT_SANDBOX_STATE_FILE": str(self.log_dir / "state_sandbox.json"),
            "PEDATT_STATE_SERVICE_URL": f"http://127.0.0.1:{self.state_sandbox_port}",
        })
        env.update(self.extra_env)
        return env

    @property
    def state_sandbox_port(self) -> int:
        if self.sandbox_port is not None:
            return self.sandbox_port
        return 8090 if self.gateway_port == 8000 else self.gateway_port + 5

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    # -- steps -------------------------------------------------------------------------
    def start(self, seed: bool = False) -> "Stack":
        self.log_dir.mkdir(parents=True, exist_ok=True)
        ensure_infrastructure()
        ensure_vhost(self.amqp_uri)
        if not os.environ.get("PEDATT_S3_ENDPOINT"):
            self.start_s3()
        self.migrate()
        self.start_sandbox()
        for service in SERVICES:
            self.start_service(service)
        self.start_gateway()
        self.wait_ready()
        if seed:
            self.seed()
        return self

    def start_s3(self) -> None:
        if port_open(self.s3_port):
            return  # already served (e.g. a previous run's server or a real MinIO)
        self._spawn("s3", [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for(lambda: port_open(self.s3_port), 30, f"S3 server on port {self.s3_port}")

    def start_sandbox(self) -> None:
        """The state-service sandbox (deploy/state_sandbox) the assessment service sends to."""
        if port_open(self.state_sandbox_port):
            return  # already served (e.g. a previous run's sandbox)
        self._spawn("state_sandbox", [sys.executable, "-m", "deploy.state_sandbox"])
        wait_for(lambda: port_open(self.state_sandbox_port), 30,
                 f"the state-service sandbox on port {self.state_sandbox_port}")

    def drop_databases(self) -> None:
        """Start from empty databases (tests: the S3 server's files do not outlive it either)."""
        from sqlalchemy import create_engine, text

        from pedatt_common.config import PG_DEFAULT
        admin = create_engine(f"{os.environ.get('PEDATT_PG_URL', PG_DEFAULT)}/postgres",
                              isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for service in SERVICES:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_prefix}{service}" '
                                      "WITH (FORCE)"))
        finally:
            admin.dispose()

    def migrate(self) -> None:
        subprocess.run([sys.executable, "-m", "pedatt_common.dbadmin", *SERVICES],
                       env=self.env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)

    def start_service(self, service: str, instance: int = 0) -> None:
        config = ROOT / "services" / service / "config.yaml"
        cmd = [str(VENV_BIN / "nameko"), "run", "--config", str(config), f"{service}.service:{service.capitalize()}Service"]
        key = service if instance == 0 else f"{service}-{instance}"
        self._spawn(key, cmd)
        if service == "documents":
            for extra in range(1, self.document_instances if instance == 0 else 0):
                self.start_service(service, extra)

    def start_gateway(self) -> None:
        cmd = [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "services/gateway/gunicorn.conf.py"),
               "gateway.wsgi:app"]
        self._spawn("gateway", cmd)
        wait_for(lambda: port_open(self.gateway_port), 30, "the gateway")

    def readiness(self) -> tuple[int, dict]:
        import json
        try:
            with urllib.request.urlopen(f"{self.gateway_url}/readyz", timeout=5) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)
        except OSError:
            return 0, {}

    def wait_ready(self, timeout: float = 60) -> None:
        def ready():
            if self.dead() and not self.restart_crashed:
                raise RuntimeError(f"{', '.join(self.dead())} exited; see the logs in {self.log_dir}")
            return self.readiness()[0] == 200
        wait_for(ready, timeout, "every service to answer /readyz")

    def seed(self) -> None:
        subprocess.run([sys.executable, "-m", "deploy.seed"], env=self.env, check=True, cwd=ROOT)

    # -- processes ---------------------------------------------------------------------
    def _spawn(self, key: str, cmd: list[str]) -> None:
        self.commands[key] = cmd
        with open(self.log_dir / f"{key}.log", "ab") as log:
            self.processes[key] = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log,
                                                   stderr=subprocess.STDOUT, start_new_session=True)
        if self.restart_crashed and self._supervisor is None:
            self.restart_crashed_processes(True)

    def restart_crashed_processes(self, enabled: bool) -> None:
        self.restart_crashed = enabled
        if enabled and self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise, daemon=True)
            self._supervisor.start()

    def _supervise(self) -> None:
        while self.restart_crashed and self._supervisor is not None:
            for key, proc in list(self.processes.items()):
                if proc.poll() is not None and self.processes.get(key) is proc:
                    print(f"{key} exited ({proc.returncode}); restarting", flush=True)
                    time.sleep(1)
                    if self.processes.get(key) is proc:
                        self._spawn(key, self.commands[key])
            time.sleep(0.5)
        self._supervisor = None

    def kill(self, key: str) -> None:
        proc = self.processes.pop(key, None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def stop(self) -> None:
        self._supervisor = None
        for key, proc in list(self.processes.items()):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for key, proc in list(self.processes.items()):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(key)
        self.processes.clear()

    def dead(self) -> list[str]:
        return [key for key, proc in self.processes.items() if proc.poll() is not None]
