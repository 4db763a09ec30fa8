# tools/host.mk - host unit tests (Criterion), under ASan and UBSan.
#
# build/host/common-tests: common/*.cpp with common/tests/test_*.cpp
# (common/tests/fuzz_*.cpp are libFuzzer targets: tools/fuzz.mk).
# The same source files the kernel and user programs use, compiled for the
# host, so a bug in them shows up here with a sanitizer report.

include tools/rules.mk

H := build/host
COMMON_SRCS := $(sort $(wildcard common/*.cpp))
COMMON_TESTS := $(sort $(wildcard common/tests/test_*.cpp))
COMMON_OBJS := $(addprefix $(H)/obj/,$(addsuffix .o,$(COMMON_SRCS) $(COMMON_TESTS)))

$(H)/obj/%.cpp.o: %.cpp
	$(call say,CXX,host $*.cpp)
	@mkdir -p $(dir $@)
	$(Q)$(CXX) $(HOST_CXXFLAGS) -iquote . -MMD -MP -c $< -o $@

$(H)/common-tests: $(COMMON_OBJS)
	$(call say,LD,$@)
	$(Q)$(CXX) $(HOST_CXXFLAGS) -o $@ $^ -lcriterion

-include $(COMMON_OBJS:.o=.d)

# Chapter tests: each chapters/NN-slug/tests/test_X.cpp is one program,
# build/host/NN-slug/test_X. It #includes the chapter sources it tests
# (resolved in that chapter's composed tree, so it tests what the chapter
# really builds) and fakes what touches hardware (see each tests/ folder).
# Only the objects of common/ are linked in.
COMMON_LIB_OBJS := $(addprefix $(H)/obj/,$(addsuffix .o,$(COMMON_SRCS)))
CHAPTER_TESTS := $(sort $(wildcard chapters/*/tests/test_*.cpp))

define chapter_tree
$(H)/$(1)/src/.composed: $$(shell find chapters -type f 2>/dev/null) tools/compose.py
	@python3 tools/compose.py $(1) $(H)/$(1)/src && touch $$@
endef
# A test that needs assembly from its chapter says so in a line
# "// links: arch/user_copy.S" (paths in the composed tree).
links_of = $(shell sed -n 's|^// links: ||p' $(1))
define chapter_test
$(H)/$(1)/$(2): chapters/$(1)/tests/$(2).cpp $(H)/$(1)/src/.composed $(COMMON_LIB_OBJS)
	$$(call say,CXX,host $(1)/tests/$(2).cpp)
	$(Q)$(CXX) $(HOST_CXXFLAGS) -iquote $(H)/$(1)/src -iquote chapters/$(1)/tests -MMD -MP \
	   -o $$@ $$< $(addprefix $(H)/$(1)/src/,$(call links_of,chapters/$(1)/tests/$(2).cpp)) \
	   $(COMMON_LIB_OBJS) -lcriterion
-include $(H)/$(1)/$(2).d
endef
TESTED_CHAPTERS := $(sort $(foreach t,$(CHAPTER_TESTS),$(word 2,$(subst /, ,$(t)))))
$(foreach c,$(TESTED_CHAPTERS),$(eval $(call chapter_tree,$(c))))
$(foreach t,$(CHAPTER_TESTS),$(eval $(call chapter_test,$(word 2,$(subst /, ,$(t))),$(basename $(notdir $(t))))))
