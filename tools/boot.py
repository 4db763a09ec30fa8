#!/usr/bin/env python3
"""Boot a chapter in an emulator and check its console against expectations.

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
    program-args: W (test-X.expect only) words after each module's name (its argv)
    emulators: E    (test-X.expect only) where it runs: qemu, bochs or both (default)
    compare-with-linux: yes   (test-X.expect only) also run the one program
                    natively and compare outputs (tools/same_as_linux.py)
    # ...           a comment
"PANIC" and "[Trap] Unexpected" are forbidden unless the status says otherwise.

`check` judges a transcript already on disk: the harness's own tests use it
to prove that a panic, a missing line and a timeout each fail.
"""
import argparse
import os
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
                elif key in ("args", "programs", "program-args", "emulators", "compare-with-linux"):
                    pass  # read by the Makefile to build this test's ISO
                elif key == "include":
                    cls.load(os.path.join(os.path.dirname(path), value), exp, depth + 1)
                else:
                    exp.lines.append((line, where))
        return exp


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


def qemu_command(iso, transcript):
    return ["qemu-system-x86_64", "-cdrom", iso, "-m", "256M", "-cpu", "max",
            "-serial", "file:" + transcript, "-display", "none", "-monitor", "none",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def bochs_command(iso, transcript, workdir):
    env = dict(os.environ, BXSHARE="/usr/share/bochs", BOCHS_ISO=iso,
               BOCHS_SERIAL=transcript, BOCHS_LOG=os.path.join(workdir, "bochs.log"),
               BOCHS_DEBUGLOG=os.path.join(workdir, "bochs-debugger.log"))
    rc = os.path.join(workdir, "continue.rc")
    with open(rc, "w") as f:
        f.write("c\n")  # the debugger stops before the first instruction
    return ["bochs", "-q", "-f", os.path.join(ROOT, "bochsrc"), "-rc", rc], env


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
    if args.emulator == "qemu":
        cmd = qemu_command(os.path.abspath(args.iso), transcript)
    elif args.emulator == "bochs":
        cmd, env = bochs_command(os.path.abspath(args.iso), transcript, workdir)
    else:
        cmd = args.emulator.split()  # the harness tests' stand-in emulator
    if shutil.which(cmd[0]) is None:
        print("boot.py: %s is not installed (run: make setup)" % cmd[0], file=sys.stderr)
        return finish(args, ["emulator %s not found" % cmd[0]], "", 0)
    start = time.monotonic()
    timed_out = False
    with open(os.path.join(workdir, args.emulator.split()[0] + ".out"), "w") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=workdir, start_new_session=True)
        try:
            code = proc.wait(timeout=exp.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, 9)
            code = proc.wait()
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
    return run(args) if args.command == "run" else check(args)


if __name__ == "__main__":
    sys.exit(main())
