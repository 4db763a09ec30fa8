/**
 * @file chapters/04-user/proc/elf.cpp
 * @brief elf::parse(): the checks, in the order a loader needs them.
 *
 * First the 64-byte file header (is this an x86-64 static executable at
 * all?), then the program header table (is it inside the file?), then each
 * program header (is each PT_LOAD safe to map?), then the image as a whole
 * (anything to load, entry point executable). Fields are read byte by byte
 * as little-endian numbers, so the input needs no alignment and no struct is
 * laid over untrusted bytes. Every size computation that could wrap is
 * checked before it is made.
 */
#include "proc/elf.h"

namespace elf {
namespace {

uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

uint32_t load32(const uint8_t* p) {
    return static_cast<uint32_t>(load16(p)) | static_cast<uint32_t>(load16(p + 2)) << 16;
}

uint64_t load64(const uint8_t* p) {
    return static_cast<uint64_t>(load32(p)) | static_cast<uint64_t>(load32(p + 4)) << 32;
}

// Offsets of the fields we read, from the ELF-64 specification.
constexpr size_t kIdentClass = 4;     // e_ident[EI_CLASS]
constexpr size_t kIdentData = 5;      // e_ident[EI_DATA]
constexpr size_t kIdentVersion = 6;   // e_ident[EI_VERSION]
constexpr size_t kEType = 16;         // uint16_t e_type
constexpr size_t kEMachine = 18;      // uint16_t e_machine
constexpr size_t kEVersion = 20;      // uint32_t e_version
constexpr size_t kEEntry = 24;        // uint64_t e_entry
constexpr size_t kEPhoff = 32;        // uint64_t e_phoff
constexpr size_t kEPhentsize = 54;    // uint16_t e_phentsize
constexpr size_t kEPhnum = 56;        // uint16_t e_phnum

constexpr size_t kPType = 0;          // uint32_t p_type
constexpr size_t kPFlags = 4;         // uint32_t p_flags
constexpr size_t kPOffset = 8;        // uint64_t p_offset
constexpr size_t kPVaddr = 16;        // uint64_t p_vaddr
constexpr size_t kPFilesz = 32;       // uint64_t p_filesz
constexpr size_t kPMemsz = 40;        // uint64_t p_memsz

/// One program header, decoded.
struct Phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
};

Phdr load_phdr(const uint8_t* p) {
    return {load32(p + kPType), load32(p + kPFlags), load64(p + kPOffset),
            load64(p + kPVaddr), load64(p + kPFilesz), load64(p + kPMemsz)};
}

uint64_t page_down(uint64_t a) { return a & ~(kPageSize - 1); }
// Only called on addresses <= user_end, far below 2^64 - kPageSize.
uint64_t page_up(uint64_t a) { return page_down(a + kPageSize - 1); }

/// Does [start, start+length) lie inside [0, limit)? Never wraps.
bool range_within(uint64_t start, uint64_t length, uint64_t limit) {
    return start <= limit && length <= limit - start;
}

/// Check one PT_LOAD on its own; nullptr if it is fine.
const char* check_load(const Phdr& ph, size_t file_size, uint64_t user_end) {
    // EXERCISE 04.8 BEGIN stub: (void)ph; (void)file_size; (void)user_end; return nullptr;
    if (ph.filesz > ph.memsz) return "PT_LOAD segment has filesz > memsz";
    if (!range_within(ph.offset, ph.filesz, file_size))
        return "PT_LOAD segment's file range is outside the file";
    if (ph.vaddr < kLowestUserAddress)
        return "PT_LOAD segment below 0x10000: the first 64 KiB stay unmapped to catch NULL pointers";
    if (!range_within(ph.vaddr, ph.memsz, user_end)) return "PT_LOAD segment outside user space";
    if (ph.vaddr % kPageSize != ph.offset % kPageSize)
        return "PT_LOAD segment misaligned: vaddr and file offset differ modulo the page size";
    return nullptr;
    // EXERCISE 04.8 END
}

/// Do the page-rounded ranges of two segments overlap (share a page)?
bool pages_overlap(const ElfSegment& a, const ElfSegment& b) {
    return page_down(a.vaddr) < page_up(b.vaddr + b.memsz) &&
           page_down(b.vaddr) < page_up(a.vaddr + a.memsz);
}

const char* check_header(const uint8_t* data, size_t size) {
    if (size < kHeaderSize) return "too small for an ELF header";
    if (data[0] != 0x7f || data[1] != 'E' || data[2] != 'L' || data[3] != 'F')
        return "bad magic: not an ELF file";
    if (data[kIdentClass] == kClass32) return "wrong class: 32-bit ELF";
    if (data[kIdentClass] != kClass64) return "wrong class: not ELFCLASS64";
    if (data[kIdentData] != kDataLittle) return "not little-endian";
    if (data[kIdentVersion] != kVersionCurrent || load32(data + kEVersion) != kVersionCurrent)
        return "bad ELF version";
    const uint16_t type = load16(data + kEType);
    if (type == kTypeDyn)
        return "ET_DYN (PIE or shared object): only static non-PIE executables (ET_EXEC) load";
    if (type != kTypeExec) return "not an executable (ET_EXEC): only static non-PIE executables load";
    if (load16(data + kEMachine) != kMachineX86_64) return "wrong machine: not x86-64";
    if (load16(data + kEPhentsize) != kPhdrSize) return "bad program header size (e_phentsize)";
    const uint64_t phoff = load64(data + kEPhoff);
    const uint64_t table = static_cast<uint64_t>(load16(data + kEPhnum)) * kPhdrSize;  // < 2^22: no wrap
    if (!range_within(phoff, table, size)) return "program headers outside the file";
    return nullptr;
}

}  // namespace

Result<ElfImage, const char*> parse(const uint8_t* data, size_t size, uint64_t user_end) {
    if (const char* error = check_header(data, size)) return Err(error);

    ElfImage image{};
    image.entry = load64(data + kEEntry);
    image.phnum = load16(data + kEPhnum);
    image.phentsize = static_cast<uint16_t>(kPhdrSize);
    const uint64_t phoff = load64(data + kEPhoff);
    const uint64_t table_size = static_cast<uint64_t>(image.phnum) * kPhdrSize;
    uint64_t pt_phdr_vaddr = 0;

    // A dynamic executable is refused as such, whatever else is wrong with it.
    for (size_t i = 0; i < image.phnum; ++i)
        if (load_phdr(data + phoff + i * kPhdrSize).type == kPtInterp)
            return Err("dynamically linked: needs an interpreter (PT_INTERP)");

    for (size_t i = 0; i < image.phnum; ++i) {
        const Phdr ph = load_phdr(data + phoff + i * kPhdrSize);
        if (ph.type == kPtPhdr) pt_phdr_vaddr = ph.vaddr;
        if (ph.type != kPtLoad) continue;  // PT_NOTE, PT_GNU_STACK, PT_TLS...: nothing to map

        if (const char* error = check_load(ph, size, user_end)) return Err(error);
        // The headers are mapped where the segment holding their file bytes is.
        if (image.phdr_vaddr == 0 && ph.offset <= phoff && table_size <= ph.filesz &&
            phoff - ph.offset <= ph.filesz - table_size)
            image.phdr_vaddr = ph.vaddr + (phoff - ph.offset);
        if (ph.memsz == 0) continue;
        if (image.segment_count == kMaxSegments) return Err("too many PT_LOAD segments");

        const ElfSegment segment{ph.vaddr,
                                 ph.memsz,
                                 ph.offset,
                                 ph.filesz,
                                 (ph.flags & kPfRead) != 0,
                                 (ph.flags & kPfWrite) != 0,
                                 (ph.flags & kPfExec) != 0};
        for (size_t j = 0; j < image.segment_count; ++j)
            if (pages_overlap(segment, image.segments[j]))
                return Err("PT_LOAD segments overlap (share a page)");
        image.segments[image.segment_count++] = segment;
    }

    if (image.segment_count == 0) return Err("no PT_LOAD segment: nothing to load");
    if (image.phdr_vaddr == 0) image.phdr_vaddr = pt_phdr_vaddr;

    bool entry_ok = false;
    for (size_t i = 0; i < image.segment_count; ++i) {
        const ElfSegment& s = image.segments[i];
        if (s.exec && image.entry >= s.vaddr && image.entry - s.vaddr < s.memsz) entry_ok = true;
    }
    if (!entry_ok) return Err("entry point not inside an executable segment");
    return image;
}

}  // namespace elf
