"""Prompt formats: DSPy's chat format, and its JSON format as the fallback."""

from __future__ import annotations

from .base import Adapter
from .chat_adapter import ChatAdapter
from .json_adapter import JSONAdapter

__all__ = ["Adapter", "ChatAdapter", "JSONAdapter", "adapter_chain"]

_CHAINS: dict[str, tuple[type[Adapter], ...]] = {
    # The chat format first; an answer it cannot parse is asked again once in JSON.
    "chat": (ChatAdapter, JSONAdapter),
    "json": (JSONAdapter,),
}


def adapter_chain(name: str) -> tuple[Adapter, ...]:
    """The adapters a module tries in order for ``Params.adapter == name``."""
    try:
        return tuple(cls() for cls in _CHAINS[name])
    except KeyError:
        raise ValueError(f"unknown adapter `{name}` (known: {', '.join(_CHAINS)})") from None
