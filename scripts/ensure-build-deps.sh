#!/usr/bin/env bash
# The C libraries the build links against: OpenSSL (webauthn-rs verifies
# passkey signatures with it). Installs Debian's packages when missing.
set -euo pipefail

if pkg-config --exists openssl 2>/dev/null; then
    exit 0
fi
echo "ensure-build-deps: installing libssl-dev and pkg-config" >&2
sudo_if_needed=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_if_needed=(sudo)
fi
"${sudo_if_needed[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq libssl-dev pkg-config
