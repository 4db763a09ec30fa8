#!/usr/bin/env python3
"""Run a static Linux program natively and in a chapter's kernel; compare.

    same_as_linux.py --iso ISO --program ELF --result FILE [--expect FILE]

"Runs unchanged" claims are checked here, not assumed: the program's own
output lines (those starting with its name and a colon) must be identical
on this machine's Linux and on the course kernel booted in QEMU. The ISO
must boot the program as its only module.

A test that types input (`input:` in its .expect, see tools/boot.py) gives
the program the same bytes on both sides, at the same point: once its
output shows the `input-after:` line (the program must flush that line:
its stdout is a pipe here). In the kernel the bytes arrive on COM1, the
program's console; natively on its standard input, a pipe, which is
closed at the first Ctrl-D - the end of input a terminal gives there.
"""
import argparse
import io
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402  (qemu_command: the same QEMU the boot tests use)


def program_lines(text, prefix):
    return [line for line in text.replace("\r", "").splitlines() if line.startswith(prefix)]


def run_natively(program, exp):
    """Run PROGRAM on this machine: (exit status, None if it hung; its standard output)."""
    if not exp.input:
        native = subprocess.run([program], capture_output=True, text=True, timeout=30)
        return native.returncode, native.stdout
    proc = subprocess.Popen([program], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    output = io.BytesIO()
    if boot.converse(proc, exp, output, time.monotonic() + 30, native=True):
        proc.kill()
        proc.wait()
        return None, output.getvalue().decode(errors="replace")
    return proc.wait(), output.getvalue().decode(errors="replace")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iso", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--result", required=True)
    parser.add_argument("--expect", help="the test's .expect file: its input: lines, if any")
    args = parser.parse_args()
    name = os.path.basename(args.program).rsplit(".", 1)[0]
    prefix = name + ":"
    exp = boot.Expectation.load(args.expect) if args.expect else boot.Expectation()
    exp.timeout = 60

    native_code, native_out = run_natively(args.program, exp)
    with tempfile.TemporaryDirectory() as work:
        transcript = os.path.join(work, "console.txt")
        with open(os.path.join(work, "qemu.out"), "w") as out:
            iso = os.path.abspath(args.iso)
            boot.emulate(boot.qemu_command(iso, None if exp.input else transcript, exp.cpus or boot.chapter_cpus(iso)),
                         None, work, transcript, exp, out)
        with open(transcript, errors="replace") as f:
            kernel = f.read()

    linux_lines = program_lines(native_out, prefix)
    kernel_lines = program_lines(kernel, prefix)
    ok = native_code == 0 and linux_lines and linux_lines == kernel_lines
    print("%s  linux %-12s same output on Linux and in %s (%d lines, Linux exit %s)" % (
        "PASS" if ok else "FAIL", name, os.path.basename(os.path.dirname(os.path.abspath(args.iso))),
        len(linux_lines), native_code))
    if not ok:
        width = max([len(l) for l in linux_lines] + [10])
        print("      %-*s | %s" % (width, "on Linux", "in the course kernel"))
        for i in range(max(len(linux_lines), len(kernel_lines))):
            a = linux_lines[i] if i < len(linux_lines) else ""
            b = kernel_lines[i] if i < len(kernel_lines) else ""
            print("    %s %-*s | %s" % (" " if a == b else "!", width, a, b))
    with open(args.result, "w") as f:
        f.write("pass\n" if ok else "fail\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
