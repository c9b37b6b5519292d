"""Tools of the clean check fixtures (found by the checker, never imported by it)."""


def search(query: str, k: int = 3) -> list[str]:
    return [query] * k


def word_count(text: str) -> int:
    return len(text.split())


def retrieve(query: str, k: int = 2) -> list[str]:
    return [query] * k
