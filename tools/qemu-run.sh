#!/usr/bin/env bash
# tools/qemu-run.sh ISO - boot an ISO in QEMU with the console on this terminal.
#
# QEMU runs under TCG (no KVM: see docs/build.md). The kernel powers off
# through isa-debug-exit, which makes QEMU exit with (V << 1) | 1 where
# V = 0x10 + status (kernel/power.cpp). We turn that back into the status.
# Extra QEMU options can be passed in QEMU_EXTRA (e.g. "-s -S" for gdb).
# The machine has as many processors as the chapter's chapter.mk says
# (CPUS :=, from chapter 10), else one; CPUS in the environment overrides.
set -u
iso=$1
[ -f "$iso" ] || { echo "qemu-run: no ISO at $iso" >&2; exit 2; }
cpus=${CPUS:-$(sed -n 's/^CPUS *:\{0,1\}= *\([0-9]*\) *$/\1/p' "$(dirname "$iso")/src/chapter.mk" 2>/dev/null)}
# QEMU's messages still reach the terminal; a copy is kept to tell a
# triple fault from a gdb `kill` (both end QEMU with status 0, but only the
# latter makes it say "Terminated via GDBstub").
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
# (Standard output goes straight to the terminal through fd 3; standard
# error through tee.)
# shellcheck disable=SC2086
{ qemu-system-x86_64 -cdrom "$iso" -m 256M -cpu max -smp "${cpus:-1}" -serial stdio -display none \
    -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 ${QEMU_EXTRA:-} \
    2>&1 1>&3 3>&- | tee "$errors" >&2; } 3>&1
code=${PIPESTATUS[0]}
if [ "$code" = 0 ] && grep -q 'Terminated via GDBstub' "$errors"; then
    echo "qemu-run: gdb ended the session (kill); the kernel was stopped where it was" >&2
    exit 0
fi
case $code in
    33) exit 0 ;;
    35) echo "qemu-run: the kernel panicked" >&2; exit 1 ;;
    1)  echo "qemu-run: QEMU did not start (its message is above)" >&2; exit 2 ;;
    *)  echo "qemu-run: QEMU exited with status $code without a kernel power-off" \
             "(a triple fault resets the CPU, and -no-reboot turns that into an exit)" >&2
        exit 2 ;;
esac
