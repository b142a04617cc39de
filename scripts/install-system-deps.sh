#!/usr/bin/env bash
# Installs the Debian packages EvidenceKit needs, on a bare Debian 12 or 13 too: make and
# Python's venv (to build), Qt's runtime libraries (offscreen, Xvfb, WebEngine),
# dbus-daemon (the XDG portal tests), poppler-utils (pdfsig, pdfdetach, pdftoppm), NSS's
# certutil, Tesseract with Korean and English data, the Nanum Hangul font, and the tools
# the benchmarks compare against (openssl, age, img2pdf), and npm (scripts/
# fetch-replaywebpage.sh fetches ReplayWeb.page with it for the WACZ replay test).
#
# Run it as yourself: it calls `sudo apt-get` for the packages that are missing (or runs
# apt-get directly when you are root, as in CI). Never run the build itself as root with
# sudo: `make` keeps .venv owned by you.
#
#   bash scripts/install-system-deps.sh           install what is missing
#   bash scripts/install-system-deps.sh --check    only check; exit 1 when anything is missing
#   bash scripts/install-system-deps.sh --commands print the commands the README relies on
set -euo pipefail

PKGS=(
  make python3 python3-venv python3-pip ca-certificates coreutils
  libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0 libdbus-1-3
  libx11-6 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxkbcommon-x11-0 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0
  libxcb-xkb1 libxshmfence1 libgbm1 libdrm2 libxss1 libnspr4 libpci3
  dbus-daemon poppler-utils libnss3-tools fonts-nanum openssl age img2pdf xdotool
  tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng
)

# Every command the README, the tests and the benchmarks call; checked after installing.
COMMANDS=(
  make python3 bash Xvfb xauth xdotool dbus-daemon pdfsig pdfdetach pdftoppm pdfinfo
  openssl sha256sum head wc awk certutil tesseract age img2pdf npm
)

mode="${1:-install}"
if [ "$mode" = "--commands" ]; then
  printf '%s\n' "${COMMANDS[@]}"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "${EVIDENCEKIT_ALLOW_SUDO_BUILD:-}" != 1 ] \
   && [ "$mode" != "--as-root-ok" ]; then
  # `sudo make run` would leave a root-owned .venv and start the GUI as root.
  echo "Please run this (and make) as yourself, not with sudo: it asks for sudo itself" >&2
  echo "when system packages are missing." >&2
  exit 1
fi

have_pkg() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# libasound2 was renamed libasound2t64 in Debian 13 (apt-cache needs the lists, so ask dpkg
# first and the distribution's version second).
if have_pkg libasound2t64; then
  PKGS+=(libasound2t64)
elif have_pkg libasound2; then
  PKGS+=(libasound2)
elif [ -r /etc/os-release ] && grep -q '^VERSION_ID="1[3-9]' /etc/os-release; then
  PKGS+=(libasound2t64)
else
  PKGS+=(libasound2)
fi

# npm: Debian's nodejs and npm, unless a Node.js that brings its own npm is installed
# (NodeSource's nodejs package conflicts with Debian's npm).
if ! command -v npm >/dev/null 2>&1; then
  PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
  have_pkg "$p" || missing+=("$p")
done

check_commands() {
  local absent=()
  for c in "${COMMANDS[@]}"; do
    command -v "$c" >/dev/null 2>&1 || absent+=("$c")
  done
  if [ ${#absent[@]} -ne 0 ]; then
    echo "system packages: commands still missing: ${absent[*]}" >&2
    return 1
  fi
  return 0
}

if [ ${#missing[@]} -eq 0 ]; then
  check_commands
  echo "system packages: all present"
  exit 0
fi
if [ "$mode" = "--check" ]; then
  echo "system packages missing: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif command -v sudo >/dev/null 2>&1; then
  echo "system packages: installing ${missing[*]} (sudo asks for your password)"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
else
  echo "Missing system packages and no sudo here. As root, run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
check_commands
echo "system packages: installed ${missing[*]}"
