#!/usr/bin/env bash
# Packs the one-folder stand-alone build into the archive that is handed out:
#   scripts/pack-dist.sh dist      ->  dist/evidencekit-linux-<arch>.tar.xz
# xz is in every Debian base system, so `tar xf` unpacks it anywhere; -T0 uses every core.
set -euo pipefail
dist="${1:-dist}"
[ -x "$dist/evidencekit/evidencekit" ] || { echo "no build in $dist/evidencekit (run make dist)" >&2; exit 1; }
out="$dist/evidencekit-linux-$(uname -m).tar.xz"
tar -C "$dist" -cf - evidencekit | xz -T0 -6 > "$out.part"
mv "$out.part" "$out"
echo "$out"
