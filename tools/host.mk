# tools/host.mk - host unit tests (Criterion), under ASan and UBSan.
#
# build/host/common-tests: common/*.cpp with common/tests/*.cpp.
# The same source files the kernel and user programs use, compiled for the
# host, so a bug in them shows up here with a sanitizer report.

include tools/rules.mk

H := build/host
COMMON_SRCS := $(sort $(wildcard common/*.cpp))
COMMON_TESTS := $(sort $(wildcard common/tests/*.cpp))
COMMON_OBJS := $(addprefix $(H)/obj/,$(addsuffix .o,$(COMMON_SRCS) $(COMMON_TESTS)))

$(H)/obj/%.cpp.o: %.cpp
	$(call say,CXX,host $*.cpp)
	@mkdir -p $(dir $@)
	$(Q)$(CXX) $(HOST_CXXFLAGS) -I. -MMD -MP -c $< -o $@

$(H)/common-tests: $(COMMON_OBJS)
	$(call say,LD,$@)
	$(Q)$(CXX) $(HOST_CXXFLAGS) -o $@ $^ -lcriterion

-include $(COMMON_OBJS:.o=.d)
