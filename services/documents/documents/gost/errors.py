"""Errors raised by the GOST package. Plain Python exceptions (no nameko): the documents service maps them."""
from __future__ import annotations


class GostError(ValueError):
    """Malformed or unsupported GOST material. ``code`` is machine-readable, the message is Russian."""

    code = "GOST_INVALID"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class LegacyAlgorithmNotSupported(GostError):
    """GOST 34.310-2004 / GOST 34.311-95 (the НУЦ РК's pre-2015 algorithm)."""

    code = "LEGACY_ALGORITHM_NOT_SUPPORTED"

    def __init__(self, message: str = "Устаревший алгоритм ГОСТ 34.310-2004 не поддерживается "
                                      "(legacy algorithm not supported)"):
        super().__init__(message)
