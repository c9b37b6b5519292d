# Sourced by .ci/setup and .ci/run. llama.cpp compiles for the build
# machine's CPU by default (-march=native); that binary faults on machines
# whose kernel does not enable every feature the CPU reports (AMX tiles in
# some VMs). Build one portable x86-64 binary (AVX2/FMA/F16C) unless the
# caller chose CMAKE_ARGS. Tests that install an emitted package with its
# `local` extra compile it again (or reuse pip's cached wheel): same flags.
if [ -z "${CMAKE_ARGS:-}" ] && [ "$(uname -m)" = "x86_64" ]; then
  export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
fi
