#!/usr/bin/env python3
"""Grade a chapter's exercises (`make grade CH=NN`), and prove the hand-outs fail.

    grade.py run CHAPTER [--reuse] [--fail-fast] [--only IDS] [--quiet] [--json FILE] [--result FILE]
    grade.py handout-test CHAPTER --result FILE
    grade.py check

A chapter's graded exercises are listed in chapters/NN-slug/tests/grade.txt
(docs/teaching.md):

    exercise 03.9 (3 points) Hand out a frame
        test qemu-03-memory
        test host-03-memory-test_frame frames::lowest_first_*

An exercise earns its points when every one of its checks passes. A check
names a test of `make test` (build/results/NAME.result, .tap or .xml),
optionally narrowed to some of a host test's cases (shell patterns).

run: makes those tests afresh (their old results are removed first, so a
broken build cannot leave an old pass behind) and prints a line per
exercise, the checks that failed, and the score. --reuse makes nothing and
reads the results `make test` just wrote (the test grade-NN: the full tree
earns every point). --fail-fast runs the checks one at a time and stops an
exercise at its first failure; --only grades some exercises; --quiet puts
make's output in build/grade-CHAPTER.log. Exit status 0 only with every
point earned.

handout-test (the test handout-NN): writes the chapter's hand-out into
build/handout/NN-slug (tools/handout.py), with copies of this tree's build
products so that only what the stubs change is rebuilt, and grades it
there with its own tools, --fail-fast. It passes if the hand-out's kernel
built and booted and every exercise earned nothing, and then if, for each
exercise in turn, a tree with that exercise's stub alone (the others'
solutions in) fails it too. It leaves the hand-out as a student gets it.

check: every grade.txt and every marker is well formed, each graded
exercise has code to write, and each marked region is a graded exercise's.
"""
import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compose  # noqa: E402

RESULTS = "build/results"
EXERCISE = re.compile(r"^exercise (\d\d\.\d+) \((\d+) points?\) (\S.*)$")
CHECK = re.compile(r"^\s+test ([A-Za-z0-9_.+-]+)((?:\s+\S+)*)\s*$")
# A check's test must be one make test knows; these are the kinds grade reads.
TEST_NAME = re.compile(r"^(qemu|bochs|linux|host|trace|fuzz)-")


class GradeError(Exception):
    pass


class Exercise:
    def __init__(self, id, points, title, where):
        self.id, self.points, self.title, self.where = id, points, title, where
        self.checks = []  # (test name, [case patterns])


def grade_file(chapter, root=ROOT):
    return os.path.join(root, "chapters", chapter, "tests", "grade.txt")


def graded_chapters(root=ROOT):
    return [c for c in compose.chapters() if os.path.exists(grade_file(c, root))]


def resolve(name):
    """'03' or '03-memory' -> '03-memory'."""
    for c in compose.chapters():
        if c == name or c.split("-")[0] == name:
            return c
    raise GradeError("no chapter '%s'; chapters are: %s" % (name, " ".join(compose.chapters())))


def load(chapter, root=ROOT):
    """The exercises of chapters/CHAPTER/tests/grade.txt ([] if it has none)."""
    path = grade_file(chapter, root)
    if not os.path.exists(path):
        return []
    rel = os.path.relpath(path, root)
    exercises = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m, c = EXERCISE.match(line), CHECK.match(line)
            if m:
                if not m.group(1).startswith(chapter[:2] + "."):
                    raise GradeError("%s:%d: exercise %s is not chapter %s's" % (rel, n, m.group(1), chapter[:2]))
                if any(e.id == m.group(1) for e in exercises):
                    raise GradeError("%s:%d: exercise %s is listed twice" % (rel, n, m.group(1)))
                exercises.append(Exercise(m.group(1), int(m.group(2)), m.group(3).strip(), "%s:%d" % (rel, n)))
            elif c and exercises:
                if not TEST_NAME.match(c.group(1)):
                    raise GradeError("%s:%d: '%s' is not the name of a test of make test" % (rel, n, c.group(1)))
                exercises[-1].checks.append((c.group(1), c.group(2).split()))
            else:
                raise GradeError("%s:%d: expected 'exercise NN.K (P points) Title' or an indented "
                                 "'test NAME [CASE...]' under one: %r" % (rel, n, line))
    for e in exercises:
        if not e.checks:
            raise GradeError("%s: exercise %s has no check" % (e.where, e.id))
        if e.points < 1:
            raise GradeError("%s: exercise %s is worth no points" % (e.where, e.id))
    return exercises


# ------------------------------------------------------------ reading results

def read_cases(path):
    """A .tap or .xml file -> [(case name, passed)]."""
    cases = []
    if path.endswith(".tap"):
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"^(ok|not ok)\b(?: \d+)?(?: -)? (\S+)", line)
                if m:
                    skipped = "# SKIP" in line.upper()
                    cases.append((m.group(2), m.group(1) == "ok" and not skipped))
    else:
        try:
            for case in ET.parse(path).getroot().iter("testcase"):
                bad = any(case.find(k) is not None for k in ("failure", "error", "skipped"))
                cases.append((case.get("name"), not bad))
        except ET.ParseError:
            pass
    return cases


def judge(results, test, patterns):
    """One check against build/results: ('pass' | 'fail' | 'missing', why)."""
    base = os.path.join(results, test)
    if os.path.exists(base + ".result"):
        with open(base + ".result") as f:
            ok = f.read().strip() == "pass"
        if patterns:
            return "fail", "%s has no cases to pick from (it is one test)" % test
        if ok:
            return "pass", ""
        m = re.match(r"^(qemu|bochs)-(.+)$", test)
        console = m and "build/%s/test/%s.txt" % (m.group(2).split("--")[0], test)
        if console and os.path.exists(os.path.join(os.path.dirname(results), "..", console)):
            return "fail", "%s failed; its console: %s" % (test, console)
        return "fail", "%s failed" % test
    for ext in (".tap", ".xml"):
        if os.path.exists(base + ext):
            cases = read_cases(base + ext)
            if not cases:
                return "fail", "%s ran no test" % test
            picked = cases
            if patterns:
                picked = []
                for p in patterns:
                    hits = [c for c in cases if fnmatch.fnmatchcase(c[0], p)]
                    if not hits:
                        return "fail", "%s has no case %s" % (test, p)
                    picked += hits
            bad = [name for name, ok in picked if not ok]
            if bad:
                return "fail", "%s: %s failed" % (test, ", ".join(dict.fromkeys(bad)))
            return "pass", ""
    return "missing", "%s has no result: did the build fail? (see the output above)" % test


# ------------------------------------------------------------- making tests

def jobserver():
    """(environment, fds to pass) for a make started from here: the
    jobserver of the make that started us if its pipe reached us (a recipe
    marked '+'), so that nested makes share its -j; else our own -j."""
    env = dict(os.environ)
    flags = env.get("MAKEFLAGS", "")
    m = re.search(r"--jobserver-(?:auth|fds)=(\d+),(\d+)", flags)
    if m:
        fds = (int(m.group(1)), int(m.group(2)))
        try:
            for fd in fds:
                os.fstat(fd)
            return env, fds
        except OSError:
            env["MAKEFLAGS"] = re.sub(r"\s*--jobserver-(?:auth|fds)=\S+", "", flags)
    return env, ()


def make_tests(tests, quiet, log, one_at_a_time=False):
    """Remove the tests' old results and make them again (make -k: a broken
    build of one does not stop the others)."""
    for t in tests:
        for ext in (".done", ".result", ".tap", ".xml", ".log"):
            try:
                os.remove(os.path.join(RESULTS, t + ext))
            except FileNotFoundError:
                pass
    os.makedirs(RESULTS, exist_ok=True)
    env, fds = jobserver()
    cmd = [os.environ.get("MAKE", "make"), "--no-print-directory", "-k"]
    if not fds:
        cmd.append("-j%d" % (os.cpu_count() or 2))
    # One test alone cannot race another build of its chapter: the Makefile
    # then skips the chain that orders a chapter's ISOs (it would make them all).
    cmd += ["GRADE_ONE_AT_A_TIME=1"] if one_at_a_time and len(tests) == 1 else []
    cmd += ["%s/%s.done" % (RESULTS, t) for t in tests]
    if quiet:
        with open(log, "a") as f:
            subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, pass_fds=fds)
    else:
        subprocess.run(cmd, env=env, pass_fds=fds)


def grade(chapter, reuse=False, fail_fast=False, quiet=False, only=None, out=sys.stdout):
    """Grade CHAPTER in the current directory's tree. Returns a report:
    {"chapter", "score", "total", "exercises": [{"id", "title", "points",
    "earned", "checks": [{"test", "cases", "status", "why"}]}]}."""
    exercises = [e for e in load(chapter, os.getcwd()) if only is None or e.id in only]
    log = os.path.join("build", "grade-%s.log" % chapter)
    if quiet:
        os.makedirs("build", exist_ok=True)
        open(log, "w").close()
    done = {}  # fail-fast: a test made once serves every exercise that names it

    def status(test, patterns):
        if not reuse and fail_fast and test not in done:
            make_tests([test], quiet, log, one_at_a_time=True)
            done[test] = True
        return judge(RESULTS, test, patterns)

    if not reuse and not fail_fast:
        make_tests(sorted({t for e in exercises for t, _ in e.checks}), quiet, log)
    report = {"chapter": chapter, "exercises": []}
    for e in exercises:
        checks, failed = [], False
        for test, patterns in e.checks:
            if failed and fail_fast:
                checks.append({"test": test, "cases": patterns, "status": "not run", "why": ""})
                continue
            s, why = status(test, patterns)
            failed = failed or s != "pass"
            checks.append({"test": test, "cases": patterns, "status": s, "why": why})
        report["exercises"].append({"id": e.id, "title": e.title, "points": e.points,
                                    "earned": 0 if failed else e.points, "checks": checks})
    report["score"] = sum(x["earned"] for x in report["exercises"])
    report["total"] = sum(x["points"] for x in report["exercises"])
    print_report(report, out)
    return report


def print_report(report, out):
    print("", file=out)
    print("== make grade CH=%s: %s ==" % (report["chapter"][:2], report["chapter"]), file=out)
    width = max([len(x["title"]) for x in report["exercises"]] + [20])
    for x in report["exercises"]:
        verdict = "OK" if x["earned"] else "FAIL"
        print("exercise %-6s %s %s %-4s %2d/%d" % (x["id"], x["title"], "." * (width + 2 - len(x["title"])),
                                                  verdict, x["earned"], x["points"]), file=out)
        for c in x["checks"]:
            if c["status"] in ("fail", "missing"):
                print("    %s" % c["why"], file=out)
    print("Score: %d/%d" % (report["score"], report["total"]), file=out)


# ---------------------------------------------------- the hand-out's proof

def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def seed_build(dest, chapter):
    """Copy this tree's build products into the hand-out's build/, times
    kept: the hand-out's sources have this tree's times except where a stub
    changed them, so make rebuilds just that (and what depends on it)."""
    b = os.path.join(dest, "build", chapter)
    os.makedirs(b, exist_ok=True)
    copies = [("build/user", os.path.join(dest, "build")),
              ("build/host/obj", os.path.join(dest, "build", "host"))]
    copies += [(os.path.join("build", chapter, n), b) for n in sorted(os.listdir(os.path.join("build", chapter)))
               if n in ("obj", "libshared.a", "objects.list") or n.endswith((".iso", ".cfg"))]
    for src, into in copies:
        if os.path.exists(src):
            os.makedirs(into, exist_ok=True)
            subprocess.run(["cp", "-a", src, into], check=True)


def grade_handout(dest, chapter, only=None, log=None):
    """Grade the hand-out in @p dest with its own tools/grade.py (fail-fast,
    make's output in its build/grade-CHAPTER.log; what it prints appended
    to @p log): (report or None, problems)."""
    report_file = os.path.abspath(os.path.join(dest, "build", "grade.json"))
    if os.path.exists(report_file):
        os.remove(report_file)
    env, fds = jobserver()
    cmd = [sys.executable, "tools/grade.py", "run", chapter, "--fail-fast", "--quiet", "--json", report_file]
    cmd += ["--only", ",".join(only)] if only else []
    proc = subprocess.run(cmd, cwd=dest, env=env, pass_fds=fds, capture_output=True, text=True)
    if log:
        with open(log, "a") as f:
            f.write("$ make grade CH=%s\n%s" % (chapter[:2], proc.stdout.lstrip("\n")))
    if not os.path.exists(report_file):
        return None, ["the hand-out's grade.py wrote no report:\n" + proc.stdout + proc.stderr]
    with open(report_file) as f:
        report = json.load(f)
    problems = []
    for x in report["exercises"]:
        if x["earned"]:
            problems.append("exercise %s earned its points with %s: its checks cannot tell"
                            % (x["id"], "its stub alone" if only else "the stubs"))
        for c in x["checks"]:
            if c["status"] == "missing":
                problems.append("exercise %s: %s" % (x["id"], c["why"]))
    transcripts = os.path.join(dest, "build", chapter, "test")
    booted = [n for n in (os.listdir(transcripts) if os.path.isdir(transcripts) else [])
              if n.endswith(".txt") and "[Boot] Long mode" in read(os.path.join(transcripts, n))]
    if not booted and any(c["test"].startswith(("qemu-", "bochs-")) and c["status"] != "not run"
                          for x in report["exercises"] for c in x["checks"]):
        problems.append("the hand-out's kernel never reached kernel_main in a boot test")
    return report, problems


def handout_test(chapter, result):
    """The hand-out fails every exercise; then, exercise by exercise, a tree
    with only that exercise's stub fails it: each checker catches its own
    stub, not one another exercise's stub broke for it."""
    import handout
    dest = os.path.join("build", "handout", chapter)
    log = os.path.splitext(result)[0] + ".log"  # the hand-out's listing and its grade, for docs/teaching.md
    problems, start = [], time.time()
    try:
        exercises = load(chapter)
        titles = {e.id: e.title for e in exercises}
        shutil.rmtree(dest, ignore_errors=True)
        done = handout.write(chapter, dest, titles)
        with open(log, "w") as f:
            f.write("$ make handout CH=%s DEST=%s\n" % (chapter[:2], dest))
            f.write(handout.describe(chapter, dest, exercises, done))
        seed_build(dest, chapter)
    except (GradeError, handout.MarkerError, OSError, subprocess.CalledProcessError) as e:
        problems.append("could not write the hand-out: %s" % e)
    report = None
    if not problems:
        report, problems = grade_handout(dest, chapter, log=log)
    if not problems and len(exercises) > 1:
        for e in exercises:
            handout.restub(chapter, dest, titles, {e.id})
            report, found = grade_handout(dest, chapter, [e.id])
            problems += found
            if found:
                break
        handout.restub(chapter, dest, titles, {e.id for e in exercises})  # the hand-out as given
    name = "handout-%s" % chapter
    if problems:
        print("%s: FAIL (%.1f s); the hand-out is in %s, its make output in %s/build/grade-%s.log"
              % (name, time.time() - start, dest, dest, chapter))
        for p in problems:
            print("  " + p)
        if report:
            print_report(report, sys.stdout)
    with open(result, "w") as f:
        f.write("fail\n" if problems else "pass\n")
    return 1 if problems else 0


# ------------------------------------------------------------------- check

def check(root=ROOT):
    """grade.txt files and markers agree: every graded exercise has code to
    write and every region belongs to a graded exercise."""
    import handout
    problems = handout.check(root)
    graded = {}
    for c in sorted(os.listdir(os.path.join(root, "chapters"))):
        try:
            for e in load(c, root):
                graded[e.id] = e
        except GradeError as err:
            problems.append(str(err))
    try:
        marked = handout.all_regions(root)
    except handout.MarkerError:
        return problems  # already reported by handout.check
    ids = {r["id"] for found in marked.values() for r in found}
    for rel, found in sorted(marked.items()):
        for r in found:
            if r["id"] not in graded:
                problems.append("%s:%d: EXERCISE %s is not in its chapter's tests/grade.txt"
                                % (rel, r["begin"] + 1, r["id"]))
    for id, e in sorted(graded.items()):
        if id not in ids:
            problems.append("%s: exercise %s marks no code to write (// EXERCISE %s BEGIN ... END)"
                            % (e.where, id, id))
    files = {}
    for rel, found in marked.items():
        for r in found:
            files.setdefault(r["id"], []).append(rel)
    return problems + check_table(root, graded, files)


def check_table(root, graded, files):
    """docs/teaching.md's table of graded exercises is the grade.txt files'
    and the markers': one row per exercise, its points, title and files."""
    page = "docs/teaching.md"
    path = os.path.join(root, page)
    if not os.path.exists(path):
        return []  # a tree without the page (a trimmed copy) has nothing to agree with
    rows, problems = {}, []
    for n, line in enumerate(read(path).split("\n"), 1):
        m = re.match(r"^\| (\d\d\.\d+) \| (\d+) \| (.+?) \| (.+?) \|$", line)
        if m:
            rows[m.group(1)] = (n, int(m.group(2)), m.group(3), sorted(re.findall(r"`([^`]+)`", m.group(4))))
    present = {id for id in graded if os.path.exists(os.path.join(root, "chapters", chapter_of(id, root)))}
    for id in sorted(present - set(rows)):
        problems.append("%s: no row for exercise %s (%s) in the table of graded exercises"
                        % (page, id, graded[id].where))
    for id, (n, points, title, where) in sorted(rows.items()):
        e = graded.get(id)
        if not e:
            if chapter_of(id, root):  # a hand-out leaves later chapters' rows behind
                problems.append("%s:%d: exercise %s is in no grade.txt" % (page, n, id))
            continue
        want = (e.points, e.title, sorted(files.get(id, [])))
        if (points, title, where) != want:
            problems.append("%s:%d: the row of exercise %s should say %d | %s | %s (%s and its markers)"
                            % (page, n, id, want[0], want[1], ", ".join("`%s`" % w for w in want[2]), e.where))
    return problems


def chapter_of(id, root):
    return next((c for c in os.listdir(os.path.join(root, "chapters")) if c.startswith(id[:2] + "-")), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("chapter")
    r.add_argument("--reuse", action="store_true")
    r.add_argument("--fail-fast", action="store_true")
    r.add_argument("--quiet", action="store_true", help="make's output into build/grade-CHAPTER.log")
    r.add_argument("--only", help="grade these exercises only (comma-separated ids)")
    r.add_argument("--json")
    r.add_argument("--result")
    h = sub.add_parser("handout-test")
    h.add_argument("chapter")
    h.add_argument("--result", required=True)
    sub.add_parser("check")
    args = ap.parse_args()

    if args.cmd == "check":
        problems = check()
        for p in problems:
            print("grade: " + p)
        return 1 if problems else 0
    try:
        chapter = resolve(args.chapter)
        if not load(chapter, os.getcwd()):
            raise GradeError("chapter %s has no graded exercises (chapters/%s/tests/grade.txt); chapters with "
                             "some: %s" % (chapter, chapter, " ".join(c[:2] for c in graded_chapters()) or "none"))
    except GradeError as e:
        print("grade: %s" % e)
        if getattr(args, "result", None):
            with open(args.result, "w") as f:
                f.write("fail\n")
        return 1
    if args.cmd == "handout-test":
        return handout_test(chapter, args.result)
    report = grade(chapter, reuse=args.reuse, fail_fast=args.fail_fast, quiet=args.quiet,
                   only=args.only.split(",") if args.only else None)
    full = report["score"] == report["total"]
    if args.reuse:  # the test grade-NN: the full tree, every grade.txt and marker sound
        problems = check(os.getcwd())
        for p in problems:
            print("grade: " + p)
        full = full and not problems
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    if args.result:
        with open(args.result, "w") as f:
            f.write("pass\n" if full else "fail\n")
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
