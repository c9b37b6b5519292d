"""Python helpers the broken samples refer to, so that only their intended mistake is reported."""


def search(query: str, k: int = 3) -> list[str]:
    """Return up to ``k`` canned passages mentioning ``query``."""
    return [f"a passage about {query}"] * k
