#!/usr/bin/env python3
"""Run the fuzzers: the host libFuzzer targets and the in-kernel programs.

    fuzz.py seeds                                   write the seed corpora (build/fuzz/seeds/NAME)
    fuzz.py host NAME --test [--result FILE]        make test's short deterministic run (TEST_RUNS)
    fuzz.py host NAME --runs N [--result FILE]      the same with N runs
    fuzz.py host NAME --seconds S                   a long run that keeps its corpus (make fuzz)
    fuzz.py kernel CHAPTER PROGRAM --seconds S      boot PROGRAM (fuzz-syscalls or fuzz-uring) in
                                                    QEMU again and again, fresh seeds, for S seconds
    fuzz.py chapter CHAPTER --seconds S             make fuzz: the chapter's kernel programs, then
                                                    every host target of it or an earlier chapter

Host targets are build/fuzz/NAME (tools/fuzz.mk). A run reads the seeds and
its corpus, writes any crashing input to build/fuzz/artifacts/, and prints
what it executed. A crash, a leak or an input running over 10 seconds (a
hang) fails it; the message names the input file to replay:
`build/fuzz/NAME FILE`.

A kernel run boots the chapter with the one program and words
"seed=S count=N", seeds drawn fresh and printed. Each boot must
power off with status 0 and the program's last line must end in ", ok"; the
first boot that fails stops the run and prints its seed, the end of its
console and the command that replays it. The count of each boot is sized
from the rate of the one before, so that the run lasts about S seconds.
"""
import argparse
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FZ = os.path.join(ROOT, "build", "fuzz")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402  (qemu_command: the same QEMU the boot tests use)


# ------------------------------------------------------------------ seeds
def elf_file(e_type=2, loads=((0x400000, 0, 0x200, 0x200, 5),), extra=(), entry=0x400100):
    """A small ELF64 x86-64 file. loads: (vaddr, offset, filesz, memsz, flags); extra: (type, vaddr)."""
    phdrs = [(1, flags, off, vaddr, filesz, memsz) for vaddr, off, filesz, memsz, flags in loads]
    phdrs += [(ptype, 4, 64, vaddr, 56, 56) for ptype, vaddr in extra]
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", e_type, 62, 1, entry, 64, 0, 0, 64, 56, len(phdrs), 64, 0, 0)
    body = b"".join(struct.pack("<IIQQQQQQ", t, f, o, v, v, fs, ms, 0x1000) for t, f, o, v, fs, ms in phdrs)
    data = header + body
    end = max([off + filesz for _, off, filesz, _, _ in loads] + [len(data)])
    return data + bytes(end - len(data))


def mb2_tag(kind, payload):
    tag = struct.pack("<II", kind, 8 + len(payload)) + payload
    return tag + bytes((8 - len(tag) % 8) % 8)


def mb2_block(tags):
    body = b"".join(tags) + mb2_tag(0, b"")
    return struct.pack("<II", 8 + len(body), 0) + body


def acpi_table(signature, body):
    """An ACPI table: its 36-byte header (length and checksum filled in), then BODY."""
    table = bytearray(signature + struct.pack("<I", 36 + len(body)) + b"\x01\x00" + b"FUZZOS" + bytes(20) + body)
    table[9] = -sum(table) & 0xff
    return bytes(table)


def acpi_memory(revision):
    """Physical memory from 0 as chapter 10's fuzz_acpi reads it: an RSDP at 0
    (its first 36 bytes are also the boot loader's copy), the root table at
    0x40, a MADT with two processors at 0x100."""
    rsdp = bytearray(b"RSD PTR " + b"\x00" + b"FUZZOS" + bytes([revision]) + struct.pack("<I", 0x40))
    rsdp[8] = -sum(rsdp) & 0xff
    if revision >= 2:
        rsdp += struct.pack("<IQ", 36, 0x40) + bytes(4)
        rsdp[32] = -sum(rsdp) & 0xff
    root = acpi_table(b"XSDT", struct.pack("<Q", 0x100)) if revision >= 2 else acpi_table(b"RSDT", struct.pack("<I", 0x100))
    madt = acpi_table(b"APIC", struct.pack("<II", 0xfee00000, 1) + bytes([0, 8, 0, 0, 1, 0, 0, 0, 0, 8, 1, 1, 1, 0, 0, 0])
                      + bytes([9, 16, 0, 0]) + struct.pack("<III", 2, 1, 2))
    return bytes(rsdp).ljust(0x40, b"\0") + root.ljust(0xc0, b"\0") + madt


def write_seeds():
    seeds = {
        "elf": {
            "one-segment": elf_file(),
            "text-and-bss": elf_file(loads=((0x400000, 0, 0x180, 0x180, 5), (0x401180, 0x180, 0x40, 0x3000, 6)),
                                     extra=((6, 0x400040), (0x6474e551, 0))),
            "pie": elf_file(e_type=3),
            "interp": elf_file(extra=((3, 0x400200),)),
            "overlap": elf_file(loads=((0x400000, 0, 0x180, 0x180, 5), (0x400180, 0x180, 0x40, 0x40, 6))),
        },
        "multiboot2": {
            "grub": mb2_block([
                mb2_tag(1, b"validate=1\0"),
                mb2_tag(2, b"GRUB 2.06\0"),
                mb2_tag(3, struct.pack("<II", 0x1e4000, 0x1f0000) + b"hello arg\0"),
                mb2_tag(6, struct.pack("<II", 24, 0) + struct.pack("<QQII", 0, 0x9fc00, 1, 0)
                        + struct.pack("<QQII", 0x100000, 0xfee0000, 1, 0) + struct.pack("<QQII", 0xfffc0000, 0x40000, 2, 0)),
            ]),
            "many-modules": mb2_block([mb2_tag(3, struct.pack("<II", 0x200000 + i, 0x200100 + i) + b"m\0")
                                       for i in range(34)]),
            "empty": mb2_block([]),
        },
    }
    seeds["acpi"] = {"rsdt": acpi_memory(0), "xsdt": acpi_memory(2)}
    rng = random.Random(1)
    seeds["engine"] = {"random-%d" % i: bytes(rng.randrange(256) for _ in range(rng.randrange(32, 256)))
                       for i in range(8)}
    # 8 entries, backlog 2, pool 4: NOPs filled, submitted, reaped.
    seeds["engine"]["nops"] = bytes([3, 0, 0, 1, 3, 0, 0] + [0, 1, 64, 0, 0, 0, 0] * 4 + [3, 4, 5, 4, 0, 0, 7, 8])
    for name, files in seeds.items():
        folder = os.path.join(FZ, "seeds", name)
        os.makedirs(folder, exist_ok=True)
        for file, data in files.items():
            with open(os.path.join(folder, file), "wb") as f:
                f.write(data)


# ------------------------------------------------------------ host targets
# make test's run of each target: a few seconds on the course machines.
TEST_RUNS = {"elf": 300000, "multiboot2": 200000, "engine": 20000, "acpi": 200000}


def run_host(args):
    name = args.name
    if args.test:
        args.runs = TEST_RUNS.get(name, 100000)
    binary = os.path.join(FZ, name)
    if not os.path.exists(binary):
        print("FAIL  fuzz  %-12s not built (make -f tools/fuzz.mk: see its errors above)" % name)
        if args.result:
            with open(args.result, "w") as f:
                f.write("fail\n")
        return 1
    seeds = os.path.join(FZ, "seeds", name)
    if not os.path.isdir(seeds):
        write_seeds()
    artifacts = os.path.join(FZ, "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    if args.runs:
        corpus = os.path.join(FZ, "test-corpus", name)  # from scratch each time: the run is repeatable
        shutil.rmtree(corpus, ignore_errors=True)
        budget = ["-runs=%d" % args.runs, "-seed=1"]
    else:
        corpus = os.path.join(FZ, "corpus", name)  # kept: each long run starts where the last stopped
        budget = ["-max_total_time=%d" % args.seconds, "-seed=%d" % random.SystemRandom().randrange(1, 2**31)]
    os.makedirs(corpus, exist_ok=True)
    cmd = [binary] + budget + ["-timeout=10", "-max_len=4096", "-print_final_stats=1",
                               "-artifact_prefix=%s/%s-" % (artifacts, name), corpus, seeds]
    log = os.path.join(FZ, "%s.log" % name)
    start = time.monotonic()
    with open(log, "w") as out:
        code = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    with open(log, errors="replace") as f:
        text = f.read()
    execs = re.findall(r"stat::number_of_executed_units: (\d+)", text)
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", text)
    crash = re.findall(r"Test unit written to (\S+)", text)
    summary = "%s execs in %.0f s" % (execs[-1] if execs else "?", elapsed)
    if cov:
        summary += ", coverage %s edges %s features, corpus %s inputs" % cov[-1]
    ok = code == 0 and not crash
    print("%s  fuzz  %-12s %s%s" % ("PASS" if ok else "FAIL", name, summary,
                                    "" if ok else ": input %s" % (crash[-1] if crash else "?")))
    if not ok:
        # What broke, and the stack frames in the course's own code.
        for line in [l for l in text.splitlines() if re.search(
                r"FUZZ_CHECK failed|==\d+==ERROR|runtime error|SUMMARY|ALARM|out-of-memory|leak", l)
                or (re.match(r"\s+#\d+ ", l) and ("/chapters/" in l or "/common/" in l))][:20]:
            print("      | " + line)
        print("      replay: %s %s" % (os.path.relpath(binary, ROOT), crash[-1] if crash else ""))
    if args.result:
        with open(args.result, "w") as f:
            f.write("pass\n" if ok else "fail\n")
    return 0 if ok else 1


# ------------------------------------------------------------ kernel runs
FINAL = {"fuzz-syscalls": r"fuzz-syscalls: (\d+) calls, seed (\d+), (\w+)",
         "fuzz-uring": r"fuzz-uring: (\d+) SQEs, seed (\d+), (\w+)"}
UNIT = {"fuzz-syscalls": "calls", "fuzz-uring": "SQEs"}


def boot_once(chapter, program, words, timeout):
    """Boot CHAPTER with PROGRAM and its words; return (ok, units, seconds, console text)."""
    iso_name = "fuzz-" + program
    subprocess.run(["make", "--no-print-directory", "-s", "-f", "tools/kernel.mk", "CHAPTER=" + chapter,
                    "ISO_NAME=" + iso_name, "PROGRAMS=" + program, "PROGRAM_ARGS=" + words, "iso"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    iso = os.path.join(ROOT, "build", chapter, iso_name + ".iso")
    transcript = os.path.join(ROOT, "build", chapter, iso_name + ".txt")
    if os.path.exists(transcript):
        os.remove(transcript)
    start = time.monotonic()
    proc = subprocess.Popen(boot.qemu_command(iso, transcript, boot.chapter_cpus(iso)), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        code = None
    elapsed = time.monotonic() - start
    with open(transcript, errors="replace") as f:
        text = f.read().replace("\r", "")
    final = re.findall(FINAL[program], text)
    problems = []
    if code is None:
        problems.append("hung: no power-off after %.0f s" % timeout)
    elif code != ((boot.QEMU_SUCCESS_BASE << 1) | 1):
        problems.append("QEMU exit status %d (35: a panic)" % code)
    if "PANIC" in text:
        problems.append("the kernel panicked")
    if not final:
        problems.append("no final line from %s (killed? look at the end of the console)" % program)
    elif final[-1][2] != "ok":
        problems.append("%s found answers that break its rules (VIOLATION lines)" % program)
    units = int(final[-1][0]) if final else 0
    return problems, units, elapsed, text


def run_kernel(args):
    chapter, program = args.chapter, args.program
    deadline = time.monotonic() + args.seconds
    count, total, boots = 20000, 0, 0
    rate = None
    print("fuzz  %s in %s for %d s" % (program, chapter, args.seconds))
    while True:
        seed = random.SystemRandom().randrange(1, 2**32)
        words = "seed=%d count=%d" % (seed, count)
        expected = count / rate if rate else 60
        problems, units, elapsed, text = boot_once(chapter, program, words, timeout=3 * expected + 60)
        boots += 1
        total += units
        print("      boot %d: seed %d, %d %s in %.1f s: %s" % (boots, seed, units, UNIT[program], elapsed,
                                                            "; ".join(problems) if problems else "ok"))
        if problems:
            lines = text.splitlines()
            for line in [l for l in lines if "VIOLATION" in l][:10] + lines[-25:]:
                print("      | " + line[-200:])
            print("      replay: make run CH=%s PROGRAMS=%s PROGRAM_ARGS=\"%s\"" % (chapter[:2], program, words))
            print("FAIL  fuzz  %s in %s: %d %s in %d boots, then a failure (seed %d)" % (
                program, chapter, total, UNIT[program], boots, seed))
            return 1
        rate = units / max(elapsed - 1.0, 0.5)
        left = deadline - time.monotonic()
        if left < 5:
            break
        count = max(1000, int(rate * min(left, 120) * 0.9))
    print("PASS  fuzz  %s in %s: %d %s in %d boots, no panic, no hang, every answer within the rules" % (
        program, chapter, total, UNIT[program], boots))
    return 0


def host_targets(chapter):
    """(name, owner) of every host target; owner is "common" or a chapter folder."""
    found = []
    for folder in ["common"] + sorted(os.listdir(os.path.join(ROOT, "chapters"))):
        tests = os.path.join(ROOT, folder if folder == "common" else os.path.join("chapters", folder), "tests")
        if os.path.isdir(tests):
            found += [(f[len("fuzz_"):-len(".cpp")], folder) for f in sorted(os.listdir(tests))
                      if f.startswith("fuzz_") and f.endswith(".cpp")]
    return [(name, owner) for name, owner in found if owner == "common" or owner <= chapter]


def run_chapter(args):
    """make fuzz: every fuzzer this chapter has, SECONDS each; a summary at the end."""
    src = os.path.join(ROOT, "build", args.chapter, "src")
    programs = [p for p, folder in (("fuzz-syscalls", "sys"), ("fuzz-uring", "uring"))
                if os.path.isdir(os.path.join(src, folder))]
    results = []
    for program in programs:
        results.append(("%s in %s" % (program, args.chapter),
                        run_kernel(argparse.Namespace(chapter=args.chapter, program=program,
                                                      seconds=args.seconds))))
    for name, owner in host_targets(args.chapter):
        results.append(("host target %s (%s)" % (name, owner),
                        run_host(argparse.Namespace(name=name, test=False, runs=None, seconds=args.seconds,
                                                    result=None))))
    print("make fuzz CH=%s SECONDS=%d: %d fuzzers, %d failed%s" % (
        args.chapter[:2], args.seconds, len(results),
        sum(1 for _, code in results if code), "".join("\n  FAIL " + what for what, code in results if code)))
    return 1 if any(code for _, code in results) else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seeds")
    h = sub.add_parser("host")
    h.add_argument("name")
    h.add_argument("--runs", type=int)
    h.add_argument("--test", action="store_true", help="the short run of make test (runs: TEST_RUNS)")
    h.add_argument("--seconds", type=int, default=60)
    h.add_argument("--result")
    k = sub.add_parser("kernel")
    k.add_argument("chapter")
    k.add_argument("program", choices=sorted(FINAL))
    k.add_argument("--seconds", type=int, default=60)
    c = sub.add_parser("chapter")
    c.add_argument("chapter")
    c.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    if args.command == "seeds":
        write_seeds()
        return 0
    return {"host": run_host, "kernel": run_kernel, "chapter": run_chapter}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
