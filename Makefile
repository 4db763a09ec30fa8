# The course's entry point. Every command a student or teacher needs:
#
#   make run   [CH=NN] [PROGRAMS="a b"] [ARGS="opt=v"]  boot a chapter in QEMU
#   make test                         build every chapter, run every test
#   make bochs [CH=NN]                the Bochs debugger, symbols loaded
#   make trace [CH=NN]                GS-base trace from the Bochs debugger
#   make bench [CH=NN] [LINUX=no]     benchmarks, ours against Debian's Linux
#              [BENCH_CPUS=N] [BENCH_PROGRAMS="a b"]  ours on N CPUs; only these programs
#   make fuzz  [CH=NN] [SECONDS=N]    the chapter's fuzzers, about N s each: random
#                                     syscalls and io_uring abuse in QEMU, host
#                                     libFuzzer targets
#   make liburing-tests [CH=NN]       liburing's own tests, unchanged, here and on
#                                     this machine's Linux (fetched from Debian)
#   make diff  CH=NN                  what chapter NN changes
#   make docs                         the course book (build/docs/html)
#   make transcripts                  refresh the docs' quoted console output (after make test)
#   make [all]                        build every chapter's kernel and ISO
#   make test CH=NN                   only chapter NN's tests: host, boot, trace
#   make compile_commands             compile_commands.json for clangd (real files)
#   make format                       lay out the C and C++ as .clang-format says
#                                     (clang-format 16; make test checks it)
#   make grade CH=NN                  chapter NN's graded exercises, points for each
#   make handout CH=NN DEST=dir       chapter NN as a student gets it: its graded
#                                     exercises' code replaced by stubs
#   make test-handouts                prove every chapter's hand-out fails make grade
#   make setup                        install the packages the course needs
#   make clean                        remove build/
#   make help                         this list
#
# CH defaults to the latest chapter. V=1 shows full commands. How the
# chapters are composed is explained in docs/build.md.

CHAPTERS := $(sort $(notdir $(wildcard chapters/[0-9][0-9]-*)))
LATEST   := $(lastword $(CHAPTERS))
CH       ?= $(firstword $(subst -, ,$(LATEST)))
CHAPTER  := $(filter $(CH)-%,$(CHAPTERS))
ifeq ($(CHAPTER),)
  $(error CH=$(CH) is not a chapter; choose one of: $(foreach c,$(CHAPTERS),$(firstword $(subst -, ,$(c)))))
endif
B := build/$(CHAPTER)
SUBMAKE := $(MAKE) --no-print-directory
# Debian's Python: the tools that use Debian's python3-* packages (pytest,
# pexpect, pygments, markdown-it) run under it, not under a python3 that a
# version manager put first on PATH (tools/setup.sh installs the packages).
PYTHON  ?= /usr/bin/python3
export PYTHON
JOBS    := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all run test bochs trace bench liburing-tests diff docs transcripts setup clean user host-tests help compile_commands \
        fuzz grade handout test-handouts format FORCE
.DEFAULT_GOAL := all

all: $(foreach c,$(CHAPTERS),build/$(c)/os.iso)

setup:
	@tools/setup.sh

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- building
user: setup
	+@$(SUBMAKE) -f tools/user.mk

build/%/os.iso build/%/kernel.elf: user FORCE
	+@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$* iso all

FORCE:

# ------------------------------------------------------------------ running
ifdef PROGRAMS
RUN_ISO := $(B)/custom.iso
else
RUN_ISO := $(B)/os.iso
endif

run: user
	@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(CHAPTER) iso all
	@tools/qemu-run.sh $(RUN_ISO)

bochs: user
	@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(CHAPTER) iso all
	@tools/bochs-debug.sh $(CHAPTER) $(RUN_ISO)

# The GS-base trace (tools/trace.py): the chapter's kernel with its trace
# programs (null-syscall; chapter.mk's TRACE_PROGRAMS from chapter 07: and
# thread-switch; from chapter 08: and sqpoll-burst) and an empty command
# line (so validate=1 is off) in the Bochs debugger ->
# build/NN-slug/gs-trace.txt and syscall-cost.txt.
TRACE_ISO_FLAGS := ISO_NAME=trace CMDLINE=

trace: user
	@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(CHAPTER) $(TRACE_ISO_FLAGS) iso
	@$(PYTHON) tools/trace.py run $(CHAPTER)

diff: setup
	@tools/diff.sh $(CHAPTER)

# liburing 2.3's own test programs (tools/liburing_tests.py): its source
# fetched from Debian's archive into build/liburing/, built with musl, each
# test run on this machine's Linux and booted alone in the chapter's kernel,
# and checked against chapters/NN-slug/liburing-tests.txt (what each must do
# here, and why one fails). About 15 minutes; not part of make test.
liburing-tests: user
	@$(PYTHON) tools/liburing_tests.py run $(CHAPTER)

# The chapter's benchmark programs (BENCH := in its chapter.mk) in its kernel
# and in Debian's Linux, both under QEMU -icount (tools/bench.py): tables in
# build/NN-slug/bench-tables.txt. The Linux kernel is fetched into
# build/linux/ the first time; LINUX=no measures ours only (what make docs runs).
# BENCH_CPUS=N: ours on a machine of N CPUs (chapter 10 on; Linux is not run,
# see tools/bench.py); BENCH_PROGRAMS="a b": only these of the chapter's BENCH.
bench: user
	@python3 tools/bench.py run $(CHAPTER) $(if $(filter no,$(LINUX)),--no-linux) \
	    $(if $(BENCH_CPUS),--cpus $(BENCH_CPUS)) $(if $(BENCH_PROGRAMS),--programs $(BENCH_PROGRAMS))

docs: setup
	@tools/docs.sh

# The console blocks the pages quote from make test's runs, with their
# numbers (addresses, sizes, Bochs ticks) brought up to date.
transcripts:
	@$(PYTHON) tools/refresh_transcripts.py

# The fuzzers (tools/fuzz.py): for about SECONDS each, the chapter's
# in-kernel ones (fuzz-syscalls from chapter 04, fuzz-uring from 06) boot
# again and again in QEMU with fresh seeds; then each host libFuzzer target
# of this chapter or an earlier one. Each prints what it executed.
SECONDS ?= 60
fuzz: user
	+@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(CHAPTER) all
	+@$(SUBMAKE) -f tools/fuzz.mk
	@$(PYTHON) tools/fuzz.py chapter $(CHAPTER) --seconds $(SECONDS)

# ------------------------------------------------------------------ testing
# Every test writes build/results/NAME.result or NAME.tap; the summary counts
# them and also counts a missing one (a broken build) as a failure.
#
# Boot tests: chapters/C/test.expect boots C's own ISO; each extra
# chapters/C/test-X.expect boots an ISO made with its "args:" (kernel
# options), "programs:", "program-args:" and "program-env:" lines, as the
# test "C--X". Each runs in QEMU and in Bochs, or only in those its
# "emulators:" line names.
# expect_of(config): its expectation file; iso_of(config): the ISO it boots.
chapter_of = $(firstword $(subst --, ,$(1)))
variant_of = $(word 2,$(subst --, ,$(1)))
expect_of = chapters/$(call chapter_of,$(1))/test$(if $(call variant_of,$(1)),-$(call variant_of,$(1))).expect
iso_of = build/$(call chapter_of,$(1))/$(if $(call variant_of,$(1)),test-$(call variant_of,$(1)),os).iso
directive = $(strip $(shell sed -n 's/^$(2):[[:space:]]*//p' $(1)))
# A word for the shell whatever it holds (program-args: may hold quotes).
shell_quote = '$(subst ','\'',$(1))'
BOOT_CONFIGS := $(foreach c,$(CHAPTERS),$(c) \
                  $(foreach e,$(wildcard chapters/$(c)/test-*.expect),$(c)--$(patsubst test-%.expect,%,$(notdir $(e)))))
# A variant whose .expect says "emulators: qemu" boots in QEMU only (the
# long differential probes: Bochs would add minutes and no new path).
emulators_of = $(or $(call directive,$(call expect_of,$(1)),emulators),qemu bochs)
BOOT_TESTS := $(foreach b,$(BOOT_CONFIGS),$(foreach e,$(call emulators_of,$(b)),$(e)-$(b)))
# chapters/NN-slug/tests/test_X.cpp -> the host test "host-NN-slug-test_X".
CHAPTER_TESTS := $(foreach t,$(sort $(wildcard chapters/*/tests/test_*.cpp)),\
                   host-$(word 2,$(subst /, ,$(t)))-$(basename $(notdir $(t))))
# A variant whose .expect says "compare-with-linux: yes" boots one static
# Linux program; the test "linux-C--X" also runs it natively and compares.
LINUX_TESTS := $(foreach b,$(BOOT_CONFIGS),$(if $(call variant_of,$(b)),\
                 $(if $(shell grep -l '^compare-with-linux: *yes' $(call expect_of,$(b)) 2>/dev/null),linux-$(b))))
# GS-base traces (tools/trace.py): every chapter from the first with a
# syscall entry on (a later chapter inherits it), as "trace-NN-slug"; and
# the test of their checker (tools/test_trace.py).
TRACE_CHAPTERS := $(foreach c,$(CHAPTERS),$(if $(or $(traced),$(wildcard chapters/$(c)/arch/syscall_entry.S)),$(eval traced := 1)$(c)))
TRACE_TESTS := $(addprefix trace-,$(TRACE_CHAPTERS)) trace-checker
# Host libFuzzer targets (tools/fuzz.mk): chapters/NN-slug/tests/fuzz_X.cpp
# and common/tests/fuzz_X.cpp -> the test "fuzz-X", a short run of each.
FUZZ_TESTS := $(foreach f,$(sort $(wildcard chapters/*/tests/fuzz_*.cpp common/tests/fuzz_*.cpp)),\
                fuzz-$(patsubst fuzz_%,%,$(basename $(notdir $(f)))))
# Graded exercises (docs/teaching.md), listed in chapters/NN-slug/tests/grade.txt:
# "grade-NN-slug" grades the full tree from the results of the tests it
# names (every point must be earned, every marker sound); "handout-NN-slug"
# writes that chapter's hand-out, grades it, and requires every exercise to
# fail (tools/grade.py). A hand-out costs a rebuild of what its stubs touch
# and a boot or two: make test proves those of HANDOUT_PROOFS, make
# test-handouts those of every graded chapter.
GRADED_CHAPTERS := $(foreach c,$(CHAPTERS),$(if $(wildcard chapters/$(c)/tests/grade.txt),$(c)))
HANDOUT_PROOFS ?= 02 06
GRADE_TESTS := $(addprefix grade-,$(GRADED_CHAPTERS)) \
               $(addprefix handout-,$(filter $(addsuffix -%,$(HANDOUT_PROOFS)),$(GRADED_CHAPTERS)))
# The longest single tests first (make -j starts them in this order), so
# that what runs last is short: the book, then the Bochs traces.
TESTS := docs $(TRACE_TESTS) host-common harness grade-tools ownership bench-tools format $(CHAPTER_TESTS) $(FUZZ_TESTS) \
         $(BOOT_TESTS) $(LINUX_TESTS) $(GRADE_TESTS) transcripts
# `make test CH=NN`: only what belongs to chapter NN - its host tests, its
# boot tests in QEMU and Bochs (every variant), its Linux comparisons and its
# trace. A plain `make test` runs everything.
ifeq ($(origin CH),command line)
  TESTS := $(filter host-$(CHAPTER)-% qemu-$(CHAPTER) qemu-$(CHAPTER)--% bochs-$(CHAPTER) bochs-$(CHAPTER)--% \
                    linux-$(CHAPTER)--% trace-$(CHAPTER) grade-$(CHAPTER) handout-$(CHAPTER),$(TESTS))
endif

test: setup
	@start=$$(date +%s.%N); rm -rf build/results; mkdir -p build/results; \
	 $(SUBMAKE) -k -j$(JOBS) $(addprefix build/results/,$(addsuffix .done,$(TESTS))); \
	 python3 tools/summary.py build/results $$start $(TESTS)


define variant_iso
# After os.iso: two builds of one chapter at once would race on its tree.
# FORCE: kernel.mk decides what to rebuild (a variant's own program may have
# changed when os.iso did not).
build/$(call chapter_of,$(1))/test-$(call variant_of,$(1)).iso: build/$(call chapter_of,$(1))/os.iso FORCE
	+@$$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(call chapter_of,$(1)) ISO_NAME=test-$(call variant_of,$(1)) iso \
	   ARGS="$$(call directive,$(call expect_of,$(1)),args)" \
	   PROGRAM_ARGS=$$(call shell_quote,$$(call directive,$(call expect_of,$(1)),program-args)) \
	   PROGRAM_ENV=$$(call shell_quote,$$(call directive,$(call expect_of,$(1)),program-env)) \
	   $$(if $$(call directive,$(call expect_of,$(1)),programs),PROGRAMS="$$(call directive,$(call expect_of,$(1)),programs)")
endef
define boot_test
build/results/$(2)-$(1).done: $(call iso_of,$(1))
	@python3 tools/boot.py run --emulator $(2) --iso $$< --expect $(call expect_of,$(1)) --name $(1) \
	   --transcript build/$(call chapter_of,$(1))/test/$(2)-$(1).txt --result build/results/$(2)-$(1).result || true
	@touch $$@
endef
$(foreach b,$(BOOT_CONFIGS),$(if $(call variant_of,$(b)),$(eval $(call variant_iso,$(b)))))
# The variant ISOs of one chapter are built one at a time, each after the one
# before it in name order (the first after the trace ISO, if there is one) (order-only: nothing is rebuilt because of it), for
# the same reason: two kernel.mk runs for one chapter race on its tree.
define variant_chain
$(eval prev_iso := build/$(1)/$(if $(filter $(1),$(TRACE_CHAPTERS)),trace,os).iso)
$(foreach v,$(sort $(patsubst test-%.expect,%,$(notdir $(wildcard chapters/$(1)/test-*.expect)))),\
  $(eval build/$(1)/test-$(v).iso: | $(prev_iso))$(eval prev_iso := build/$(1)/test-$(v).iso))
endef
# (make grade --fail-fast, which makes one test at a time, turns it off:
# GRADE_ONE_AT_A_TIME=1 builds only the ISO the test boots.)
$(if $(GRADE_ONE_AT_A_TIME),,$(foreach c,$(CHAPTERS),$(call variant_chain,$(c))))

# A `programs:` word that names a file (/bin/busybox) is that file; any
# other names build/user/NAME.elf.
program_file = $(if $(wildcard $(1)),$(1),build/user/$(1).elf)
# The kernel's side is the console of the QEMU boot test of the same ISO
# (one boot, not two), when the test runs in QEMU.
define linux_test
build/results/linux-$(1).done: $(call iso_of,$(1)) $(if $(filter qemu,$(call emulators_of,$(1))),build/results/qemu-$(1).done)
	@python3 tools/same_as_linux.py --iso $$< --result build/results/linux-$(1).result --expect $(call expect_of,$(1)) \
	   --program $$(call program_file,$$(call directive,$(call expect_of,$(1)),programs)) \
	   $(if $(filter qemu,$(call emulators_of,$(1))),--console build/$(call chapter_of,$(1))/test/qemu-$(1).txt) || true
	@touch $$@
endef
$(foreach t,$(LINUX_TESTS),$(eval $(call linux_test,$(patsubst linux-%,%,$(t)))))
$(foreach b,$(BOOT_CONFIGS),$(foreach e,qemu bochs,$(eval $(call boot_test,$(b),$(e)))))

# A trace ISO is built right after os.iso, and the chapter's variant ISOs
# after it (variant_chain): two kernel.mk runs for one chapter at once would
# race on its source tree. First, because the book waits for the traces of
# chapters 04 and 05. FORCE: kernel.mk decides (TRACE_PROGRAMS may have
# changed when os.iso did not).
define trace_test
build/$(1)/trace.iso: build/$(1)/os.iso FORCE
	+@$$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(1) $$(TRACE_ISO_FLAGS) iso
build/results/trace-$(1).done: build/$(1)/trace.iso
	@$(PYTHON) tools/trace.py run $(1) --quiet --result build/results/trace-$(1).result || true
	@touch $$@
endef
$(foreach c,$(TRACE_CHAPTERS),$(eval $(call trace_test,$(c))))

# A chapter's ISOs, all of them: a hand-out copies the chapter's objects,
# which no kernel.mk run of that chapter may be rewriting.
chapter_isos = build/$(1)/os.iso $(foreach e,$(wildcard chapters/$(1)/test-*.expect),\
                 build/$(1)/test-$(patsubst test-%.expect,%,$(notdir $(e))).iso) \
               $(if $(filter $(1),$(TRACE_CHAPTERS)),build/$(1)/trace.iso)
graded_tests = $(shell sed -n 's/^[[:space:]]*test[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' \
                 chapters/$(1)/tests/grade.txt | sort -u)
define grade_test
build/results/grade-$(1).done: $(addprefix build/results/,$(addsuffix .done,$(call graded_tests,$(1))))
	@$(PYTHON) tools/grade.py run $(1) --reuse --result build/results/grade-$(1).result \
	   > build/results/grade-$(1).log 2>&1 || cat build/results/grade-$(1).log
	@touch $$@
build/results/handout-$(1).done: build/results/grade-$(1).done $(call chapter_isos,$(1)) user
	+@$(PYTHON) tools/grade.py handout-test $(1) --result build/results/handout-$(1).result || true
	@touch $$@
endef
$(foreach c,$(GRADED_CHAPTERS),$(eval $(call grade_test,$(c))))

grade: user
	+@$(PYTHON) tools/grade.py run $(CHAPTER)

handout:
	@$(if $(DEST),,echo "make handout: say where, e.g. make handout CH=$(CH) DEST=../student-$(CH)"; exit 2)
	@$(PYTHON) tools/handout.py write $(CHAPTER) $(DEST)

test-handouts: setup
	@start=$$(date +%s.%N); mkdir -p build/results; \
	 rm -f $(foreach c,$(GRADED_CHAPTERS),build/results/grade-$(c).* build/results/handout-$(c).*); \
	 $(SUBMAKE) -k -j$(JOBS) $(foreach c,$(GRADED_CHAPTERS),build/results/handout-$(c).done); \
	 python3 tools/summary.py build/results $$start $(foreach c,$(GRADED_CHAPTERS),grade-$(c) handout-$(c))

# Ownership (tools/check_ownership.py): common/ and kernel/ hold only what
# every chapter's kernel links, and no kernel holds a later chapter's code.
build/results/ownership.done: $(foreach c,$(CHAPTERS),build/$(c)/kernel.elf)
	@python3 tools/check_ownership.py --result build/results/ownership.result $(CHAPTERS) || true
	@touch $@

# The tools' own tests are pytest suites; JUnit XML feeds the summary, and
# pytest's short report shows what failed.
PYTEST = $(PYTHON) -m pytest -q --no-header -rfE
build/results/trace-checker.done:
	@$(PYTEST) tools/test_trace.py --junitxml=build/results/trace-checker.xml > build/results/trace-checker.log 2>&1 \
	   || cat build/results/trace-checker.log
	@touch $@

build/results/host-common.done: setup
	+@$(SUBMAKE) -f tools/host.mk build/host/common-tests
	@build/host/common-tests --tap=build/results/host-common.tap -j2 --timeout 60 || true
	@touch $@

# A chapter's host tests share its composed tree (build/host/NN-slug/src):
# it is made once, before them, so that two of them never compose it at the
# same time (each would delete the tree the other is writing).
host_chapter = $(firstword $(subst -test_, ,$(1)))
$(foreach t,$(CHAPTER_TESTS),$(eval build/results/$(t).done: host-tree-$(call host_chapter,$(patsubst host-%,%,$(t)))))
host-tree-%: setup
	+@$(SUBMAKE) -f tools/host.mk build/host/$*/src/.composed

build/results/host-%.done: user
	+@t=$*; chapter=$${t%-test_*}; name=test_$${t##*-test_}; \
	 $(SUBMAKE) -f tools/host.mk build/host/$$chapter/$$name && \
	 build/host/$$chapter/$$name --tap=build/results/host-$*.tap -j2 --timeout 60 || true
	@touch $@

# One build of every fuzz target first: built side by side, they would race
# on the objects of common/ they share.
build/results/fuzz-build.done: setup
	+@$(SUBMAKE) -f tools/fuzz.mk || true
	@touch $@

build/results/fuzz-%.done: build/results/fuzz-build.done
	@python3 tools/fuzz.py host $* --test --result build/results/fuzz-$*.result || true
	@touch $@

# The teacher's kit's own tests (tools/test_grade.py): markers, stubs,
# grade.txt files and results judged, no build and no emulator.
build/results/grade-tools.done:
	@$(PYTEST) tools/test_grade.py --junitxml=build/results/grade-tools.xml > build/results/grade-tools.log 2>&1 \
	   || cat build/results/grade-tools.log
	@touch $@

build/results/harness.done:
	@$(PYTEST) tools/test_harness.py --junitxml=build/results/harness.xml > build/results/harness.log 2>&1 \
	   || cat build/results/harness.log
	@touch $@

# The benchmark tools' own tests (tools/test_bench.py): the initramfs writer,
# the parsing of results, the tables. No emulator, no Linux kernel needed.
build/results/bench-tools.done:
	@python3 tools/test_bench.py > build/results/bench-tools.tap || true
	@grep -v '^ok' build/results/bench-tools.tap || true
	@touch $@

# The layout of the C and C++ (tools/format.py --check, as TAP): every file
# as .clang-format says, after a doctored file has been shown to fail.
build/results/format.done: setup
	@$(PYTHON) tools/format.py --check > build/results/format.tap 2>&1 || true
	@grep -v '^ok \|^TAP \|^1\.\.' build/results/format.tap || true
	@touch $@

# The book (tools/test_docs.py): make docs with zero warnings, a page per
# chapter, every internal link resolving, every code span kept, the pages
# and diagrams rendered by headless Chromium without console errors. It
# needs no boot test's run, so it runs beside them: only after the traces and
# the kernel its measurements boot (make docs runs make trace / make bench
# for a missing or stale figure, and must find what they build up to date).
DOCS_NEEDS := build/results/trace-04-user.done build/results/trace-05-percpu.done build/06-io_uring/os.iso
build/results/docs.done: $(DOCS_NEEDS)
	@$(PYTHON) tools/test_docs.py --part book > build/results/docs.tap 2>&1 || true
	@grep -v '^ok \|^TAP \|^1\.\.' build/results/docs.tap || true
	@touch $@

# The console blocks the pages quote must match the runs this make test
# made (tools/test_docs.py --part transcripts): after every other test.
build/results/transcripts.done: | $(addprefix build/results/,$(addsuffix .done,$(filter-out transcripts,$(TESTS))))
	@$(PYTHON) tools/test_docs.py --part transcripts > build/results/transcripts.tap 2>&1 || true
	@grep -v '^ok \|^TAP \|^1\.\.' build/results/transcripts.tap || true
	@touch $@

# For clangd and other editors: every file the build compiles, under its real
# path (not the build/NN-slug/src link), with the command of the latest
# chapter that compiles it (tools/compile_commands.py reads make -n).
compile_commands: all
	@$(PYTHON) tools/compile_commands.py

# Every C and C++ file laid out as .clang-format says (tools/format.py).
format: setup
	@$(PYTHON) tools/format.py

clean:
	rm -rf build
