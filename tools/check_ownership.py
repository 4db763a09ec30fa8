#!/usr/bin/env python3
"""Check that each chapter's kernel holds only code the course has reached.

    check_ownership.py [--result FILE] CHAPTER...     (the chapters' kernels must be built)

common/ and kernel/ are linked into every chapter as an archive, so the
linker takes an object from them only when something refers to it; the
link map (build/NN-slug/kernel.map) lists the ones it took. Two rules:

1. Shared means used by all: every common/*.cpp and kernel/*.cpp object is
   linked into every chapter's kernel. A file that some chapter does not
   need belongs to the first chapter that does (the ELF parser to chapter
   04, the io_uring engine to chapter 06), where `make diff` shows it.
   The one exception is listed in COMPILER_ONLY below, with its reason.
2. No kernel contains a later chapter's code: a symbol defined by a file
   of chapters/MM-* is absent from the kernel of every chapter before MM.
   (Rule 1 keeps later code out of common/; this rule would catch it if a
   build ever linked a later chapter's object into an earlier kernel.)

Each rule prints one line per chapter; any violation names the file or
symbol and the chapters involved.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Shared objects a kernel may legitimately leave out.
COMPILER_ONLY = {
    # memcpy, memset, memmove, memcmp: called only where g++ decides to emit
    # them (a large struct copy...); a chapter whose code never needs them
    # links none of them.
    "kernel/libc.cpp",
}


def shared_sources():
    """Every common/*.cpp and kernel/*.cpp, as a path relative to the root."""
    found = []
    for folder in ("common", "kernel"):
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if name.endswith(".cpp"):
                found.append("%s/%s" % (folder, name))
    return found


def linked_shared(chapter):
    """The shared sources whose objects the link of CHAPTER took from libshared.a."""
    with open(os.path.join(ROOT, "build", chapter, "kernel.map")) as f:
        text = f.read()
    head = text.split("Discarded input sections")[0]
    members = set(re.findall(r"libshared\.a\(([^)]+)\.o\)", head))
    # Objects are named after their source's base name (build/NN/obj/common/X.cpp.o).
    return {src for src in shared_sources() if os.path.basename(src) in members}


def defined_symbols(chapter):
    """Names of the functions and data the kernel of CHAPTER defines."""
    out = subprocess.run(["nm", "--defined-only", os.path.join(ROOT, "build", chapter, "kernel.elf")],
                         capture_output=True, text=True, check=True).stdout
    return {line.split()[2] for line in out.splitlines() if len(line.split()) == 3}


def chapter_symbols(chapter):
    """Symbols defined by the objects compiled from chapters/CHAPTER's own files."""
    names = set()
    obj = os.path.join(ROOT, "build", chapter, "obj")
    src = os.path.join(ROOT, "chapters", chapter)
    for dirpath, _, files in os.walk(obj):
        for name in files:
            if not name.endswith(".o"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), obj)[:-2]  # mm/heap.cpp
            if rel.split("/")[0] in ("common", "kernel") or not os.path.exists(os.path.join(src, rel)):
                continue
            out = subprocess.run(["nm", "--defined-only", os.path.join(dirpath, name)],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                parts = line.split()
                # Global text and data only: local labels and statics may repeat.
                if len(parts) == 3 and parts[1] in "TDBR":
                    names.add(parts[2])
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--result")
    parser.add_argument("chapters", nargs="+")
    args = parser.parse_args()
    chapters = sorted(args.chapters)
    problems = []

    for chapter in chapters:
        missing = [s for s in shared_sources() if s not in COMPILER_ONLY and s not in linked_shared(chapter)]
        for src in missing:
            problems.append("%s is shared, but the kernel of %s does not use it: it belongs to the first "
                            "chapter that does" % (src, chapter))
        print("%s  ownership %-12s uses every shared file%s" % ("FAIL" if missing else "PASS", chapter,
                                                               "" if not missing else " (see below)"))

    for i, later in enumerate(chapters):
        own = chapter_symbols(later)
        for earlier in chapters[:i]:
            leaked = sorted(own & defined_symbols(earlier))
            # A later chapter may replace an earlier file, keeping its names:
            # only names new in the later chapter count.
            leaked = [s for s in leaked if s not in chapter_symbols_before(later, chapters)]
            for s in leaked:
                problems.append("%s, defined by chapters/%s, is in the kernel of %s" % (s, later, earlier))
    print("%s  ownership no earlier kernel holds a later chapter's symbols" % ("FAIL" if problems else "PASS"))

    for p in problems:
        print("      - " + p)
    if args.result:
        with open(args.result, "w") as f:
            f.write("fail\n" if problems else "pass\n")
    return 1 if problems else 0


_cache = {}


def chapter_symbols_before(chapter, chapters):
    """Symbols defined by the chapters before CHAPTER's own files (names a replacement may keep)."""
    if chapter not in _cache:
        names = set()
        for c in chapters[: chapters.index(chapter)]:
            names |= chapter_symbols(c)
        _cache[chapter] = names
    return _cache[chapter]


if __name__ == "__main__":
    sys.exit(main())
