#!/bin/sh
# Creates (once per version) a Python venv with Schemathesis for the OpenAPI contract test and
# prints the path of its `st` executable. Cached under ~/.cache/ndc-platform/schemathesis-<version>;
# a half-made venv (no marker file) is made again.
set -eu
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
CACHE="${NDC_CACHE_DIR:-$HOME/.cache/ndc-platform}"
DIR="$CACHE/schemathesis-$VERSION"
if [ ! -f "$DIR/.installed" ]; then
  command -v python3 >/dev/null || { echo "schemathesis: python3 is required (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
  rm -rf "$DIR"
  mkdir -p "$CACHE"
  echo "schemathesis: creating $DIR (pip install schemathesis==$VERSION)" >&2
  python3 -m venv "$DIR" >&2 || { echo "schemathesis: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$DIR/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
  "$DIR/bin/st" --version >&2
  touch "$DIR/.installed"
fi
echo "$DIR/bin/st"
