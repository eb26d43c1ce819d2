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
