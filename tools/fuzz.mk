# tools/fuzz.mk - the host libFuzzer targets: build/fuzz/NAME for each
# chapters/NN-slug/tests/fuzz_NAME.cpp (compiled against that chapter's
# composed tree, like a host test) and each common/tests/fuzz_NAME.cpp.
# tools/fuzz.py runs them (make test: a short run each; make fuzz: longer).
#
# clang 14 with libFuzzer, ASan and UBSan. The targets' code and common/ are
# instrumented for coverage (-fsanitize=fuzzer-no-link); the link adds
# libFuzzer's main. libstdc++ 12's <expected> (common/result.h) is enabled
# only when __cpp_concepts says C++20 concepts are complete, and clang 14
# reports the older value although <expected> compiles and works with it:
# the value is set by hand (-U/-D), for these targets only.

include tools/rules.mk

FZ := build/fuzz
FUZZ_CXX ?= clang++-14
FUZZ_FLAGS := -std=c++2b $(WARNINGS) -O1 -g -fno-omit-frame-pointer \
  -fsanitize=address,undefined -fno-sanitize-recover=all \
  -U__cpp_concepts -D__cpp_concepts=202002L
FUZZ_COMMON_SRCS := $(sort $(wildcard common/*.cpp))
FUZZ_COMMON_OBJS := $(addprefix $(FZ)/obj/,$(addsuffix .o,$(FUZZ_COMMON_SRCS)))
CHAPTER_FUZZERS := $(sort $(wildcard chapters/*/tests/fuzz_*.cpp))
COMMON_FUZZERS := $(sort $(wildcard common/tests/fuzz_*.cpp))
fuzz_name = $(patsubst fuzz_%,%,$(basename $(notdir $(1))))
FUZZERS := $(foreach f,$(CHAPTER_FUZZERS) $(COMMON_FUZZERS),$(FZ)/$(call fuzz_name,$(f)))

all: $(FUZZERS)
.PHONY: all

$(FZ)/obj/%.cpp.o: %.cpp
	$(call say,CLANG,fuzz $*.cpp)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -iquote . -MMD -MP -c $< -o $@

define chapter_tree
$(FZ)/$(1)/src/.composed: $$(shell find chapters -type f 2>/dev/null) tools/compose.py
	@python3 tools/compose.py $(1) $(FZ)/$(1)/src && touch $$@
endef
define chapter_fuzzer
$(FZ)/$(call fuzz_name,$(2)): $(2) $(FZ)/$(1)/src/.composed $(FUZZ_COMMON_OBJS)
	$$(call say,CLANG,fuzz $(2))
	$(Q)$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer -iquote . -iquote $(FZ)/$(1)/src -MMD -MP \
	   -o $$@ $$< $(FUZZ_COMMON_OBJS)
-include $(FZ)/$(call fuzz_name,$(2)).d
endef
define common_fuzzer
$(FZ)/$(call fuzz_name,$(1)): $(1) $(FUZZ_COMMON_OBJS)
	$$(call say,CLANG,fuzz $(1))
	$(Q)$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer -iquote . -MMD -MP -o $$@ $$< $(FUZZ_COMMON_OBJS)
-include $(FZ)/$(call fuzz_name,$(1)).d
endef
FUZZED_CHAPTERS := $(sort $(foreach f,$(CHAPTER_FUZZERS),$(word 2,$(subst /, ,$(f)))))
$(foreach c,$(FUZZED_CHAPTERS),$(eval $(call chapter_tree,$(c))))
$(foreach f,$(CHAPTER_FUZZERS),$(eval $(call chapter_fuzzer,$(word 2,$(subst /, ,$(f))),$(f))))
$(foreach f,$(COMMON_FUZZERS),$(eval $(call common_fuzzer,$(f))))

-include $(FUZZ_COMMON_OBJS:.o=.d)
