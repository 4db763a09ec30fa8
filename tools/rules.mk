# tools/rules.mk - every compiler flag and the quiet output, in one place.
#
# Included by tools/kernel.mk (one chapter's kernel), tools/user.mk (user
# programs) and tools/host.mk (host tests). `make V=1` shows full commands.

SHELL := /bin/bash

ifeq ($(V),1)
  Q :=
  say :=
else
  Q := @
  # One short line per step:   CXX   kernel/console.cpp
  say = @printf '  %-6s %s\n' '$(1)' '$(2)';
endif

CXX ?= g++
LD  := ld
NM  := nm

WARNINGS := -Wall -Wextra -Werror

# Code for ring 0 in the top 2 GiB. No SSE in the kernel, so interrupts
# never have to save vector registers; no red zone, because an interrupt
# pushes its frame right below RSP; no loop-to-memcpy rewriting, because we
# are the ones implementing memcpy (common/str.cpp).
# The checkout's own path left out of the debug information (paths in it
# are relative to the top, where make, gdb and Bochs run): a kernel is then
# the same bytes in any clone, and so are the addresses its boot log shows,
# which the chapter texts quote.
REPRODUCIBLE := -ffile-prefix-map=$(CURDIR)=.
KERNEL_CXXFLAGS := -std=c++2b $(WARNINGS) -O2 -g $(REPRODUCIBLE) \
  -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics \
  -fno-asynchronous-unwind-tables -fno-stack-protector -fno-pie -fno-pic \
  -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
  -fno-tree-loop-distribute-patterns -fno-omit-frame-pointer -nostdlib
KERNEL_ASFLAGS := -g $(REPRODUCIBLE) -fno-pie -fno-pic -mcmodel=kernel
KERNEL_LDFLAGS := -nostdlib -n -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

# User programs: static, at 0x400000 like a Linux executable, no libc.
USER_CXXFLAGS := -std=c++2b $(WARNINGS) -O2 -g $(REPRODUCIBLE) \
  -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics \
  -fno-asynchronous-unwind-tables -fno-stack-protector -fno-pie -fno-pic \
  -fno-tree-loop-distribute-patterns -nostdlib
USER_LDFLAGS := -static -nostdlib -no-pie -Wl,--build-id=none -Wl,-z,noexecstack

# Host tests: the same sources, checked by the sanitizers. -O0: the
# sanitizers check as much as with -O1, and a test compiles in less than
# half the time (the kernel's -O2 build gives the warnings that only an
# optimizer finds, on the same sources).
HOST_CXXFLAGS := -std=c++2b $(WARNINGS) -O0 -g -fno-omit-frame-pointer \
  -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-tree-loop-distribute-patterns
