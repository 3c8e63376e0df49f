"""Numbers an operator sets (environment variables or ``.streamlit/secrets.toml``), read so that a typo closes.

A limit that is unset means what its owner documents (often "no limit"); a limit that is set but not a
number above 0 must not silently mean "no limit": :func:`setting_number` gives the owner's safe default
instead and says which setting was bad in the log, once per value.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

_warned: set[tuple[str, str]] = set()  # (setting, value) already logged: a page rerun must not repeat it


def setting_number(settings: Mapping[str, Any], key: str, kind: type, default: float) -> Any:
    """``settings[key]`` as a number above 0 of ``kind``; None when unset or empty; ``default`` (logged once,
    naming the setting) when it is anything else, so a typo tightens the server instead of opening it."""
    value = settings.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parsed = kind(value)
        usable = not isinstance(value, bool) and math.isfinite(parsed) and parsed > 0
        if kind is int and isinstance(value, float) and value != parsed:
            usable = False
    except (TypeError, ValueError, OverflowError):
        usable = False
    if usable:
        return parsed
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    if (key, shown) not in _warned:
        _warned.add((key, shown))
        logger.warning(
            "Setting %s=%s is not a number above 0: using the safe default %s instead (fix the setting to change it)",
            key,
            shown,
            kind(default),
        )
    return kind(default)
