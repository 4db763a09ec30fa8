#!/usr/bin/env python3
"""Compose one chapter's source tree from the overlay of chapters.

    compose.py CHAPTER DEST        e.g. compose.py 04-user build/04-user/src

DEST becomes a tree of symbolic links:
    DEST/common -> common/      (shared by every chapter)
    DEST/kernel -> kernel/      (kernel code no chapter changes)
    DEST/<path> -> chapters/NN-slug/<path> for every chapter 01..CHAPTER,
                   a later chapter's file replacing an earlier one's.

A chapter removes an inherited file by naming it in its removed.txt, one
path a line, each with a comment saying why:

    mm/selftest.cpp    # chapter 03's boot-time check; its programs now test memory

Naming a path that no earlier chapter has is an error (a typo would
otherwise remove nothing, silently). A later chapter may bring the file back.

A chapter's README.md, its test expectations (*.expect), its host tests
(tests/) and its diagrams are not sources and are left out. A chapter may
not put files under common/ or kernel/: those are shared by every chapter.
Links keep compiler messages and debuggers pointing at the real files.
"""
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOT_SOURCES = ("README.md", "removed.txt")
REMOVALS = "removed.txt"
NOT_SOURCE_SUFFIXES = (".expect", ".md", ".dot", ".svg", ".png")
NOT_SOURCE_DIRS = ("tests",)
SHARED = ("common", "kernel")


def chapters():
    """All chapter folder names, in order."""
    base = os.path.join(ROOT, "chapters")
    return sorted(d for d in os.listdir(base)
                  if len(d) > 3 and d[:2].isdigit() and d[2] == "-"
                  and os.path.isdir(os.path.join(base, d)))


def overlay(chapter):
    """Map relative path -> absolute file for chapters up to CHAPTER."""
    names = chapters()
    if chapter not in names:
        sys.exit("compose: no chapter '%s'; chapters are: %s" % (chapter, " ".join(names)))
    files = {}
    for name in names[: names.index(chapter) + 1]:
        top = os.path.join(ROOT, "chapters", name)
        for rel in removals(top):
            if rel not in files:
                sys.exit("compose: chapters/%s/%s: '%s' is not in the tree chapter %s inherits"
                         % (name, REMOVALS, rel, name))
            del files[rel]
        for dirpath, dirnames, filenames in os.walk(top):
            rel_dir = os.path.relpath(dirpath, top)
            if rel_dir == ".":
                dirnames[:] = [d for d in dirnames if d not in NOT_SOURCE_DIRS]
                for d in dirnames:
                    if d in SHARED:
                        sys.exit("compose: chapters/%s/%s/: chapters may not change %s/"
                                 " (it is shared by every chapter)" % (name, d, d))
            for f in filenames:
                if f in NOT_SOURCES or f.endswith(NOT_SOURCE_SUFFIXES):
                    continue
                rel = os.path.normpath(os.path.join(rel_dir, f))
                files[rel] = os.path.join(dirpath, f)
    return files


def removals(top):
    """The paths a chapter folder's removed.txt names (comments and blank lines skipped)."""
    path = os.path.join(top, REMOVALS)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = (line.split("#", 1)[0].strip() for line in f)
        return [os.path.normpath(line) for line in lines if line]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compose.py CHAPTER DEST")
    chapter, dest = sys.argv[1], sys.argv[2]
    files = overlay(chapter)
    # Rebuild from scratch: cheap, and no stale link survives a removed file.
    # make follows links when comparing times, so objects are not rebuilt.
    if os.path.lexists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for shared in SHARED:
        os.symlink(os.path.join(ROOT, shared), os.path.join(dest, shared))
    for rel, target in sorted(files.items()):
        link = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(target, link)


if __name__ == "__main__":
    main()
