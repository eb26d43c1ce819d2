"""Gateway settings from the environment."""
import os

from pedatt_common.config import amqp_uri

SERVICES = ("identity", "organizations", "applications", "documents", "assessment")

AMQP_URI = amqp_uri()
RPC_TIMEOUT = float(os.environ.get("PEDATT_RPC_TIMEOUT", "10"))
HEALTH_TIMEOUT = float(os.environ.get("PEDATT_HEALTH_TIMEOUT", "2"))

# Proxies in front of the gateway that append to X-Forwarded-For (nginx of the web container: 1).
# 0 trusts nothing: with the gateway reachable directly, a client could name any address and
# dodge the login limiter.
TRUSTED_PROXIES = int(os.environ.get("PEDATT_TRUSTED_PROXIES", "0"))
