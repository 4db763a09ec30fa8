#!/usr/bin/env python3
"""Run a static Linux program natively and in a chapter's kernel; compare.

    same_as_linux.py --iso ISO --program ELF --result FILE [--expect FILE] [--console FILE]

"Runs unchanged" claims are checked here, not assumed: the program's own
output lines (those starting with its name and a colon) must be identical
on this machine's Linux and on the course kernel booted in QEMU, and so
must the way it ends: the kernel's `[Process] Terminated ... with code=N`
line must give the status a shell reports on Linux (its exit code, or 128 +
the signal that killed it). The ISO
must boot the program as its only module.

Both runs start the program the same way: argv[0] is its name (NAME, for
build/user/NAME.elf), the arguments are the .expect's `program-args:`
words, split as GRUB splits them (shell quoting), the environment is the
kernel's (PATH=/bin HOME=/ TERM=linux, proc/cmdline.h) with the
`program-env:` words added, and the working directory is "/". Natively the
file is started from a folder of its own as NAME, so that its AT_EXECFN
ends in its name, as in the kernel.

A program that prints lines of its own making (Debian's busybox) cannot
start each with its name: `compare-output: all` in the .expect compares
everything it writes instead, which in the kernel is every console line
between the kernel's "[Process] Started" line for it and its last
"[Process] Terminated" line, less the kernel's own "[Word] ..." lines.
Natively its standard input is /dev/null then. What must differ between
the two kernels (the name and version uname gives) is masked on both
sides: each `mask: REGEX` line of the .expect replaces what the regular
expression matches with "<masked>".

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
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402  (qemu_command: the same QEMU the boot tests use)


def program_lines(text, prefix):
    return [line for line in text.replace("\r", "").splitlines() if line.startswith(prefix)]


# A line the kernel writes itself: "[Process] ...", "[Timer] ...".
KERNEL_LINE = re.compile(r"^\[[A-Za-z0-9_ -]+\] ")


def all_program_lines(console, name):
    """Every line the program NAME wrote to the console: those after the
    kernel's "Started" line for it and before its last "Terminated" line,
    without the kernel's own lines in between."""
    lines = console.replace("\r", "").splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("[Process] Started") and "(%s)" % name in l), None)
    ends = [i for i, l in enumerate(lines) if l.startswith("[Process] Terminated") and "(%s)" % name in l]
    if start is None or not ends:
        return []
    return [l for l in lines[start + 1:ends[-1]] if not KERNEL_LINE.match(l)]


def masked(lines, patterns):
    """LINES with what each regular expression of PATTERNS matches replaced by <masked>."""
    for pattern in patterns:
        lines = [re.sub(pattern, "<masked>", line) for line in lines]
    return lines


# The kernel's environment for every program (chapters/04-user/proc/cmdline.h).
DEFAULT_ENVIRONMENT = ["PATH=/bin", "HOME=/", "TERM=linux"]


def shell_status(returncode):
    """A subprocess's return code as a shell reports it: 128 + N when killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def kernel_status(console, name):
    """The status the kernel printed for program NAME, or None if it never ended.
    From chapter 12 its children may carry the same name (fork, exec of
    /proc/self/exe): the one that counts is the boot module, the first
    "Started" with that name."""
    name = re.escape(name[:31])
    started = re.search(r"\[Process\] Started PID=(\d+) \(%s\)" % name, console)
    pid = started.group(1) if started else r"\d+"
    found = re.search(r"\[Process\] Terminated PID=%s \(%s\) with code=(\d+)" % (pid, name), console)
    return int(found.group(1)) if found else None


def directive(expect, key):
    """The words of the .expect's `key:` lines, as the Makefile reads them."""
    if not expect:
        return ""
    with open(expect) as f:
        return " ".join(line.split(":", 1)[1].strip() for line in f if line.startswith(key + ":"))


def environment(words):
    """The kernel's defaults, then WORDS (NAME=VALUE): a name given again keeps its place."""
    env = dict(w.split("=", 1) for w in DEFAULT_ENVIRONMENT)
    for word in words:
        name, _, value = word.partition("=")
        env[name] = value
    return env


def run_natively(program, exp, argv, env, work):
    """Run PROGRAM on this machine as the kernel does (ARGV, ENV, in "/"):
    (exit status, None if it hung; its standard output)."""
    started_as = os.path.join(work, argv[0])
    shutil.copy(program, started_as)
    if not exp.input:
        native = subprocess.run(argv, executable=started_as, env=env, cwd="/", capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=30)
        return native.returncode, native.stdout
    proc = subprocess.Popen(argv, executable=started_as, env=env, cwd="/", stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
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
    parser.add_argument("--console", help="the console of a QEMU boot of ISO (the boot test's transcript):"
                        " compared instead of booting again")
    args = parser.parse_args()
    name = os.path.basename(args.program).rsplit(".", 1)[0]
    prefix = name + ":"
    exp = boot.Expectation.load(args.expect) if args.expect else boot.Expectation()
    exp.timeout = 60

    argv = [name] + shlex.split(directive(args.expect, "program-args"))
    env = environment(shlex.split(directive(args.expect, "program-env")))
    with tempfile.TemporaryDirectory() as work:
        native_code, native_out = run_natively(args.program, exp, argv, env, work)
    if args.console:  # the QEMU boot test of the same ISO already ran it
        with open(args.console, errors="replace") as f:
            kernel = f.read()
    else:
        with tempfile.TemporaryDirectory() as work:
            transcript = os.path.join(work, "console.txt")
            with open(os.path.join(work, "qemu.out"), "w") as out:
                iso = os.path.abspath(args.iso)
                boot.emulate(boot.qemu_command(iso, None if exp.input else transcript,
                                               exp.cpus or boot.chapter_cpus(iso)),
                             None, work, transcript, exp, out)
            with open(transcript, errors="replace") as f:
                kernel = f.read()

    if directive(args.expect, "compare-output") == "all":
        linux_lines = native_out.replace("\r", "").splitlines()
        kernel_lines = all_program_lines(kernel, name)
    else:
        linux_lines = program_lines(native_out, prefix)
        kernel_lines = program_lines(kernel, prefix)
    patterns = [line.split(":", 1)[1].strip() for line in open(args.expect) if line.startswith("mask:")] \
        if args.expect else []
    linux_lines, kernel_lines = masked(linux_lines, patterns), masked(kernel_lines, patterns)
    native_status = None if native_code is None else shell_status(native_code)
    ours = kernel_status(kernel, name)
    ok = native_status is not None and native_status == ours and linux_lines and linux_lines == kernel_lines
    print("%s  linux %-12s same output on Linux and in %s (%d lines, status %s on Linux, %s here)" % (
        "PASS" if ok else "FAIL", name, os.path.basename(os.path.dirname(os.path.abspath(args.iso))),
        len(linux_lines), native_status, ours))
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
