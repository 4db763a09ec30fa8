#!/usr/bin/env python3
"""Tests of the benchmark tools that need no emulator, printed as TAP.

    python3 tools/test_bench.py        1..N, then "ok N - name" / "not ok N - name"

- tools/initramfs.py: the archive it writes is read back, by its own parser
  and, where the `cpio` program is installed, by that too: dev/ is a
  directory, dev/console the character device 5:1, init the program with
  mode 0755, in that order, and the same program gives the same bytes.
- tools/bench.py: a program's output lines and a results file are parsed
  (rows, FAILED rows, repetitions, the CPU, the program build); the table
  puts Linux's figures beside ours only for the same build, computes the
  ratio and says whether the target is met; the nop rows become the plot's
  points.

Nothing here boots a kernel or needs Linux's: `make test` runs it. The exit
status is 0 even when a case fails: tools/summary.py counts "not ok" lines.
"""
import gzip
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bench  # noqa: E402
import initramfs  # noqa: E402

PROGRAM = b"\x7fELF" + bytes(range(256)) * 3 + b"odd length"  # stands in for a static ELF

OUTPUT = """\
[Process] Started PID=1 (uring-bench) at entry 0x4020b1
uring-bench: cpu QEMU TCG CPU version 2.5+
uring-bench: 4096 operations x 9 repetitions per row; per operation: tsc ticks (median, min, max)
uring-bench: row                  calls/op   median      min      max
uring-bench: getpid                  1.000      127      126      131
uring-bench: nop x1                  1.000     1690     1690     1701
uring-bench: nop batch 8             0.125      439      439      439
uring-bench: nop batch 256           0.004      266      266      266
uring-bench: nop batch 32            FAILED after 64 operations: io_uring_enter did not complete the batch
other: 1.000 1 2 3
"""


def results_file(kernel, sha, rows):
    return ("# title\n# kernel: %s\n# program: uring-bench sha256=%s\n# exit: 0\n"
            "uring-bench: cpu QEMU TCG CPU version 2.5+\n"
            "uring-bench: 4096 operations x 9 repetitions per row; per operation: tsc ticks (median, min, max)\n"
            % (kernel, sha)) + "".join("uring-bench: %-20s 1.000 %8d %8d %8d\n" % r for r in rows)


def case_archive_entries():
    entries = initramfs.parse(initramfs.archive(PROGRAM))
    names = [e["name"] for e in entries]
    assert names == ["dev", "dev/console", "init"], names
    dev, console, init = entries
    assert stat.S_ISDIR(dev["mode"]), oct(dev["mode"])
    assert stat.S_ISCHR(console["mode"]), oct(console["mode"])
    assert (console["rdevmajor"], console["rdevminor"]) == (5, 1)
    assert stat.S_ISREG(init["mode"]) and stat.S_IMODE(init["mode"]) == 0o755, oct(init["mode"])
    assert init["data"] == PROGRAM and init["filesize"] == len(PROGRAM)
    assert all(e["uid"] == 0 and e["gid"] == 0 and e["mtime"] == 0 for e in entries)


def case_archive_layout():
    blob = initramfs.archive(PROGRAM)
    assert len(blob) % 4 == 0, len(blob)
    assert blob.startswith(b"070701")
    assert b"TRAILER!!!\0" in blob[-(initramfs.HEADER_BYTES + 16):]
    try:
        initramfs.parse(b"070702" + blob[6:])
        raise AssertionError("a wrong magic was accepted")
    except ValueError:
        pass


def case_archive_file():
    with tempfile.TemporaryDirectory() as work:
        program = os.path.join(work, "prog")
        with open(program, "wb") as f:
            f.write(PROGRAM)
        a, b = os.path.join(work, "a", "ir.cpio.gz"), os.path.join(work, "b.cpio.gz")
        initramfs.write(program, a)
        initramfs.write(program, b)
        assert open(a, "rb").read() == open(b, "rb").read(), "two archives of one program differ"
        blob = gzip.decompress(open(a, "rb").read())
        assert [e["name"] for e in initramfs.parse(blob)] == ["dev", "dev/console", "init"]
        if shutil.which("cpio"):  # a second opinion, when the cpio program is there
            listing = subprocess.run(["cpio", "-t", "-v"], input=blob, capture_output=True).stdout.decode()
            console = [l for l in listing.splitlines() if l.endswith("dev/console")]
            assert listing.lstrip().startswith("d") and len(console) == 1, listing
            assert console[0].startswith("c") and re.search(r"\b5,\s*1\b", console[0]), console[0]


def case_parse_output():
    r = bench.parse_output(OUTPUT, "uring-bench")
    assert r.cpu == "QEMU TCG CPU version 2.5+", r.cpu
    assert (r.ops, r.reps) == (4096, 9)
    assert r.rows == [("getpid", "1.000", 127, 126, 131), ("nop x1", "1.000", 1690, 1690, 1701),
                      ("nop batch 8", "0.125", 439, 439, 439), ("nop batch 256", "0.004", 266, 266, 266)], r.rows
    assert r.failed == [("nop batch 32", "after 64 operations: io_uring_enter did not complete the batch")]
    assert not r.complete
    assert all(l.startswith("uring-bench: ") for l in r.lines) and len(r.lines) == 8


def case_results_file():
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "bench.txt")
        with open(path, "w") as f:
            f.write("# make bench\n# kernel: 06-io_uring\n"
                    "# program: uring-bench sha256=aa\n# exit: 0\nuring-bench: getpid 1.000 127 127 127\n"
                    "# program: pipe-bench sha256=bb\n# exit: 1\npipe-bench: write+read 2.000 1696 1690 1700\n")
        got = bench.read_results(path)
        assert list(got) == ["uring-bench", "pipe-bench"], list(got)
        assert got["uring-bench"].rows == [("getpid", "1.000", 127, 127, 127)]
        assert got["pipe-bench"].meta == {"kernel": "06-io_uring", "program": "pipe-bench sha256=bb", "exit": "1"}
        assert bench.read_results(os.path.join(work, "none.txt")) == {}


def load(text):
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "r.txt")
        with open(path, "w") as f:
            f.write(text)
        return bench.read_results(path)["uring-bench"]


def case_compare_and_table():
    ours = load(results_file("06-io_uring", "aa", [("getpid", 127, 127, 130), ("nop x1", 1690, 1690, 1690)]))
    linux = load(results_file("linux-image-6.1.0-57-amd64 6.1.192-3", "aa",
                              [("getpid", 316, 316, 318), ("nop x1", 903, 903, 903)]))
    rows = bench.compare(ours, linux)
    assert [r[0] for r in rows] == ["getpid", "nop x1"]
    assert abs(rows[0][4] - 127 / 316) < 1e-9 and rows[0][3] == (316, 316, 318)
    assert bench.verdict(rows[0][4]) == "met" and bench.verdict(rows[1][4]) == "over"
    assert bench.verdict(1.0) == "met" and bench.verdict(None) == "-"
    table = bench.format_table(ours, linux)
    assert table[2].split() == ["getpid", "1.000", "127", "127-130", "316", "316-318", "0.40", "met"], table[2]
    assert table[3].split() == ["nop", "x1", "1.000", "1690", "1690-1690", "903", "903-903", "1.87", "over"]
    report = bench.format_report("06-io_uring", {"uring-bench": ours}, {"uring-bench": linux})
    assert "linux-image-6.1.0-57-amd64" in report[0] and "same CPU" in "\n".join(report), report


def case_other_build_not_compared():
    ours = load(results_file("06-io_uring", "aa", [("getpid", 127, 127, 130)]))
    linux = load(results_file("linux", "bb", [("getpid", 316, 316, 318)]))
    assert bench.compare(ours, linux) == [("getpid", "1.000", (127, 127, 130), None, None)]
    assert bench.format_table(ours, None)[2].split()[4:] == ["-", "-", "-", "-"]
    assert "another build" in "\n".join(bench.format_report("06-io_uring", {"uring-bench": ours},
                                                             {"uring-bench": linux}))


def case_plot_points():
    r = bench.parse_output(OUTPUT, "uring-bench")
    assert bench.batch_points(r) == [(1, 1690), (8, 439), (256, 266)], bench.batch_points(r)
    assert bench.batch_points(None) == []


def case_bench_programs():
    assert bench.bench_programs("06-io_uring")[:1] == ["uring-bench"], bench.bench_programs("06-io_uring")
    assert bench.bench_programs("01-boot") == []


CASES = [
    ("initramfs: dev/, dev/console (char 5:1), init (0755, the program's bytes)", case_archive_entries),
    ("initramfs: newc magic, 4-byte alignment, a trailer; a bad magic is refused", case_archive_layout),
    ("initramfs: the gzipped file reads back, the same program gives the same bytes", case_archive_file),
    ("bench: a program's rows, FAILED rows, repetitions and CPU are parsed", case_parse_output),
    ("bench: a results file is split by program, with its key: value lines", case_results_file),
    ("bench: the table has ours, Linux's, the ratio and the target verdict", case_compare_and_table),
    ("bench: Linux's figures of another program build are not compared", case_other_build_not_compared),
    ("bench: the nop rows are the plot's points, by batch size", case_plot_points),
    ("bench: a chapter's BENCH := list comes from its chapter.mk", case_bench_programs),
]


def main():
    print("1..%d" % len(CASES))
    for n, (name, case) in enumerate(CASES, 1):
        try:
            case()
            print("ok %d - %s" % (n, name))
        except Exception:  # noqa: BLE001  (any failure of a case is that case's)
            print("not ok %d - %s" % (n, name))
            for line in traceback.format_exc().rstrip().split("\n"):
                print("#   " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
