"""The LM client: one model id and its options, called through litellm.

litellm is imported at the first call that needs it (importing it takes
seconds), so importing the runtime stays fast and a run answered entirely
from the cache never imports it. Transient failures (rate limits, 5xx,
timeouts, lost connections) are retried here, with exponential backoff and
jitter, in one bounded loop; litellm's and the provider SDK's own retries are
turned off so the count is ours. Anything else fails at once as ``LMError``.

The API key is read from the environment variable named by ``api_key_env``
at each call; it is never stored on the object, in the cache or in a key.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..choices import TOP_LOGPROBS, TokenLogprobs, parse_openai_logprobs
from ..errors import LMError
from .failures import BEARER, api_errors, describe, is_transient, lacks_credentials, retry_after
from .litellm_setup import import_litellm
from .openai_compat import (
    DEFAULT_TIMEOUT,
    Completion,
    HTTPFailure,
    OpenAICompatClient,
    is_direct,
    request_body,
    token_count,
)
from .protocol import Scored
from .rollout import ROLLOUT_TEMPERATURE, current_rollout
from .usage import Usage, UsageCounter, quantized_cost

if TYPE_CHECKING:  # the cache (sqlite3, hashlib) is imported by whoever makes one, not here
    from .cache import Answer, Cache

__all__ = ["DEFAULT_OPTIONS", "LM", "Scored", "Usage"]

logger = logging.getLogger(__name__)

LOCAL_PREFIX = "local/"
# An embedded model given no limit writes until its context is full (minutes on a CPU); these bound
# it. The marker ends every chat-format answer (adapters/chat_adapter.py); the parser needs no marker.
LOCAL_MAX_TOKENS = 512
LOCAL_STOP = ("[[ ## completed ## ]]",)
# The options an LM has when its block sets none (``LM()``'s defaults): a module on another declared lm
# starts from these, keeping nothing of the program's LM but its cache (``ModuleSpec.lm``).
DEFAULT_OPTIONS: Mapping[str, Any] = {
    "temperature": None,
    "max_tokens": None,
    "top_p": None,
    "stop": None,
    "api_base": None,
    "api_key_env": None,
    "num_retries": 3,
    "timeout": None,
}
JSON_OBJECT: Mapping[str, Any] = {"type": "json_object"}


class LM:
    """A litellm model with fixed options; ``complete(messages) -> str``.

    ``backoff`` is the first retry's delay in seconds; each later one doubles,
    up to ``max_backoff``, each scaled by a random factor in [0.5, 1] (or the
    server's ``Retry-After``, if longer).
    """

    def __init__(
        self,
        model: str,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        top_p: float | None = None,
        stop: str | Sequence[str] | None = None,
        api_base: str | None = None,
        api_key_env: str | None = None,
        num_retries: int = 3,
        timeout: float | None = None,
        cache: Cache | None = None,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        response_format: Mapping[str, Any] | None = None,
    ) -> None:
        if not model:
            raise ValueError("an LM needs a model id")
        if num_retries < 0:
            raise ValueError(f"num_retries must be >= 0, not {num_retries}")
        if model.startswith(LOCAL_PREFIX):  # an option the lm block sets wins
            max_tokens = LOCAL_MAX_TOKENS if max_tokens is None else max_tokens
            stop = list(LOCAL_STOP) if stop is None else stop
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.top_p = top_p
        self.stop = stop if stop is None or isinstance(stop, str) else list(stop)
        self.api_base = api_base
        self.api_key_env = api_key_env
        self.num_retries = num_retries
        self.timeout = timeout
        self.cache = cache
        self.backoff = backoff
        self.max_backoff = max_backoff
        # Asked by a module's JSON adapter: a ``json_schema`` format (or ``json_object``); what is sent is
        # what the provider takes of it (``sent_response_format``), decided at the first request.
        self.asked_response_format = dict(response_format) if response_format is not None else None
        self._sent_format: tuple[dict[str, Any] | None] | None = None
        self._usage = UsageCounter()
        self._variants: dict[str, LM] = {}
        self._variants_lock = threading.Lock()
        self._direct = OpenAICompatClient(api_base, timeout) if api_base and is_direct(model, api_base) else None

    # ------------------------------------------------------------ request

    @property
    def usage(self) -> Usage:
        return self._usage.snapshot()

    def options(self) -> dict[str, Any]:
        """The options that shape an answer (those set), as sent to litellm and keyed in the cache.

        Inside a rollout (``rollout.py``) the temperature is ``ROLLOUT_TEMPERATURE``.
        """
        options = {
            "temperature": self.temperature if current_rollout() is None else ROLLOUT_TEMPERATURE,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "stop": self.stop,
            "api_base": self.api_base,
            "response_format": self.response_format,
        }
        return {k: v for k, v in options.items() if v is not None}

    @property
    def response_format(self) -> dict[str, Any] | None:
        """The ``response_format`` this LM sends: what the provider takes of the one asked (None: none asked).

        The provider's capabilities come from litellm's tables (imported for it, once per model), except
        on the direct OpenAI-compatible path: a self-hosted server's name says nothing to litellm's tables,
        which answer ``json_object`` for any unknown ``openai/`` model, and importing litellm for that costs
        seconds; the direct path sends ``json_object`` itself.
        """
        if self.asked_response_format is None:
            return None
        if self._sent_format is None:
            direct = self._direct is not None
            self._sent_format = (sent_response_format(self.model, self.asked_response_format, direct=direct),)
        return self._sent_format[0]

    def request(self, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The whole request, minus secrets and transport settings: what the cache is keyed on."""
        return {"model": self.model, "messages": [dict(m) for m in messages], **self.options()}

    def replace(self, **changes: Any) -> LM:
        """An LM with some options changed; same cache, its own usage counters.

        The same changes give the same LM (a module asks for its own at every
        program run): its variants are kept, and ``variants()`` lists them.
        """
        key = _changes_key(changes)
        with self._variants_lock:
            known = self._variants.get(key)
        if known is not None:
            return known
        made = self._replaced(changes)
        with self._variants_lock:
            return self._variants.setdefault(key, made)

    def variants(self) -> tuple[LM, ...]:
        """Every LM ``replace`` made from this one, and theirs, in the order made (for their usage)."""
        with self._variants_lock:
            direct = tuple(self._variants.values())
        return tuple(v for lm in direct for v in (lm, *lm.variants()))

    def _replaced(self, changes: Mapping[str, Any]) -> LM:
        current = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "stop": self.stop,
            "api_base": self.api_base,
            "api_key_env": self.api_key_env,
            "num_retries": self.num_retries,
            "timeout": self.timeout,
            "cache": self.cache,
            "backoff": self.backoff,
            "max_backoff": self.max_backoff,
            "response_format": self.asked_response_format,
        }
        unknown = set(changes) - set(current) - {"model"}
        if unknown:
            raise TypeError(f"unknown LM option(s): {', '.join(sorted(unknown))}")
        merged = {**current, **changes}
        return LM(changes.get("model", self.model), **{k: v for k, v in merged.items() if k != "model"})

    # -------------------------------------------------------------- calls

    def complete(self, messages: Sequence[dict[str, Any]]) -> str:
        return self._answer(self.request(messages))[0]

    async def acomplete(self, messages: Sequence[dict[str, Any]]) -> str:
        return (await self._aanswer(self.request(messages)))[0]

    def complete_scored(self, messages: Sequence[dict[str, Any]], top_logprobs: int = TOP_LOGPROBS) -> Scored:
        """The answer with each token's ``top_logprobs`` most likely alternatives (choice scoring).

        The request is ``request(messages)`` plus ``logprobs`` and ``top_logprobs``:
        cached, retried and counted like any other.
        """
        return Scored(*self._answer(self.scored_request(messages, top_logprobs)))

    async def acomplete_scored(self, messages: Sequence[dict[str, Any]], top_logprobs: int = TOP_LOGPROBS) -> Scored:
        return Scored(*await self._aanswer(self.scored_request(messages, top_logprobs)))

    def scored_request(self, messages: Sequence[dict[str, Any]], top_logprobs: int = TOP_LOGPROBS) -> dict[str, Any]:
        """The request ``complete_scored`` sends (and the cache is keyed on)."""
        return {**self.request(messages), "logprobs": True, "top_logprobs": top_logprobs}

    def _answer(self, request: dict[str, Any]) -> tuple[str, tuple[TokenLogprobs, ...] | None]:
        key, hit = self._lookup(request)
        if hit is not None:
            return hit.text, hit.logprobs
        send, errors = self._sender(request)
        for attempt in itertools.count():
            try:
                answer = send()
                break
            except errors as exc:
                time.sleep(self._retry_delay(exc, attempt))  # raises LMError when there is no next attempt
        return self._finish(answer, key), answer.logprobs

    async def _aanswer(self, request: dict[str, Any]) -> tuple[str, tuple[TokenLogprobs, ...] | None]:
        import asyncio  # here, not at the top: importing asyncio costs ~30 ms

        key, hit = self._lookup(request)
        if hit is not None:
            return hit.text, hit.logprobs
        asend, errors = self._async_sender(request)
        for attempt in itertools.count():
            try:
                answer = await asend()
                break
            except errors as exc:
                await asyncio.sleep(self._retry_delay(exc, attempt))  # raises LMError when there is no next attempt
        return self._finish(answer, key), answer.logprobs

    def _sender(self, request: dict[str, Any]) -> tuple[Callable[[], Completion], tuple[type[Exception], ...]]:
        """One attempt at the request (a function) and the exceptions that mean 'maybe retry'."""
        if self._direct is not None:
            client, body, api_key = (
                self._direct,
                request_body(self.model, request["messages"], request),
                self._api_key(),
            )
            return (lambda: client.complete(body, api_key)), (HTTPFailure,)
        litellm = self._prepare()
        kwargs = self._call_kwargs(request)
        return (lambda: _from_litellm(litellm, litellm.completion(**kwargs), self.model)), api_errors()

    def _async_sender(self, request: dict[str, Any]) -> tuple[Callable[[], Any], tuple[type[Exception], ...]]:
        if self._direct is not None:
            import asyncio

            send, errors = self._sender(request)
            return (lambda: asyncio.to_thread(send)), errors
        litellm = self._prepare()
        kwargs = self._call_kwargs(request)

        async def asend() -> Completion:
            return _from_litellm(litellm, await litellm.acompletion(**kwargs), self.model)

        return asend, api_errors()

    # ------------------------------------------------------------ helpers

    def _lookup(self, request: dict[str, Any]) -> tuple[str | None, Answer | None]:
        """The request's cache key (None without a cache) and its cached answer, if any.

        A cache that cannot be read is an ``LMError``: never an answer, never a score.
        """
        if self.cache is None:
            return None, None
        from .cache import CacheError

        rollout_id = current_rollout()
        key = self.cache.key(request if rollout_id is None else {**request, "rollout_id": rollout_id})
        try:
            answer = self.cache.answer(key)
        except CacheError as exc:
            raise LMError(self.model, str(exc)) from exc
        if answer is None:
            return key, None
        self._usage.add_hit(answer)
        return key, answer

    def _prepare(self) -> Any:
        litellm = import_litellm()
        if self.model.startswith(LOCAL_PREFIX):
            from .local import register

            try:
                register(self.model)
            except (ImportError, FileNotFoundError, ValueError) as exc:
                raise LMError(self.model, str(exc)) from exc
        return litellm

    def _call_kwargs(self, request: dict[str, Any]) -> dict[str, Any]:
        # Our loop does the retrying: litellm's (num_retries) and the SDK's (max_retries) are off.
        kwargs = {**request, "num_retries": 0, "max_retries": 0}
        kwargs["timeout"] = self.timeout if self.timeout is not None else DEFAULT_TIMEOUT  # never litellm's 600 s
        key = self._api_key()
        if key is not None:
            kwargs["api_key"] = key
        return kwargs

    def _api_key(self) -> str | None:
        """The key from the environment, read now (never stored); None without ``api_key_env``."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise LMError(self.model, f"the environment variable `{self.api_key_env}` (its api_key_env) is not set")
        return key

    def _retry_delay(self, exc: Exception, attempt: int) -> float:
        """Seconds to wait before the next attempt; raises ``LMError`` when there is none."""
        if lacks_credentials(exc):
            raise LMError(self.model, self._redacted(self._credentials_hint(exc))) from exc
        if not is_transient(exc):
            raise LMError(self.model, self._redacted(f"request failed: {describe(exc)}")) from exc
        if attempt >= self.num_retries:
            described = self._redacted(describe(exc))
            raise LMError(
                self.model, f"gave up after {attempt + 1} attempt(s): {described}", attempts=attempt + 1
            ) from exc
        delay = min(self.max_backoff, self.backoff * (1 << attempt)) * random.uniform(0.5, 1.0)
        asked = retry_after(exc)
        if asked is not None:
            delay = max(delay, min(asked, self.max_backoff))
        logger.info("LM %s: %s; retry %d in %.2fs", self.model, self._redacted(describe(exc)), attempt + 1, delay)
        return delay

    def _redacted(self, text: str) -> str:
        """``text`` without the API key (a server's error may echo the request's headers)."""
        text = BEARER.sub("Bearer [redacted]", text)
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        return text.replace(key, "[redacted]") if key and len(key) >= 4 else text

    def _credentials_hint(self, exc: Exception) -> str:
        """What to set when the provider found no API key: the variables litellm reads for this model."""
        missing: list[str] = []
        if self.api_key_env is None:
            found = import_litellm().validate_environment(model=self.model)
            missing = [str(k) for k in found.get("missing_keys", ())]
        if missing:
            names = ", ".join(f"`{k}`" for k in missing)
            how = (
                f"set {names} in the environment (litellm reads {'them' if len(missing) > 1 else 'it'} for this model)"
            )
        else:
            how = "set the provider's API key in the environment"
        return (
            f"no API key for this model: {how}, or name the variable that holds the key with "
            f'`api_key_env: "NAME"` in its lm block ({describe(exc)})'
        )

    def _finish(self, answer: Completion, key: str | None) -> str:
        if answer.finish_reason == "length":
            logger.info("LM %s: the answer was cut at max_tokens=%s", self.model, self.max_tokens)
        cost = quantized_cost(answer.cost)
        self._usage.add_call(answer, cost)
        if key is not None and self.cache is not None:
            from .cache import CacheError

            try:
                self.cache.put(
                    key,
                    self.model,
                    answer.text,
                    prompt_tokens=answer.prompt_tokens,
                    completion_tokens=answer.completion_tokens,
                    cost_usd=cost,
                    logprobs=answer.logprobs,
                )
            except CacheError as exc:
                raise LMError(self.model, str(exc)) from exc
        return answer.text

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        return f"LM({self.model!r}{', ' + options if options else ''})"


def _changes_key(changes: Mapping[str, Any]) -> str:
    """A key for ``LM.replace``'s changes (a cache by its identity: two caches are two LMs)."""
    plain = {k: (f"cache {id(v)}" if k == "cache" and v is not None else v) for k, v in changes.items()}
    return json.dumps(plain, sort_keys=True, default=repr)


def sent_response_format(model: str, asked: Mapping[str, Any], *, direct: bool = False) -> dict[str, Any] | None:
    """What a provider is sent for the ``response_format`` a JSON adapter asks, as DSPy decides it.

    None when the provider takes no ``response_format`` (``local/`` models
    among them); ``{"type": "json_object"}`` when it takes no JSON schema;
    else the format asked. ``direct``: an OpenAI-compatible endpoint the
    runtime posts to itself, which takes ``json_object`` (no litellm import).
    """
    takes_format, takes_schema = (True, False) if direct else _capabilities(model)
    if not takes_format:
        return None
    if asked.get("type") == "json_schema" and not takes_schema:
        return dict(JSON_OBJECT)
    return dict(asked)


@functools.cache
def _capabilities(model: str) -> tuple[bool, bool]:
    """Whether ``model``'s provider takes a ``response_format``, and a JSON schema in it (litellm's tables)."""
    if model.startswith(LOCAL_PREFIX):  # lmc's own provider: neither
        return False, False
    litellm = import_litellm()
    provider = model.split("/", 1)[0] if "/" in model else "openai"  # DSPy's provider name
    try:
        params = litellm.get_supported_openai_params(model=model, custom_llm_provider=provider) or ()
        schema = bool(litellm.supports_response_schema(model=model, custom_llm_provider=provider))
    except Exception:  # noqa: BLE001 - a provider litellm does not know: DSPy's "unknown" is "unsupported"
        return False, False
    return "response_format" in params, schema


def _from_litellm(litellm: Any, response: Any, model: str) -> Completion:
    """The answer of a litellm response; a malformed one is an ``LMError`` (never cached or scored)."""
    try:
        choice = response.choices[0]
        text = choice.message.content
        if text is not None and not isinstance(text, str):
            raise TypeError(f"its content is {type(text).__name__}, not text")
        usage = getattr(response, "usage", None)
        return Completion(
            text=text or "",
            finish_reason=getattr(choice, "finish_reason", None),
            prompt_tokens=token_count(getattr(usage, "prompt_tokens", 0)),
            completion_tokens=token_count(getattr(usage, "completion_tokens", 0)),
            cost=_cost(litellm, response),
            logprobs=parse_openai_logprobs(getattr(choice, "logprobs", None)),
        )
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, OverflowError) as exc:
        raise LMError(model, f"the provider's answer is malformed ({type(exc).__name__}: {exc})") from exc


def _cost(litellm: Any, response: Any) -> float:
    """The call's price in USD when litellm knows the model, else 0."""
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    if isinstance(cost, (int, float)):
        return float(cost)
    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:  # noqa: BLE001 - pricing is best effort; litellm raises bare Exception for unknown models
        return 0.0
