"""How ``lmc check`` scales with the length of a file's lists: it must be linear.

Times ``lmc.check`` (in process, after a warm-up) on files holding one long
list: an enum of N members, a record type of N fields, N programs. A linear
checker keeps the time per item flat as N grows; the per-item column shows it.

    .venv/bin/python bench/check_scaling.py [--sizes 10000 25000 50000 100000]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable

from benchlib import setup_logging, table, write_results

logger = logging.getLogger("bench.check_scaling")

SIGNATURE = "signature S {\n  in q: str\n  out a: str\n}\n"
SHAPES: dict[str, Callable[[int], str]] = {
    "enum members": lambda n: "enum E { " + ", ".join(f"m{i}" for i in range(n)) + " }\n",
    "record fields": lambda n: "type T {\n" + "".join(f"  f{i}: str\n" for i in range(n)) + "}\n",
    "programs": lambda n: (
        SIGNATURE
        + "".join(
            f"program p{i}(q: str) -> (a: str) {{\n  module m = Predict(S)\n  return m(q=q)\n}}\n"
            for i in range(n // 10)
        )
    ),
}


def main() -> None:
    import lmc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 25_000, 50_000, 100_000])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    setup_logging(args.verbose)
    lmc.check(SHAPES["enum members"](10))  # warm: imports and the reader's tables
    rows, results = [], []
    for shape, make in SHAPES.items():
        for n in args.sizes:
            text = make(n)
            items = n if shape != "programs" else n // 10
            started = time.perf_counter()
            found = lmc.check(text)
            seconds = time.perf_counter() - started
            assert not found, [d.message for d in found[:3]]
            rows.append([shape, items, f"{seconds:.2f}", f"{1e6 * seconds / items:.1f}"])
            results.append({"shape": shape, "items": items, "seconds": seconds})
            logger.info("%s x %d: %.2f s", shape, items, seconds)
    print(table(["list", "items", "seconds", "µs per item"], rows))
    write_results("check_scaling", {"runs": results})


if __name__ == "__main__":
    main()
