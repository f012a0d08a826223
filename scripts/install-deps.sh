#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with, and only
# the ones that are missing, so a second run costs one dpkg query.
#
# As root it installs them; as a user with sudo it asks sudo; as a user
# without either it prints the exact command to run as root and stops, so
# nothing half-installed is left behind.
set -euo pipefail

packages=(
  cmake g++ pkg-config
  libgtest-dev libbenchmark-dev
  libsimdjson-dev nlohmann-json3-dev
  libcereal-dev liblz4-dev
  libz3-dev
  libimgui-dev libglfw3-dev libgl-dev libstb-dev fonts-dejavu-core
  xvfb xauth mesa-utils libgl1-mesa-dri
  lua5.4
  clang libclang-rt-dev
  parallel slurm-wlm munge
)

# The DAP tests (tests/dap) run under node with npm's pinned test client.
# Node may come from elsewhere than Debian (a NodeSource or nvm install):
# only when `node` or `npm` is not on the PATH are Debian's packages added.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

install_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    cat >&2 <<EOF
install-deps: these Debian packages are missing: ${missing[*]}
install-deps: installing them needs root, and this user is not root and has no sudo.
install-deps: run this as root, then run this script again:

  $install_line

EOF
    exit 1
  fi
  as_root=(sudo)
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
