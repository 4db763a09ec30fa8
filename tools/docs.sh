#!/usr/bin/env bash
# tools/docs.sh - build the course book with Doxygen into build/docs/html.
# Doxygen warnings are errors (WARN_AS_ERROR in docs/Doxyfile).
set -eu
cd "$(dirname "$0")/.."
mkdir -p build/docs
doxygen docs/Doxyfile
echo "docs: build/docs/html/index.html"
