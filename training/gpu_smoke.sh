#!/usr/bin/env bash
# GPU smoke check for the training + serving path (< 5 minutes on one CUDA GPU):
#   1. pre-trains the tiny local base on the GPU (no download),
#   2. trains a LoRA with `training.train.train` in bf16 for 300 steps,
#   3. serves it through the hf engine (server.engines.hf.HFEngine) on the GPU and prints
#      training tokens/s, losses, exact match and serving requests/s + tokens/s.
#
# Usage (from anywhere):  training/gpu_smoke.sh [--data ../shared/data/train.jsonl] [--steps N]
# Without --data it uses synthetic pragma-loop pairs, so it needs nothing but the checkout.
#
# It never downloads: it uses `python3` (or $PYTHON) as found. Modules the machine lacks are
# installed offline from a wheel folder when one is given ($ACCELLIUM_WHEELS, default .whl/gpu
# in the checkout: `pip download --no-deps --only-binary=:all: --python-version X.Y ...` on a
# machine with internet, see docs/training.md); otherwise the script stops and lists them.
# Results: $OUT/gpu_smoke.json (OUT defaults to build/gpu_smoke).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
WHEELS="${ACCELLIUM_WHEELS:-$ROOT/.whl/gpu}"
SITE="${ACCELLIUM_SMOKE_SITE:-${TMPDIR:-/tmp}/accellium-smoke-site}"

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "gpu_smoke: $PY not found (set PYTHON=/path/to/python3)" >&2
  exit 2
fi
echo "== python: $(command -v "$PY") ($("$PY" -V 2>&1))"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

# module -> pip distribution
MODULES="torch:torch transformers:transformers peft:peft trl:trl accelerate:accelerate
datasets:datasets tokenizers:tokenizers safetensors:safetensors pydantic:pydantic yaml:pyyaml
tree_sitter:tree-sitter tree_sitter_c:tree-sitter-c tree_sitter_cpp:tree-sitter-cpp numpy:numpy"

missing() {
  local out=""
  for pair in $MODULES; do
    mod="${pair%%:*}"; dist="${pair##*:}"
    if ! PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c "import $mod" >/dev/null 2>&1; then
      out="$out $dist"
    fi
  done
  echo "$out"
}

# what the wheel folder may supply: distribution:module (installed with --no-deps, only those
# the interpreter cannot import, into $SITE, so the machine's own environment is left alone)
SUPPLY="trl:trl datasets:datasets pydantic:pydantic pydantic-core:pydantic_core
annotated-types:annotated_types typing-inspection:typing_inspection
typing-extensions:typing_extensions tree-sitter:tree_sitter tree-sitter-c:tree_sitter_c
tree-sitter-cpp:tree_sitter_cpp dill:dill multiprocess:multiprocess xxhash:xxhash pandas:pandas
fsspec:fsspec python-dateutil:dateutil pytz:pytz tzdata:tzdata six:six psutil:psutil
jinja2:jinja2 markupsafe:markupsafe filelock:filelock pyyaml:yaml"

MISS="$(missing)"
if [ -n "${MISS// /}" ]; then
  echo "== missing Python packages:$MISS"
  if [ -d "$WHEELS" ] && ls "$WHEELS"/*.whl >/dev/null 2>&1; then
    NEED=""
    for pair in $SUPPLY; do
      dist="${pair%%:*}"; mod="${pair##*:}"
      if ! PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c "import $mod" >/dev/null 2>&1; then
        NEED="$NEED $dist"
      fi
    done
    echo "== installing offline from $WHEELS into $SITE:$NEED"
    mkdir -p "$SITE"
    # shellcheck disable=SC2086
    "$PY" -m pip install -q --no-index --no-deps --find-links "$WHEELS" --target "$SITE" $NEED \
      --no-warn-script-location || echo "gpu_smoke: offline install failed (see above)" >&2
    MISS="$(missing)"
  fi
  if [ -n "${MISS// /}" ]; then
    echo "gpu_smoke: cannot run, these Python packages are missing:$MISS" >&2
    echo "  bring their wheels (for $("$PY" -V 2>&1)) in \$ACCELLIUM_WHEELS, or pip install them" >&2
    exit 2
  fi
fi
export PYTHONPATH="$ROOT:$SITE${PYTHONPATH:+:$PYTHONPATH}"

if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_smoke: torch sees no CUDA device; this check needs a GPU" >&2
  exit 3
fi

export TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
start=$(date +%s)
"$PY" -m accellium.training.gpu_smoke "$@"
echo "== total $(( $(date +%s) - start )) s"
