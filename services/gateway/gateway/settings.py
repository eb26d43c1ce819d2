"""Gateway settings from the environment."""
import os

from pedatt_common.config import amqp_uri

SERVICES = ("identity", "organizations", "applications", "documents", "assessment")

AMQP_URI = amqp_uri()
RPC_TIMEOUT = float(os.environ.get("PEDATT_RPC_TIMEOUT", "10"))
HEALTH_TIMEOUT = float(os.environ.get("PEDATT_HEALTH_TIMEOUT", "2"))
