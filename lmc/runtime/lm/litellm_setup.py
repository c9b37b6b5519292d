"""Importing litellm: once, offline (its bundled price table) and quiet."""

from __future__ import annotations

import functools
import logging
import os
import warnings
from typing import Any


@functools.cache
def import_litellm() -> Any:
    """Import litellm once, offline and quiet."""
    # The bundled price table, not a download at import time (there may be no network).
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    # pydantic warns about litellm's own TypedDicts when litellm builds schemas for them.
    warnings.filterwarnings("ignore", message=r".*is using the `ReadOnly` qualifier", category=UserWarning)
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    if "LITELLM_LOG" not in os.environ:
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            logging.getLogger(name).setLevel(logging.ERROR)
    return litellm
