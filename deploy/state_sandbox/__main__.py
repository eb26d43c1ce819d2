"""``python -m deploy.state_sandbox``: the state-service sandbox on 127.0.0.1.

Environment: ``PEDATT_SANDBOX_PORT`` (8090), ``PEDATT_SANDBOX_HOST`` (127.0.0.1),
``PEDATT_SANDBOX_DELAY`` (seconds before every answer, 0), ``PEDATT_SANDBOX_RESULT_DELAY``
(seconds until the verdict, 1), ``PEDATT_SANDBOX_STATE_FILE`` (keeps filings across restarts),
``PEDATT_STATE_SERVICE_KEY`` (the message-signing key shared with the assessment service).
"""
import logging
import os
import signal
import sys

from deploy.state_sandbox.server import DEFAULT_KEY, make_server


def main() -> None:
    logging.basicConfig(level=os.environ.get("PEDATT_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s state_sandbox %(message)s")
    server = make_server(
        os.environ.get("PEDATT_SANDBOX_HOST", "127.0.0.1"),
        int(os.environ.get("PEDATT_SANDBOX_PORT", "8090")),
        state_file=os.environ.get("PEDATT_SANDBOX_STATE_FILE") or None,
        result_delay=float(os.environ.get("PEDATT_SANDBOX_RESULT_DELAY", "1")),
        delay=float(os.environ.get("PEDATT_SANDBOX_DELAY", "0")),
        key=os.environ.get("PEDATT_STATE_SERVICE_KEY", DEFAULT_KEY))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"state-service sandbox on http://{server.server_address[0]}:{server.server_address[1]}",
          flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
