#!/usr/bin/env python3
"""Run a static Linux program natively and in a chapter's kernel; compare.

    same_as_linux.py --iso ISO --program ELF --result FILE

"Runs unchanged" claims are checked here, not assumed: the program's own
output lines (those starting with its name and a colon) must be identical
on this machine's Linux and on the course kernel booted in QEMU. The ISO
must boot the program as its only module.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402  (qemu_command: the same QEMU the boot tests use)


def program_lines(text, prefix):
    return [line for line in text.replace("\r", "").splitlines() if line.startswith(prefix)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iso", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    name = os.path.basename(args.program).rsplit(".", 1)[0]
    prefix = name + ":"

    native = subprocess.run([args.program], capture_output=True, text=True, timeout=30)
    with tempfile.TemporaryDirectory() as work:
        transcript = os.path.join(work, "console.txt")
        subprocess.run(boot.qemu_command(os.path.abspath(args.iso), transcript),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        with open(transcript, errors="replace") as f:
            kernel = f.read()

    linux_lines = program_lines(native.stdout, prefix)
    kernel_lines = program_lines(kernel, prefix)
    ok = native.returncode == 0 and linux_lines and linux_lines == kernel_lines
    print("%s  linux %-12s same output on Linux and in %s (%d lines, Linux exit %d)" % (
        "PASS" if ok else "FAIL", name, os.path.basename(os.path.dirname(os.path.abspath(args.iso))),
        len(linux_lines), native.returncode))
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
