#!/usr/bin/env bash
# tools/bench.sh NN-slug - run the io_uring benchmark (user/programs/uring-bench)
# in a chapter's kernel and keep its table in build/NN-slug/bench.txt.
#
# QEMU runs with -icount shift=0: the guest's clock, and so its TSC, advance
# by instruction count instead of host time, so "tsc ticks/op" counts
# instructions and the figures are the same on every run and every machine.
# The kernel boots without validate=1, whose extra checks would be measured.
set -eu
chapter=$1
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
make --no-print-directory -f tools/kernel.mk CHAPTER="$chapter" ISO_NAME=bench PROGRAMS=uring-bench CMDLINE= iso
out=build/$chapter/bench.txt
QEMU_EXTRA="-icount shift=0" tools/qemu-run.sh "build/$chapter/bench.iso" | tr -d '\r' > "build/$chapter/bench.console"
grep '^uring-bench:' "build/$chapter/bench.console" > "$out" || {
    echo "bench: uring-bench printed nothing; console in build/$chapter/bench.console" >&2
    exit 1
}
{ echo "# make bench CH=${chapter%%-*}: QEMU -icount shift=0, tsc ticks = guest instructions"; cat "$out"; } > "$out.new"
mv "$out.new" "$out"
cat "$out"
