#!/usr/bin/env bash
# tools/docs.sh - build the course book into build/docs/html (`make docs`).
#
#   1. tools/docs_gen.py measure: run `make trace` / `make bench` for any
#      figure of the Measurements page that is missing or older than its code;
#   2. tools/docs_gen.py pages: write the book's pages into build/docs/gen
#      (the *.md files with their links resolved, each chapter's changes and
#      diff, the measurements, the chapter map);
#   3. doxygen docs/Doxyfile: the reference and the pages, into build/docs/html;
#   4. tools/docs_gen.py link: point the pages' `code names` at the reference.
#
# Any Doxygen warning, broken link or diagram that no longer matches the code
# fails the build. Doxygen's warnings are also kept in build/docs/warnings.txt.
set -eu
cd "$(dirname "$0")/.."
# Debian's Python: the generator uses Debian's python3-pygments (tools/setup.sh).
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p build/docs
$PYTHON tools/docs_gen.py measure
$PYTHON tools/docs_gen.py pages
rm -rf build/docs/html
status=0
doxygen docs/Doxyfile 2> build/docs/warnings.txt || status=$?
if [ -s build/docs/warnings.txt ] || [ "$status" != 0 ]; then
    sed "s|^$PWD/||" build/docs/warnings.txt >&2
    echo "docs: Doxygen stopped with $(grep -c . build/docs/warnings.txt) warning line(s) (status $status)" >&2
    exit 1
fi
$PYTHON tools/docs_gen.py link
echo "docs: build/docs/html/index.html"
