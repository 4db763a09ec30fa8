/**
 * @file chapters/04-user/proc/uaccess.cpp
 * @brief The range check, the fault-recovering copy behind it, and SMEP/SMAP.
 */
#include "proc/uaccess.h"

#include "common/abi/linux.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "mm/user_space.h"

/// Copy @p n bytes; 0, or -EFAULT if a fault stopped it (arch/user_copy.S).
extern "C" long user_copy(void* dst, const void* src, size_t n);
/// One entry of arch/user_copy.S's table: a RIP that may fault, and where to resume.
struct UserCopyFixup {
    uint64_t insn;   ///< the instruction that touches user memory
    uint64_t fixup;  ///< where it continues after a fault, returning -EFAULT
};
/// The table (arch/user_copy.S).
extern "C" const UserCopyFixup user_copy_fixups[];
/// One past the table's last entry.
extern "C" const UserCopyFixup user_copy_fixups_end[];
/// Nonzero once CR4.SMAP is on: arch/user_copy.S then brackets its copy with stac/clac.
extern "C" uint8_t g_smap;
uint8_t g_smap = 0;

namespace {

// Rule 1 of proc/uaccess.h: the range is in user space, without wrapping.
// As Linux's access_ok: the range ends at or below the top, without wrapping
// (so [top, top + 0) is fine, and a kernel address is refused even for 0 bytes).
bool in_user_space(uint64_t addr, size_t n) { return addr <= g_user_top && n <= g_user_top - addr; }

}  // namespace

Result<void> check_user_range(uint64_t addr, size_t n) {
    if (!in_user_space(addr, n)) return Err(abi::Errno::Fault);
    return {};
}

Result<void> copy_from_user(void* dst, uint64_t src, size_t n) {
    if (!in_user_space(src, n)) return Err(abi::Errno::Fault);
    if (user_copy(dst, reinterpret_cast<const void*>(src), n) != 0) return Err(abi::Errno::Fault);
    return {};
}

Result<void> copy_to_user(uint64_t dst, const void* src, size_t n) {
    if (!in_user_space(dst, n)) return Err(abi::Errno::Fault);
    if (user_copy(reinterpret_cast<void*>(dst), src, n) != 0) return Err(abi::Errno::Fault);
    return {};
}

bool user_copy_fixup(TrapFrame& frame) {
    // EXERCISE 04.9 BEGIN stub: (void)frame; return false;
    for (const UserCopyFixup* f = user_copy_fixups; f != user_copy_fixups_end; ++f)
        if (frame.rip == f->insn) {
            frame.rip = f->fixup;
            return true;
        }
    return false;
    // EXERCISE 04.9 END
}

void uaccess_init() {
    // Leaf 7 (structured extended features) exists if leaf 0 says so.
    const CpuidLeaf features = cpuid(0, 0).eax >= 7 ? cpuid(7, 0) : CpuidLeaf{};
    const bool smep = features.ebx & (1u << 7), smap = features.ebx & (1u << 20);
    uint64_t cr4 = read_cr4();
    if (smep) cr4 |= kCr4Smep;
    if (smap) cr4 |= kCr4Smap;
    write_cr4(cr4);
    g_smap = smap;
    kprint("[OK] User memory: reached only by fault-recovering copies; SMEP {}, SMAP {}\n", smep ? "on" : "off (not in this CPU)",
           smap ? "on" : "off (not in this CPU)");
}

void user_access_off() {
    if (g_smap) clac();
}
