"""Dependency providers and settings of the assessment service."""
import os
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider

from pedatt_common.db import Database

from assessment.adapter import AdapterSettings, StateServiceAdapter
from assessment.domain import RetryPolicy
from assessment.models import messaging


def database() -> Database:
    return Database(messaging=messaging)


def _f(name, default):
    return float(os.environ.get(name, default))


@dataclass
class Settings:
    """From the environment (see README): retry policy, polling, RPC timeout."""
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(
        base=_f("PEDATT_STATE_RETRY_BASE", 1), cap=_f("PEDATT_STATE_RETRY_CAP", 60),
        max_attempts=int(os.environ.get("PEDATT_STATE_RETRY_MAX", "10"))))
    poll_interval: float = field(default_factory=lambda: _f("PEDATT_STATE_POLL_INTERVAL", 1))
    rpc_timeout: float = field(default_factory=lambda: _f("PEDATT_ASSESSMENT_RPC_TIMEOUT", 10))
    send_batch: int = 20
    send_lease: float = field(default_factory=lambda: _f("PEDATT_STATE_SEND_LEASE", 15))


settings = Settings()


class StateService(DependencyProvider):
    """The state-service adapter (endpoint from ``PEDATT_STATE_SERVICE_URL``); one per worker."""

    def __init__(self, adapter_settings: AdapterSettings | None = None):
        self.adapter_settings = adapter_settings

    def setup(self):
        if self.adapter_settings is None:
            self.adapter_settings = AdapterSettings.from_env()
        url = self.container.config.get("STATE_SERVICE_URL")
        if url:
            self.adapter_settings.url = url.rstrip("/")

    def get_dependency(self, worker_ctx):
        return StateServiceAdapter(self.adapter_settings)
