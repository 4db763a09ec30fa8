#!/usr/bin/env bash
# tools/bochs-debug.sh NN-slug ISO - the Bochs debugger on a chapter, interactive.
#
# Uses the top-level bochsrc. Before handing over the prompt it loads the
# kernel's symbols (build/NN-slug/kernel.sym, "address name" lines) and, if
# the kernel has a syscall_entry, puts a breakpoint on it. Console output:
# port 0xE9 appears on this terminal; COM1 goes to build/NN-slug/bochs/com1.txt.
set -eu
chapter=$1 iso=$2
here=$(cd "$(dirname "$0")/.." && pwd)
work="$here/build/$chapter/bochs"
mkdir -p "$work"
sym="$here/build/$chapter/kernel.sym"
{
    echo "ldsym global \"$sym\""
    if grep -q ' syscall_entry$' "$sym"; then
        echo 'lb "syscall_entry"'
        echo 'blist'
    fi
} > "$work/start.rc"
echo "bochs-debug: symbols from $sym; commands: c (continue), s (step), r (registers),"
echo "bochs-debug: show \"cpu0.GS.base\", show \"cpu0.MSR.kernelgsbase\", u /5, q (quit)"
export BXSHARE=/usr/share/bochs BOCHS_ISO="$here/$iso" BOCHS_SERIAL="$work/com1.txt" \
       BOCHS_LOG="$work/bochs.log" BOCHS_DEBUGLOG="$work/debugger.log"
exec bochs -q -f "$here/bochsrc" -rc "$work/start.rc"
