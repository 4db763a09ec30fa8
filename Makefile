# The course's entry point. Every command a student or teacher needs:
#
#   make run   [CH=NN] [PROGRAMS="a b"] [ARGS="opt=v"]  boot a chapter in QEMU
#   make test                         build every chapter, run every test
#   make bochs [CH=NN]                the Bochs debugger, symbols loaded
#   make trace [CH=NN]                GS-base trace from the Bochs debugger
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

.PHONY: all run test bochs trace diff docs setup clean user host-tests help FORCE
.DEFAULT_GOAL := all

all: $(foreach c,$(CHAPTERS),build/$(c)/os.iso)

setup:
	@tools/setup.sh

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- building
user: setup
	@$(SUBMAKE) -f tools/user.mk

build/%/os.iso build/%/kernel.elf: user FORCE
	@$(SUBMAKE) -f tools/kernel.mk CHAPTER=$* iso all

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

diff: setup
	@tools/diff.sh $(CHAPTER)

docs: setup
	@tools/docs.sh

# ------------------------------------------------------------------ testing
# Every test writes build/results/NAME.result or NAME.tap; the summary counts
# them and also counts a missing one (a broken build) as a failure.
BOOT_TESTS := $(foreach c,$(CHAPTERS),qemu-$(c) bochs-$(c))
# chapters/NN-slug/tests/test_X.cpp -> the host test "host-NN-slug-test_X".
CHAPTER_TESTS := $(foreach t,$(sort $(wildcard chapters/*/tests/test_*.cpp)),\
                   host-$(word 2,$(subst /, ,$(t)))-$(basename $(notdir $(t))))
TESTS := host-common harness $(CHAPTER_TESTS) $(BOOT_TESTS)

test: setup
	@start=$$(date +%s.%N); rm -rf build/results; mkdir -p build/results; \
	 $(SUBMAKE) -k -j$(JOBS) $(addprefix build/results/,$(addsuffix .done,$(TESTS))); \
	 python3 tools/summary.py build/results $$start $(TESTS)

build/results/qemu-%.done: build/%/os.iso
	@python3 tools/boot.py run --emulator qemu --iso $< --expect chapters/$*/test.expect \
	   --transcript build/$*/test/qemu.txt --result build/results/qemu-$*.result || true
	@touch $@

build/results/bochs-%.done: build/%/os.iso
	@python3 tools/boot.py run --emulator bochs --iso $< --expect chapters/$*/test.expect \
	   --transcript build/$*/test/bochs.txt --result build/results/bochs-$*.result || true
	@touch $@

build/results/host-common.done: setup
	@$(SUBMAKE) -f tools/host.mk build/host/common-tests
	@build/host/common-tests --tap=build/results/host-common.tap -j2 || true
	@touch $@

build/results/host-%.done: setup
	@t=$*; chapter=$${t%-test_*}; name=test_$${t##*-test_}; \
	 $(SUBMAKE) -f tools/host.mk build/host/$$chapter/$$name && \
	 build/host/$$chapter/$$name --tap=build/results/host-$*.tap -j2 || true
	@touch $@

build/results/harness.done:
	@python3 tools/test_harness.py > build/results/harness.tap || true
	@grep -v '^ok' build/results/harness.tap || true
	@touch $@

clean:
	rm -rf build
