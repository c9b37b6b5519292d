"""How an LM request failed: worth another try or not, the server's ``Retry-After``, and the words to say it.

Both transports' failures: the direct client's ``HTTPFailure`` and litellm's
exceptions (whose module is imported only when one is being classified).
"""

from __future__ import annotations

import functools
import re

from .openai_compat import HTTPFailure

__all__ = ["BEARER", "api_errors", "describe", "is_transient", "lacks_credentials", "retry_after"]

# HTTP statuses worth another try: request timeout, conflict, too early, rate limit.
_RETRY_STATUSES = frozenset({408, 409, 425, 429})
_MESSAGE_LIMIT = 500


@functools.cache
def api_errors() -> tuple[type[Exception], ...]:
    """The exceptions a litellm call raises for API trouble: all derive from the openai SDK's base."""
    import openai  # a litellm dependency; imported with it

    return (openai.OpenAIError,)


# Errors that no retry can mend, whatever status the provider wraps them in
# (a missing API key reaches us as an HTTP 500 from some clients).
_PERMANENT_MARKERS = ("missing credentials", "api_key client option must be set", "no api key")


def lacks_credentials(exc: Exception) -> bool:
    """The provider refused for want of an API key (whatever status its client wrapped that in)."""
    if isinstance(exc, HTTPFailure):
        return False  # the direct client sends the key it was given: a 401 there is the server's verdict
    text = str(exc).lower()
    return any(marker in text for marker in _PERMANENT_MARKERS) or bool(_MISSING_KEY.search(text))


BEARER = re.compile(r"Bearer\s+[^\s\"',;]+", re.IGNORECASE)
_MISSING_KEY = re.compile(r"missing [\w ]*api[ _]?key|api[ _]?key[\w ]* (?:is )?not (?:set|found|provided)")


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, HTTPFailure):  # the direct client: no status means no answer at all
        return exc.status_code is None or exc.status_code in _RETRY_STATUSES or exc.status_code >= 500
    import litellm.exceptions as ex

    if any(marker in str(exc).lower() for marker in _PERMANENT_MARKERS):
        return False
    if isinstance(exc, (ex.Timeout, ex.APIConnectionError, ex.RateLimitError, ex.InternalServerError)):
        return True
    if isinstance(exc, (ex.ServiceUnavailableError, ex.BadGatewayError)):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in _RETRY_STATUSES or status >= 500)


def retry_after(exc: Exception) -> float | None:
    """The server's ``Retry-After`` in seconds, when it sent one as a number."""
    if isinstance(exc, HTTPFailure):
        return exc.retry_after
    for headers in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        value = headers.get("retry-after") if headers is not None else None
        if value is not None:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    text = " ".join(str(exc).partition("Traceback (most recent call last)")[0].split())  # a provider's message
    if len(text) > _MESSAGE_LIMIT:
        text = text[:_MESSAGE_LIMIT] + "..."
    kind = exc.kind if isinstance(exc, HTTPFailure) else type(exc).__name__
    return f"{kind}{f' (HTTP {status})' if status else ''}: {text}"
