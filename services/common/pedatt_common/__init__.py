"""PedAtt shared library. Nothing service-specific lives here."""
import warnings

# nameko 2 runs on eventlet (and needs pkg_resources: setuptools<81 is pinned) by design (see the root README); the notice is noise in every log.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
