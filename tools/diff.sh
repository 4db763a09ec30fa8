#!/usr/bin/env bash
# tools/diff.sh NN-slug - what a chapter changes, as a unified diff of the
# composed source trees of the chapter before it and this one (for chapter
# 01, against an empty tree). Each tree is composed by tools/compose.py.
set -eu
chapter=$1
here=$(cd "$(dirname "$0")/.." && pwd)
previous=$(ls "$here/chapters" | grep -E '^[0-9]{2}-' | sort | grep -B1 -x "$chapter" | grep -vx "$chapter" || true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/a" "$work/b"
python3 "$here/tools/compose.py" "$chapter" "$work/b/src"
if [ -n "$previous" ]; then
    python3 "$here/tools/compose.py" "$previous" "$work/a/src"
    label="${previous} -> ${chapter}"
else
    mkdir -p "$work/a/src"
    label="(empty) -> ${chapter}"
fi
echo "# make diff: $label"
cd "$work"
diff -ruN a/src b/src && echo "# no differences" || true
