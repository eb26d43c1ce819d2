"""Running EDS verification off the event loop, with a trust store that follows its directory."""
import logging
import os
import threading
import time

from documents import eds, settings

RELOAD_CHECK_SECONDS = 5.0
log = logging.getLogger(__name__)


class TrustCache:
    """The trust store from ``PEDATT_EDS_TRUST_DIR``; reloaded when the directory changes (the
    dev PKI may be written after the service starts; CRLs are refreshed by a job)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._store = None
        self._stamp = None
        self._checked = 0.0

    @staticmethod
    def _fingerprint():
        parts = []
        for d in (settings.trust_dir(), settings.revocation_dir()):
            try:
                for entry in sorted(os.scandir(d), key=lambda e: e.name):
                    st = entry.stat()
                    parts.append((entry.path, st.st_mtime_ns, st.st_size))
            except OSError:
                parts.append((str(d), None, None))
        return tuple(parts), settings.revocation_mode(), settings.allow_fetching()

    def get(self) -> eds.TrustStore:
        now = time.monotonic()
        with self._lock:
            if self._store is None or now - self._checked > RELOAD_CHECK_SECONDS:
                self._checked = now
                stamp = self._fingerprint()
                if stamp != self._stamp or self._store is None:
                    self._store = eds.TrustStore.load(
                        settings.trust_dir(), settings.revocation_dir(),
                        revocation_mode=settings.revocation_mode(),
                        allow_fetching=settings.allow_fetching())
                    self._stamp = stamp
                    log.info("trust store %s: %d roots, %d intermediates, %d CRLs, %d OCSP",
                             settings.trust_dir(), len(self._store.roots),
                             len(self._store.intermediates), len(self._store.crls),
                             len(self._store.ocsps))
            return self._store


trust_cache = TrustCache()


def _real_logging_locks():
    """Logging handlers made after monkey patching hold *green* locks; a real OS thread that logs
    through them (pyHanko warns on every failed path) would switch greenlets across threads and
    hang. Give every handler (and logging's module lock) a real lock."""
    from eventlet import patcher
    real = patcher.original("threading")
    real_type = type(real.RLock())
    if not isinstance(getattr(logging, "_lock", None), real_type):
        logging._lock = real.RLock()
    loggers = [logging.root] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                if isinstance(lg, logging.Logger)]
    for lg in loggers:
        for handler in lg.handlers:
            if not isinstance(handler.lock, real_type):
                handler.lock = real.RLock()


_pool_sized = False


def run_off_loop(fn, *args, **kwargs):
    """CPU work in a real OS thread (eventlet's tpool) so the hub keeps serving ping and others.

    The pool is small (``PEDATT_EDS_THREADS``, default 1): verification holds the GIL most of the
    time, and eventlet's default of 20 threads only made them fight for it (one instance under a
    burst of 4-signer verifications: 29-35/s with 20 threads, 36-40/s with 2, 40-45/s with 1).
    More instances, not threads, add cores."""
    global _pool_sized
    try:
        from eventlet import patcher, tpool
        if patcher.is_monkey_patched("socket"):
            _real_logging_locks()
            if not _pool_sized:  # before the pool's first use, which starts its threads
                tpool.set_num_threads(settings.verify_threads())
                _pool_sized = True
            return tpool.execute(fn, *args, **kwargs)
    except ImportError:  # pragma: no cover
        pass
    return fn(*args, **kwargs)
