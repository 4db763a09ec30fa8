#!/usr/bin/env python3
"""Write a student's tree for one chapter (`make handout CH=NN DEST=dir`).

    handout.py write CHAPTER DEST     the hand-out of CHAPTER (03 or 03-memory) in DEST

(`tools/grade.py check` checks every marker and grade.txt.)

The code a graded exercise asks the student to write is marked in the
kernel's sources by a pair of one-line comments (docs/teaching.md):

    // EXERCISE 03.9 BEGIN stub: return Err(abi::Errno::NoMem);
    ...the solution...
    // EXERCISE 03.9 END

(`/* ... */` in assembly). The hand-out of chapter NN is the repository as
a student gets it for that chapter:

- chapters after NN are left out: a later chapter may carry a copy of the
  solution (its own version of the file), and is not the student's yet;
- each region of an exercise NN.K is replaced by a TODO line naming the
  exercise, then the stub the BEGIN line carries (nothing if it has
  none), so the tree still compiles and boots, and fails the checks of
  `make grade CH=NN`;
- every other region is kept, markers and all: earlier chapters'
  solutions are the student's starting point (and their hand-outs can
  still be made from the student's tree).

Files are copied with their times, except the ones a stub changed: a build
directory copied beside them (tools/grade.py does, for its proof) then
rebuilds only what the stubs touch. build/ and .git are not copied.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A marker is a whole line: a comment opener, EXERCISE NN.K, BEGIN or END,
# for BEGIN an optional "stub: CODE", and the block comment's closer if any.
MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<open>//|/\*)\s*EXERCISE (?P<id>\d\d\.\d+) "
                    r"(?P<what>BEGIN|END)(?:\s+stub:(?P<stub>.*?))?\s*(?P<close>\*/)?\s*$")
# Where markers may be: the kernel's sources (a region outside them would not
# be compiled into the kernel the hand-out must build).
SOURCE_SUFFIXES = (".cpp", ".h", ".S")
SOURCE_TOPS = ("chapters", "common", "kernel")


class MarkerError(Exception):
    pass


def chapter_of(exercise_id, root=ROOT):
    """'03.9' -> '03-memory' (or None: no such chapter)."""
    number = exercise_id.split(".")[0]
    return next((c for c in sorted(os.listdir(os.path.join(root, "chapters"))) if c.startswith(number + "-")), None)


def regions(path, text):
    """The marked regions of one file: a list of dicts (id, stub, begin and
    end line indexes, indent, comment style). Raises MarkerError on a
    marker that is malformed, unpaired, nested or named twice."""
    found, open_region, seen = [], None, set()
    for i, line in enumerate(text.split("\n")):
        if "EXERCISE" not in line:
            continue
        m = MARKER.match(line)
        if not m:
            if re.search(r"EXERCISE \d\d\.\d+ (BEGIN|END)", line):
                raise MarkerError("%s:%d: a marker must be a line of its own: "
                                  "'// EXERCISE NN.K BEGIN [stub: CODE]' or '// EXERCISE NN.K END'" % (path, i + 1))
            continue
        where = "%s:%d" % (path, i + 1)
        if (m.group("open") == "/*") != bool(m.group("close")):
            raise MarkerError("%s: a /* marker ends with */ on the same line" % where)
        if m.group("what") == "BEGIN":
            if open_region:
                raise MarkerError("%s: EXERCISE %s begins inside EXERCISE %s (line %d)"
                                  % (where, m.group("id"), open_region["id"], open_region["begin"] + 1))
            if m.group("id") in seen:
                raise MarkerError("%s: EXERCISE %s has a second region in this file; one a file"
                                  % (where, m.group("id")))
            open_region = {"id": m.group("id"), "begin": i, "indent": m.group("indent"),
                           "stub": (m.group("stub") or "").strip(), "open": m.group("open"),
                           "close": m.group("close") or ""}
        else:
            if m.group("stub") is not None:
                raise MarkerError("%s: only BEGIN carries a stub" % where)
            if not open_region or open_region["id"] != m.group("id"):
                raise MarkerError("%s: EXERCISE %s END without its BEGIN" % (where, m.group("id")))
            open_region["end"] = i
            seen.add(open_region["id"])
            found.append(open_region)
            open_region = None
    if open_region:
        raise MarkerError("%s:%d: EXERCISE %s BEGIN has no END"
                          % (path, open_region["begin"] + 1, open_region["id"]))
    return found


def source_files(root):
    """Repository-relative paths of the files that may hold markers."""
    out = []
    for top in SOURCE_TOPS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d != "tests")
            out += [os.path.relpath(os.path.join(dirpath, f), root)
                    for f in sorted(filenames) if f.endswith(SOURCE_SUFFIXES)]
    return out


def all_regions(root=ROOT):
    """{repository path: [region, ...]} for every file with a marker."""
    marked = {}
    for rel in source_files(root):
        with open(os.path.join(root, rel), errors="replace") as f:
            text = f.read()
        if "EXERCISE" in text:
            found = regions(rel, text)
            if found:
                marked[rel] = found
    return marked


def check(root=ROOT):
    """Each exercise's regions lie in files its chapter compiles: in its own
    chapter's folder (not a later chapter's copy of the file) or in common/
    or kernel/. Returns the problems found, as strings."""
    problems = []
    try:
        marked = all_regions(root)
    except MarkerError as e:
        return [str(e)]
    for rel, found in sorted(marked.items()):
        for r in found:
            where = "%s:%d" % (rel, r["begin"] + 1)
            chapter = chapter_of(r["id"], root)
            if not chapter:
                problems.append("%s: EXERCISE %s names no chapter" % (where, r["id"]))
                continue
            top = rel.split("/")
            # The chapter's own sources (source_files() skips tests/) and
            # the shared ones are in its tree: compose.py puts them there.
            if top[0] == "chapters" and top[1] != chapter:
                problems.append("%s: EXERCISE %s is chapter %s's, but this file is %s's (a copy of the "
                                "solution? mark only the chapter's own file)" % (where, r["id"], chapter, top[1]))
    return problems


def stubbed(text, found, chapter, titles, only=None):
    """@p text with the regions of @p chapter's exercises (or of those in
    @p only) replaced by their stubs; other regions are left as they are."""
    lines = text.split("\n")
    out, i = [], 0
    number = chapter[:2]
    for r in sorted(found, key=lambda r: r["begin"]):
        out += lines[i:r["begin"]]
        if r["id"].split(".")[0] == number and (only is None or r["id"] in only):
            exercise = r["id"].split(".")[1]
            todo = "TODO(exercise %s): %s. See chapters/%s/README.md, exercise %s." % (
                r["id"], titles.get(r["id"], "write this"), chapter, exercise)
            out.append("%s%s %s%s" % (r["indent"], r["open"], todo, " */" if r["close"] else ""))
            if r["stub"]:
                out.append(r["indent"] + r["stub"])
        else:
            out += lines[r["begin"]:r["end"] + 1]
        i = r["end"] + 1
    out += lines[i:]
    return "\n".join(out)


def repository_files(root):
    """Repository-relative paths to copy: what git tracks or would track
    (untracked but not ignored), or, outside git, everything but build/."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=root, capture_output=True, check=True).stdout.decode()
        names = [n for n in listed.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not (dirpath == root and d in ("build", ".git"))]
            names += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames]
    return sorted(n for n in names if os.path.lexists(os.path.join(root, n)) and not n.startswith("build/"))


def restub(chapter, dest, titles, only, root=ROOT):
    """Rewrite, in the hand-out @p dest, the files holding @p chapter's
    regions so that only the exercises in @p only are stubs (the others'
    solutions are in): tools/grade.py proves each exercise's checks catch
    its stub alone. A file whose text does not change keeps its time."""
    for rel, found in all_regions(root).items():
        if not any(r["id"].startswith(chapter[:2] + ".") for r in found):
            continue
        with open(os.path.join(root, rel)) as f:
            text = stubbed(f.read(), found, chapter, titles, only)
        dst = os.path.join(dest, rel)
        with open(dst) as f:
            if f.read() == text:
                continue
        with open(dst, "w") as f:
            f.write(text)


def write(chapter, dest, titles, root=ROOT):
    """Write chapter @p chapter's hand-out into @p dest (absent or empty).
    Returns the exercises stubbed: {id: [file, ...]}."""
    if os.path.exists(dest) and os.listdir(dest):
        raise MarkerError("%s is not empty: give a new directory as DEST" % dest)
    problems = check(root)
    if problems:
        raise MarkerError("\n".join(problems))
    later = [c for c in os.listdir(os.path.join(root, "chapters")) if c > chapter]
    marked = all_regions(root)
    done = {}
    for rel in repository_files(root):
        parts = rel.split("/")
        if parts[0] == "chapters" and len(parts) > 1 and parts[1] in later:
            continue
        src, dst = os.path.join(root, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        mine = [r for r in marked.get(rel, []) if r["id"].startswith(chapter[:2] + ".")]
        if mine:
            with open(src) as f:
                text = f.read()
            with open(dst, "w") as f:
                f.write(stubbed(text, marked[rel], chapter, titles))
            shutil.copymode(src, dst)
            for r in mine:
                done.setdefault(r["id"], []).append(rel)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)  # with its time: nothing to rebuild
    return done


def describe(chapter, dest, exercises, done):
    """What `make handout` prints: each exercise, its points, its TODOs."""
    lines = ["handout: chapter %s for a student, in %s" % (chapter, dest)]
    for e in exercises:
        lines.append("  exercise %-6s %d point%s  %-42s TODO in %s" % (
            e.id, e.points, " " if e.points == 1 else "s", e.title, ", ".join(done.get(e.id, []))))
    lines.append("handout: there, `make grade CH=%s` grades them (%d points in all)"
                 % (chapter[:2], sum(e.points for e in exercises)))
    return "\n".join(lines) + "\n"


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "write":
        import grade  # the exercises' titles come from the chapter's grade.txt
        try:
            chapter, dest = grade.resolve(args[1]), args[2]
            exercises = grade.load(chapter)
        except grade.GradeError as e:
            sys.exit("handout: %s" % e)
        if not exercises:
            sys.exit("handout: chapter %s has no graded exercises (chapters/%s/tests/grade.txt); "
                     "chapters with some: %s" % (chapter, chapter, " ".join(grade.graded_chapters()) or "none"))
        try:
            done = write(chapter, dest, {e.id: e.title for e in exercises})
        except MarkerError as e:
            sys.exit("handout: %s" % e)
        print(describe(chapter, dest, exercises, done), end="")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
