"""The state-service sandbox: ``python -m deploy.state_sandbox`` (see ``server.py``)."""
