/**
 * @file chapters/04-user/tests/fuzz_elf.cpp
 * @brief libFuzzer target: elf::parse() on any bytes (build: tools/fuzz.mk).
 *
 * The parser reads files the kernel did not write, so on any input it must
 * stay inside the buffer (ASan sees every byte past it: libFuzzer hands the
 * input in a heap block of exactly its size) and do no undefined arithmetic
 * (UBSan). When it accepts a file, every promise elf.h makes about an
 * ElfImage is checked here: segments inside user space and inside the
 * file, filesz <= memsz, offsets congruent to addresses, no shared pages,
 * entry in an executable segment. Each input is parsed against two ends of
 * user space, Linux's and a small one, so the limit check is exercised too.
 */
#include <cstddef>
#include <cstdint>

#include "common/abi/linux.h"
#include "common/tests/fuzz_input.h"
#include "proc/elf.cpp"

namespace {

uint64_t page_down(uint64_t a) { return a & ~(elf::kPageSize - 1); }
uint64_t page_up(uint64_t a) { return page_down(a + elf::kPageSize - 1); }

void check_image(const elf::ElfImage& image, size_t size, uint64_t user_end) {
    FUZZ_CHECK(image.segment_count >= 1 && image.segment_count <= elf::kMaxSegments, "segment count in range");
    FUZZ_CHECK(image.phentsize == elf::kPhdrSize, "phentsize is 56");
    bool entry_ok = false;
    for (size_t i = 0; i < image.segment_count; ++i) {
        const elf::ElfSegment& s = image.segments[i];
        FUZZ_CHECK(s.memsz > 0, "a kept segment maps something");
        FUZZ_CHECK(s.filesz <= s.memsz, "filesz <= memsz");
        FUZZ_CHECK(s.file_offset <= size && s.filesz <= size - s.file_offset, "file bytes inside the file");
        FUZZ_CHECK(s.vaddr >= elf::kLowestUserAddress, "not below 64 KiB");
        FUZZ_CHECK(s.vaddr <= user_end && s.memsz <= user_end - s.vaddr, "inside user space, no wrap");
        FUZZ_CHECK(s.vaddr % elf::kPageSize == s.file_offset % elf::kPageSize, "offset congruent to address");
        for (size_t j = 0; j < i; ++j) {
            const elf::ElfSegment& t = image.segments[j];
            const bool overlap = page_down(s.vaddr) < page_up(t.vaddr + t.memsz) &&
                                 page_down(t.vaddr) < page_up(s.vaddr + s.memsz);
            FUZZ_CHECK(!overlap, "no two segments share a page");
        }
        if (s.exec && image.entry >= s.vaddr && image.entry - s.vaddr < s.memsz) entry_ok = true;
    }
    FUZZ_CHECK(entry_ok, "entry inside an executable segment");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr uint64_t kEnds[] = {abi::kUserSpaceEnd, 0x800000};
    for (uint64_t user_end : kEnds) {
        const auto parsed = elf::parse(data, size, user_end);
        if (!parsed) {
            FUZZ_CHECK(parsed.error() != nullptr && parsed.error()[0] != '\0', "a refusal says why");
            continue;
        }
        check_image(*parsed, size, user_end);
    }
    return 0;
}
