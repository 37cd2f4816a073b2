#!/usr/bin/env bash
# The browser the web tests drive: Debian's Chromium and its ChromeDriver,
# and a Traditional Chinese font so that pages (and their screenshots)
# show characters, not boxes. Installs what is missing; no test tool
# downloads a browser.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if ! fc-list :lang=zh-tw 2>/dev/null | grep -q .; then
    missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "ensure-browser: installing ${missing[*]}" >&2
sudo_if_needed=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_if_needed=(sudo)
fi
"${sudo_if_needed[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
