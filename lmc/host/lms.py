"""Build runtime LMs from the file's ``lm`` declarations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..ir import nodes as ir
from ..ir.values import options_dict
from ..records import record
from ..runtime.errors import LMError
from ..runtime.lm.cache import Cache, CacheError
from ..runtime.lm.client import LM

# Options that belong to one provider: dropped when `--lm` swaps the model.
_PROVIDER_BOUND = ("api_base", "api_key_env")


@record
class LmSettings:
    override: str | None = None  # `--lm MODEL` replaces the `default` lm's model
    cache: bool = True
    cache_dir: Path | None = None  # where the LM cache lives; None: ``Cache.default_dir()``


def lm_config(source: ir.SourceFile, name: str, override: str | None) -> tuple[str, dict[str, Any]]:
    """Model id and options of the lm ``name`` (``default`` takes ``--lm``)."""
    decl = next((d for d in source.of(ir.LmDecl) if d.name.name == name), None)
    if decl is None:
        if name == "default" and override:
            return override, {}
        if name == "default":
            return "local/smollm2", {"temperature": 0.0, "max_tokens": 256}
        raise KeyError(name)
    options = options_dict(decl.options)
    options.pop("cache", None)
    model = decl.model
    if name == "default" and override and override != model:
        model = override
        for key in _PROVIDER_BOUND:
            options.pop(key, None)
    return model, options


def make_lm(source: ir.SourceFile, name: str, settings: LmSettings) -> LM:
    model, options = lm_config(source, name, settings.override)
    decl = next((d for d in source.of(ir.LmDecl) if d.name.name == name), None)
    wants_cache = True if decl is None else options_dict(decl.options).get("cache", True)
    try:
        cache = Cache(settings.cache_dir or Cache.default_dir()) if settings.cache and wants_cache else None
    except CacheError as exc:  # a folder that is a file, a damaged file: the build stops, cleanly (exit 3)
        raise LMError(model, str(exc)) from exc
    return LM(model, cache=cache, **_lm_kwargs(options))


def _lm_kwargs(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}
