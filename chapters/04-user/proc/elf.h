/**
 * @file chapters/04-user/proc/elf.h
 * @brief Validate an ELF64 executable and describe what to map: elf::parse().
 *
 * The kernel loads user programs from bytes it did not write (a GRUB module,
 * later a file), so every field is checked before it is trusted: parse()
 * either returns an ElfImage whose segments are safe to map as they are, or
 * the reason the file was refused. It reads nothing outside [data, data+size),
 * allocates nothing and touches no hardware; the same code runs in the kernel
 * and, under the sanitizers, in the host tests (common/tests/test_elf.cpp).
 *
 * Only what `gcc -static -no-pie` produces is accepted: a 64-bit little-endian
 * x86-64 ET_EXEC with no interpreter. Invariants of an accepted ElfImage:
 *   - every segment lies in [kLowestUserAddress, user_end) and has
 *     filesz <= memsz, and its file bytes lie inside the file;
 *   - vaddr % kPageSize == file_offset % kPageSize, so a page of the file maps
 *     onto a page of memory;
 *   - no two segments share a page (page-rounded ranges do not overlap);
 *   - entry is inside a segment with exec set.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"

namespace elf {

/// Most PT_LOAD segments accepted (gcc -static makes four: R, RX, R, RW).
inline constexpr size_t kMaxSegments = 8;
/// Page size that segment alignment and overlap are checked against.
inline constexpr uint64_t kPageSize = 4096;
/// Lowest address a segment may use: the first 64 KiB stay unmapped so that
/// a NULL pointer dereference (even with an offset) faults.
inline constexpr uint64_t kLowestUserAddress = 0x10000;

/// @name ELF constants used by the parser (names as in the ELF specification,
/// in CamelCase so they never clash with <elf.h>'s macros on the host).
/// @{
inline constexpr size_t kHeaderSize = 64;         ///< sizeof(Elf64_Ehdr)
inline constexpr size_t kPhdrSize = 56;           ///< sizeof(Elf64_Phdr)
inline constexpr uint8_t kClass32 = 1;            ///< ELFCLASS32
inline constexpr uint8_t kClass64 = 2;            ///< ELFCLASS64
inline constexpr uint8_t kDataLittle = 1;         ///< ELFDATA2LSB
inline constexpr uint8_t kVersionCurrent = 1;     ///< EV_CURRENT
inline constexpr uint16_t kTypeExec = 2;          ///< ET_EXEC: fixed-address executable
inline constexpr uint16_t kTypeDyn = 3;           ///< ET_DYN: PIE or shared object
inline constexpr uint16_t kMachineX86_64 = 62;    ///< EM_X86_64
inline constexpr uint32_t kPtLoad = 1;            ///< PT_LOAD: a segment to map
inline constexpr uint32_t kPtInterp = 3;          ///< PT_INTERP: path of a dynamic linker
inline constexpr uint32_t kPtPhdr = 6;            ///< PT_PHDR: where the headers are mapped
inline constexpr uint32_t kPfExec = 1;            ///< PF_X
inline constexpr uint32_t kPfWrite = 2;           ///< PF_W
inline constexpr uint32_t kPfRead = 4;            ///< PF_R
/// @}

/// One PT_LOAD segment: map [vaddr, vaddr+memsz), copy filesz bytes from
/// file_offset to vaddr, and zero the rest (the .bss).
struct ElfSegment {
    uint64_t vaddr;        ///< first virtual address (not necessarily page-aligned)
    uint64_t memsz;        ///< bytes in memory, > 0
    uint64_t file_offset;  ///< where the initialised bytes start in the file
    uint64_t filesz;       ///< initialised bytes, <= memsz
    bool read;             ///< PF_R
    bool write;            ///< PF_W
    bool exec;             ///< PF_X
};

/// Everything the loader needs from a validated executable.
struct ElfImage {
    uint64_t entry;       ///< e_entry: where the program starts (inside an exec segment)
    /// Where the program headers are in memory once loaded (for AT_PHDR):
    /// from the PT_LOAD whose file bytes contain them, else PT_PHDR, else 0.
    uint64_t phdr_vaddr;
    uint16_t phnum;       ///< e_phnum (for AT_PHNUM)
    uint16_t phentsize;   ///< e_phentsize, always kPhdrSize (for AT_PHENT)
    ElfSegment segments[kMaxSegments];  ///< the PT_LOAD segments in file order
    size_t segment_count;               ///< how many of segments[] are used
};

/// Validate the ELF64 executable in [data, data+size) and describe it.
/// Segments must end at or below @p user_end (the first address that is not
/// user space, e.g. abi::kUserSpaceEnd). PT_LOAD segments with memsz 0 map
/// nothing and are left out. On failure the error is a static string naming
/// the first problem found, e.g. "wrong class: 32-bit ELF".
Result<ElfImage, const char*> parse(const uint8_t* data, size_t size, uint64_t user_end);

}  // namespace elf
