#!/usr/bin/env python3
"""Lay out the course's C and C++ as .clang-format says, or check that it is.

    format.py [FILE...]           rewrite the files that are not (`make format`)
    format.py --check [FILE...]   change nothing; TAP on stdout, exit status 1
                                  if a file is not laid out (the `format` test)

Without FILEs: every *.c, *.h and *.cpp under chapters/, common/, kernel/ and
user/, except user/linux/ (plain Linux programs, "not ours at all"). Assembly
(*.S) is not clang-format's to lay out, and generated files are in build/.

The layout is clang-format 16's (CLANG_FORMAT, default clang-format-16, which
tools/setup.sh installs): another version lays some lines out differently.
One step is ours. .clang-format leaves trailing comments where their author
aligned them (AlignTrailingComments: Leave), and clang-format 16 then leaves
every comment alone, also one on a line of its own: re-indent the code of a
switch and its comments would stay behind. So each file is also formatted
with the comments aligned, and a comment on a line of its own takes its
indentation from that run; the rest of the file is the first run's.

--check first proves it can fail: a real file with one line of code, then one
comment line, moved is reported, and the file itself is not.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, ".clang-format")
CLANG_FORMAT = os.environ.get("CLANG_FORMAT", "clang-format-16")
FOLDERS = ("chapters", "common", "kernel", "user")
SKIP = ("user/linux/",)
EXTENSIONS = (".c", ".h", ".cpp")
# The file the check doctors to prove that it can fail.
PROOF_FILE = "kernel/power.cpp"


def course_files():
    found = []
    for folder in FOLDERS:
        for top, dirs, files in os.walk(os.path.join(ROOT, folder)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.relpath(os.path.join(top, name), ROOT)
                if name.endswith(EXTENSIONS) and not path.startswith(SKIP):
                    found.append(path)
    return found


def aligned_config(tmp):
    """.clang-format with trailing comments aligned (and so every comment indented)."""
    with open(CONFIG) as f:
        text = f.read()
    text, n = re.subn(r"^AlignTrailingComments:\n  Kind: Leave\n",
                      "AlignTrailingComments:\n  Kind: Always\n  OverEmptyLines: 0\n", text, flags=re.M)
    if n != 1:
        sys.exit("format: .clang-format no longer says 'AlignTrailingComments:' / '  Kind: Leave'; "
                 "update tools/format.py")
    path = os.path.join(tmp, "aligned.clang-format")
    with open(path, "w") as f:
        f.write(text)
    return path


def clang_format_all(texts, config, tmp):
    """{path: text} laid out by clang-format with CONFIG: each text is written
    under TMP at its own path (so that errors name it) and formatted in place,
    forty files to a clang-format run."""
    paths = sorted(texts)
    for path in paths:
        os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
        with open(os.path.join(tmp, path), "w", encoding="utf-8") as f:
            f.write(texts[path])

    def run(batch):
        done = subprocess.run([CLANG_FORMAT, "--style=file:" + config, "-i"] + batch,
                              cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError("%s failed: %s" % (CLANG_FORMAT, done.stderr.strip()))

    batches = [paths[i:i + 40] for i in range(0, len(paths), 40)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(run, batches))
    out = {}
    for path in paths:
        with open(os.path.join(tmp, path), encoding="utf-8") as f:
            out[path] = f.read()
    return out


def comment_lines(lines):
    """The indexes of LINES that hold only a comment (or the inside of one)."""
    found, inside = set(), False
    for i, line in enumerate(lines):
        s = line.lstrip()
        if inside:
            found.add(i)
            inside = "*/" not in s
        elif s.startswith("//"):
            found.add(i)
        elif s.startswith("/*"):
            found.add(i)
            inside = "*/" not in s
    return found


DEFINE_COMMENT = re.compile(r"^(#define\s+\S+\s+\S.*?)( +)(/\*\*<|/\*|//)(.*)$")


def realign_define_comments(lines, before):
    """AlignConsecutiveMacros moves the values of a run of #defines into a
    column, and the comments behind them (left where they were) out of
    theirs: put each comment of such a run back into one column, as far
    right of the longest value as the closest one was. Runs that clang-format
    did not change (no line that is not in BEFORE) are left as they are."""
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and DEFINE_COMMENT.match(lines[j]):
            j += 1
        run = [DEFINE_COMMENT.match(l) for l in lines[i:j]]
        if len(run) > 1 and any(l not in before for l in lines[i:j]):
            column = max(len(m.group(1)) for m in run) + min(len(m.group(2)) for m in run)
            for k, m in enumerate(run):
                lines[i + k] = m.group(1).ljust(column) + m.group(3) + m.group(4)
        i = j + 1 if j == i else j


def formatted(texts, aligned, tmp):
    """{path: text} as `make format` lays them out."""
    kept = clang_format_all(texts, CONFIG, os.path.join(tmp, "kept"))
    moved = clang_format_all(texts, aligned, os.path.join(tmp, "moved"))
    out = {}
    for path in texts:
        a, b = kept[path].split("\n"), moved[path].split("\n")
        if len(a) == len(b):  # else not the same lines: keep clang-format's own layout
            alone = comment_lines(a) & comment_lines(b)
            for i in sorted(alone):
                # Not a comment that goes on from a trailing comment on the line
                # before: that one stays under its trailing comment, left alone.
                goes_on = i > 0 and (i - 1 not in alone and re.search(r"//|/\*", a[i - 1])
                                     or i - 1 in alone and a[i - 1] != b[i - 1])
                if a[i].strip() == b[i].strip() and not goes_on:
                    a[i] = b[i]
        realign_define_comments(a, set(texts[path].split("\n")))
        out[path] = "\n".join(a)
    return out


def first_difference(old, new):
    for n, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"))):
        if a != b:
            return "line %d: %r should be %r" % (n + 1, a[:80], b[:80])
    return "the number of lines differs"


def proof(aligned, tmp):
    """Problems if the check cannot tell a doctored file from the real one."""
    with open(os.path.join(ROOT, PROOF_FILE), encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    code = next(i for i, l in enumerate(lines) if l.startswith("    ") and not l.lstrip().startswith(("//", "*")))
    cases = {
        "the file itself": text,
        "a line of code moved two columns": "\n".join(lines[:code] + ["  " + lines[code]] + lines[code + 1:]),
        "a comment on a line of its own two columns left of the code after it":
            "\n".join(lines[:code] + ["  // a comment"] + lines[code:]),
    }
    texts = {"%d/%s" % (n, PROOF_FILE): t for n, t in enumerate(cases.values())}
    out = formatted(texts, aligned, os.path.join(tmp, "proof"))
    problems = []
    for (what, t), path in zip(cases.items(), texts):
        reported = out[path] != t
        if reported != (what != "the file itself"):
            problems.append("%s: %s" % (what, "reported" if reported else "not reported"))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="report, change nothing (TAP)")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = [os.path.relpath(os.path.abspath(f), ROOT) for f in args.files] or course_files()
    texts = {}
    for path in files:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            texts[path] = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        aligned = aligned_config(tmp)
        try:
            problems = proof(aligned, tmp) if args.check else []
            out = formatted(texts, aligned, tmp)
        except (RuntimeError, FileNotFoundError) as e:
            msg = str(e) if isinstance(e, RuntimeError) else "%s not found (make setup installs it)" % CLANG_FORMAT
            print(("not ok 1 - format: %s" if args.check else "format: %s") % msg)
            return 1
    bad = [p for p in files if out[p] != texts[p]]
    if not args.check:
        for path in bad:
            with open(os.path.join(ROOT, path), "w", encoding="utf-8") as f:
                f.write(out[path])
        print("format: %d of %d files laid out anew" % (len(bad), len(files)))
        return 0
    print("TAP version 13")
    print("1..2")
    print("%s 1 - the check reports a line of %s moved, and not the file as it is"
          % ("not ok" if problems else "ok", PROOF_FILE))
    for p in problems:
        print("#   " + p)
    print("%s 2 - the %d C and C++ files are laid out as .clang-format says (%d are not)"
          % ("not ok" if bad else "ok", len(files), len(bad)))
    for path in bad[:40]:
        print("#   %s: %s" % (path, first_difference(texts[path], out[path])))
    if bad:
        print("#   `make format` lays them out")
    return 1 if problems or bad else 0


if __name__ == "__main__":
    sys.exit(main())
