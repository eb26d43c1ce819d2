"""``make run``: the whole PedAtt system on this machine, until Ctrl-C."""
import os
import signal
import sys
import time

from deploy.stack import Stack

DEMO_ACCOUNTS = """\
  platform@demo.pedatt.kz   platform administrator
  admin@demo.pedatt.kz      administrator of the demo school
  teacher@demo.pedatt.kz    teacher
  director@demo.pedatt.kz   director
  assessor@demo.pedatt.kz   assessor (qualification review)
  password for all: Demo-Pass-2026"""


def main() -> None:
    stack = Stack(gateway_port=int(os.environ.get("PEDATT_GATEWAY_PORT", "8000")),
                  document_instances=int(os.environ.get("PEDATT_DOCUMENT_INSTANCES", "1")),
                  restart_crashed=True)
    stopping = False

    def stop(*_):
        nonlocal stopping
        if not stopping:
            stopping = True
            print("\nstopping PedAtt…", flush=True)
            stack.stop()
            sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start(seed=True)
    except Exception:
        stack.stop()
        raise
    print(f"""
PedAtt is running.
  web / API   {stack.gateway_url}/        API docs {stack.gateway_url}/docs
  readiness   {stack.gateway_url}/readyz
  logs        {stack.log_dir}
Demo accounts:
{DEMO_ACCOUNTS}
Ctrl-C stops everything.""", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
