#!/usr/bin/env bash
# GPU mode of the dynamic evaluation, in one go (a few minutes on the bundled suite):
#   evaluation/dynamic/gpu_check.sh [MANIFEST] [ENGINE] [REPORT_DIR]
# Installs Debian's nvptx offload compiler when missing and apt is usable (root), builds every
# program with gcc -fopenacc -foffload=nvptx-none, runs serial / original pragmas / engine
# pragmas on the GPU, verifies and times them.  Without a GPU it says so and exits 0 after
# building (the offload build is still checked); without the offload compiler it exits 3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="${1:-$here/../programs/manifest.json}"
engine="${2:-auto}"
report="${3:-dynamic-gpu-report}"
py="${PYTHON:-python3}"

probe() {
  echo 'int main(void){return 0;}' | gcc -x c -fopenacc -foffload=nvptx-none \
    -foffload-options=nvptx-none=-misa=sm_80 - -o /dev/null >/dev/null 2>&1
}
if ! probe; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing the nvptx offload compiler (gcc-12-offload-nvptx, ~10 MB)" >&2
    apt-get install -y -q gcc-12-offload-nvptx nvptx-tools libgomp-plugin-nvptx1 >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q gcc-12-offload-nvptx \
             nvptx-tools libgomp-plugin-nvptx1 >/dev/null; }
  fi
fi
if ! probe; then
  echo "gpu_check: no nvptx offload compiler (install gcc-12-offload-nvptx)" >&2
  exit 3
fi
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  nvidia-smi -L >&2
else
  echo "gpu_check: no GPU visible (nvidia-smi absent or failing): building only" >&2
fi
"$py" -m accellium eval --dynamic "$manifest" --mode gpu --engine "$engine" \
  --report "$report" --runs 3
