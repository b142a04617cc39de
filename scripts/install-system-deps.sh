#!/usr/bin/env bash
# Installs the Debian packages EvidenceKit needs: Qt's runtime libraries (offscreen,
# Xvfb, WebEngine), poppler-utils (pdfsig, pdfdetach, pdftoppm), the Nanum Hangul font,
# the tools the benchmarks compare against (openssl, age, img2pdf), and certutil
# (libnss3-tools) for the NSS database a recipient gives to `pdfsig -nssdir`.
# Run as root; as another user it prints the exact apt line and stops when anything is missing.
set -euo pipefail

PKGS=(
  libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0 libdbus-1-3
  libx11-6 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxkbcommon-x11-0 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0
  libxcb-xkb1 libxshmfence1 libxkbfile1 libgbm1 libdrm2 libxss1 libnspr4 libpci3
  poppler-utils fonts-nanum openssl age img2pdf xdotool make python3-venv libnss3-tools
)
# libasound2 was renamed libasound2t64 in Debian 13.
if apt-cache show libasound2t64 >/dev/null 2>&1; then PKGS+=(libasound2t64); else PKGS+=(libasound2); fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages. Run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "system packages: installed ${missing[*]}"
