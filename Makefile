# The course's entry point. Every command a student or teacher needs:
#
#   make run   [CH=NN] [PROGRAMS="a b"] [ARGS="opt=v"]  boot a chapter in QEMU
#   make test                         build every chapter, run every test
#   make bochs [CH=NN]                the Bochs debugger, symbols loaded
#   make trace [CH=NN]                GS-base trace from the Bochs debugger
#   make bench [CH=NN]                io_uring batching figures (QEMU -icount)
#   make fuzz  [CH=NN] [SECONDS=N] [AVOID=known]
#                                     the chapter's fuzzers: random syscalls and
#                                     io_uring abuse in QEMU, host libFuzzer targets
#   make diff  CH=NN                  what chapter NN changes
#   make docs                         the course book (build/docs/html)
#   make [all]                        build every chapter's kernel and ISO
#   make setup                        install the packages the course needs
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
JOBS    := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all run test bochs trace bench diff docs setup clean user host-tests help fuzz FORCE
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

# The GS-base trace (tools/trace.py): the chapter's kernel with one program,
# null-syscall, and an empty command line (so validate=1 is off) in the
# Bochs debugger -> build/NN-slug/gs-trace.txt and syscall-cost.txt.
TRACE_ISO_FLAGS := ISO_NAME=trace PROGRAMS=null-syscall CMDLINE=

trace: user
	@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(CHAPTER) $(TRACE_ISO_FLAGS) iso
	@python3 tools/trace.py run $(CHAPTER)

diff: setup
	@tools/diff.sh $(CHAPTER)

bench: user
	@grep -qw uring-bench $(B)/src/chapter.mk 2>/dev/null || [ -f chapters/$(CHAPTER)/test-bench.expect ] \
	  || { echo "bench: chapter $(CHAPTER) has no io_uring; try CH=06"; exit 1; }
	@tools/bench.sh $(CHAPTER)

docs: setup
	@tools/docs.sh

# The fuzzers (tools/fuzz.py): for about SECONDS each, the chapter's
# in-kernel ones (fuzz-syscalls from chapter 04, fuzz-uring from 06) boot
# again and again in QEMU with fresh seeds; then each host libFuzzer target
# of this chapter or an earlier one. AVOID=known steps around kernel bugs
# already known, to look for new ones. Each prints what it executed.
SECONDS ?= 60
fuzz: user
	+@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(CHAPTER) all
	+@$(SUBMAKE) -f tools/fuzz.mk
	@python3 tools/fuzz.py chapter $(CHAPTER) --seconds $(SECONDS) $(if $(AVOID),--avoid $(AVOID))

# ------------------------------------------------------------------ testing
# Every test writes build/results/NAME.result or NAME.tap; the summary counts
# them and also counts a missing one (a broken build) as a failure.
#
# Boot tests: chapters/C/test.expect boots C's own ISO; each extra
# chapters/C/test-X.expect boots an ISO made with its "args:" (kernel
# options), "programs:" and "program-args:" lines, as the test "C--X". Each
# runs in QEMU and in Bochs, or only in those its "emulators:" line names.
# expect_of(config): its expectation file; iso_of(config): the ISO it boots.
chapter_of = $(firstword $(subst --, ,$(1)))
variant_of = $(word 2,$(subst --, ,$(1)))
expect_of = chapters/$(call chapter_of,$(1))/test$(if $(call variant_of,$(1)),-$(call variant_of,$(1))).expect
iso_of = build/$(call chapter_of,$(1))/$(if $(call variant_of,$(1)),test-$(call variant_of,$(1)),os).iso
directive = $(strip $(shell sed -n 's/^$(2):[[:space:]]*//p' $(1)))
BOOT_CONFIGS := $(foreach c,$(CHAPTERS),$(c) \
                  $(foreach e,$(wildcard chapters/$(c)/test-*.expect),$(c)--$(patsubst test-%.expect,%,$(notdir $(e)))))
emulators_of = $(or $(if $(call variant_of,$(1)),$(call directive,$(call expect_of,$(1)),emulators)),qemu bochs)
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
TESTS := host-common harness ownership $(CHAPTER_TESTS) $(FUZZ_TESTS) $(BOOT_TESTS) $(LINUX_TESTS) $(TRACE_TESTS) docs

test: setup
	@start=$$(date +%s.%N); rm -rf build/results; mkdir -p build/results; \
	 $(SUBMAKE) -k -j$(JOBS) $(addprefix build/results/,$(addsuffix .done,$(TESTS))); \
	 python3 tools/summary.py build/results $$start $(TESTS)


define variant_iso
# After os.iso: two builds of one chapter at once would race on its tree.
build/$(call chapter_of,$(1))/test-$(call variant_of,$(1)).iso: build/$(call chapter_of,$(1))/os.iso
	+@$$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(call chapter_of,$(1)) ISO_NAME=test-$(call variant_of,$(1)) iso \
	   ARGS="$$(call directive,$(call expect_of,$(1)),args)" \
	   PROGRAM_ARGS="$$(call directive,$(call expect_of,$(1)),program-args)" \
	   $$(if $$(call directive,$(call expect_of,$(1)),programs),PROGRAMS="$$(call directive,$(call expect_of,$(1)),programs)")
endef
define boot_test
build/results/$(2)-$(1).done: $(call iso_of,$(1))
	@python3 tools/boot.py run --emulator $(2) --iso $$< --expect $(call expect_of,$(1)) --name $(1) \
	   --transcript build/$(call chapter_of,$(1))/test/$(2)-$(1).txt --result build/results/$(2)-$(1).result || true
	@touch $$@
endef
$(foreach b,$(BOOT_CONFIGS),$(if $(call variant_of,$(b)),$(eval $(call variant_iso,$(b)))))

define linux_test
build/results/linux-$(1).done: $(call iso_of,$(1))
	@python3 tools/same_as_linux.py --iso $$< --result build/results/linux-$(1).result \
	   --program build/user/$$(call directive,$(call expect_of,$(1)),programs).elf || true
	@touch $$@
endef
$(foreach t,$(LINUX_TESTS),$(eval $(call linux_test,$(patsubst linux-%,%,$(t)))))
$(foreach b,$(BOOT_CONFIGS),$(foreach e,qemu bochs,$(eval $(call boot_test,$(b),$(e)))))

# A trace ISO is built after the chapter's other ISOs: two kernel.mk runs for
# one chapter at once would race on its source tree.
define trace_test
build/$(1)/trace.iso: build/$(1)/os.iso $(foreach e,$(wildcard chapters/$(1)/test-*.expect),build/$(1)/test-$(patsubst test-%.expect,%,$(notdir $(e))).iso)
	+@$$(SUBMAKE) -f tools/kernel.mk CHAPTER=$(1) $$(TRACE_ISO_FLAGS) iso
build/results/trace-$(1).done: build/$(1)/trace.iso
	@python3 tools/trace.py run $(1) --quiet --result build/results/trace-$(1).result || true
	@touch $$@
endef
$(foreach c,$(TRACE_CHAPTERS),$(eval $(call trace_test,$(c))))

# Ownership (tools/check_ownership.py): common/ and kernel/ hold only what
# every chapter's kernel links, and no kernel holds a later chapter's code.
build/results/ownership.done: $(foreach c,$(CHAPTERS),build/$(c)/kernel.elf)
	@python3 tools/check_ownership.py --result build/results/ownership.result $(CHAPTERS) || true
	@touch $@

build/results/trace-checker.done:
	@python3 tools/test_trace.py > build/results/trace-checker.tap || true
	@grep -v '^ok' build/results/trace-checker.tap || true
	@touch $@

build/results/host-common.done: setup
	+@$(SUBMAKE) -f tools/host.mk build/host/common-tests
	@build/host/common-tests --tap=build/results/host-common.tap -j2 || true
	@touch $@

build/results/host-%.done: user
	+@t=$*; chapter=$${t%-test_*}; name=test_$${t##*-test_}; \
	 $(SUBMAKE) -f tools/host.mk build/host/$$chapter/$$name && \
	 build/host/$$chapter/$$name --tap=build/results/host-$*.tap -j2 || true
	@touch $@

# One build of every fuzz target first: built side by side, they would race
# on the objects of common/ they share.
build/results/fuzz-build.done: setup
	+@$(SUBMAKE) -f tools/fuzz.mk || true
	@touch $@

build/results/fuzz-%.done: build/results/fuzz-build.done
	@python3 tools/fuzz.py host $* --test --result build/results/fuzz-$*.result || true
	@touch $@

build/results/harness.done:
	@python3 tools/test_harness.py > build/results/harness.tap || true
	@grep -v '^ok' build/results/harness.tap || true
	@touch $@

# The book (tools/test_docs.py): make docs with zero warnings, a page per
# chapter, every internal link resolving, the main page and a chapter page
# rendered by headless Chromium without console errors. It runs after every
# other test, because make docs may run make trace / make bench (when their
# figures are missing or stale), which build kernels.
build/results/docs.done: | $(addprefix build/results/,$(addsuffix .done,$(filter-out docs,$(TESTS))))
	@python3 tools/test_docs.py > build/results/docs.tap 2>&1 || true
	@grep -v '^ok \|^TAP \|^1\.\.' build/results/docs.tap || true
	@touch $@

clean:
	rm -rf build
