#!/usr/bin/env bash
# Installs what building (and, with `test`, testing) mibwatch needs. Idempotent:
# every step first checks whether its tool is already there, so a second run
# spends a few seconds. Nothing is downloaded from outside the package
# registries (crates.io, npm, Debian) and rustup's own channel.
#
#   scripts/setup.sh build   # wasm32 target, wasm-bindgen-cli, trunk, wasm-opt
#   scripts/setup.sh test    # the above + Chromium and playwright-core + the lab's tools
#   scripts/setup.sh lab     # build's + the traffic lab's Debian packages (root)
set -euo pipefail

mode="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
start=$(date +%s.%N)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'setup: %s\n' "$*" >&2; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# version_ge A B: is version A >= B (dot-separated numbers)?
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# --- Rust and the wasm32 target ---------------------------------------------
if ! command -v cargo >/dev/null; then
  say "no cargo on PATH: install Rust with rustup first"; exit 1
fi
wasm_env="$root/target/wasm-toolchain.env"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rm -f "$wasm_env"
elif rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
  say "installed the wasm32-unknown-unknown target with rustup"
  rm -f "$wasm_env"
else
  # Offline fallback: Debian's Rust toolchain with std built from source.
  say "rustup could not add wasm32; using Debian's rustc-web with build-std"
  dpkg -s rustc-web cargo-web rust-web-src lld-19 >/dev/null 2>&1 ||
    apt_install rustc-web cargo-web rust-web-src lld-19
  mkdir -p "$root/target"
  cat > "$wasm_env" <<'ENV'
export PATH=/usr/bin:$PATH
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
ENV
fi

# Faster installs of the build tools: no fat LTO, parallel codegen.
install_env=(CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)

# --- wasm-bindgen-cli at exactly the version in Cargo.lock -------------------
want_wb=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have_wb=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_wb" != "$want_wb" ]; then
  say "cargo install wasm-bindgen-cli $want_wb (found: ${have_wb:-none})"
  # No --locked: its lockfile names a crate version the registry may lack.
  env "${install_env[@]}" cargo install -q wasm-bindgen-cli --version "$want_wb" --force
fi

# --- trunk --------------------------------------------------------------------
if ! command -v trunk >/dev/null; then
  rustc_v=$(rustc --version | awk '{print $2}')
  if version_ge "$rustc_v" 1.96.1; then
    say "cargo install trunk (stable rustc $rustc_v)"
    env "${install_env[@]}" cargo install -q trunk --version 0.22.1 --locked
  elif rustup toolchain list 2>/dev/null | grep -q '^nightly' &&
       version_ge "$(rustc +nightly --version | awk '{print $2}' | cut -d- -f1)" 1.96.1; then
    say "cargo +nightly install trunk (stable rustc $rustc_v is too old for trunk 0.22)"
    env "${install_env[@]}" cargo +nightly install -q trunk --version 0.22.1 --locked
  else
    say "cargo install trunk 0.21.14 (fits rustc $rustc_v)"
    env "${install_env[@]}" cargo install -q trunk --version 0.21.14 --locked
  fi
fi

# --- Node.js and npm (for wasm-opt and the browser tests) ---------------------
if ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

npm_ci() { # dir: install exactly the lockfile, only when it changed
  local dir="$1" stamp="$1/node_modules/.installed-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    say "npm ci in ${dir#$root/}"
    (cd "$dir" && npm ci --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null)
    cp "$dir/package-lock.json" "$stamp"
  fi
}

# --- wasm-opt from npm's binaryen ---------------------------------------------
npm_ci "$root/tools/npm"

if [ "$mode" = test ]; then
  # --- Chromium for the end-to-end tests, and playwright-core -----------------
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium chromium-driver fonts-dejavu-core
  fi
  npm_ci "$root/tests/e2e"
fi

# --- traffic lab (lab/lab.sh) ------------------------------------------------
# net-snmp's agent and tools, the attack tools, a web server. Only with root
# (apt); without it `make lab-smoke` skips with a message. The lab runs its
# own snmpd/nginx inside its namespaces: services the packages start on the
# host are stopped and disabled again right after a fresh install.
if [ "$mode" = test ] || [ "$mode" = lab ]; then
  lab_pkgs=(snmpd snmp hping3 slowhttptest hydra nginx-light iproute2 iputils-ping openssl)
  lab_missing=()
  for p in "${lab_pkgs[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || lab_missing+=("$p")
  done
  if [ ${#lab_missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt_install "${lab_missing[@]}"
      if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now snmpd nginx >/dev/null 2>&1 || true
      fi
    else
      say "lab: not root, so not installing ${lab_missing[*]} (make lab-smoke will skip)"
    fi
  fi
fi
# --- end of traffic lab -------------------------------------------------------

end=$(date +%s.%N)
say "$(awk -v a="$start" -v b="$end" -v m="$mode" 'BEGIN { printf "ready (%s) in %.1f s", m, b - a }')"
