"""Greedy decoding with each token's top log-probabilities, for the ``local/`` provider.

llama-cpp-python returns log-probabilities only from a model loaded with
``logits_all=True``, which keeps a row of 49,152 floats per context position
(1.6 GB at 8,192 tokens) and computes the output layer for every prompt
token. Greedy decoding needs only the last row: this loop reads it after each
token, so a scored call costs what a plain one does. The answer has the shape
of an OpenAI chat completion with ``logprobs.content`` (token, logprob,
top_logprobs), which litellm passes through unchanged.

Only temperature 0 is supported: choice scoring reads a distribution, it does
not sample from one. At temperature 0 the text equals ``create_chat_completion``'s
(tests/integration/test_local_logprobs.py checks it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

if TYPE_CHECKING:  # numpy is imported by the functions that use it
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["ChatCompletion", "Llama", "greedy_with_logprobs"]


class _Model(Protocol):
    def token_get_text(self, token: int) -> str: ...


class _Context(Protocol):
    def get_logits_ith(self, i: int) -> Any: ...  # a ctypes pointer to the row of floats (llama_cpp leaves it untyped)


class Llama(Protocol):
    """What this decoding uses of a ``llama_cpp.Llama``."""

    metadata: dict[str, str]
    _model: _Model
    _ctx: _Context

    def token_eos(self) -> int: ...

    def token_bos(self) -> int: ...

    def n_vocab(self) -> int: ...

    def tokenize(self, text: bytes, add_bos: bool = ..., special: bool = ...) -> list[int]: ...

    def detokenize(self, tokens: list[int], prev_tokens: list[int] | None = ...) -> bytes: ...

    def generate(
        self, tokens: Sequence[int], *, temp: float, top_k: int, top_p: float, min_p: float, repeat_penalty: float
    ) -> Iterator[int]: ...


class TopLogprob(TypedDict):
    token: str
    logprob: float


class TokenLogprob(TopLogprob):
    top_logprobs: list[TopLogprob]


class ChoiceLogprobs(TypedDict):
    content: list[TokenLogprob]


class ChatMessage(TypedDict):
    role: str
    content: str


class _Choice(TypedDict):
    message: ChatMessage
    finish_reason: str


class ChatChoice(_Choice, total=False):
    logprobs: ChoiceLogprobs | None


class ChatUsage(TypedDict):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class _Completion(TypedDict):
    choices: list[ChatChoice]


class ChatCompletion(_Completion, total=False):
    """A chat completion in OpenAI's shape, as llama-cpp-python's ``create_chat_completion`` gives it."""

    usage: ChatUsage


class _Generated(TypedDict):
    """One generated token: its id, its bytes, its log-probability and the top alternatives."""

    id: int
    bytes: bytes
    logprob: float
    top: list[TopLogprob]


def greedy_with_logprobs(llama: Llama, messages: list[dict[str, Any]], options: dict[str, Any]) -> ChatCompletion:
    """One chat completion at temperature 0, with ``options["top_logprobs"]`` alternatives per token."""
    import numpy as np

    if options.get("temperature", 0) not in (0, 0.0):
        raise ValueError("log-probabilities from a local model need temperature 0")
    eos = llama.token_eos()
    formatter = _formatter(
        llama.metadata["tokenizer.chat_template"],
        llama._model.token_get_text(eos),
        llama._model.token_get_text(llama.token_bos()),
        eos,
    )
    formatted = formatter(messages=messages)
    prompt = llama.tokenize(formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True)
    stops = [s for s in _as_list(options.get("stop")) + _as_list(formatted.stop) if s]
    top = int(options.get("top_logprobs") or 0)
    max_tokens = int(options.get("max_tokens") or 16)
    n_vocab = llama.n_vocab()

    content: list[_Generated] = []
    raw = b""
    finish = "length"
    for count, token in enumerate(llama.generate(prompt, temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0)):
        if token == eos:
            finish = "stop"
            break
        logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(n_vocab,))
        logprobs = _log_softmax(logits)
        piece = llama.detokenize([token], prev_tokens=prompt + [e["id"] for e in content])
        content.append(
            {"id": token, "bytes": piece, "logprob": float(logprobs[token]), "top": _top(llama, logprobs, top)}
        )
        raw += piece
        text = raw.decode("utf-8", errors="ignore")
        cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
        if cut >= 0:
            finish = "stop"
            break
        if count + 1 >= max_tokens:
            break
    text = raw.decode("utf-8", errors="ignore")
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=len(text))
    return {
        "choices": [
            {
                "message": {"role": "assistant", "content": text[:cut]},
                "finish_reason": finish,
                "logprobs": {"content": _kept(content, cut)},
            }
        ],
        "usage": {
            "prompt_tokens": len(prompt),
            "completion_tokens": len(content),
            "total_tokens": len(prompt) + len(content),
        },
    }


@functools.cache
def _formatter(template: str, eos_token: str, bos_token: str, eos: int) -> Any:
    """The model's chat template, as ``create_chat_completion`` builds it (compiled once per template)."""
    from llama_cpp import llama_chat_format

    return llama_chat_format.Jinja2ChatFormatter(
        template=template, eos_token=eos_token, bos_token=bos_token, stop_token_ids=[eos]
    )


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _log_softmax(logits: NDArray[np.float32]) -> NDArray[np.float64]:
    import numpy as np

    shifted = logits.astype(np.float64) - float(logits.max())
    return shifted - math.log(float(np.exp(shifted).sum()))


def _top(llama: Llama, logprobs: NDArray[np.float64], k: int) -> list[TopLogprob]:
    import numpy as np

    if k <= 0:
        return []
    ids = np.argpartition(-logprobs, k)[:k]
    ids = ids[np.argsort(-logprobs[ids], kind="stable")]
    return [{"token": _text(llama.detokenize([int(i)])), "logprob": float(logprobs[i])} for i in ids]


def _text(piece: bytes) -> str:
    return piece.decode("utf-8", errors="replace")


def _kept(content: list[_Generated], cut: int) -> list[TokenLogprob]:
    """The OpenAI-shaped entries of the tokens that start before the text was cut at a stop."""
    kept: list[TokenLogprob] = []
    offset = 0
    for entry in content:
        token = _text(entry["bytes"])
        if offset >= cut:
            break
        kept.append({"token": token, "logprob": entry["logprob"], "top_logprobs": entry["top"]})
        offset += len(token)
    return kept
