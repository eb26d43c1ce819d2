"""PedAtt shared library. Nothing service-specific lives here."""
import sys
import warnings

# nameko 2 runs on eventlet (and needs pkg_resources: setuptools<81 is pinned); the notice is
# noise in every log.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

# kombu tries `import librabbitmq` whenever it opens a connection, and a failed import is not
# remembered: each try walks sys.path again (about 0.15 ms of CPU per publish on both sides).
# We use py-amqp; a None entry makes that import fail at once.
sys.modules.setdefault("librabbitmq", None)


def _publish_rpc_transient() -> None:
    """RPC requests and replies are worthless once their caller has given up, so they are
    published transient (events keep delivery mode 2: the outbox relay publishes them). A broker
    restart then cannot replay a command whose caller already got a 503, and a persistent message
    over 4 KB would cost RabbitMQ a write to its message store: about 40% of its CPU during a
    burst of signature verifications (bench/documents.py)."""
    from nameko import rpc
    from nameko.amqp.publish import Publisher
    from nameko.constants import NON_PERSISTENT

    class RpcPublisher(Publisher):
        delivery_mode = NON_PERSISTENT

    rpc.MethodProxy.publisher_cls = RpcPublisher
    rpc.Responder.publisher_cls = RpcPublisher


_publish_rpc_transient()
