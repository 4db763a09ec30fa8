/**
 * @file chapters/04-user/sys/calls.cpp
 * @brief Chapter 04's memory and process calls, with Linux's arguments and
 * errors: mmap, munmap, getpid, exit (and exit_group), arch_prctl. Each
 * returns a result or a negated errno. The calls on file descriptors are in
 * sys/file_calls.cpp.
 */
#include "arch/process_switch.h"
#include "common/abi/linux.h"
#include "kernel/x86.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

long mmap_file(const SyscallArgs& args);  // sys/file_calls.cpp

using abi::Errno;

namespace {

uint64_t pages_for(uint64_t len) { return (len + kPageSize - 1) / kPageSize; }

// True if no page of [start, start + pages) is mapped.
bool range_free(const AddressSpace& space, uint64_t start, uint64_t pages) {
    for (uint64_t i = 0; i < pages; ++i)
        if (space.translate(VirtAddr(start + i * kPageSize))) return false;
    return true;
}

// Highest free range of @p pages below kMmapTop, as Linux searches top-down.
uint64_t find_free_range(const AddressSpace& space, uint64_t pages) {
    for (uint64_t top = kMmapTop; top - kUserLowest >= pages * kPageSize;) {
        const uint64_t start = top - pages * kPageSize;
        uint64_t i = pages;
        while (i > 0 && !space.translate(VirtAddr(start + (i - 1) * kPageSize))) --i;
        if (i == 0) return start;
        top = start + (i - 1) * kPageSize;  // skip below the mapped page found
    }
    return 0;
}

}  // namespace

/// mmap(addr, len, prot, flags, fd, offset): anonymous private or shared
/// memory, placed top-down below kMmapTop unless MAP_FIXED; a file mapping
/// goes to mmap_file(). Returns the address or -EINVAL, -ENOMEM...
long sys_mmap(const SyscallArgs& a) {
    const uint64_t addr = a.a0, len = a.a1;
    const int prot = static_cast<int>(a.a2), flags = static_cast<int>(a.a3);
    const int type = flags & (abi::map::Shared | abi::map::Private);
    if (type == 0 || type == (abi::map::Shared | abi::map::Private)) return -Errno::Inval;
    if (len == 0 || (a.a5 & (kPageSize - 1))) return -Errno::Inval;
    if (!(flags & abi::map::Anonymous)) return mmap_file(a);  // sys/file_calls.cpp
    if (len > kUserEnd) return -Errno::NoMem;

    AddressSpace& space = current_process()->space;
    const uint64_t pages = pages_for(len);
    uint64_t start;
    if (flags & (abi::map::Fixed | abi::map::FixedNoReplace)) {
        if (addr & (kPageSize - 1)) return -Errno::Inval;
        if (addr + pages * kPageSize > kUserEnd || addr + pages * kPageSize < addr) return -Errno::NoMem;
        if (addr < kUserLowest) return -Errno::Perm;  // Linux: below mmap_min_addr
        if (!range_free(space, addr, pages)) {
            if (flags & abi::map::FixedNoReplace) return -Errno::Exist;
            unmap_user_pages(space, addr, pages);  // MAP_FIXED replaces
        }
        start = addr;
    } else if (addr && !(addr & (kPageSize - 1)) && addr >= kUserLowest && addr + pages * kPageSize <= kMmapTop &&
               range_free(space, addr, pages)) {
        start = addr;  // the hint is free: take it
    } else if ((start = find_free_range(space, pages)) == 0) {
        return -Errno::NoMem;
    }

    // PROT_NONE: mapped, but not for ring 3, so every access faults.
    PageFlags page = prot == abi::prot::None ? PageFlags::None : PageFlags::User;
    if (prot & abi::prot::Write) page = page | PageFlags::Writable;
    if (!(prot & abi::prot::Exec)) page = page | PageFlags::NoExecute;
    if (!map_user_pages(space, start, pages, page)) return -Errno::NoMem;
    if (prot == abi::prot::None)  // map_user_pages always adds User: take it back
        for (uint64_t i = 0; i < pages; ++i) {
            auto frame = space.unmap(VirtAddr(start + i * kPageSize));
            (void)space.map(VirtAddr(start + i * kPageSize), *frame, PageFlags::NoExecute);
        }
    return static_cast<long>(start);
}

/// munmap(addr, len): unmap and free the pages; holes in the range are fine.
long sys_munmap(const SyscallArgs& a) {
    const uint64_t addr = a.a0, len = a.a1;
    if ((addr & (kPageSize - 1)) || len == 0) return -Errno::Inval;
    const uint64_t pages = pages_for(len);
    if (addr >= kUserEnd || pages > (kUserEnd - addr) / kPageSize) return -Errno::Inval;
    unmap_user_pages(current_process()->space, addr, pages);  // holes are fine
    return 0;
}

/// getpid(): the running process's id; the null syscall the measurements time.
long sys_getpid(const SyscallArgs&) { return current_process()->pid; }

/// exit(status) and exit_group(status): end the process with status & 0xff; never returns.
long sys_exit(const SyscallArgs& a) { process_exit(static_cast<int>(a.a0 & 0xff)); }

/// arch_prctl(code, addr): set or get the user FS or GS base (ARCH_SET_FS...).
/// A base in the kernel half is -EPERM, as on Linux.
long sys_arch_prctl(const SyscallArgs& a) {
    Process* p = current_process();
    const uint64_t value = a.a1;
    switch (static_cast<abi::ArchPrctl>(a.a0)) {
    case abi::ArchPrctl::SetFs:
        if (value >= kUserEnd) return -Errno::Perm;
        p->fs_base = value;
        wrmsr(Msr::FsBase, value);
        return 0;
    case abi::ArchPrctl::SetGs:
        if (value >= kUserEnd) return -Errno::Perm;
        set_user_gs_base(value);
        return 0;
    case abi::ArchPrctl::GetFs:
        return copy_to_user(value, &p->fs_base, sizeof p->fs_base);
    case abi::ArchPrctl::GetGs: {
        const uint64_t gs = user_gs_base();
        return copy_to_user(value, &gs, sizeof gs);
    }
    }
    return -Errno::Inval;
}
