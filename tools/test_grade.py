#!/usr/bin/env python3
"""Tests of the teacher's kit itself (tools/handout.py, tools/grade.py), a pytest suite.

    /usr/bin/python3 -m pytest tools/test_grade.py    (make test runs it as "grade-tools")

No build and no emulator: markers, stubs, grade.txt files and results are
crafted in memory or in a temporary directory. Most cases hand the tools
something wrong (an unpaired marker, a misplaced one, a failing case, a
missing result, a table that drifted) and require them to say so: the
tests handout-NN and grade-NN rest on these verdicts.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grade  # noqa: E402
import handout  # noqa: E402

CPP = """\
int f(int a, int b) {
    // EXERCISE 03.9 BEGIN stub: (void)a; (void)b; return -1;
    int c = a + b;
    return c;
    // EXERCISE 03.9 END
}
int g() {
    // EXERCISE 01.8 BEGIN
    return 2;
    // EXERCISE 01.8 END
}
"""

ASM = """\
        mov (%rsp), %rcx
        /* EXERCISE 05.8 BEGIN */
        mov %rcx, %r11
        sar $47, %r11
        jnz 1f
        /* EXERCISE 05.8 END */
        sysretq
"""


def test_cpp_regions_are_found_with_their_stubs():
    found = handout.regions("f.cpp", CPP)
    assert [(r["id"], r["begin"], r["end"], r["stub"]) for r in found] == [
        ("03.9", 1, 4, "(void)a; (void)b; return -1;"), ("01.8", 7, 9, "")]


def test_the_chapters_regions_become_stubs_and_the_others_stay():
    out = handout.stubbed(CPP, handout.regions("f.cpp", CPP), "03-memory", {"03.9": "Add them"})
    assert out == """\
int f(int a, int b) {
    // TODO(exercise 03.9): Add them. See chapters/03-memory/README.md, exercise 9.
    (void)a; (void)b; return -1;
}
int g() {
    // EXERCISE 01.8 BEGIN
    return 2;
    // EXERCISE 01.8 END
}
"""


def test_only_the_named_exercises_become_stubs():
    found = handout.regions("f.cpp", CPP)
    assert handout.stubbed(CPP, found, "03-memory", {}, only={"03.10"}) == CPP


def test_assembly_markers_and_an_empty_stub():
    out = handout.stubbed(ASM, handout.regions("e.S", ASM), "05-percpu", {"05.8": "Check"})
    assert out == """\
        mov (%rsp), %rcx
        /* TODO(exercise 05.8): Check. See chapters/05-percpu/README.md, exercise 8. */
        sysretq
"""


@pytest.mark.parametrize("text, message", [
    ("// EXERCISE 03.9 BEGIN\nx;\n", "has no END"),
    ("x;\n// EXERCISE 03.9 END\n", "END without its BEGIN"),
    ("// EXERCISE 03.9 BEGIN\n// EXERCISE 03.10 BEGIN\n", "begins inside"),
    ("// EXERCISE 03.9 BEGIN\n// EXERCISE 03.10 END\n", "END without its BEGIN"),
    ("x; // EXERCISE 03.9 BEGIN\n", "a line of its own"),
    ("/* EXERCISE 05.8 BEGIN\n", r"ends with \*/"),
    ("// EXERCISE 03.9 BEGIN\n// EXERCISE 03.9 END stub: x;\n", "only BEGIN"),
    ("// EXERCISE 03.9 BEGIN\n// EXERCISE 03.9 END\n// EXERCISE 03.9 BEGIN\n// EXERCISE 03.9 END\n",
     "second region"),
])
def test_malformed_markers_are_refused(text, message):
    with pytest.raises(handout.MarkerError, match=message):
        handout.regions("f.cpp", text)


def test_the_trees_markers_and_grade_files_agree():
    assert grade.check() == []


def write_tree(tmp_path, grade_txt, source, source_path="chapters/03-memory/mm/frame.cpp"):
    """A copy of the real tree's chapter list with one grade.txt and one
    marked source changed."""
    root = tmp_path / "tree"
    for c in sorted(os.listdir(os.path.join(grade.ROOT, "chapters"))):
        (root / "chapters" / c).mkdir(parents=True)
    (root / "chapters/03-memory/tests").mkdir()
    (root / "chapters/03-memory/tests/grade.txt").write_text(grade_txt)
    (root / source_path).parent.mkdir(parents=True, exist_ok=True)
    (root / source_path).write_text(source)
    return str(root)


def test_a_graded_exercise_with_no_marked_code_is_reported(tmp_path):
    root = write_tree(tmp_path, "exercise 03.9 (3 points) X\n    test qemu-03-memory\n", "int x;\n")
    assert any("marks no code to write" in p for p in grade.check(root))


def test_a_marked_region_no_grade_file_lists_is_reported(tmp_path):
    root = write_tree(tmp_path, "", "// EXERCISE 03.9 BEGIN\nx;\n// EXERCISE 03.9 END\n")
    assert any("not in its chapter's tests/grade.txt" in p for p in grade.check(root))


def test_a_region_in_a_later_chapters_copy_is_reported(tmp_path):
    root = write_tree(tmp_path, "exercise 03.9 (3 points) X\n    test qemu-03-memory\n",
                      "// EXERCISE 03.9 BEGIN\nx;\n// EXERCISE 03.9 END\n", "chapters/04-user/mm/frame.cpp")
    assert any("a copy of the solution" in p for p in handout.check(root))


@pytest.mark.parametrize("text, message", [
    ("exercise 04.1 (3 points) X\n    test qemu-03-memory\n", "not chapter 03's"),
    ("exercise 03.1 (3 points) X\n", "has no check"),
    ("exercise 03.1 (0 points) X\n    test qemu-03-memory\n", "worth no points"),
    ("exercise 03.1 (3 points) X\n    test make-coffee\n", "not the name of a test"),
    ("    test qemu-03-memory\n", "expected 'exercise"),
    ("exercise 03.1 (3 points) X\n    test qemu-03-memory\nexercise 03.1 (1 point) Y\n    test qemu-03-memory\n",
     "listed twice"),
])
def test_malformed_grade_files_are_refused(tmp_path, text, message):
    root = write_tree(tmp_path, text, "int x;\n")
    with pytest.raises(grade.GradeError, match=message):
        grade.load("03-memory", root)


def results(tmp_path, files):
    d = tmp_path / "results"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text)
    return str(d)


TAP = """\
TAP version 13
1..3
ok - heap::blocks_are_reused_and_aligned  (0.00s)
not ok - heap::freeing_everything_merges_into_one_block  (0.00s)
ok - heap::freed_memory_is_poisoned  (0.00s)
"""


def test_results_are_judged_whole_or_by_case(tmp_path):
    r = results(tmp_path, {"qemu-x.result": "pass\n", "bochs-x.result": "fail\n", "host-h.tap": TAP,
                           "host-empty.tap": "TAP version 13\n1..0\n"})
    assert grade.judge(r, "qemu-x", [])[0] == "pass"
    assert grade.judge(r, "bochs-x", [])[0] == "fail"
    assert grade.judge(r, "host-h", [])[0] == "fail"
    assert grade.judge(r, "host-h", ["heap::blocks_*", "heap::freed_memory_is_poisoned"])[0] == "pass"
    status, why = grade.judge(r, "host-h", ["heap::freeing_*"])
    assert status == "fail" and "freeing_everything_merges_into_one_block" in why
    assert grade.judge(r, "host-h", ["heap::no_such_case"])[0] == "fail"
    assert grade.judge(r, "host-empty", [])[0] == "fail"
    assert grade.judge(r, "qemu-x", ["a_case"])[0] == "fail"
    assert grade.judge(r, "qemu-never-built", [])[0] == "missing"


def test_the_table_of_graded_exercises_must_follow_the_grade_files(tmp_path):
    root = write_tree(tmp_path, "exercise 03.9 (3 points) Hand out a frame\n    test qemu-03-memory\n",
                      "// EXERCISE 03.9 BEGIN\nx;\n// EXERCISE 03.9 END\n")
    (tmp_path / "tree/docs").mkdir()
    page = tmp_path / "tree/docs/teaching.md"
    page.write_text("| 03.9 | 3 | Hand out a frame | `chapters/03-memory/mm/frame.cpp` |\n")
    assert grade.check(root) == []
    page.write_text("| 03.9 | 2 | Hand out a frame | `chapters/03-memory/mm/frame.cpp` |\n")
    assert any("should say 3" in p for p in grade.check(root))
    page.write_text("nothing\n")
    assert any("no row for exercise 03.9" in p for p in grade.check(root))
