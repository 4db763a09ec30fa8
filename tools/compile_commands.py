#!/usr/bin/env python3
"""Write compile_commands.json for clangd and other editors (`make compile_commands`).

    compile_commands.py [OUTPUT]        default: compile_commands.json at the root

The commands are not written down here: make prints them (`make -n -B V=1`)
from the real build rules - every chapter's kernel (tools/kernel.mk), the
user programs (tools/user.mk) and the host tests (tools/host.mk) - so they
stay right when a rule or a flag changes.

A chapter compiles its composed tree, build/NN-slug/src, whose files are
links; an editor wants the real file (chapters/..., common/, kernel/,
user/). Each entry is therefore made for the file the link points to, with
the command of the LATEST chapter that compiles it (and so that chapter's
`-iquote build/NN-slug/src`: its headers are the ones the file really sees).
A file the kernel and the user programs both compile (common/format.cpp)
gets the kernel's command. Run `make` first: the include paths point into
the composed trees, which the build makes.
"""
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import compose  # noqa: E402

SOURCE_SUFFIXES = (".cpp", ".cc", ".c", ".S")
COMPILERS = ("g++", "gcc", "c++", "cc", "clang++", "clang")


def dry_run(*args):
    """The commands make would run to build ARGS from scratch (make -n -B)."""
    out = subprocess.run(["make", "-n", "-B", "--no-print-directory", "V=1", *args], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("compile_commands: `make -n %s` failed:\n%s" % (" ".join(args), out.stderr))
    return out.stdout.splitlines()


def entries(lines):
    """(real source file, arguments) for each compiler command among LINES."""
    for line in lines:
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if not words or os.path.basename(words[0]) not in COMPILERS:
            continue
        for i, word in enumerate(words):
            if word.endswith(SOURCE_SUFFIXES) and os.path.isfile(os.path.join(ROOT, word)):
                real = os.path.realpath(os.path.join(ROOT, word))
                if not real.startswith(os.path.join(ROOT, "build") + os.sep):   # not ksyms.S: made by the build
                    yield real, words[:i] + [real] + words[i + 1:]


def main():
    output = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "compile_commands.json")
    chosen = {}
    # Latest chapter first: the first command seen for a file is kept.
    runs = [("-f", "tools/kernel.mk", "CHAPTER=" + c, "all") for c in reversed(compose.chapters())]
    runs += [("-f", "tools/user.mk", "all"), ("-f", "tools/host.mk", "build/host/common-tests")]
    host_tests = sorted(os.path.relpath(os.path.join(dirpath, f), ROOT)
                        for dirpath, _, files in os.walk(os.path.join(ROOT, "chapters"))
                        for f in files if f.startswith("test_") and f.endswith(".cpp"))
    for test in host_tests:
        parts = test.split(os.sep)        # chapters/NN-slug/tests/test_X.cpp
        runs.append(("-f", "tools/host.mk", "build/host/%s/%s" % (parts[1], parts[-1][:-len(".cpp")])))
    for run in runs:
        for real, arguments in entries(dry_run(*run)):
            chosen.setdefault(real, arguments)
    database = [{"directory": ROOT, "file": real, "arguments": arguments}
                for real, arguments in sorted(chosen.items())]
    outside = [d["file"] for d in database if not d["file"].startswith(ROOT + os.sep)]
    if outside:
        sys.exit("compile_commands: sources outside the repository: %s" % " ".join(outside))
    with open(output, "w") as f:
        json.dump(database, f, indent=1)
        f.write("\n")
    print("compile_commands: %d files -> %s" % (len(database), os.path.relpath(output, ROOT)))


if __name__ == "__main__":
    main()
