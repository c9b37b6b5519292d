"""Prompt parity: the package sends, byte for byte, the prompts its optimizer scored.

Each case in parity.json is one recorded program run: its inputs, and every
LM request with the answer it got. Replaying those answers, the program must
send exactly the recorded requests, so a changed demo, instruction or prompt
format fails here.
"""

import asyncio
import json
from pathlib import Path

import pytest

from .. import PROGRAMS
from .._runtime.package import ReplayLM

CASES = json.loads((Path(__file__).parent / "parity.json").read_text(encoding="utf-8"))
IDS = [f"{case['program']}-{i}" for i, case in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_prompts_match_the_recorded_ones(case):
    lm = ReplayLM(case["calls"])
    PROGRAMS[case["program"]].invoke(case["inputs"], lm=lm)
    lm.assert_done()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_async_prompts_match_the_recorded_ones(case):
    lm = ReplayLM(case["calls"])
    asyncio.run(PROGRAMS[case["program"]].ainvoke(case["inputs"], lm=lm))
    lm.assert_done()
