#!/usr/bin/env python3
"""Tests of the boot-test harness itself (tools/boot.py), a pytest suite.

    /usr/bin/python3 -m pytest tools/test_harness.py    (make test runs it as "harness")

A harness that cannot fail proves nothing, so most cases here hand
`boot.py check` a crafted console transcript and expectation file (written
to a temporary directory) and require a failure with a message that names
the problem. One case runs `boot.py run` with `sleep 30` standing in for the
emulator and `timeout: 1`, to see a real hang reported within seconds; two
others use a tiny shell script as the emulator, to see `run` pass a good
console and print the whole transcript under a failing one.
"""
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOT = os.path.join(ROOT, "tools", "boot.py")

GOOD_TRANSCRIPT = """\
[Boot] Long mode: kernel_main at 0xffffffff80103810
[Boot] Command line: ""
[Memory] 261631 KiB available
[OK] Chapter 01: boot complete
[Power] off status=0
"""

GOOD_EXPECT = """\
# a comment, and a blank line, are not rules

[Boot] Long mode: kernel_main at 0xffffffff8
[Boot] Command line: ""
[OK] Chapter 01: boot complete
"""

CASES = []


def case(name):
    """Register a test case: a function of a fresh temporary directory."""
    def register(function):
        CASES.append((name, function))
        return function
    return register


def require(condition, message, output=""):
    assert condition, message + ("\nboot.py said:\n" + output if output else "")


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def boot(*args, timeout=20):
    """Run tools/boot.py; return (exit status, stdout + stderr, seconds)."""
    start = time.monotonic()
    p = subprocess.run([sys.executable, BOOT, *args], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - start


def check(directory, transcript, expect, *extra):
    """`boot.py check` on the given texts; return (exit status, output)."""
    t = write(directory, "console.txt", transcript)
    e = write(directory, "test.expect", expect)
    code, out, _ = boot("check", "--transcript", t, "--expect", e, *extra)
    return code, out


def fails_with(directory, transcript, expect, words, *extra):
    code, out = check(directory, transcript, expect, *extra)
    require(code == 1, "expected exit status 1 (failure), got %d" % code, out)
    for w in words:
        require(w in out, "the failure message does not mention %r" % w, out)


# ------------------------------------------------------------ boot.py check

@case("a good transcript passes")
def good(d):
    code, out = check(d, GOOD_TRANSCRIPT, GOOD_EXPECT)
    require(code == 0 and out == "", "expected a silent pass, got status %d" % code, out)


@case("a PANIC line fails")
def panic(d):
    transcript = GOOD_TRANSCRIPT.replace("[OK]", "PANIC: page fault at 0x0\n[OK]")
    fails_with(d, transcript, GOOD_EXPECT, ["forbidden text 'PANIC'", "line 4", "page fault at 0x0"])


@case("a missing expected line fails and names the line")
def missing(d):
    expect = GOOD_EXPECT + "[Trap] breakpoint handled\n"
    fails_with(d, GOOD_TRANSCRIPT, expect, ["missing '[Trap] breakpoint handled'", "test.expect:6"])


@case("expected lines out of order fail")
def out_of_order(d):
    expect = "[OK] Chapter 01: boot complete\n[Boot] Long mode\n"
    fails_with(d, GOOD_TRANSCRIPT, expect,
               ["missing '[Boot] Long mode'", "test.expect:2", "before the line expected ahead of it"])


@case("a wrong power-off status fails")
def wrong_status(d):
    fails_with(d, GOOD_TRANSCRIPT.replace("status=0", "status=1"), GOOD_EXPECT,
               ["expected '[Power] off status=0'", "saw [Power] off status=1"])
    fails_with(d, GOOD_TRANSCRIPT, GOOD_EXPECT + "status: 1\n",
               ["expected '[Power] off status=1'", "saw [Power] off status=0"])


@case("a transcript without a power-off line fails")
def no_power_off(d):
    fails_with(d, GOOD_TRANSCRIPT.replace("[Power] off status=0\n", ""), GOOD_EXPECT,
               ["no power-off line"])


@case("status: 1 allows PANIC and passes")
def panic_allowed(d):
    transcript = "[Boot] Long mode\nPANIC: deliberate\n[Power] off status=1\n"
    code, out = check(d, transcript, "status: 1\nPANIC: deliberate\n")
    require(code == 0, "expected a pass, got status %d" % code, out)


@case("* in a rule matches any run of characters, in order")
def wildcard(d):
    code, out = check(d, GOOD_TRANSCRIPT, "[Boot] Long mode: * at 0xffffffff8*\n[Memory] * KiB\n")
    require(code == 0, "wildcard rules that match should pass, got status %d" % code, out)
    fails_with(d, GOOD_TRANSCRIPT, "[Memory] KiB * 261631\n", ["missing '[Memory] KiB * 261631'"])


@case("forbidden never: text fails")
def never(d):
    fails_with(d, GOOD_TRANSCRIPT, GOOD_EXPECT + "never: KiB available\n",
               ["forbidden text 'KiB available'", "line 3"])


@case("include: reads the rules of another file")
def include(d):
    os.makedirs(os.path.join(d, "common"))
    # The included rule takes its place in the order: after the command line.
    expect = GOOD_EXPECT.replace("[OK]", "include: common/boot.expect\n[OK]")
    write(d, "common/boot.expect", "[Memory] 261631 KiB available\n")
    code, out = check(d, GOOD_TRANSCRIPT, expect)
    require(code == 0, "an included rule that holds should pass, got status %d" % code, out)
    write(d, "common/boot.expect", "# shared rules\n[Memory] 999 KiB available\n")
    fails_with(d, GOOD_TRANSCRIPT, expect, ["missing '[Memory] 999 KiB available'", "boot.expect:2"])


@case("a QEMU exit status mismatch fails (--exit-code)")
def exit_code(d):
    code, out = check(d, GOOD_TRANSCRIPT, GOOD_EXPECT, "--exit-code", "33")
    require(code == 0, "exit status 33 is QEMU's success and should pass", out)
    fails_with(d, GOOD_TRANSCRIPT, GOOD_EXPECT, ["QEMU exit status 35, expected 33"],
               "--exit-code", "35")
    fails_with(d, GOOD_TRANSCRIPT, GOOD_EXPECT, ["QEMU exit status 0, expected 33"],
               "--exit-code", "0")


@case("--timed-out fails even with a good transcript")
def timed_out_flag(d):
    fails_with(d, GOOD_TRANSCRIPT, GOOD_EXPECT, ["timed out"], "--timed-out")


# -------------------------------------------------------------- boot.py run

@case("a hung emulator times out within seconds")
def real_timeout(d):
    expect = write(d, "test.expect", "timeout: 1\n[Boot] Long mode\n")
    result = os.path.join(d, "hang.result")
    code, out, seconds = boot("run", "--emulator", "sleep 30", "--iso", "/dev/null",
                              "--expect", expect, "--transcript", os.path.join(d, "console.txt"),
                              "--result", result, "--name", "hang", timeout=15)
    require(code == 1, "expected exit status 1, got %d" % code, out)
    require(seconds < 5, "took %.1f s to give up on a 1 s timeout" % seconds, out)
    require("FAIL" in out and "timed out after 1 s" in out, "no timeout message", out)
    with open(result) as f:
        require(f.read() == "fail\n", "the result file does not say fail")


def fake_emulator(d, console, status=0):
    """A script that writes @p console to the transcript, as QEMU's COM1 would."""
    transcript = os.path.join(d, "console.txt")
    script = write(d, "fake-emulator.sh",
                   "#!/bin/sh\ncat > '%s' <<'EOF'\n%sEOF\nexit %d\n" % (transcript, console, status))
    os.chmod(script, 0o755)
    return script, transcript


@case("run passes a good console and writes a pass result")
def run_passes(d):
    script, transcript = fake_emulator(d, GOOD_TRANSCRIPT)
    result = os.path.join(d, "good.result")
    code, out, _ = boot("run", "--emulator", script, "--iso", "/dev/null",
                        "--expect", write(d, "test.expect", GOOD_EXPECT),
                        "--transcript", transcript, "--result", result, "--name", "good")
    require(code == 0 and out.startswith("PASS"), "expected PASS, got status %d" % code, out)
    with open(result) as f:
        require(f.read() == "pass\n", "the result file does not say pass")


@case("a failing run prints the whole transcript")
def run_prints_transcript(d):
    console = "[Boot] Long mode\nPANIC: general protection fault\nRIP ffffffff80101234\n[Power] off status=1\n"
    script, transcript = fake_emulator(d, console)
    code, out, _ = boot("run", "--emulator", script, "--iso", "/dev/null",
                        "--expect", write(d, "test.expect", GOOD_EXPECT),
                        "--transcript", transcript, "--name", "gpf")
    require(code == 1, "expected exit status 1, got %d" % code, out)
    require("console transcript (%s)" % transcript in out, "no transcript header", out)
    for n, line in enumerate(console.splitlines(), 1):
        require("%4d | %s" % (n, line) in out, "transcript line %d is not shown" % n, out)


# ------------------------------------------------------ input: typing on COM1

def typing_emulator(d, count):
    """A script standing in for QEMU with -serial stdio: it reports input that
    came before its "ready" line, then prints in hex the COUNT bytes it gets."""
    script = write(d, "typing-emulator.sh", """#!/bin/bash
echo "[Boot] Long mode"
if IFS= read -r -t 0.3 -n 1 c; then echo "early input"; fi
echo "ready for input"
printf 'got:'; head -c %d | od -An -tx1 | tr -d '\\n'; echo
echo "[Power] off status=0"
""" % count)
    os.chmod(script, 0o755)
    return script


@case("input: is typed after its trigger line, escapes decoded and repeats counted")
def input_typed(d):
    script = typing_emulator(d, 7)
    expect = write(d, "test.expect", "input-after: ready for input\ninput-delay: 0.1\ninput: a\\x04\n"
                   "input-repeat: 2\ninput: \\\\\\t\\n\nnever: early input\n"
                   "got: 61 04 61 04 5c 09 0a\n")
    code, out, _ = boot("run", "--emulator", script, "--iso", "/dev/null", "--expect", expect,
                        "--transcript", os.path.join(d, "console.txt"), "--name", "typing")
    require(code == 0 and out.startswith("PASS"), "expected PASS, got status %d" % code, out)


@case("input: that the emulator never gets fails its test")
def input_wrong(d):
    script = typing_emulator(d, 2)
    expect = write(d, "test.expect", "input-after: ready for input\ninput: xy\ngot: 61 62\n")
    code, out, _ = boot("run", "--emulator", script, "--iso", "/dev/null", "--expect", expect,
                        "--transcript", os.path.join(d, "console.txt"), "--name", "typing")
    require(code == 1 and "missing 'got: 61 62'" in out, "expected a missing line", out)


@case("input: without input-after: is refused")
def input_without_trigger(d):
    code, out = check(d, GOOD_TRANSCRIPT, GOOD_EXPECT + "input: hello\n")
    require(code != 0 and "input: needs input-after:" in out, "expected a refusal", out)


@case("input: with an unknown escape is refused")
def input_bad_escape(d):
    code, out = check(d, GOOD_TRANSCRIPT, GOOD_EXPECT + "input-after: x\ninput: a\\qb\n")
    require(code != 0 and "unknown escape" in out, "expected a refusal", out)


# ------------------------------------------------------------ cpus: the machine's processors

def boot_module():
    """tools/boot.py as a module, for the functions that build an emulator's command line."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import boot as module
    return module


@case("cpus: comes from the chapter's chapter.mk, a .expect's cpus: overrides it, QEMU gets -smp")
def cpus(d):
    module = boot_module()
    iso = os.path.join(d, "os.iso")
    require(module.chapter_cpus(iso) == 1, "no chapter.mk beside the ISO: expected 1 CPU")
    os.makedirs(os.path.join(d, "src"))
    write(d, "src/chapter.mk", "PROGRAMS := hello\nCPUS := 3\n")
    require(module.chapter_cpus(iso) == 3, "expected the chapter's CPUS := 3")
    command = module.qemu_command(iso, os.path.join(d, "t.txt"), module.chapter_cpus(iso))
    require(command[command.index("-smp") + 1] == "3", "expected -smp 3 in %s" % command)
    bochs, _ = module.bochs_command(iso, os.path.join(d, "t.txt"), d, 2)
    require(bochs[-1] == "cpu: count=2, ips=%d" % module.BOOT_TEST_IPS,
            "expected Bochs' cpu: count=2 and the boot tests' ips last in %s" % bochs)
    exp = module.Expectation.load(write(d, "test.expect", GOOD_EXPECT + "cpus: 4\n"))
    require(exp.cpus == 4, "expected cpus: 4 from the .expect, got %r" % exp.cpus)
    require(module.Expectation.load(write(d, "plain.expect", GOOD_EXPECT)).cpus is None,
            "a .expect without cpus: leaves it to the chapter")


# ------------------------------------------------------------------- pytest

@pytest.mark.parametrize("function", [f for _, f in CASES], ids=[name for name, _ in CASES])
def test_harness(function, tmp_path):
    function(str(tmp_path))
