# tools/user.mk - build the user programs: build/user/NAME.elf for each
# user/programs/NAME.cpp or NAME.S, linked with the runtime in user/runtime/
# and the shared formatting code. They are static ELF executables at
# 0x400000, exactly what `gcc -static -nostdlib` makes for Linux, so each
# can also be run on the Linux host (see user/README.md).
#
# user/linux/NAME.c are the opposite: plain C Linux programs that use
# nothing of ours, built with the ordinary gcc command line for a libc-free
# static binary, to show the kernel runs binaries it has never seen.
#
# user/musl/NAME.c are ordinary C programs with a real C library: musl
# (Debian's musl-tools), linked statically, unchanged Linux programs that
# use pthreads, stdio, malloc. The Linux uapi headers (<linux/io_uring.h>)
# are reached through build/user/musl-include, links to the host's.
#
# user/glibc/NAME.c are the same kind of program built with Debian's own C
# library, glibc, as `gcc -static` links it: a second libc, whose start-up
# asks the kernel for other things than musl's does.

include tools/rules.mk

U := build/user
PROGRAM_SRCS := $(sort $(wildcard user/programs/*.cpp user/programs/*.S))
PROGRAMS_ELF := $(addprefix $(U)/,$(addsuffix .elf,$(basename $(notdir $(PROGRAM_SRCS)))))
RUNTIME_SRCS := $(sort $(wildcard user/runtime/*.cpp user/runtime/*.S)) common/format.cpp common/str.cpp
RUNTIME_OBJS := $(addprefix $(U)/obj/,$(addsuffix .o,$(RUNTIME_SRCS)))

LINUX_SRCS := $(sort $(wildcard user/linux/*.c))
LINUX_ELF := $(addprefix $(U)/,$(addsuffix .elf,$(basename $(notdir $(LINUX_SRCS)))))
LINUX_CC := gcc
LINUX_CFLAGS := -static -nostdlib -ffreestanding -fno-tree-loop-distribute-patterns -fno-pie -no-pie -O2 $(WARNINGS) -fno-stack-protector

# Malformed "programs", to watch the loader reject a module by name:
# a truncated executable, a 32-bit one (ELFCLASS32 in byte 4) and a text file.
BAD_ELF := $(U)/bad-truncated.elf $(U)/bad-class32.elf $(U)/bad-notelf.elf

MUSL_SRCS := $(sort $(wildcard user/musl/*.c))
MUSL_ELF := $(addprefix $(U)/,$(addsuffix .elf,$(basename $(notdir $(MUSL_SRCS)))))
MUSL_INCLUDE := $(U)/musl-include
MUSL_CFLAGS := -static -O2 $(WARNINGS) -pthread -I$(MUSL_INCLUDE)

GLIBC_SRCS := $(sort $(wildcard user/glibc/*.c))
GLIBC_ELF := $(addprefix $(U)/,$(addsuffix .elf,$(basename $(notdir $(GLIBC_SRCS)))))
GLIBC_CFLAGS := -static -O2 $(WARNINGS) -pthread

all: $(PROGRAMS_ELF) $(LINUX_ELF) $(BAD_ELF) $(MUSL_ELF) $(GLIBC_ELF)

$(U)/bad-truncated.elf: $(U)/hello.elf
	$(Q)head -c 200 $< > $@
$(U)/bad-class32.elf: $(U)/hello.elf
	$(Q)cp $< $@ && printf '\001' | dd of=$@ bs=1 seek=4 conv=notrunc status=none
$(U)/bad-notelf.elf: user/README.md
	$(Q)cp $< $@

$(U)/obj/%.cpp.o: %.cpp
	$(call say,CXX,user $*.cpp)
	@mkdir -p $(dir $@)
	$(Q)$(CXX) $(USER_CXXFLAGS) -iquote . -iquote user -MMD -MP -c $< -o $@

$(U)/obj/%.S.o: %.S
	$(call say,AS,user $*.S)
	@mkdir -p $(dir $@)
	$(Q)$(CXX) $(REPRODUCIBLE) -iquote . -iquote user -MMD -MP -c $< -o $@

$(U)/libuser.a: $(RUNTIME_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(U)/%.elf: $(U)/obj/user/programs/%.cpp.o $(U)/libuser.a
	$(call say,LD,$@)
	$(Q)$(CXX) $(USER_LDFLAGS) -o $@ $< $(U)/libuser.a

$(U)/%.elf: $(U)/obj/user/programs/%.S.o
	$(call say,LD,$@)
	$(Q)$(CXX) $(USER_LDFLAGS) -o $@ $<

$(LINUX_ELF): $(U)/%.elf: user/linux/%.c
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(LINUX_CC) $(LINUX_CFLAGS) -o $@ $<

$(MUSL_INCLUDE)/.done:
	@mkdir -p $(MUSL_INCLUDE)
	@ln -sfn /usr/include/linux $(MUSL_INCLUDE)/linux
	@ln -sfn /usr/include/asm-generic $(MUSL_INCLUDE)/asm-generic
	@ln -sfn /usr/include/x86_64-linux-gnu/asm $(MUSL_INCLUDE)/asm
	@touch $@

$(MUSL_ELF): $(U)/%.elf: user/musl/%.c $(wildcard user/musl/*.h) $(MUSL_INCLUDE)/.done
	$(call say,MUSL,$@)
	@mkdir -p $(dir $@) $(U)/obj/musl
	$(Q)musl-gcc $(MUSL_CFLAGS) -MMD -MP -MF $(U)/obj/musl/$*.d -o $@ $<

$(GLIBC_ELF): $(U)/%.elf: user/glibc/%.c
	$(call say,GLIBC,$@)
	@mkdir -p $(dir $@) $(U)/obj/glibc
	$(Q)gcc $(GLIBC_CFLAGS) -MMD -MP -MF $(U)/obj/glibc/$*.d -o $@ $<

-include $(RUNTIME_OBJS:.o=.d) $(PROGRAM_SRCS:%=$(U)/obj/%.d) $(wildcard $(U)/obj/musl/*.d $(U)/obj/glibc/*.d)
.SECONDARY:
