#!/usr/bin/env bash
# tools/bochs-debug.sh NN-slug ISO - the Bochs debugger on a chapter, interactive.
#
# Uses the top-level bochsrc. Before handing over the prompt it loads the
# kernel's symbols (build/NN-slug/kernel.sym, "address name" lines) and, if
# the kernel has a syscall_entry, puts a breakpoint on it. Console output:
# port 0xE9 appears on this terminal; COM1 goes to build/NN-slug/bochs/com1.txt.
#
# Commands can also come from a pipe, which is how the docs' transcripts
# were made:  printf 'c\ns\nq\n' | make bochs CH=05
# docs/bochs-swapgs.md walks through a session; `make trace` runs one for you.
set -eu
chapter=$1 iso=$2
here=$(cd "$(dirname "$0")/.." && pwd)
# Processors: the chapter's CPUS (chapter.mk, from chapter 10), else one;
# CPUS in the environment overrides.
cpus=${CPUS:-$(sed -n 's/^CPUS *:\{0,1\}= *\([0-9]*\) *$/\1/p' "$here/build/$chapter/src/chapter.mk" 2>/dev/null)}
work="$here/build/$chapter/bochs"
mkdir -p "$work"
sym="$here/build/$chapter/kernel.sym"
[ -f "$sym" ] || { echo "bochs-debug: $sym is missing (build the chapter first)" >&2; exit 1; }
# With one program in the ISO (make bochs CH=05 PROGRAMS=null-syscall), its
# symbols too: user programs all live at 0x400000, so only one can be loaded.
programs=$(find "$here/${iso%.iso}.dir/boot" -maxdepth 1 -type f ! -name kernel.elf 2>/dev/null || true)
user_sym=
if [ -n "$programs" ] && [ "$(echo "$programs" | wc -l)" -eq 1 ]; then
    user_sym="$work/$(basename "$programs").sym"
    nm "$programs" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[tT]$/ { print $1, $3 }' > "$user_sym" || user_sym=
fi
{
    echo "ldsym global \"$sym\""
    [ -z "$user_sym" ] || echo "ldsym global \"$user_sym\""
    if grep -q ' syscall_entry$' "$sym"; then
        echo 'lb "syscall_entry"'
        echo 'blist'
    fi
} > "$work/start.rc"
echo "bochs-debug: symbols from $sym${user_sym:+ and $user_sym}$(grep -q ' syscall_entry$' "$sym" && echo '; breakpoint 1 on syscall_entry')"
echo 'bochs-debug: c (continue), s (one instruction), r (registers), u /5 (disassemble),'
echo 'bochs-debug: show "cpu0.GS.base", show "cpu0.MSR.kernelgsbase" (full 64 bits; sreg hides the top),'
echo 'bochs-debug: x /1gx ADDR (memory), lb "symbol" (breakpoint), blist, d N (delete), q (quit)'
export BXSHARE=/usr/share/bochs BOCHS_ISO="$here/$iso" BOCHS_SERIAL="$work/com1.txt" \
       BOCHS_LOG="$work/bochs.log" BOCHS_DEBUGLOG="$work/debugger.log"
# Before it reads the bochsrc (whose "info: action=ignore" would hush it),
# Bochs logs every plugin it loads: some 25 lines of "00000000000i[...]" on
# standard error, which would push the hints above off the screen. Hide
# those info lines, the sound plugin's ALSA complaints on machines without
# sound, and the name of the pseudo-terminal of its display; keep anything
# else (errors "e[", panics "p[").
exec bochs -q -f "$here/bochsrc" -rc "$work/start.rc" "cpu: count=${cpus:-1}" \
    2> >(grep --line-buffered -v -E '^(ALSA lib|[0-9]+i\[|Bochs connected to screen )' >&2)
