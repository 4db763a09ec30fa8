#!/usr/bin/env bash
# tools/qemu-run.sh ISO - boot an ISO in QEMU with the console on this terminal.
#
# QEMU runs under TCG (no KVM: see docs/build.md). The kernel powers off
# through isa-debug-exit, which makes QEMU exit with (V << 1) | 1 where
# V = 0x10 + status (kernel/power.cpp). We turn that back into the status.
# Extra QEMU options can be passed in QEMU_EXTRA (e.g. "-s -S" for gdb).
set -u
iso=$1
[ -f "$iso" ] || { echo "qemu-run: no ISO at $iso" >&2; exit 2; }
# shellcheck disable=SC2086
qemu-system-x86_64 -cdrom "$iso" -m 256M -cpu max -serial stdio -display none \
    -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 ${QEMU_EXTRA:-}
code=$?
case $code in
    33) exit 0 ;;
    35) echo "qemu-run: the kernel panicked" >&2; exit 1 ;;
    *)  echo "qemu-run: QEMU exited with status $code without a kernel power-off" \
             "(a triple fault resets the CPU, and -no-reboot turns that into an exit)" >&2
        exit 2 ;;
esac
