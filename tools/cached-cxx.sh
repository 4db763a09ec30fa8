#!/usr/bin/env bash
# tools/cached-cxx.sh TREE SOURCE OBJECT COMPILER FLAGS... - compile SOURCE
# from the composed TREE (build/NN-slug/src) into OBJECT, or take the object
# an identical compile of another chapter already made.
#
# Most of a chapter's files, and the headers they include, are the chapter
# before's, unchanged; compiling them again is most of `make test`'s build.
# Two compiles are identical when their preprocessed text and their flags
# are, once the tree's own path is written as src/: that is also all that
# is left of the path in the object, because the flags map it there
# (-ffile-prefix-map=TREE/=src/). So equal keys give objects that are the
# same bytes, and which chapter compiled one first changes nothing in any
# kernel. The cache is build/objcache/KEY.o; `make clean` empties it.
#
# The dependency file (OBJECT with .d) comes from the preprocessing, so a
# cached object still has its own, naming this chapter's tree. A compile
# with a warning fails (-Werror), so a cached object never hides one.
set -euo pipefail
tree=$1 source=$2 object=$3
shift 3
chapter=$(basename "$(dirname "$tree")")
cache=build/objcache
mkdir -p "$cache" "$(dirname "$object")"

# The key: the preprocessed text and the flags, with this chapter's name
# and tree written the same way for every chapter. (A preprocessing error
# shows above and stops here.)
text=$(mktemp)
trap 'rm -f "$text"' EXIT
"$@" -E -MMD -MP -MF "${object%.o}.d" -MT "$object" "$source" -o - | sed "s|$tree/|src/|g" > "$text"
printf '%s\n' "$@" | sed "s|$tree|src|g; s|$chapter|CHAPTER|g" >> "$text"
key=$(sha256sum < "$text" | cut -c1-40)

if [ -f "$cache/$key.o" ]; then
    cp "$cache/$key.o" "$object"
else
    "$@" -c "$source" -o "$object"
    cp "$object" "$cache/$key.o.$$" && mv -f "$cache/$key.o.$$" "$cache/$key.o"
fi
