"""The python metric of the spec example."""


def score(example: dict, prediction: dict) -> float:
    return float(example.get("sentiment") == prediction.get("sentiment"))
