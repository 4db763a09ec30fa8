#!/usr/bin/env python3
"""liburing's own test programs, unchanged, in a chapter's kernel and on this machine's Linux.

    liburing_tests.py run NN-slug [--jobs N] [--only T...]   (make liburing-tests CH=NN)

liburing's source tree has some 140 test programs (test/*.c), each a
static program that exits 0 when what it tests works, 77 when the kernel
lacks a feature it needs ("skip"), and anything else when it fails. They
are the io_uring ABI as Linux's own maintainers check it, written by
people who never saw this course: the best evidence that a binary built
for Linux runs here unchanged.

What this does:

1. fetch: the source of Debian's liburing 2.3 (the version of the
   liburing-dev package the course builds its own io_uring programs with)
   from Debian's archive into build/liburing/, checked against the SHA-256
   that Debian's Sources index gives for it;
2. build: liburing and its tests with musl-gcc -static (the include folder
   of tools/user.mk gives musl the kernel's UAPI headers). A few tests need
   glibc's error.h or a newer NVMe header and are not built, and the one
   in C++ is left out (the host's g++ links it against glibc, dynamically);
3. run: each test natively on this machine's Linux, and in the chapter's
   kernel, booted in QEMU with the test as its only program (CPUS of the
   chapter), each with a time limit;
4. check: against the chapter's list, chapters/NN-slug/liburing-tests.txt,
   which says for each test what it must do here - "pass", or "fail" with
   the missing feature that explains it. A listed pass that fails, a panic
   or a kernel that does not power off fails the run; so does a listed
   failure that now passes (the list must say so).

The table of results goes to build/NN-slug/liburing-tests-results.txt.
It is not part of `make test`: it downloads, and it boots the kernel some
140 times (about 10 minutes on two cores).
"""

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import boot  # noqa: E402  (qemu_command, chapter_cpus)

VERSION = "2.3"
# Debian bookworm's liburing source package: the file and its SHA-256 as
# dists/bookworm/main/source/Sources lists them.
TARBALL = "liburing_%s.orig.tar.gz" % VERSION
URL = "http://deb.debian.org/debian/pool/main/libu/liburing/" + TARBALL
SHA256 = "2eac26f880125d83f75ba8641fde5d88226dd352d3cee95d45a9128758a8f1be"
WORK = os.path.join(ROOT, "build", "liburing")
TREE = os.path.join(WORK, "liburing-" + VERSION)
MUSL_INCLUDE = os.path.join(ROOT, "build", "user", "musl-include")
LINUX_TIMEOUT = 30   # seconds; the slowest test takes about 10 on this machine's Linux
OURS_TIMEOUT = 60    # seconds of one boot: the test, and the boot around it
SKIP = 77            # liburing's T_EXIT_SKIP
# Two kernel.mk runs for one chapter at once would race on its source
# tree: the ISOs are made one at a time, the boots two at a time.
ISO_LOCK = threading.Lock()


def fetch():
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, TARBALL)
    if not os.path.exists(path):
        print("liburing-tests: fetching %s" % URL, flush=True)
        with urllib.request.urlopen(URL, timeout=60) as response, open(path + ".part", "wb") as out:
            shutil.copyfileobj(response, out)
        os.replace(path + ".part", path)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != SHA256:
        os.remove(path)
        sys.exit("liburing-tests: %s has SHA-256 %s, not Debian's %s: removed" % (TARBALL, digest, SHA256))
    if not os.path.isdir(TREE):
        with tarfile.open(path) as tar:
            tar.extractall(WORK)  # the archive Debian signed (its SHA-256 is checked above)


def build():
    """liburing.a and the tests with musl; the names of the tests built."""
    if not os.path.isdir(MUSL_INCLUDE):
        subprocess.run(["make", "--no-print-directory", "-s", "user"], cwd=ROOT, check=True)
    cc = "musl-gcc -static -isystem %s" % MUSL_INCLUDE
    log = os.path.join(WORK, "build.log")
    with open(log, "w") as out:
        if not os.path.exists(os.path.join(TREE, "config-host.h")):
            subprocess.run(["./configure", "--cc=musl-gcc"], cwd=TREE, stdout=out, stderr=subprocess.STDOUT,
                           check=True)
        subprocess.run(["make", "-C", "src", "CC=" + cc, "-j2"], cwd=TREE, stdout=out, stderr=subprocess.STDOUT,
                       check=True)
        # -k: the few tests musl cannot build (glibc's error.h) are left out, not fatal.
        subprocess.run(["make", "-C", "test", "CC=" + cc, "-j2", "-k"], cwd=TREE, stdout=out,
                       stderr=subprocess.STDOUT)
    # The C tests only: a C++ one (sq-full-cpp.cc) is built with the host's
    # g++ and glibc, dynamically linked - not a static program.
    folder = os.path.join(TREE, "test")
    tests = sorted(f[:-2] for f in os.listdir(folder) if f.endswith(".t") and os.path.exists(os.path.join(folder, f[:-2] + ".c")))
    if not tests:
        sys.exit("liburing-tests: no test built: see %s" % os.path.relpath(log, ROOT))
    return tests


def outcome(code):
    return "pass" if code == 0 else "skip" if code == SKIP else "fail(%s)" % code


def run_linux(test):
    with tempfile.TemporaryDirectory() as cwd:  # the tests make their files in the current directory
        try:
            done = subprocess.run([os.path.join(TREE, "test", test + ".t")], cwd=cwd, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=LINUX_TIMEOUT)
            return outcome(done.returncode)
        except subprocess.TimeoutExpired:
            return "hang"


def run_ours(chapter, test):
    """(outcome, console file). One ISO per test, removed after its boot."""
    name = "liburing-" + test
    elf = os.path.join(TREE, "test", test + ".t")
    with ISO_LOCK:
        made = subprocess.run(["make", "--no-print-directory", "-s", "-f", "tools/kernel.mk", "CHAPTER=" + chapter,
                               "ISO_NAME=" + name, "PROGRAMS=" + elf, "CMDLINE=", "iso"], cwd=ROOT,
                              capture_output=True, text=True)
    if made.returncode != 0:
        return "build failed: " + made.stderr.strip()[-200:], None
    build = os.path.join(ROOT, "build", chapter)
    iso = os.path.join(build, name + ".iso")
    console = os.path.join(build, "liburing", test + ".txt")
    os.makedirs(os.path.dirname(console), exist_ok=True)
    if os.path.exists(console):
        os.remove(console)
    try:
        subprocess.run(boot.qemu_command(iso, console, boot.chapter_cpus(iso)), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=OURS_TIMEOUT)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    for leftover in (iso, os.path.join(build, name + ".cfg")):
        if os.path.exists(leftover):
            os.remove(leftover)
    shutil.rmtree(os.path.join(build, name + ".dir"), ignore_errors=True)
    text = open(console, errors="replace").read() if os.path.exists(console) else ""
    if "PANIC" in text:
        return "panic", console
    # The program's name in the kernel's log is the module's: the file name without ".t".
    m = re.search(r"\[Process\] Terminated PID=\d+ \(%s\) with code=(-?\d+)" % re.escape(test), text)
    if timed_out:
        return "hang", console
    if m is None or "[Power] off status=0" not in text:
        return "no power-off", console
    return outcome(int(m.group(1))), console


def read_list(path):
    """{test: (expected, why)} from the chapter's list: "NAME pass" or "NAME fail WHY"."""
    expected = {}
    for number, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split(None, 2)
        if len(words) < 2 or words[1] not in ("pass", "skip", "fail") or (words[1] == "fail") != (len(words) == 3):
            sys.exit("%s:%d: expected 'NAME pass', 'NAME skip' or 'NAME fail WHY'" % (path, number))
        expected[words[0]] = (words[1], words[2] if len(words) == 3 else "")
    return expected


def verdict(expected, ours):
    """None if OURS is what the list expects, else what is wrong."""
    if ours in ("panic", "no power-off") or ours.startswith("build failed"):
        return "the kernel: " + ours  # never acceptable, whatever the program does
    want, _ = expected
    got = ours if ours in ("pass", "skip") else "fail"
    if want == got:
        return None
    if want == "fail":
        return "listed as failing, but it %ses here now: update the list" % ours
    return "listed as %s, but here: %s" % (want, ours)


def cmd_run(chapter, jobs, only):
    listed_path = os.path.join(ROOT, "chapters", chapter, "liburing-tests.txt")
    expected = read_list(listed_path) if os.path.exists(listed_path) else {}
    fetch()
    tests = build()
    if only:
        tests = [t for t in tests if t in only]
    print("liburing-tests: %d tests of liburing %s, in %s (QEMU, %d s each at most) and on this machine's Linux"
          % (len(tests), VERSION, chapter, OURS_TIMEOUT), flush=True)
    results = {}
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(lambda t: (run_linux(t), run_ours(chapter, t)), t): t for t in tests}
        for future in concurrent.futures.as_completed(futures):
            test = futures[future]
            linux, (ours, console) = future.result()
            results[test] = (linux, ours, console)
            print("  %-28s linux %-10s here %s" % (test, linux, ours), flush=True)
    rows, problems = [], []
    for test in tests:
        linux, ours, console = results[test]
        want = expected.get(test)
        problem = "not in %s" % os.path.relpath(listed_path, ROOT) if want is None else verdict(want, ours)
        if problem:
            problems.append("%s: %s%s" % (test, problem,
                                          " (console: %s)" % os.path.relpath(console, ROOT) if console else ""))
        rows.append("%-28s %-10s %-12s %s" % (test, linux, ours, want[1] if want and want[0] == "fail" else ""))
    counts = {k: sum(1 for _, o, _ in results.values() if (o if o in ("pass", "skip") else "fail") == k)
              for k in ("pass", "skip", "fail")}
    summary = "%d tests: %d pass here, %d skip, %d fail; on Linux %d pass" % (
        len(tests), counts["pass"], counts["skip"], counts["fail"],
        sum(1 for l, _, _ in results.values() if l == "pass"))
    out = os.path.join(ROOT, "build", chapter, "liburing-tests-results.txt")
    with open(out, "w") as f:
        f.write("# make liburing-tests CH=%s: liburing %s's tests, built with musl, unchanged\n" % (
            chapter[:2], VERSION))
        f.write("# %s\n" % summary)
        f.write("%-28s %-10s %-12s %s\n" % ("test", "linux", "here", "why (the chapter's list)"))
        f.write("".join(r + "\n" for r in rows))
    print("liburing-tests: %s (%.0f s) -> %s" % (summary, time.time() - start, os.path.relpath(out, ROOT)))
    for p in problems:
        print("FAIL  " + p)
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("chapter")
    run.add_argument("--jobs", type=int, default=2)
    run.add_argument("--only", nargs="*")
    args = parser.parse_args()
    sys.exit(cmd_run(args.chapter, args.jobs, args.only))


if __name__ == "__main__":
    main()
