"""Prompt formats, DSPy's: chat (the default), JSON, XML and two-step; JSON is the others' fallback.

The chat and JSON formats are imported with the runtime; the XML and
two-step ones when a module first uses them (``adapter_chain``), so a
package ships their files only when its modules use them
(``codegen/vendor.py``, ``adapter_modules``).
"""

from __future__ import annotations

import importlib

from .base import Adapter
from .chat_adapter import ChatAdapter
from .json_adapter import JSONAdapter

__all__ = ["ADAPTERS", "ADAPTER_MODULES", "Adapter", "ChatAdapter", "JSONAdapter", "adapter_chain"]

# Each adapter name's chain: the formats a module tries in order, the next after an answer the
# previous one could not read. A format is a class here, or (file, class) imported at its first use.
_CHAINS: dict[str, tuple[str, ...]] = {
    # The chat format first; an answer it cannot parse is asked again once in JSON (DSPy's fallback).
    "chat": ("chat", "json"),
    # JSON alone, asked with the provider's structured output (``response_format``).
    "json": ("json structured",),
    # XML tags; DSPy's XMLAdapter is a ChatAdapter, with the same fallback to JSON.
    "xml": ("xml", "json"),
    # A natural prompt, then a second request that extracts the fields (in the chat format).
    "two_step": ("two_step",),
}
# The adapter names a module's `adapter:` and an optimizer's `adapters:` take (lmc/schemas/blocks.py's too).
ADAPTERS = tuple(_CHAINS)
# The runtime files (under ``adapters/``) of the formats imported by name, by adapter name.
ADAPTER_MODULES: dict[str, tuple[str, str]] = {
    "xml": ("xml_adapter", "XMLAdapter"),
    "two_step": ("two_step_adapter", "TwoStepAdapter"),
}


def _make(step: str) -> Adapter:
    if step == "chat":
        return ChatAdapter()
    if step == "json":
        return JSONAdapter()
    if step == "json structured":
        return JSONAdapter(structured=True)
    module, name = ADAPTER_MODULES[step]
    found = getattr(importlib.import_module(f".{module}", __package__), name)()
    if not isinstance(found, Adapter):
        raise TypeError(f"{module}.{name} is not an adapter")
    return found


def adapter_chain(name: str) -> tuple[Adapter, ...]:
    """The adapters a module tries in order for ``Params.adapter == name``."""
    try:
        steps = _CHAINS[name]
    except KeyError:
        raise ValueError(f"unknown adapter `{name}` (known: {', '.join(_CHAINS)})") from None
    return tuple(_make(step) for step in steps)
