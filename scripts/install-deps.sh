#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with, and only
# the ones that are missing, so a second run costs one dpkg query.
set -euo pipefail

packages=(
  cmake g++ pkg-config
  libgtest-dev libbenchmark-dev
  libsimdjson-dev nlohmann-json3-dev
  libcereal-dev liblz4-dev
  libimgui-dev libglfw3-dev libgl-dev libstb-dev fonts-dejavu-core
  xvfb xauth mesa-utils libgl1-mesa-dri
  lua5.4
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
