# tools/user.mk - build the user programs: build/user/NAME.elf for each
# user/programs/NAME.cpp or NAME.S, linked with the runtime in user/runtime/
# and the shared formatting code. They are static ELF executables at
# 0x400000, exactly what `gcc -static -nostdlib` makes for Linux, so each
# can also be run on the Linux host (see user/README.md).

include tools/rules.mk

U := build/user
PROGRAM_SRCS := $(sort $(wildcard user/programs/*.cpp user/programs/*.S))
PROGRAMS_ELF := $(addprefix $(U)/,$(addsuffix .elf,$(basename $(notdir $(PROGRAM_SRCS)))))
RUNTIME_SRCS := $(sort $(wildcard user/runtime/*.cpp user/runtime/*.S)) common/format.cpp common/str.cpp
RUNTIME_OBJS := $(addprefix $(U)/obj/,$(addsuffix .o,$(RUNTIME_SRCS)))

all: $(PROGRAMS_ELF)

$(U)/obj/%.cpp.o: %.cpp
	$(call say,CXX,user $*.cpp)
	@mkdir -p $(dir $@)
	$(Q)$(CXX) $(USER_CXXFLAGS) -I. -Iuser -MMD -MP -c $< -o $@

$(U)/obj/%.S.o: %.S
	$(call say,AS,user $*.S)
	@mkdir -p $(dir $@)
	$(Q)$(CXX) -I. -Iuser -MMD -MP -c $< -o $@

$(U)/libuser.a: $(RUNTIME_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(U)/%.elf: $(U)/obj/user/programs/%.cpp.o $(U)/libuser.a
	$(call say,LD,$@)
	$(Q)$(CXX) $(USER_LDFLAGS) -o $@ $< $(U)/libuser.a

$(U)/%.elf: $(U)/obj/user/programs/%.S.o
	$(call say,LD,$@)
	$(Q)$(CXX) $(USER_LDFLAGS) -o $@ $<

-include $(RUNTIME_OBJS:.o=.d) $(PROGRAM_SRCS:%=$(U)/obj/%.d)
.SECONDARY:
