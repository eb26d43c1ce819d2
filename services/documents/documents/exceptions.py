"""Errors of the documents service: only the common classes cross RPC (the gateway and other
services know them); rejected files use ``Unprocessable`` with ``details.reason``."""
