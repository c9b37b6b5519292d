"""The python metrics of the clean fixtures: the spec example's, and a reward."""


def score(example: dict, prediction: dict) -> float:
    return float(example.get("sentiment") == prediction.get("sentiment"))


def brief(inputs: dict, prediction: dict) -> float:
    return 1.0 / max(1, len(prediction["answer"].split()))
