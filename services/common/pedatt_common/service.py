"""What every PedAtt nameko service has: config, request context, database, outbox relay, ping."""
from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import text

from pedatt_common.logs import RequestContext
from pedatt_common.messaging import OutboxRelay

_SELECT_1 = text("SELECT 1")


class ServiceBase(OutboxRelay):
    """Subclasses set ``name`` and ``db = Database(messaging=...)``."""

    config = Config()
    request_id = RequestContext()

    @rpc
    def ping(self):
        """For the gateway's /readyz: answers only when the service's database answers too."""
        with self.db as uow:
            uow.session.execute(_SELECT_1)
        return {"service": self.name, "ok": True}
