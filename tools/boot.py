#!/usr/bin/env python3
r"""Boot a chapter in an emulator and check its console against expectations.

    boot.py run   --emulator qemu|bochs --iso ISO --expect FILE --transcript OUT
                  [--result FILE] [--name NAME]
    boot.py check --transcript FILE --expect FILE [--exit-code N] [--timed-out]

An expectation file (chapters/NN-slug/test.expect) holds one rule a line:
    TEXT            a console line containing TEXT must appear, after the
                    line matched by the rule before it (order matters);
                    `*` in TEXT stands for any run of characters
    never: TEXT     no console line may contain TEXT
    status: N       the kernel must power off with "[Power] off status=N"
                    (default 0; any status other than 0 allows "PANIC")
    timeout: S      seconds before the run counts as hung (default 30)
    include: PATH   the rules of another file, here (PATH is relative)
    args: OPTIONS   (test-X.expect only) kernel options for this boot
    programs: A B   (test-X.expect only) the modules, in place of chapter.mk's
    program-args: W (test-X.expect only) words after each module's name (its
                    argv), with shell quoting: 'two words' is one argument
    program-env: W  (test-X.expect only) NAME=VALUE words added to the
                    program's environment (proc/cmdline.h)
    emulators: E    (test-X.expect only) where it runs: qemu, bochs or both (default)
    cpus: N         processors the machine has (QEMU -smp N, Bochs cpu: count=N);
                    default: the chapter's CPUS (its chapter.mk), else 1
    compare-with-linux: yes   (test-X.expect only) also run the one program
                    natively and compare outputs (tools/same_as_linux.py)
    compare-output: all  (with compare-with-linux) compare all the program
                    writes, not only its lines that start with "NAME:"
    mask: REGEX     (with compare-with-linux) what REGEX matches is replaced
                    on both sides before comparing (uname's kernel name)
    input: TEXT     bytes to type on COM1 (QEMU only: add `emulators: qemu`);
                    escapes \n \r \t \\ \xHH, and \x20 for a space at
                    either end; several lines are sent one after the other
    input-repeat: N the `input:` line just before counts N times in all
    input-after: TEXT   send the input once a console line contains TEXT
                    (required with input:)
    input-delay: S  ...and S seconds after that line (default 0)
    # ...           a comment
"PANIC" and "[Trap] Unexpected" are forbidden unless the status says otherwise.

With `input:`, QEMU's COM1 is its standard input and output (-serial stdio)
instead of a file: this script copies the output to the transcript as it
comes, and writes the input to QEMU once the trigger line has appeared.
Nothing is sent earlier, because a UART drops what it receives before the
kernel has set it up. A Ctrl-D (\x04) is end of input only in the way a
terminal gives it: the kernel's console decides (chapter 07).

`check` judges a transcript already on disk: the harness's own tests use it
to prove that a panic, a missing line and a timeout each fail.
"""
import argparse
import os
import re
import select
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU_SUCCESS_BASE = 0x10  # kernel/power.cpp writes 0x10 + status to port 0xf4


class Expectation:
    def __init__(self):
        self.lines = []    # (text, "file:line") that must appear in order
        self.never = []
        self.status = 0
        self.timeout = 30.0
        self.input = b""          # what to type on COM1 (input:, input-repeat:)
        self.input_after = None   # the console text that triggers it (input-after:)
        self.input_delay = 0.0    # seconds between the trigger and the input (input-delay:)
        self.last_input = None    # the latest input: line, for input-repeat:
        self.cpus = None          # cpus: (None: the chapter's CPUS)

    @classmethod
    def load(cls, path, into=None, depth=0):
        exp = into or cls()
        if depth > 8:
            raise ValueError("%s: include nested too deeply" % path)
        with open(path) as f:
            for number, raw in enumerate(f, 1):
                line = raw.rstrip("\n").strip()
                where = "%s:%d" % (os.path.relpath(path, ROOT), number)
                if not line or line.startswith("#"):
                    continue
                key, _, value = line.partition(":")
                value = value.strip()
                if key == "never":
                    exp.never.append(value)
                elif key == "status":
                    exp.status = int(value)
                elif key == "timeout":
                    exp.timeout = float(value)
                elif key == "cpus":
                    exp.cpus = int(value)
                elif key in ("args", "programs", "program-args", "program-env", "emulators", "compare-with-linux",
                             "compare-output", "mask"):
                    pass  # read by the Makefile to build this test's ISO
                elif key == "include":
                    cls.load(os.path.join(os.path.dirname(path), value), exp, depth + 1)
                elif key == "input":
                    exp.last_input = decode_input(value, where)
                    exp.input += exp.last_input
                elif key == "input-repeat":
                    if exp.last_input is None or int(value) < 1:
                        raise ValueError("%s: input-repeat: needs an input: line before it and a count >= 1" % where)
                    exp.input += exp.last_input * (int(value) - 1)
                    exp.last_input = None
                elif key == "input-after":
                    exp.input_after = value
                elif key == "input-delay":
                    exp.input_delay = float(value)
                else:
                    exp.lines.append((line, where))
        if depth == 0 and exp.input and not exp.input_after:
            raise ValueError("%s: input: needs input-after: (the console line after which to send it)" % path)
        return exp


ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\"}


def decode_input(text, where):
    """The bytes an `input:` line stands for: \\n \\r \\t \\\\ and \\xHH decoded."""
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] != "\\":
            out += text[i].encode()
            i += 1
        elif text[i + 1:i + 2] in ESCAPES:
            out += ESCAPES[text[i + 1]]
            i += 2
        elif text[i + 1:i + 2] == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("%s: input: unknown escape %r (known: \\n \\r \\t \\\\ \\xHH)" % (where, text[i:i + 4]))
    return bytes(out)


def contains(line, pattern):
    """True if LINE contains PATTERN, where `*` matches any run of characters."""
    at = 0
    for piece in pattern.split("*"):
        found = line.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def judge(transcript, exp, exit_code=None, timed_out=False, emulator=None):
    """Return a list of failure messages (empty: the run passed)."""
    failures = []
    lines = transcript.splitlines()
    if timed_out:
        failures.append("timed out after %.0f s (hung kernel, or no power-off)" % exp.timeout)
    never = list(exp.never)
    if exp.status == 0:
        never += ["PANIC", "[Trap] Unexpected"]
    for text in never:
        for n, line in enumerate(lines, 1):
            if text in line:
                failures.append("forbidden text %r on console line %d: %s" % (text, n, line))
                break
    at = 0
    for text, where in exp.lines:
        found = next((i for i in range(at, len(lines)) if contains(lines[i], text)), None)
        if found is None:
            earlier = any(contains(l, text) for l in lines[:at])
            failures.append("missing %r (%s)%s" % (
                text, where, " - it appears, but before the line expected ahead of it" if earlier else ""))
            break  # later lines would only repeat the news
        at = found + 1
    want = "[Power] off status=%d" % exp.status
    if not timed_out and not any(l.strip() == want for l in lines):
        got = [l.strip() for l in lines if l.startswith("[Power] off")]
        failures.append("expected %r, saw %s" % (want, got[0] if got else "no power-off line"))
    if emulator == "qemu" and exit_code is not None and not timed_out:
        want_code = ((QEMU_SUCCESS_BASE + exp.status) << 1) | 1
        if exit_code != want_code:
            failures.append("QEMU exit status %d, expected %d" % (exit_code, want_code))
    return failures


def chapter_cpus(iso):
    """The processors the chapter of ISO runs on: CPUS in its chapter.mk (the
    composed one, build/NN-slug/src/chapter.mk, beside the ISO), else 1."""
    try:
        with open(os.path.join(os.path.dirname(iso), "src", "chapter.mk")) as f:
            for line in f:
                m = re.match(r"CPUS\s*:?=\s*(\d+)\s*$", line)
                if m:
                    return int(m.group(1))
    except OSError:
        pass
    return 1


def qemu_command(iso, transcript=None, cpus=1):
    """QEMU as every boot test runs it: COM1 into TRANSCRIPT, or (None) on
    QEMU's standard input and output, for a test that types input; with
    CPUS processors."""
    return ["qemu-system-x86_64", "-cdrom", iso, "-m", "256M", "-cpu", "max", "-smp", str(cpus),
            "-serial", "file:" + transcript if transcript else "stdio", "-display", "none", "-monitor", "none",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def bochs_command(iso, transcript, workdir, cpus=1):
    env = dict(os.environ, BXSHARE="/usr/share/bochs", BOCHS_ISO=iso,
               BOCHS_SERIAL=transcript, BOCHS_LOG=os.path.join(workdir, "bochs.log"),
               BOCHS_DEBUGLOG=os.path.join(workdir, "bochs-debugger.log"))
    rc = os.path.join(workdir, "continue.rc")
    with open(rc, "w") as f:
        f.write("c\n")  # the debugger stops before the first instruction
    # A bochsrc line on the command line is read after the file: CPUS
    # processors, and BOOT_TEST_IPS.
    return ["bochs", "-q", "-f", os.path.join(ROOT, "bochsrc"), "-rc", rc,
            "cpu: count=%d, ips=%d" % (cpus, BOOT_TEST_IPS)], env


# Bochs' clock (bochsrc: clock: sync=none) is its instruction count: at
# bochsrc's 100 million instructions per emulated second, every emulated
# millisecond the kernel waits through (a tick at boot, a sleep, an idle
# second CPU) costs Bochs about as much work as 100,000 instructions. A boot
# test checks what the kernel does, not what it costs, so it tells Bochs
# that 20 million instructions make a second: a 1 ms tick every 20,000, and
# the same waits for a fifth of the work (chapter 10's boot took 12 s
# instead of 5 here, chapter 07's 4.5 s instead of 3.3). make trace and
# make bochs keep bochsrc's figure, which the texts' counts are of.
BOOT_TEST_IPS = 20000000


def converse(proc, exp, sink, deadline, native=False):
    """Copy PROC's standard output to SINK (a binary file) until it ends, and
    type EXP's input on PROC's standard input once a complete line of that
    output contains exp.input_after, exp.input_delay seconds later.
    NATIVE: PROC is a program reading a pipe, not an emulated terminal, so
    the input stops at its first Ctrl-D and the pipe is closed there, which
    is what a Ctrl-D at the start of a line means to a program reading a
    terminal. True if DEADLINE (time.monotonic()) passed first."""
    pending = exp.input.split(b"\x04")[0] if native else exp.input
    trigger = exp.input_after.encode()
    send_at = None              # set when the trigger line has been seen
    partial = b""               # the output's last line, while it is incomplete
    out_fd, in_fd = proc.stdout.fileno(), proc.stdin.fileno()
    os.set_blocking(in_fd, False)
    while True:
        now = time.monotonic()
        if now >= deadline:
            return True
        sending = send_at is not None and now >= send_at and in_fd is not None
        wait = (min(deadline, send_at) if send_at is not None and now < send_at else deadline) - now
        readable, writable, _ = select.select([out_fd], [in_fd] if sending else [], [], wait)
        if readable:
            data = os.read(out_fd, 65536)
            if not data:
                return False    # its output closed: it has ended
            sink.write(data)
            sink.flush()
            if send_at is None:
                lines = (partial + data).replace(b"\r", b"").split(b"\n")
                partial = lines.pop()
                if any(trigger in line for line in lines):
                    send_at = time.monotonic() + exp.input_delay
        if writable:
            try:
                pending = pending[os.write(in_fd, pending[:65536]):]
            except BrokenPipeError:
                pending = b""   # it stopped reading: the rest is not wanted
            if not pending:
                if native:
                    proc.stdin.close()
                in_fd = None    # an emulator's input stays open, as a terminal's would


def emulate(cmd, env, workdir, transcript, exp, out):
    """Run an emulator until it exits or exp.timeout passes: (exit status, timed out).
    Its COM1 goes to TRANSCRIPT: written by the emulator itself, or, for a
    test with input (COM1 on the emulator's stdin and stdout), by converse()."""
    start = time.monotonic()
    timed_out = False
    if exp.input:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=out,
                                env=env, cwd=workdir, start_new_session=True)
        with open(transcript, "wb") as sink:
            timed_out = converse(proc, exp, sink, start + exp.timeout)
    else:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=workdir, start_new_session=True)
    try:
        code = proc.wait(timeout=max(0.0, start + exp.timeout - time.monotonic())) if not timed_out else None
    except subprocess.TimeoutExpired:
        timed_out = True
    if timed_out:
        os.killpg(proc.pid, 9)
        code = proc.wait()
    return code, timed_out


def run(args):
    exp = Expectation.load(args.expect)
    transcript = os.path.abspath(args.transcript)
    # The emulator's own files (logs, scripts) go in a folder of this run's:
    # runs of one chapter happen in parallel.
    workdir = os.path.splitext(transcript)[0] + ".run"
    os.makedirs(workdir, exist_ok=True)
    if os.path.exists(transcript):
        os.remove(transcript)
    env = None
    cpus = exp.cpus or chapter_cpus(os.path.abspath(args.iso))
    if args.emulator == "qemu":
        cmd = qemu_command(os.path.abspath(args.iso), None if exp.input else transcript, cpus)
    elif args.emulator == "bochs":
        if exp.input:  # its COM1 is a file (bochsrc): nothing can be typed on it
            return finish(args, ["input: needs QEMU: add `emulators: qemu` to %s" % args.expect], "", 0)
        cmd, env = bochs_command(os.path.abspath(args.iso), transcript, workdir, cpus)
    else:
        cmd = args.emulator.split()  # the harness tests' stand-in emulator
    if shutil.which(cmd[0]) is None:
        print("boot.py: %s is not installed (run: make setup)" % cmd[0], file=sys.stderr)
        return finish(args, ["emulator %s not found" % cmd[0]], "", 0)
    start = time.monotonic()
    with open(os.path.join(workdir, args.emulator.split()[0] + ".out"), "w") as out:
        code, timed_out = emulate(cmd, env, workdir, transcript, exp, out)
    elapsed = time.monotonic() - start
    text = ""
    if os.path.exists(transcript):
        with open(transcript, errors="replace") as f:
            text = f.read().replace("\r", "")
    failures = judge(text, exp, code, timed_out, args.emulator)
    return finish(args, failures, text, elapsed)


def finish(args, failures, text, elapsed):
    name = args.name or os.path.basename(os.path.dirname(os.path.abspath(args.expect)))
    if failures:
        print("FAIL  %-5s %s (%.1f s)" % (args.emulator.split()[0], name, elapsed))
        for f in failures:
            print("      - " + f)
        print("      console transcript (%s):" % args.transcript)
        for n, line in enumerate(text.splitlines(), 1):
            print("      %4d | %s" % (n, line))
    else:
        print("PASS  %-5s %s (%.1f s)" % (args.emulator.split()[0], name, elapsed))
    if args.result:
        with open(args.result, "w") as f:
            f.write("fail\n" if failures else "pass\n")
    return 1 if failures else 0


def check(args):
    exp = Expectation.load(args.expect)
    with open(args.transcript, errors="replace") as f:
        text = f.read()
    failures = judge(text, exp, args.exit_code, args.timed_out,
                     "qemu" if args.exit_code is not None else None)
    for f in failures:
        print(f)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description="boot and check a chapter")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--emulator", required=True, help="qemu, bochs, or a command standing in for one")
    r.add_argument("--iso", required=True)
    r.add_argument("--expect", required=True)
    r.add_argument("--transcript", required=True)
    r.add_argument("--result")
    r.add_argument("--name")
    c = sub.add_parser("check")
    c.add_argument("--transcript", required=True)
    c.add_argument("--expect", required=True)
    c.add_argument("--exit-code", type=int)
    c.add_argument("--timed-out", action="store_true")
    args = parser.parse_args()
    try:
        return run(args) if args.command == "run" else check(args)
    except ValueError as e:  # a malformed expectation file
        print("boot.py: %s" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
