"""PedAtt gateway: the HTTP API (WSGI under gunicorn) in front of the nameko services."""
