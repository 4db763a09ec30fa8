# tools/kernel.mk - build one chapter's kernel, symbols and ISO.
#
#     make -f tools/kernel.mk CHAPTER=04-user [PROGRAMS="a b"] [ARGS="trace=syscall"] [PROGRAM_ARGS="seed=7"]
#                            [PROGRAM_ARGS.a="'one word' two"] [PROGRAM_ENV="LANG=C"]
#
# The chapter's source tree is composed first (tools/compose.py), then every
# .cpp and .S in it is compiled; nothing here names a particular file, so a
# new chapter needs no build changes. Outputs, under build/CHAPTER/:
#     kernel.elf  the kernel         kernel.sym  "address name" lines for Bochs
#     os.iso      GRUB + kernel + the chapter's programs (custom.iso with PROGRAMS=)

include tools/rules.mk

ifeq ($(CHAPTER),)
  $(error CHAPTER is not set)
endif
B   := build/$(CHAPTER)
SRC := $(B)/src

ifneq ($(shell python3 tools/compose.py $(CHAPTER) $(SRC) >&2 || echo failed),)
  $(error composing $(CHAPTER) failed)
endif

# chapter.mk sets PROGRAMS (user programs to boot with) and CMDLINE.
include $(SRC)/chapter.mk

# make trace's ISO (ISO_NAME=trace) boots chapter.mk's TRACE_PROGRAMS:
# null-syscall, unless a chapter has more to show (tools/trace.py).
ifeq ($(ISO_NAME),trace)
  PROGRAMS := $(or $(TRACE_PROGRAMS),null-syscall)
endif

# The chapter's own objects are all linked. common/ and kernel/ go into an
# archive, from which the linker takes only the objects something refers to:
# a chapter's kernel holds no shared code it does not use.
CHAPTER_SRCS := $(shell cd $(SRC) && find . \( -path ./common -o -path ./kernel \) -prune -o \
                  \( -name '*.cpp' -o -name '*.S' \) -print | sed 's|^\./||' | sort)
SHARED_SRCS := $(patsubst $(SRC)/%,%,$(wildcard $(SRC)/common/*.cpp $(SRC)/kernel/*.cpp))
OBJS := $(addprefix $(B)/obj/,$(addsuffix .o,$(CHAPTER_SRCS)))
SHARED_OBJS := $(addprefix $(B)/obj/,$(addsuffix .o,$(SHARED_SRCS)))
SHARED_LIB := $(B)/libshared.a

all: $(B)/kernel.elf $(B)/kernel.sym
.PHONY: all iso

# The debug information names the tree's files src/FILE, the same in every
# chapter (gdb: `directory build/NN-slug`); a file that a chapter shares
# with the one before is then the same object, which tools/cached-cxx.sh
# compiles once for all of them.
TREE_FLAGS := -ffile-prefix-map=$(SRC)/=src/ -iquote $(SRC)

$(B)/obj/%.cpp.o: $(SRC)/%.cpp tools/rules.mk tools/cached-cxx.sh  # new flags: new objects
	$(call say,CXX,$(CHAPTER)/$*.cpp)
	$(Q)tools/cached-cxx.sh $(SRC) $< $@ $(CXX) $(KERNEL_CXXFLAGS) $(TREE_FLAGS) -DCHAPTER_NAME='"$(CHAPTER)"'

$(B)/obj/%.S.o: $(SRC)/%.S tools/rules.mk
	$(call say,AS,$(CHAPTER)/$*.S)
	@mkdir -p $(dir $@)
	$(Q)$(CXX) $(KERNEL_ASFLAGS) $(TREE_FLAGS) -MMD -MP -c $< -o $@

-include $(OBJS:.o=.d) $(SHARED_OBJS:.o=.d)

# The list of objects, rewritten only when it changes: a file added to or
# removed from the chapter (removed.txt) relinks the kernel.
$(B)/objects.list: FORCE
	@mkdir -p $(B)
	@echo $(OBJS) $(SHARED_OBJS) | tr ' ' '\n' > $@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

$(SHARED_LIB): $(SHARED_OBJS) $(B)/objects.list
	$(Q)rm -f $@ && ar rcs $@ $^

# Two links: the first gives the addresses, the second adds the symbol table
# made from them (.ksyms is last in the image, so no address moves: checked).
$(B)/kernel.elf: $(OBJS) $(SHARED_LIB) $(B)/objects.list $(SRC)/linker.ld tools/ksyms.py
	$(call say,LD,$@)
	$(Q)python3 tools/ksyms.py < /dev/null > $(B)/ksyms0.S
	$(Q)$(CXX) $(KERNEL_ASFLAGS) -c $(B)/ksyms0.S -o $(B)/ksyms0.o
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(SRC)/linker.ld -o $(B)/kernel.pass1.elf $(OBJS) $(B)/ksyms0.o $(SHARED_LIB)
	$(Q)$(NM) -n -C $(B)/kernel.pass1.elf | python3 tools/ksyms.py > $(B)/ksyms.S
	$(Q)$(CXX) $(KERNEL_ASFLAGS) -c $(B)/ksyms.S -o $(B)/ksyms.o
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(SRC)/linker.ld -Map=$(B)/kernel.map -o $@ $(OBJS) $(B)/ksyms.o $(SHARED_LIB)
	$(Q)cmp -s <($(NM) -n $(B)/kernel.pass1.elf | grep ' [tT] ') <($(NM) -n $@ | grep ' [tT] ') \
	  || { echo "kernel.mk: the symbol table moved code addresses; is .ksyms last in linker.ld?"; exit 1; }

$(B)/kernel.sym: $(B)/kernel.elf
	$(call say,NM,$@)
	$(Q)$(NM) $< | awk 'NF == 3 { print $$1, $$3 }' > $@

# ---------------------------------------------------------------- the ISO
# A PROGRAMS entry that names an existing file is used as it is; any other
# is the name of a program in user/, built as build/user/NAME.elf.
prog_file = $(if $(wildcard $(1)),$(1),build/user/$(1).elf)
prog_name = $(basename $(notdir $(1)))
PROGRAM_FILES := $(foreach p,$(PROGRAMS),$(call prog_file,$(p)))
KNOWN_PROGRAMS := $(sort $(basename $(notdir $(wildcard user/programs/*.cpp user/programs/*.S user/linux/*.c user/musl/*.c user/glibc/*.c))) \
                    bad-truncated bad-class32 bad-notelf)
UNKNOWN := $(strip $(foreach p,$(PROGRAMS),$(if $(or $(wildcard $(p)),$(filter $(p),$(KNOWN_PROGRAMS))),,$(p))))
ifneq ($(UNKNOWN),)
  $(error PROGRAMS: '$(UNKNOWN)' is neither an existing file nor a program in user/; programs are: $(KNOWN_PROGRAMS))
endif

# The ISO's name: os.iso for the chapter as it is, custom.iso when PROGRAMS
# comes from the command line, or ISO_NAME.iso (the test variants).
ifneq ($(ISO_NAME),)
  ISO := $(B)/$(ISO_NAME).iso
else ifeq ($(origin PROGRAMS),command line)
  ISO := $(B)/custom.iso
else
  ISO := $(B)/os.iso
endif
ISODIR := $(ISO:.iso=.dir)

iso: $(ISO)

# Each module's command line (proc/cmdline.h): PROGRAM_ENV (NAME=VALUE
# words, added to the environment), the program's name (its argv[0]), then
# its arguments: PROGRAM_ARGS.NAME if that is set, else PROGRAM_ARGS (the
# words every program finds in argv[1]..., such as the fuzzers' seed=N
# count=N). The words go into grub.cfg as written, so GRUB's shell-like
# quoting works: PROGRAM_ARGS="'a b' c" gives two arguments, "a b" and "c".
# grub.cfg is rewritten only when its text changes, so the ISO is rebuilt
# when the command line or the program list does, and not otherwise.
# Their text is taken as given ($(value)): a shell script's '$x' or '$(cmd)'
# is the program's, not make's to expand.
program_args = $(if $(value PROGRAM_ARGS.$(1)),$(value PROGRAM_ARGS.$(1)),$(value PROGRAM_ARGS))
module_line = $(strip $(value PROGRAM_ENV) $(call prog_name,$(1)) $(call program_args,$(call prog_name,$(1))))
shell_quoted = '$(subst ','\'',$(1))'
$(ISO:.iso=.cfg): FORCE
	@{ echo 'set timeout=0'; echo 'set default=0'; \
	   echo 'menuentry "$(CHAPTER)" {'; \
	   echo '  multiboot2 /boot/kernel.elf $(strip $(CMDLINE) $(ARGS))'; \
	   $(foreach p,$(PROGRAMS),echo $(call shell_quoted,  module2 /boot/$(call prog_name,$(p)) $(call module_line,$(p)));) \
	   echo '  boot'; echo '}'; } > $@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

# A BIOS-only GRUB with just the modules grub.cfg uses, built into its core
# image: the ISO is 1.6 MB instead of 10, and Bochs boots it in about half
# the time (it no longer loads GRUB's modules, fonts and locales from the CD).
# Fixed volume and file dates make it the same bytes in every clone: the
# date of the build changed what GRUB runs, and so Bochs' instruction counts
# that the chapter texts quote.
GRUB_MKRESCUE_FLAGS := -d /usr/lib/grub/i386-pc --install-modules="multiboot2 normal iso9660 biosdisk" \
                       --fonts= --locales= --themes= --compress=no \
                       --modification-date=2026010100000000 --set_all_file_dates 2026010100000000

# The ISO's copies of the kernel and the programs are without their debug
# information (objcopy --strip-debug; the symbols stay): GRUB reads every
# byte of a module through the emulated CD, and the debug information was
# most of them. gdb reads it from build/NN-slug/kernel.elf and
# build/user/NAME.elf. (The deliberately broken ELF files of user.mk,
# bad-*, are copied as they are: objcopy would reject or repair them.)
strip_copy = $(if $(filter bad-%,$(call prog_name,$(1))),cp,objcopy --strip-debug) $(1) $(2)
$(ISO): $(B)/kernel.elf $(PROGRAM_FILES) $(ISO:.iso=.cfg) tools/kernel.mk
	$(call say,ISO,$@)
	@rm -rf $(ISODIR) && mkdir -p $(ISODIR)/boot/grub
	@objcopy --strip-debug $(B)/kernel.elf $(ISODIR)/boot/kernel.elf
	@cp $(ISO:.iso=.cfg) $(ISODIR)/boot/grub/grub.cfg
	@$(foreach p,$(PROGRAMS),$(call strip_copy,$(call prog_file,$(p)),$(ISODIR)/boot/$(call prog_name,$(p))) &&) true
	$(Q)grub-mkrescue $(GRUB_MKRESCUE_FLAGS) -o $@ $(ISODIR) > $(B)/grub-mkrescue.log 2>&1 \
	  || { cat $(B)/grub-mkrescue.log; exit 1; }

FORCE:
.PHONY: FORCE
