#!/bin/sh
# Regenerate the build system.  With --deps, first install the Debian
# packages latentlab builds and tests with (uses sudo when not root).
set -e
cd "$(dirname "$0")"
if [ "${1:-}" = "--deps" ]; then
    pkgs="build-essential autoconf automake libtool pkg-config \
          libopenblas-dev liblapacke-dev libpng-dev libcmark-dev \
          libncurses-dev zlib1g-dev tmux libopenmpi-dev openmpi-bin parallel"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq $pkgs >/dev/null
fi
autoreconf -fi
