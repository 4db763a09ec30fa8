#!/usr/bin/python3
"""Bring the console blocks of the Markdown pages up to date with the runs
they quote: `make transcripts`.

A block marked `<!-- transcript: FILE -->` must be a quote of FILE (see
tools/test_docs.py, check 6). When the kernel changes, addresses, sizes and
Bochs tick counts in FILE move, and the docs test reports the block. This
tool finds, for every run of lines of such a block (runs are separated by
`...` lines), the place in FILE where the same lines stand with only their
numbers different, and copies FILE's lines into the block. A run whose words
changed too is left alone and reported: a human has to reread that text.

    refresh_transcripts.py [PAGE.md ...]     (default: every page of the book)

Run `make test` first: the files quoted are the ones it writes.
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_docs import ROOT, md_blocks, transcript_mismatch  # noqa: E402

NUMBER = re.compile(r"0x[0-9a-fA-F]+|[0-9a-fA-F]*[0-9][0-9a-fA-F]*")


def shape(line):
    """A line with each number replaced by '#': what must not change."""
    return NUMBER.sub("#", line.rstrip())


def refresh_block(block, text):
    """BLOCK with each run's lines taken from TEXT, or None if a run's shape
    is not in TEXT (after the run before it)."""
    have = text.split("\n")
    lines = block.split("\n")
    out, at, run = list(lines), 0, []

    def place(run):
        nonlocal at
        want = [shape(lines[n]) for n in run]
        for i in range(at, len(have) - len(want) + 1):
            if all(shape(have[i + k]) == want[k] for k in range(len(want))):
                for k, n in enumerate(run):
                    out[n] = have[i + k].rstrip()
                at = i + len(want)
                return True
        return False

    for n, l in enumerate(lines + ["..."]):
        if l.strip() == "...":
            if run and not place(run):
                return None
            run = []
        else:
            run.append(n)
    return "\n".join(out)


def pages(argv):
    if argv:
        return argv
    found = glob.glob(os.path.join(ROOT, "docs", "*.md")) + glob.glob(os.path.join(ROOT, "chapters", "*", "README.md"))
    return sorted(found + [os.path.join(ROOT, "README.md")])


def main(argv):
    changed, stuck = 0, 0
    for page in pages(argv):
        source = open(page, encoding="utf-8").read().split("\n")
        blocks, _ = md_blocks("\n".join(source))
        for path, text, line in blocks:
            full = os.path.join(ROOT, path or "")
            if path is None or not os.path.isfile(full):
                continue
            quoted = open(full, encoding="utf-8", errors="replace").read()
            if not transcript_mismatch(text, quoted):
                continue
            new = refresh_block(text, quoted)
            where = "%s:%d" % (os.path.relpath(page, ROOT), line)
            if new is None or not source[line - 1].lstrip().startswith(("```", "~~~")):
                print("%s: cannot refresh from %s: its words changed, reread it" % (where, path))
                stuck += 1
                continue
            # A fenced block's first line is the line after its fence.
            new_lines = new.split("\n")
            source[line:line + len(new_lines)] = new_lines
            print("%s: refreshed from %s" % (where, path))
            changed += 1
        open(page, "w", encoding="utf-8").write("\n".join(source))
    print("%d blocks refreshed, %d need a human" % (changed, stuck))
    return 1 if stuck else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
