#!/usr/bin/env bash
# Fetches ReplayWeb.page (Webrecorder's web-archive player, npm package `replaywebpage`,
# AGPL-3.0) for the test that replays an exported WACZ (tests/test_links_replay.py). It is
# fetched at set-up time, never by a test, and never committed: a pinned version whose
# tarball must match the pinned npm `integrity` (SHA-512), unpacked into .cache/ (ignored by
# git) as the embedding guide lays it out: ui.js, replay/sw.js, and the licence.
#
#   bash scripts/fetch-replaywebpage.sh          fetch unless already there
#   bash scripts/fetch-replaywebpage.sh --check  exit 1 when it is not there
#   bash scripts/fetch-replaywebpage.sh --dir    print the folder the test reads
set -euo pipefail

VERSION=2.5.3
INTEGRITY=sha512-nCj2PSON3BxeSJKE8AsYPyULv0XPZKJWfy4l9PyQre9SqwLZ+WKZVs/sfLqPOQ4GrH+0YkjbwOhr8cSTH08gsQ==

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${EVIDENCEKIT_REPLAYWEBPAGE_DIR:-$ROOT/.cache/replaywebpage-$VERSION}"

present() {
  [ -s "$DEST/ui.js" ] && [ -s "$DEST/replay/sw.js" ] && [ -f "$DEST/INTEGRITY" ] \
    && [ "$(cat "$DEST/INTEGRITY")" = "$INTEGRITY" ]
}

case "${1:-}" in
  --dir) echo "$DEST"; exit 0 ;;
  --check)
    if present; then exit 0; fi
    echo "ReplayWeb.page $VERSION is not in $DEST: run bash scripts/fetch-replaywebpage.sh" >&2
    exit 1 ;;
esac

if present; then
  echo "ReplayWeb.page $VERSION: present"
  exit 0
fi
for c in npm tar openssl base64; do
  if ! command -v "$c" >/dev/null 2>&1; then
    echo "fetch-replaywebpage: $c is missing (scripts/install-system-deps.sh installs it)" >&2
    exit 1
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# npm pack downloads the registry's tarball (through npm's own proxy and CA settings)
# without installing it or running any of its scripts.
npm pack --silent --ignore-scripts --pack-destination "$work" "replaywebpage@$VERSION" >/dev/null
tgz="$work/replaywebpage-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "fetch-replaywebpage: replaywebpage-$VERSION.tgz does not match the pinned integrity" >&2
  echo "  expected $INTEGRITY" >&2
  echo "  got      $got" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$work" package/ui.js package/sw.js package/LICENSE
rm -rf "$DEST.new"
mkdir -p "$DEST.new/replay"
mv "$work/package/ui.js" "$DEST.new/ui.js"
mv "$work/package/sw.js" "$DEST.new/replay/sw.js"
mv "$work/package/LICENSE" "$DEST.new/LICENSE"
echo "$INTEGRITY" > "$DEST.new/INTEGRITY"
rm -rf "$DEST"
mv "$DEST.new" "$DEST"
echo "ReplayWeb.page $VERSION: fetched into $DEST"
