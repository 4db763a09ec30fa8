/**
 * @file chapters/04-user/proc/uaccess.cpp
 * @brief The range check, page by page, and the copies it guards.
 */
#include "proc/uaccess.h"

#include "common/abi/linux.h"
#include "common/str.h"
#include "proc/process.h"

bool user_range_ok(const AddressSpace& space, uint64_t addr, uint64_t len, bool write) {
    if (len == 0) return true;
    const uint64_t last = addr + len - 1;
    if (last < addr || last >= abi::kUserSpaceEnd) return false;  // wraps, or leaves user space
    for (uint64_t page = addr & ~(kPageSize - 1); page <= last; page += kPageSize) {
        const auto t = space.translate(VirtAddr(page));
        if (!t || !has(t->flags, PageFlags::User)) return false;
        if (write && !has(t->flags, PageFlags::Writable)) return false;
        if (page + kPageSize < page) break;  // the last page of the address space
    }
    return true;
}

// The process's pages are mapped in the current address space (CR3), so
// once checked they can be reached at their user addresses directly.
long copy_from_user(void* dst, uint64_t src, size_t n) {
    if (!user_range_ok(current_process()->space, src, n, false)) return -abi::Errno::Fault;
    mem::copy(dst, reinterpret_cast<const void*>(src), n);
    return 0;
}

long copy_to_user(uint64_t dst, const void* src, size_t n) {
    if (!user_range_ok(current_process()->space, dst, n, true)) return -abi::Errno::Fault;
    mem::copy(reinterpret_cast<void*>(dst), src, n);
    return 0;
}
