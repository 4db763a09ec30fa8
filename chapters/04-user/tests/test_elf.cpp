/**
 * @file chapters/04-user/tests/test_elf.cpp
 * @brief elf::parse() on crafted images: the good case and every refusal.
 *
 * ImageBuilder writes an ELF header and program header table into a byte
 * vector, starting from the layout `gcc -static -no-pie` produces (R, RX,
 * R, RW segments at 0x400000, plus PT_GNU_STACK); each test breaks one
 * thing and checks the exact reason text. Images are copied into an
 * exact-size heap buffer before parsing, so a read one byte past the end is
 * an AddressSanitizer error. Two tests also parse real files: every user
 * program in build/user/ and this (dynamically linked) test binary itself.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <elf.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/abi/linux.h"
#include "proc/elf.cpp"

namespace {

constexpr uint32_t kPtNote = 4;
constexpr uint32_t kPtGnuStack = 0x6474e551;
constexpr uint32_t kR = elf::kPfRead, kW = elf::kPfWrite, kX = elf::kPfExec;

struct TestPhdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
};

/// Builds an ELF64 file image field by field; defaults form a valid program.
struct ImageBuilder {
    uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    uint8_t ident_class = elf::kClass64;
    uint8_t ident_data = elf::kDataLittle;
    uint8_t ident_version = elf::kVersionCurrent;
    uint16_t type = elf::kTypeExec;
    uint16_t machine = elf::kMachineX86_64;
    uint32_t version = elf::kVersionCurrent;
    uint64_t entry = 0x401000;
    uint64_t phoff = elf::kHeaderSize;
    uint16_t phentsize = elf::kPhdrSize;
    int phnum_override = -1;  ///< e_phnum if >= 0, else phdrs.size()
    size_t min_size = 0;      ///< pad the file to at least this many bytes
    std::vector<TestPhdr> phdrs = {
        {elf::kPtLoad, kR, 0x0, 0x400000, 0x190, 0x190},          // headers, .note
        {elf::kPtLoad, kR | kX, 0x1000, 0x401000, 0x200, 0x200},  // .text
        {elf::kPtLoad, kR, 0x2000, 0x402000, 0x80, 0x80},         // .rodata
        {elf::kPtLoad, kR | kW, 0x2f00, 0x403f00, 0x20, 0x2100},  // .data, .bss
        {kPtGnuStack, kR | kW, 0, 0, 0, 0},
    };

    static void put(std::vector<uint8_t>& out, size_t at, uint64_t value, size_t bytes) {
        for (size_t i = 0; i < bytes; ++i) out[at + i] = static_cast<uint8_t>(value >> (8 * i));
    }

    /// The file: header, program headers at phoff, zeros up to the last
    /// segment's file bytes (or min_size).
    std::vector<uint8_t> bytes() const {
        size_t size = elf::kHeaderSize;
        const size_t table_end = phoff + phdrs.size() * elf::kPhdrSize;
        if (phoff < 0x100000 && table_end > size) size = table_end;
        for (const TestPhdr& p : phdrs)
            if (p.offset + p.filesz < 0x100000 && p.offset + p.filesz > size) size = p.offset + p.filesz;
        if (min_size > size) size = min_size;

        std::vector<uint8_t> out(size, 0);
        for (int i = 0; i < 4; ++i) out[i] = magic[i];
        out[4] = ident_class;
        out[5] = ident_data;
        out[6] = ident_version;
        put(out, 16, type, 2);
        put(out, 18, machine, 2);
        put(out, 20, version, 4);
        put(out, 24, entry, 8);
        put(out, 32, phoff, 8);
        put(out, 52, elf::kHeaderSize, 2);  // e_ehsize
        put(out, 54, phentsize, 2);
        put(out, 56, phnum_override >= 0 ? static_cast<uint64_t>(phnum_override) : phdrs.size(), 2);
        for (size_t i = 0; i < phdrs.size(); ++i) {
            if (phoff > size || (i + 1) * elf::kPhdrSize > size - phoff) break;  // table outside the file
            const size_t at = phoff + i * elf::kPhdrSize;
            const TestPhdr& p = phdrs[i];
            put(out, at + 0, p.type, 4);
            put(out, at + 4, p.flags, 4);
            put(out, at + 8, p.offset, 8);
            put(out, at + 16, p.vaddr, 8);
            put(out, at + 24, p.vaddr, 8);  // p_paddr
            put(out, at + 32, p.filesz, 8);
            put(out, at + 40, p.memsz, 8);
            put(out, at + 48, kPageSizeAlign, 8);
        }
        return out;
    }

    static constexpr uint64_t kPageSizeAlign = 0x1000;
};

/// Parse @p bytes from an exact-size heap copy, so ASan sees any overread.
Result<elf::ElfImage, const char*> parse(const std::vector<uint8_t>& bytes,
                                         uint64_t user_end = abi::kUserSpaceEnd) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() ? bytes.size() : 1]);
    if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
    return elf::parse(copy.get(), bytes.size(), user_end);
}

Result<elf::ElfImage, const char*> parse(const ImageBuilder& b, uint64_t user_end = abi::kUserSpaceEnd) {
    return parse(b.bytes(), user_end);
}

void expect_refused(const Result<elf::ElfImage, const char*>& r, const char* reason) {
    cr_assert(!r.has_value(), "accepted an image that should fail with \"%s\"", reason);
    cr_assert_str_eq(r.error(), reason);
}

void expect_refused(const ImageBuilder& b, const char* reason) { expect_refused(parse(b), reason); }

constexpr const char* kTooSmall = "too small for an ELF header";
constexpr const char* kBadMagic = "bad magic: not an ELF file";
constexpr const char* kClass32 = "wrong class: 32-bit ELF";
constexpr const char* kClassOther = "wrong class: not ELFCLASS64";
constexpr const char* kBigEndian = "not little-endian";
constexpr const char* kBadVersion = "bad ELF version";
constexpr const char* kDyn = "ET_DYN (PIE or shared object): only static non-PIE executables (ET_EXEC) load";
constexpr const char* kNotExec = "not an executable (ET_EXEC): only static non-PIE executables load";
constexpr const char* kMachine = "wrong machine: not x86-64";
constexpr const char* kPhentsize = "bad program header size (e_phentsize)";
constexpr const char* kPhdrsOutside = "program headers outside the file";
constexpr const char* kTooMany = "too many PT_LOAD segments";
constexpr const char* kFileszMemsz = "PT_LOAD segment has filesz > memsz";
constexpr const char* kFileRange = "PT_LOAD segment's file range is outside the file";
constexpr const char* kLow = "PT_LOAD segment below 0x10000: the first 64 KiB stay unmapped to catch NULL pointers";
constexpr const char* kOutside = "PT_LOAD segment outside user space";
constexpr const char* kMisaligned = "PT_LOAD segment misaligned: vaddr and file offset differ modulo the page size";
constexpr const char* kOverlap = "PT_LOAD segments overlap (share a page)";
constexpr const char* kNoLoad = "no PT_LOAD segment: nothing to load";
constexpr const char* kEntry = "entry point not inside an executable segment";
constexpr const char* kInterp = "dynamically linked: needs an interpreter (PT_INTERP)";

}  // namespace

// ------------------------------------------------------------------ accepted

Test(elf, accepts_a_gcc_static_layout) {
    const auto r = parse(ImageBuilder{});
    cr_assert(r.has_value(), "refused: %s", r.error());
    const elf::ElfImage& image = r.value();
    cr_assert_eq(image.entry, 0x401000u);
    cr_assert_eq(image.phnum, 5);
    cr_assert_eq(image.phentsize, 56);
    cr_assert_eq(image.phdr_vaddr, 0x400040u, "headers are at file offset 64 of the segment at 0x400000");
    cr_assert_eq(image.segment_count, 4u, "PT_GNU_STACK maps nothing");

    const elf::ElfSegment& text = image.segments[1];
    cr_assert_eq(text.vaddr, 0x401000u);
    cr_assert_eq(text.file_offset, 0x1000u);
    cr_assert_eq(text.filesz, 0x200u);
    cr_assert_eq(text.memsz, 0x200u);
    cr_assert(text.read && text.exec && !text.write);

    const elf::ElfSegment& data = image.segments[3];
    cr_assert_eq(data.vaddr, 0x403f00u);
    cr_assert_eq(data.file_offset, 0x2f00u);
    cr_assert_eq(data.filesz, 0x20u);
    cr_assert_eq(data.memsz, 0x2100u, ".bss beyond filesz");
    cr_assert(data.read && data.write && !data.exec);
    cr_assert(!image.segments[0].exec && !image.segments[2].write);
}

Test(elf, accepts_entry_at_last_byte_of_exec_segment) {
    ImageBuilder b;
    b.entry = 0x401000 + 0x200 - 1;
    cr_assert(parse(b).has_value());
}

Test(elf, accepts_segment_ending_exactly_at_user_end) {
    ImageBuilder b;
    cr_assert(parse(b, 0x406000).has_value(), ".bss ends at 0x406000");
    expect_refused(parse(b, 0x405fff), kOutside);
}

Test(elf, accepts_segment_starting_at_64k) {
    ImageBuilder b;
    b.phdrs = {{elf::kPtLoad, kR | kX, 0x1000, 0x10000, 0x10, 0x10}};
    b.entry = 0x10000;
    cr_assert(parse(b).has_value());
}

Test(elf, accepts_max_segments_and_skips_empty_ones) {
    ImageBuilder b;
    b.phdrs.clear();
    for (uint64_t i = 0; i < elf::kMaxSegments; ++i)
        b.phdrs.push_back({elf::kPtLoad, kR | kX, 0x1000 * (i + 1), 0x400000 + 0x1000 * (i + 1), 0x10, 0x10});
    b.phdrs.push_back({elf::kPtLoad, kR, 0, 0x900000, 0, 0});  // memsz 0: maps nothing
    const auto r = parse(b);
    cr_assert(r.has_value(), "refused: %s", r.error());
    cr_assert_eq(r.value().segment_count, elf::kMaxSegments);
}

Test(elf, phdr_vaddr_falls_back_to_pt_phdr_then_zero) {
    ImageBuilder b;
    b.phdrs = {{elf::kPtLoad, kR | kX, 0x1000, 0x401000, 0x200, 0x200}};  // headers not loaded
    cr_assert_eq(parse(b).value().phdr_vaddr, 0u);
    b.phdrs.insert(b.phdrs.begin(), {elf::kPtPhdr, kR, 64, 0x500040, 56 * 2, 56 * 2});
    const auto r = parse(b);
    cr_assert(r.has_value(), "refused: %s", r.error());
    cr_assert_eq(r.value().phdr_vaddr, 0x500040u);
}

Test(elf, phdr_vaddr_needs_the_whole_table_in_the_segment) {
    ImageBuilder b;
    b.phdrs[0].filesz = 64 + 56;  // only the first of the five headers is loaded
    b.phdrs[0].memsz = 64 + 56;
    const auto r = parse(b);
    cr_assert(r.has_value(), "refused: %s", r.error());
    cr_assert_eq(r.value().phdr_vaddr, 0u);
}

// ------------------------------------------------------------- file header

Test(elf, refuses_too_small) {
    expect_refused(elf::parse(nullptr, 0, abi::kUserSpaceEnd), kTooSmall);
    std::vector<uint8_t> bytes = ImageBuilder{}.bytes();
    bytes.resize(elf::kHeaderSize - 1);
    expect_refused(parse(bytes), kTooSmall);
}

Test(elf, refuses_bad_magic) {
    for (int i = 0; i < 4; ++i) {
        ImageBuilder b;
        b.magic[i] ^= 0x20;
        expect_refused(b, kBadMagic);
    }
}

Test(elf, refuses_32_bit) {
    ImageBuilder b;
    b.ident_class = elf::kClass32;
    expect_refused(b, kClass32);
}

Test(elf, refuses_unknown_class) {
    for (uint8_t c : {0, 3, 0xff}) {
        ImageBuilder b;
        b.ident_class = c;
        expect_refused(b, kClassOther);
    }
}

Test(elf, refuses_big_endian) {
    for (uint8_t d : {0, 2}) {
        ImageBuilder b;
        b.ident_data = d;
        expect_refused(b, kBigEndian);
    }
}

Test(elf, refuses_bad_version) {
    ImageBuilder ident;
    ident.ident_version = 0;
    expect_refused(ident, kBadVersion);
    ImageBuilder header;
    header.version = 2;
    expect_refused(header, kBadVersion);
}

Test(elf, refuses_pie) {
    ImageBuilder b;
    b.type = elf::kTypeDyn;
    expect_refused(b, kDyn);
}

Test(elf, refuses_relocatable_and_core) {
    for (uint16_t t : {0, 1, 4}) {  // ET_NONE, ET_REL, ET_CORE
        ImageBuilder b;
        b.type = t;
        expect_refused(b, kNotExec);
    }
}

Test(elf, refuses_other_machines) {
    for (uint16_t m : {3, 40, 183}) {  // i386, ARM, AArch64
        ImageBuilder b;
        b.machine = m;
        expect_refused(b, kMachine);
    }
}

Test(elf, refuses_bad_phentsize) {
    for (uint16_t size : {0, 32, 55, 57, 64}) {
        ImageBuilder b;
        b.phentsize = size;
        expect_refused(b, kPhentsize);
    }
}

Test(elf, refuses_program_headers_outside_file) {
    ImageBuilder past_end;
    past_end.phoff = 0x10000000;  // the builder leaves the table out
    expect_refused(past_end, kPhdrsOutside);

    ImageBuilder wraps;
    wraps.phoff = ~0ull - 8;  // phoff + table size wraps around
    expect_refused(wraps, kPhdrsOutside);

    ImageBuilder too_many;  // e_phnum claims more headers than the file holds
    too_many.phnum_override = 0xffff;
    expect_refused(too_many, kPhdrsOutside);

    // The table crosses the end of the file by one byte.
    ImageBuilder b;
    b.phdrs = {{elf::kPtLoad, kR | kX, 0, 0x400000, 0x40, 0x1000}};
    b.entry = 0x400000;
    std::vector<uint8_t> bytes = b.bytes();
    cr_assert_eq(bytes.size(), 64u + 56u);
    cr_assert(parse(bytes).has_value(), "a table ending exactly at the end of the file is fine");
    bytes.pop_back();
    expect_refused(parse(bytes), kPhdrsOutside);
}

// ----------------------------------------------------------- program headers

Test(elf, refuses_too_many_segments) {
    ImageBuilder b;
    b.phdrs.clear();
    for (uint64_t i = 0; i <= elf::kMaxSegments; ++i)
        b.phdrs.push_back({elf::kPtLoad, kR | kX, 0x1000 * (i + 1), 0x400000 + 0x1000 * (i + 1), 0x10, 0x10});
    expect_refused(b, kTooMany);
}

Test(elf, refuses_filesz_above_memsz) {
    ImageBuilder b;
    b.phdrs[3].memsz = b.phdrs[3].filesz - 1;
    expect_refused(b, kFileszMemsz);
}

Test(elf, refuses_file_range_outside_file) {
    ImageBuilder b;
    std::vector<uint8_t> bytes = b.bytes();
    bytes.pop_back();  // the .data segment's last file byte is gone
    expect_refused(parse(bytes), kFileRange);

    ImageBuilder wraps;
    wraps.phdrs[2].offset = 0xfffffffffffff000;  // offset + filesz wraps to a small number
    wraps.phdrs[2].vaddr = 0x402000;
    wraps.phdrs[2].filesz = 0x2000;
    wraps.phdrs[2].memsz = 0x2000;
    expect_refused(wraps, kFileRange);
}

Test(elf, refuses_segment_below_64k) {
    ImageBuilder at_zero;
    at_zero.phdrs[0].vaddr = 0;
    expect_refused(at_zero, kLow);

    ImageBuilder just_below;  // ends at 0x10000 but starts one page below
    just_below.phdrs[0].vaddr = 0xf000;
    expect_refused(just_below, kLow);
}

Test(elf, refuses_segment_outside_user_space) {
    ImageBuilder kernel;
    kernel.phdrs[1].vaddr = 0xffffffff80001000;
    kernel.entry = 0xffffffff80001000;
    expect_refused(kernel, kOutside);

    ImageBuilder crosses;  // starts in user space, ends past its top
    crosses.phdrs[3].vaddr = abi::kUserSpaceEnd - 0x1100;
    expect_refused(crosses, kOutside);

    ImageBuilder wraps;  // vaddr + memsz wraps around to a small number
    wraps.phdrs[3].vaddr = 0xffffffffffffff00ull;
    expect_refused(wraps, kOutside);
}

Test(elf, refuses_misaligned_segment) {
    ImageBuilder b;
    b.phdrs[1].vaddr = 0x401001;
    b.entry = 0x401001;
    expect_refused(b, kMisaligned);
}

Test(elf, refuses_overlapping_segments) {
    ImageBuilder same_page;  // .rodata moved into .text's page
    same_page.phdrs[2].vaddr = 0x401000;
    same_page.phdrs[2].offset = 0x2000;
    expect_refused(same_page, kOverlap);

    ImageBuilder shares_a_page;  // disjoint bytes, but 0x401800 and 0x401000 share a page
    shares_a_page.phdrs[2].vaddr = 0x401800;
    shares_a_page.phdrs[2].offset = 0x1800;
    expect_refused(shares_a_page, kOverlap);

    ImageBuilder contains;  // .bss grows over the .text segment
    contains.phdrs[0].memsz = 0x3000;
    expect_refused(contains, kOverlap);
}

Test(elf, refuses_no_load_segment) {
    ImageBuilder only_stack;
    only_stack.phdrs = {{kPtGnuStack, kR | kW, 0, 0, 0, 0}, {kPtNote, kR, 0x100, 0x400100, 0x20, 0x20}};
    expect_refused(only_stack, kNoLoad);

    ImageBuilder no_headers;
    no_headers.phdrs.clear();
    expect_refused(no_headers, kNoLoad);

    ImageBuilder empty_load;
    empty_load.phdrs = {{elf::kPtLoad, kR | kX, 0x1000, 0x401000, 0, 0}};
    expect_refused(empty_load, kNoLoad);
}

Test(elf, refuses_entry_outside_exec_segment) {
    const uint64_t bad_entries[] = {
        0x400000,          // in the read-only headers segment
        0x403f00,          // in the writable data segment
        0x401200,          // one past the end of .text
        0x400fff,          // just below .text
        0,                 // nowhere
        0xffffffff80000000 // the kernel
    };
    for (uint64_t entry : bad_entries) {
        ImageBuilder b;
        b.entry = entry;
        expect_refused(b, kEntry);
    }
}

Test(elf, refuses_interpreter) {
    ImageBuilder b;  // PT_INTERP after the loads: still found, whatever the order
    b.phdrs.push_back({elf::kPtInterp, kR, 0x100, 0x400100, 0x1c, 0x1c});
    expect_refused(b, kInterp);

    ImageBuilder also_broken;  // refused for the interpreter, not for the later problem
    also_broken.phdrs.push_back({elf::kPtInterp, kR, 0x100, 0x400100, 0x1c, 0x1c});
    also_broken.phdrs[3].memsz = 0;
    expect_refused(also_broken, kInterp);
}

// --------------------------------------------------------------- real files

namespace {
std::vector<uint8_t> read_file(const char* path) {
    std::vector<uint8_t> bytes;
    FILE* f = std::fopen(path, "rb");
    if (!f) return bytes;
    uint8_t buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) bytes.insert(bytes.end(), buffer, buffer + n);
    std::fclose(f);
    return bytes;
}
}  // namespace

namespace {
/// Check one real program built by tools/user.mk.
void expect_real_program_accepted(const std::string& path) {
    const std::vector<uint8_t> bytes = read_file(path.c_str());
    cr_assert(!bytes.empty(), "cannot read %s", path.c_str());
    const auto r = parse(bytes);
    cr_assert(r.has_value(), "%s refused: %s", path.c_str(), r.error());
    const elf::ElfImage& image = r.value();
    uint64_t header_entry = 0;
    for (int i = 7; i >= 0; --i) header_entry = header_entry << 8 | bytes[24 + i];
    cr_expect_eq(image.entry, header_entry, "%s: entry", path.c_str());
    cr_expect_geq(image.segment_count, 2u, "%s: at least code and read-only data", path.c_str());
    cr_expect_eq(image.phdr_vaddr, 0x400040u, "%s: linked at 0x400000, headers in the first segment",
                 path.c_str());
    cr_expect_eq(image.segments[0].vaddr, 0x400000u, "%s: first segment", path.c_str());
}
}  // namespace

// Every program in build/user/ (tools/user.mk builds them before the tests).
Test(elf, accepts_the_real_user_programs) {
    std::vector<std::string> paths;
    if (DIR* dir = opendir("build/user")) {
        while (const dirent* entry = readdir(dir)) {
            const std::string name = entry->d_name;
            // bad-*.elf are malformed on purpose (tools/user.mk): the loader must reject them.
            if (name.size() > 4 && name.compare(name.size() - 4, 4, ".elf") == 0 && name.rfind("bad-", 0) != 0)
                paths.push_back("build/user/" + name);
        }
        closedir(dir);
    }
    if (paths.empty()) cr_skip_test("no build/user/*.elf: run make -f tools/user.mk first");
    for (const std::string& path : paths) expect_real_program_accepted(path);
}

Test(elf, refuses_the_dynamic_test_binary_itself) {
    const std::vector<uint8_t> bytes = read_file("/proc/self/exe");
    cr_assert(!bytes.empty());
    const auto r = parse(bytes);
    cr_assert(!r.has_value(), "a host test binary is dynamically linked");
    // Debian's gcc makes PIE (ET_DYN) by default; a non-PIE build still has PT_INTERP.
    cr_assert(std::strcmp(r.error(), kDyn) == 0 || std::strcmp(r.error(), kInterp) == 0, "refused with: %s",
              r.error());
}

// clang-format would break this braced list from its macro's name.
// clang-format off
#define ELF_ROW(ours, HOST) {#HOST, static_cast<long long>(ours), static_cast<long long>(HOST)}
// clang-format on

// The parser's ELF constants against the host's <elf.h> (which also proves
// that none of their names is rewritten by one of its macros).
Test(elf, constants_match_the_host_elf_h) {
    const struct {
        const char* linux_name;
        long long ours, host;
    } rows[] = {
        ELF_ROW(elf::kHeaderSize, sizeof(Elf64_Ehdr)),
        ELF_ROW(elf::kPhdrSize, sizeof(Elf64_Phdr)),
        ELF_ROW(elf::kClass32, ELFCLASS32),
        ELF_ROW(elf::kClass64, ELFCLASS64),
        ELF_ROW(elf::kDataLittle, ELFDATA2LSB),
        ELF_ROW(elf::kVersionCurrent, EV_CURRENT),
        ELF_ROW(elf::kTypeExec, ET_EXEC),
        ELF_ROW(elf::kTypeDyn, ET_DYN),
        ELF_ROW(elf::kMachineX86_64, EM_X86_64),
        ELF_ROW(elf::kPtLoad, PT_LOAD),
        ELF_ROW(elf::kPtInterp, PT_INTERP),
        ELF_ROW(elf::kPtPhdr, PT_PHDR),
        ELF_ROW(elf::kPfExec, PF_X),
        ELF_ROW(elf::kPfWrite, PF_W),
        ELF_ROW(elf::kPfRead, PF_R),
    };
    for (const auto& row : rows)
        cr_expect_eq(row.ours, row.host, "%s: proc/elf.h says %lld, <elf.h> says %lld", row.linux_name, row.ours,
                     row.host);
}
