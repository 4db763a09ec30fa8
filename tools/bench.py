#!/usr/bin/env python3
"""Run a chapter's benchmarks in its kernel and in Debian's Linux; compare.

    bench.py run NN-slug [--no-linux] [--cpus N] [--programs P...]
                                        measure, write the files, print the tables
                                        (`make bench CH=NN`, `make bench CH=NN LINUX=no`,
                                        `make bench CH=NN CPUS=2 BENCH=uring-bench`)
    bench.py tables NN-slug [--cpus N]  print the tables from the files already written

The benchmark programs are the chapter's `BENCH :=` line in its chapter.mk
(inherited by later chapters like any file). Each is a static Linux program
built with the user runtime (user/runtime/bench.h gives them one output
format), so the very same ELF runs in both kernels:

- ours: the chapter's kernel booted from an ISO whose only module is the
  program, with an empty kernel command line (no validate=1 checks);
- Linux's: the kernel of Debian's linux-image package, fetched once into
  build/linux/ with apt-get and dpkg-deb (only this script does that: `make
  test` never needs it), booted with an initramfs that tools/initramfs.py
  makes with the program as /init.

Both run in QEMU with the same machine (QEMU_MACHINE below): TCG, one CPU of
model `max`, the same memory, and `-icount shift=0`, which advances the
guest's clock, and so its time-stamp counter, by one per instruction. The
programs' "tsc ticks" are then guest instructions: deterministic, and the
same on every machine. The programs also print the CPU brand they see, and
the tables say whether the two runs saw the same one.

With --cpus N (N > 1, chapter 10 on) our kernel's machine has N CPUs
(`-smp N`, still -icount, so still one host thread running them in turns and
counting the instructions of all of them on one clock) and its files are
bench-smpN.txt and bench-smpN-tables.txt. Linux is not run then: Debian's
Linux under `-icount -smp 2` did not reach its program within 300 s (seen on
the course's machines), so its column stays empty and the header says why.

Files (read back by tools/docs_gen.py for the book's Measurements page):

    build/NN-slug/bench.txt          ours: "# key: value" lines, then each
                                     program's own output lines
    build/linux/bench/PROG.txt       Linux's, one per program, same form
    build/NN-slug/bench-tables.txt   the tables below, as printed
    build/NN-slug/bench-batch.svg    cost per NOP against batch size (gnuplot)

A table has one row per benchmark row: the median cost per operation, the
spread (min-max of the repetitions), Linux's, and the ratio ours / Linux.
The course's target is a ratio of at most 1.00 for every row; the table
says which rows meet it. Linux's figures are shown only if they were
measured with the same build of the program (its sha256 is recorded).
"""
import argparse
import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import compose  # noqa: E402  (the chapters and their overlay)
import initramfs  # noqa: E402  (the Linux initramfs writer)

LINUX_DIR = os.path.join(ROOT, "build", "linux")
LINUX_INFO = os.path.join(LINUX_DIR, "kernel.txt")
LINUX_APPEND = "console=ttyS0 quiet panic=-1 mitigations=off"
PLOT_SCRIPT = os.path.join(ROOT, "tools", "bench-plot.gp")

# The machine both kernels run on: identical options, so the only
# difference is the kernel (ours boots from an ISO through GRUB, Linux's
# straight from -kernel; neither is measured, only the program's loops).
QEMU_MACHINE = ["-accel", "tcg", "-icount", "shift=0", "-cpu", "max", "-m", "256M"]
QEMU_HEADLESS = ["-display", "none", "-monitor", "none", "-no-reboot"]
TIMEOUT = 300  # seconds for one boot

TARGET = 1.0  # every row at most Linux's cost

ROW = re.compile(r"^(?P<program>[\w-]+): (?P<name>.+?)\s+(?P<calls>\d+\.\d+)"
                 r"\s+(?P<median>\d+)\s+(?P<min>\d+)\s+(?P<max>\d+)\s*$")
FAILED = re.compile(r"^(?P<program>[\w-]+): (?P<name>.+?)\s+FAILED (?P<why>.*)$")
REPS = re.compile(r"^[\w-]+: (\d+) operations x (\d+) repetitions per row")
CPU = re.compile(r"^[\w-]+: cpu (.*?)\s*$")
META = re.compile(r"^# ([\w-]+): (.*?)\s*$")


# ------------------------------------------------------------- the files

class Result:
    """What one program printed in one kernel, and how it was run."""

    def __init__(self, program):
        self.program = program
        self.meta = {}      # "# key: value" lines of the file
        self.cpu = None     # the CPU brand the program saw
        self.ops = None     # operations per repetition
        self.reps = None    # repetitions per row
        self.rows = []      # (name, calls/op, median, min, max); calls a string, the rest ints
        self.failed = []    # (name, why)
        self.lines = []     # the program's own lines, as printed

    @property
    def complete(self):
        return bool(self.rows) and not self.failed


def parse_output(text, program):
    """The lines of @p program in a console transcript or a results file."""
    r = Result(program)
    for line in text.replace("\r", "").split("\n"):
        if not line.startswith(program + ": "):
            continue
        r.lines.append(line)
        m = ROW.match(line)
        if m:
            r.rows.append((m["name"], m["calls"], int(m["median"]), int(m["min"]), int(m["max"])))
        elif FAILED.match(line):
            r.failed.append((FAILED.match(line)["name"], FAILED.match(line)["why"]))
        elif REPS.match(line):
            r.ops, r.reps = (int(x) for x in REPS.match(line).groups())
        elif CPU.match(line):
            r.cpu = CPU.match(line).group(1)
    return r


def read_results(path):
    """A results file -> {program: Result}; {} if it does not exist. Each
    program's part starts with a "# program: NAME sha256=HASH" line; the
    "# key: value" lines before the first one apply to all of them."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    common, parts, current = {}, {}, None
    for line in text.split("\n"):
        m = META.match(line)
        if m and m[1] == "program":
            current = m[2].split()[0]
            parts[current] = (dict(common, program=m[2]), [])
        elif m:
            (parts[current][0] if current else common)[m[1]] = m[2]
        elif current:
            parts[current][1].append(line)
    results = {}
    for program, (meta, lines) in parts.items():
        r = parse_output("\n".join(lines), program)
        r.meta = meta
        results[program] = r
    return results


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def program_meta(program):
    elf = os.path.join(ROOT, "build", "user", program + ".elf")
    return "%s sha256=%s" % (program, sha256_of(elf)[:16])


def write_results(path, title, common, parts):
    """@p parts: [(program, {key: value}, lines)]. The first line is @p title."""
    out = ["# " + title] + ["# %s: %s" % kv for kv in common.items()]
    for program, meta, lines in parts:
        out.append("# program: " + program_meta(program))
        out += ["# %s: %s" % kv for kv in meta.items()]
        out += lines
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def ours_path(chapter, cpus=1):
    return os.path.join(ROOT, "build", chapter, "bench.txt" if cpus == 1 else "bench-smp%d.txt" % cpus)


def machine(cpus=1):
    """QEMU_MACHINE, with -smp N for a machine of N > 1 CPUs (ours only)."""
    return QEMU_MACHINE + ([] if cpus == 1 else ["-smp", str(cpus)])


def linux_path(program):
    return os.path.join(LINUX_DIR, "bench", program + ".txt")


def linux_results(programs):
    """{program: Result} of Linux's figures on disk, whatever build they measured."""
    found = {}
    for p in programs:
        found.update(read_results(linux_path(p)))
    return found


def same_build(a, b):
    """Were two Results measured with the same program ELF?"""
    return a is not None and b is not None and a.meta.get("program") == b.meta.get("program")


# ------------------------------------------------------------- the tables

def compare(ours, linux):
    """Rows of one program: (name, calls/op, ours (median, min, max), Linux's
    (median, min, max) or None, ratio or None). Linux's figures count only
    when they were measured with the same program build."""
    theirs = {}
    if linux is not None and same_build(ours, linux):
        theirs = {name: (med, lo, hi) for name, _, med, lo, hi in linux.rows}
    rows = []
    for name, calls, med, lo, hi in ours.rows:
        other = theirs.get(name)
        ratio = med / other[0] if other and other[0] else None
        rows.append((name, calls, (med, lo, hi), other, ratio))
    return rows


def spread(fig):
    return "%d-%d" % (fig[1], fig[2])


def verdict(ratio):
    if ratio is None:
        return "-"
    return "met" if ratio <= TARGET + 1e-9 else "over"


def format_table(ours, linux):
    """One program's table, as text lines."""
    head = "%s: %s per operation, the median of %s repetitions of %s operations (spread: min-max)" % (
        ours.program, ours.meta.get("unit", "tsc ticks"), ours.reps, ours.ops)
    lines = [head,
             "  %-16s %8s %8s %13s %8s %13s %7s  %s" % (
                 "row", "calls/op", "ours", "spread", "Linux", "spread", "ratio", "target <= %.2f" % TARGET)]
    for name, calls, mine, other, ratio in compare(ours, linux):
        lines.append("  %-16s %8s %8d %13s %8s %13s %7s  %s" % (
            name, calls, mine[0], spread(mine), other[0] if other else "-", spread(other) if other else "-",
            "%.2f" % ratio if ratio is not None else "-", verdict(ratio)))
    for name, why in ours.failed:
        lines.append("  %-16s FAILED %s" % (name, why))
    return lines


def format_report(chapter, ours, linux, note=None, cpus=1):
    """The whole output: a header saying how both sides ran, then a table per program."""
    first = next(iter(ours.values()), None)
    meta = first.meta if first else {}
    lines = ["make bench CH=%s%s: %s against %s" % (
        chapter[:2], "" if cpus == 1 else " CPUS=%d" % cpus, chapter, linux_name(linux) or "Linux (not measured)"),
        "  machine, %s: qemu-system-x86_64 %s (%s)" % ("both" if cpus == 1 else "ours", " ".join(machine(cpus)),
                                                      meta.get("qemu", "?")),
        "  unit: tsc ticks = guest instructions (-icount shift=0); ratio = ours / Linux"]
    for program, r in ours.items():
        l = linux.get(program)
        if l is None:
            seen = "Linux not measured"
        elif not same_build(r, l):
            seen = "Linux's figures are of another build of %s: not shown" % program
        else:
            seen = "same CPU" if r.cpu == l.cpu else "DIFFERENT CPU: Linux saw %s" % l.cpu
        lines.append("  %s saw cpu '%s' (%s)" % (program, r.cpu, seen))
    if note:
        lines.append("  " + note)
    for program, r in ours.items():
        lines += [""] + format_table(r, linux.get(program))
    return lines


def linux_name(linux):
    for r in linux.values():
        if "kernel" in r.meta:
            return "Debian's Linux (%s)" % r.meta["kernel"]
    return None


# -------------------------------------------------------------- the plot

def batch_points(result):
    """(NOPs per enter, median ticks per NOP) from a Result's nop rows."""
    points = []
    for name, _, med, _, _ in result.rows if result else []:
        m = re.match(r"nop (?:x1|batch (\d+))$", name)
        if m:
            points.append((int(m.group(1) or 1), med))
    return sorted(points)


def plot(ours, linux, svg, ours_title):
    """Draw the cost per NOP against the batch size, ours and (if measured
    with the same build) Linux's, with gnuplot and tools/bench-plot.gp.
    Writes @p svg and its data file beside it; returns an error or None."""
    mine = batch_points(ours)
    if not mine:
        return "no nop rows to plot"
    theirs = dict(batch_points(linux)) if same_build(ours, linux) else {}
    data = svg[:-len(".svg")] + ".dat"
    with open(data, "w") as f:
        f.write("# batch  ours  linux   (ticks per NOP; ? = not measured)\n")
        for batch, med in mine:
            f.write("%d %d %s\n" % (batch, med, theirs.get(batch, "?")))
    linux_title = "Linux %s" % linux.meta.get("kernel", "").split(" ")[-1] if theirs else ""
    settings = {"datafile": data, "outfile": svg, "ours": ours_title, "linux": linux_title}
    command = ["gnuplot", "-e", "; ".join('%s="%s"' % (k, v.replace('"', "")) for k, v in settings.items()),
               PLOT_SCRIPT]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        return "gnuplot is not installed (make setup installs gnuplot-nox)"
    if done.returncode != 0 or not os.path.exists(svg):
        return "gnuplot failed: " + done.stderr.strip()
    return None


# ----------------------------------------------------------- the kernels

def bench_programs(chapter):
    """The chapter's BENCH := list, from the chapter.mk its overlay uses."""
    mk = compose.overlay(chapter).get("chapter.mk")
    text = open(mk).read() if mk else ""
    m = re.search(r"^BENCH\s*:?=\s*(.*)$", text, re.M)
    return m.group(1).split() if m else []


def qemu_version():
    out = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else "?"


def run_qemu(args, console, cpus=1):
    """Boot with the shared machine options; the console goes to @p console."""
    command = ["qemu-system-x86_64"] + machine(cpus) + QEMU_HEADLESS + ["-serial", "file:" + console] + args
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
        status, err = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        status, err = None, "no power-off within %d s (QEMU stopped)" % TIMEOUT
    if os.path.exists(console):
        with open(console, errors="replace") as f:
            return status, f.read().replace("\r", ""), err
    return status, "", err


def run_ours(chapter, program, cpus=1):
    """The program as the only module of the chapter's kernel -> (Result, problem)."""
    iso_name = "bench-" + program
    make = ["make", "--no-print-directory", "-s", "-f", "tools/kernel.mk", "CHAPTER=" + chapter,
            "ISO_NAME=" + iso_name, "PROGRAMS=" + program, "CMDLINE=", "iso"]
    if subprocess.run(make, cwd=ROOT).returncode != 0:
        return None, "building %s.iso failed" % iso_name
    console = os.path.join(ROOT, "build", chapter, iso_name + ".console")
    status, text, err = run_qemu(["-cdrom", os.path.join(ROOT, "build", chapter, iso_name + ".iso"),
                                  "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"], console, cpus)
    r = parse_output(text, program)
    m = re.search(r"\[Process\] Terminated PID=\d+ \(%s\) with code=(-?\d+)" % re.escape(program), text)
    r.meta["exit"] = m.group(1) if m else "?"
    if status != 33:  # isa-debug-exit: (0x10 + 0) << 1 | 1 for a normal power-off
        return r, "QEMU exited with %d, not 33 (a normal power-off)%s; console: %s" % (
            status, ": " + err.strip() if err.strip() else "", os.path.relpath(console, ROOT))
    if not r.rows or r.meta["exit"] != "0":
        return r, "%s printed no rows or did not exit with 0; console: %s" % (program, os.path.relpath(console, ROOT))
    return r, None


def linux_kernel():
    """Debian's kernel image, fetched into build/linux/ the first time ->
    {package, version, vmlinuz}. Exits with a message if it cannot be had."""
    info = {}
    if os.path.exists(LINUX_INFO):
        for line in open(LINUX_INFO):
            key, _, value = line.strip().partition("=")
            info[key] = value
        if os.path.exists(os.path.join(LINUX_DIR, info.get("vmlinuz", "-"))):
            return info
    os.makedirs(LINUX_DIR, exist_ok=True)

    def depends():
        out = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True, text=True).stdout
        m = re.search(r"Depends: (linux-image-[\w.+-]+)", out)
        return m.group(1) if m else None

    package = depends()
    if package is None and os.geteuid() == 0:
        print("bench: apt-get update (the package lists do not name Debian's kernel)", flush=True)
        subprocess.run(["apt-get", "update", "-q"], capture_output=True)
        package = depends()
    if package is None:
        sys.exit("bench: `apt-cache depends linux-image-amd64` names no kernel package: "
                 "run `apt-get update` as root, then make bench again")
    print("bench: fetching Debian's %s (about 70 MB, once) into %s" % (package, os.path.relpath(LINUX_DIR, ROOT)),
          flush=True)
    with tempfile.TemporaryDirectory(dir=LINUX_DIR) as work:
        os.chmod(work, 0o755)  # apt-get download runs as the _apt user when it can
        got = subprocess.run(["apt-get", "download", "-q", package], cwd=work, capture_output=True, text=True)
        debs = [f for f in os.listdir(work) if f.endswith(".deb")]
        if got.returncode != 0 or not debs:
            sys.exit("bench: `apt-get download %s` failed:\n%s" % (package, got.stderr.strip()))
        deb = os.path.join(work, debs[0])
        version = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True, text=True).stdout.strip()
        # Only ./boot/vmlinuz-* is kept: the modules (hundreds of MB) are not needed.
        unpack = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
        vmlinuz = None
        with tarfile.open(fileobj=unpack.stdout, mode="r|") as tar:
            for member in tar:
                if re.match(r"\./boot/vmlinuz-[\w.+-]+$", member.name) and member.isfile():
                    vmlinuz = "boot/" + os.path.basename(member.name)
                    os.makedirs(os.path.join(LINUX_DIR, "boot"), exist_ok=True)
                    with open(os.path.join(LINUX_DIR, vmlinuz), "wb") as out:
                        out.write(tar.extractfile(member).read())
        unpack.wait()
        if unpack.returncode != 0 or vmlinuz is None:
            sys.exit("bench: no boot/vmlinuz-* in %s" % debs[0])
    info = {"package": package, "version": version, "vmlinuz": vmlinuz}
    with open(LINUX_INFO, "w") as f:
        f.write("".join("%s=%s\n" % kv for kv in info.items()))
    return info


def run_linux(kernel, program):
    """The program as /init of Debian's kernel -> (Result, problem)."""
    elf = os.path.join(ROOT, "build", "user", program + ".elf")
    image = os.path.join(LINUX_DIR, "initramfs", program + ".cpio.gz")
    initramfs.write(elf, image)
    console = os.path.join(LINUX_DIR, "bench", program + ".console")
    os.makedirs(os.path.dirname(console), exist_ok=True)
    _, text, err = run_qemu(["-kernel", os.path.join(LINUX_DIR, kernel["vmlinuz"]), "-initrd", image,
                             "-append", LINUX_APPEND], console)
    r = parse_output(text, program)
    # /init's end panics the kernel ("Attempted to kill init! exitcode=0x0000XX00"),
    # and panic=-1 with -no-reboot ends QEMU: the exit status is in that line.
    m = re.search(r"Attempted to kill init! exitcode=0x([0-9a-f]+)", text)
    r.meta["exit"] = str((int(m.group(1), 16) >> 8) & 0xff) if m else "?"
    if not r.rows or r.meta["exit"] != "0":
        return r, "%s in Linux printed no rows or did not exit with 0%s; console: %s" % (
            program, ": " + err.strip() if err.strip() else "", os.path.relpath(console, ROOT))
    return r, None


# ------------------------------------------------------------ commands

def cmd_run(chapter, with_linux, cpus=1, only=None):
    programs = only or bench_programs(chapter)
    with_linux = with_linux and cpus == 1  # see the top of this file
    if not programs:
        sys.exit("bench: chapter %s has no benchmarks (no BENCH := line in its chapter.mk); try CH=06" % chapter)
    qemu = qemu_version()
    problems = []
    print("bench: %s, in %s's kernel%s (QEMU -icount: about 10 s a program%s)" % (
        " ".join(programs), chapter, " and in Debian's Linux" if with_linux else "",
        ", 30 s in Linux" if with_linux else ""), flush=True)
    parts = []
    for program in programs:
        r, problem = run_ours(chapter, program, cpus)
        if problem:
            problems.append(problem)
        if r is not None:
            parts.append((program, {"exit": r.meta["exit"]}, r.lines))
    write_results(ours_path(chapter, cpus), "make bench CH=%s: %s under QEMU -icount shift=0 "
                  "(tsc ticks = guest instructions)" % (chapter[:2], chapter),
                  {"kernel": chapter, "qemu": qemu, "machine": " ".join(machine(cpus)),
                   "command-line": "(empty)", "unit": "tsc ticks"}, parts)
    if with_linux:
        kernel = linux_kernel()
        for program in programs:
            r, problem = run_linux(kernel, program)
            if problem:
                problems.append(problem)
            write_results(linux_path(program), "Debian's Linux under QEMU -icount shift=0 "
                          "(tsc ticks = guest instructions)",
                          {"kernel": "%s %s" % (kernel["package"], kernel["version"]), "qemu": qemu,
                           "machine": " ".join(QEMU_MACHINE), "command-line": LINUX_APPEND, "unit": "tsc ticks"},
                          [(program, {"exit": r.meta["exit"]}, r.lines)])
    note = None if with_linux else "Linux: not run (LINUX=no); `make bench CH=%s` measures it" % chapter[:2]
    if cpus > 1:
        note = "Linux: not run with -smp %d: under -icount it did not reach its program within 300 s" % cpus
    report(chapter, note, cpus)
    for p in problems:
        print("bench: " + p, file=sys.stderr)
    return 1 if problems else 0


def report(chapter, note=None, cpus=1):
    """Print and keep the tables; draw the plot if there are nop rows (one CPU)."""
    ours = read_results(ours_path(chapter, cpus))
    if not ours:
        sys.exit("bench: no %s: run make bench CH=%s" % (os.path.relpath(ours_path(chapter, cpus), ROOT), chapter[:2]))
    linux = linux_results(list(ours)) if cpus == 1 else {}
    lines = format_report(chapter, ours, linux, note, cpus)
    svg = os.path.join(ROOT, "build", chapter, "bench-batch.svg")
    for program, r in ours.items() if cpus == 1 else []:
        if batch_points(r):
            error = plot(r, linux.get(program), svg, "this kernel (chapter %s)" % chapter[:2])
            lines += ["", "plot: " + (error or os.path.relpath(svg, ROOT))]
    tables = "bench-tables.txt" if cpus == 1 else "bench-smp%d-tables.txt" % cpus
    with open(os.path.join(ROOT, "build", chapter, tables), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("chapter")
    run.add_argument("--no-linux", action="store_true")
    run.add_argument("--cpus", type=int, default=1)
    run.add_argument("--programs", nargs="*")
    tables = sub.add_parser("tables")
    tables.add_argument("chapter")
    tables.add_argument("--cpus", type=int, default=1)
    args = parser.parse_args()
    if args.command == "run":
        return cmd_run(args.chapter, not args.no_linux, args.cpus, args.programs)
    report(args.chapter, cpus=args.cpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
