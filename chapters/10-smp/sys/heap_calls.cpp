/**
 * @file chapters/10-smp/sys/heap_calls.cpp
 * @brief brk (the program's heap, which C libraries' malloc grows) and
 * mprotect (changing what a program may do with its pages), as on Linux.
 * (Chapter 10: under the process's memory lock, as mmap and munmap.)
 */
#include "common/abi/linux.h"
#include "mm/user_space.h"
#include "proc/process.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {
constexpr uint64_t page_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
}  // namespace

/// brk(addr): move the end of the program's heap to @p addr (brk(0) asks
/// where it is). It never fails with an errno: as on Linux, the answer is
/// the break after the call, and an impossible request leaves it where it was.
Result<long> sys_brk(const SyscallArgs& a) {
    Process& p = *current_process();
    const uint64_t want = a.a0;
    IrqLock locked(p.memory_lock);
    if (want < p.brk_start || want > g_user_top) return static_cast<long>(p.brk);
    const uint64_t old_end = page_up(p.brk), new_end = page_up(want);
    if (new_end < old_end) {
        unmap_user_range(p.space, new_end, old_end);  // shrinking always works
    } else if (new_end > old_end) {
        // Growing needs the pages, and one more as a gap, to be free (Linux's check).
        const uint64_t gap_end = new_end + kPageSize <= g_user_top ? new_end + kPageSize : new_end;
        if (first_used_page(p.space, old_end, gap_end) != gap_end) return static_cast<long>(p.brk);
        if (!map_user_pages(p.space, old_end, (new_end - old_end) / kPageSize, abi::prot::Read | abi::prot::Write))
            return static_cast<long>(p.brk);
    }
    p.brk = want;
    return static_cast<long>(want);
}

/// mprotect(addr, len, prot): give every page of the range the permissions
/// of @p prot. Errno::Inval for an unaligned address or an unknown PROT_
/// bit, Errno::NoMem if a page of the range is not mapped.
Result<long> sys_mprotect(const SyscallArgs& a) {
    const uint64_t start = a.a0, length = a.a1;
    const auto prot = static_cast<int>(a.a2);
    constexpr int kKnown = abi::prot::Read | abi::prot::Write | abi::prot::Exec | abi::prot::Sem |
                           abi::prot::GrowsDown | abi::prot::GrowsUp;
    if (start & (kPageSize - 1)) return Err(Errno::Inval);
    if (prot & ~kKnown) return Err(Errno::Inval);
    if (length == 0) return 0;
    const uint64_t end = start + page_up(length);
    if (end <= start) return Err(Errno::NoMem);
    if (end > g_user_top) return Err(Errno::NoMem);
    Process& p = *current_process();
    IrqLock locked(p.memory_lock);
    TRY(protect_user_range(p.space, start, end, prot & (abi::prot::Read | abi::prot::Write | abi::prot::Exec)));
    return 0;
}
