#!/usr/bin/env bash
# Type-check the installed namespace `accellium.*` with mypy (config: [tool.mypy] in pyproject.toml).
#
# setuptools installs the top-level folders dataset/, server/, lsp/, evaluation/ and training/ as
# accellium.dataset, accellium.server, ... (package-dir mapping). mypy cannot follow that mapping
# (nor setuptools' editable-install import hook), so this script builds the installed layout as a
# tree of symlinks in a temporary directory and checks `-p accellium` there. Error paths are
# printed relative to the repository (accellium/dataset/x.py -> dataset/x.py).
# Usage: tools/mypy.sh [extra mypy args]; PYTHON selects the interpreter (default: .venv's).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
[ -x "$py" ] || py="$(command -v python3)"
# The check runs from a temporary directory: a relative interpreter path must be made absolute.
case "$py" in /*) ;; *) py="$(cd "$(dirname "$py")" && pwd)/$(basename "$py")" ;; esac
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/accellium"
for f in "$root"/accellium/*.py; do ln -s "$f" "$tree/accellium/$(basename "$f")"; done
parts=(dataset server lsp evaluation training)
for d in "${parts[@]}"; do ln -s "$root/$d" "$tree/accellium/$d"; done
sed_args=()
for d in "${parts[@]}"; do sed_args+=(-e "s#^accellium/$d/#$d/#"); done
cd "$tree"
set +e
"$py" -m mypy --config-file "$root/pyproject.toml" --cache-dir "$root/.mypy_cache" \
  -p accellium "$@" | sed "${sed_args[@]}"
rc=${PIPESTATUS[0]}
exit "$rc"
