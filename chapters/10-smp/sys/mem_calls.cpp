/**
 * @file chapters/10-smp/sys/mem_calls.cpp
 * @brief mmap and munmap: anonymous memory and files (an io_uring's
 * rings), with Linux's arguments, checks and errors, in the order Linux
 * makes its checks (the order decides which errno a call with two bad
 * arguments gets). (Chapter 10: each call changes the address space with
 * the process's memory lock held, from its first look at the tables to
 * its last change: two threads on two CPUs would otherwise pick the same
 * free range.)
 */
#include <optional>

#include "common/abi/linux.h"
#include "mm/user_space.h"
#include "proc/file.h"
#include "proc/process.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {

constexpr uint64_t kPageMask = ~(kPageSize - 1);
constexpr uint64_t kMapType = 0x0f;  // MAP_SHARED, MAP_PRIVATE... share these bits

// The highest free range of @p length bytes below kMmapTop, searching top-down as Linux does.
Result<uint64_t> find_free_range(const AddressSpace& space, uint64_t length) {
    for (uint64_t top = kMmapTop; top - kUserLowest >= length;) {
        const uint64_t start = top - length;
        const uint64_t used = last_used_page(space, start, top);
        if (used == top) return start;  // nothing mapped in [start, top)
        top = used;                     // try again below what is there
    }
    return Err(Errno::NoMem);
}

bool range_free(const AddressSpace& space, uint64_t start, uint64_t length) {
    return first_used_page(space, start, start + length) == start + length;
}

// Unmap [start, end) of @p process: its pages, and its record of the files
// mapped there (a file's reference is dropped only once its pages are gone,
// and only by @p dropped, after the memory lock).
Result<void> unmap_range(Process& process, uint64_t start, uint64_t end, DroppedFiles& dropped) {
    TRY(process.mappings.check_remove(start, end));
    unmap_user_range(process.space, start, end);
    process.mappings.remove(start, end, dropped);
    return {};
}

// Linux's checks of a file mapping against how the file was opened.
Result<void> check_file_mode(const File& file, int type, int prot) {
    if (!file.allows(kReadable)) return Err(Errno::Acces);  // even a write-only mapping reads
    if (type == abi::map::Shared && (prot & abi::prot::Write) && !file.allows(kWritable)) return Err(Errno::Acces);
    return {};
}

// Map @p file's memory at [start, start + size), borrowed, and record it.
Result<void> map_file(Process& process, File& file, uint64_t start, uint64_t size, int prot, uint64_t offset,
                      DroppedFiles& dropped) {
    const FileMemory memory = TRY(file.mmap(offset, size));
    if (size > ((memory.bytes + kPageSize - 1) & kPageMask)) return Err(Errno::Inval);
    TRY(process.mappings.add(start, start + size, &file));
    const Result<void> mapped = map_kernel_pages(process.space, start, memory.kernel, size / kPageSize, prot);
    if (!mapped) process.mappings.remove(start, start + size, dropped);
    return mapped;
}

}  // namespace

/// mmap(addr, len, prot, flags, fd, offset): anonymous memory (private or
/// shared: without fork the two are the same), or the memory of a file
/// that has some (File::mmap), placed top-down below kMmapTop unless
/// MAP_FIXED; the hint is taken if that range is free. Returns the
/// address, or Errno::Inval, NoMem, Exist, Perm, BadF, Acces, NoDev.
Result<long> sys_mmap(const SyscallArgs& a) {
    const uint64_t hint = a.a0, length = a.a1, offset = a.a5;
    const int prot = static_cast<int>(a.a2), flags = static_cast<int>(a.a3);
    const auto fd = static_cast<uint32_t>(a.a4);
    Process& process = *current_process();
    AddressSpace& space = process.space;

    if (offset & ~kPageMask) return Err(Errno::Inval);
    const bool anonymous = flags & abi::map::Anonymous;
    // Held for the call: another thread may close fd meanwhile (chapter 10).
    std::optional<FileRef> held;
    if (!anonymous) held.emplace(TRY(current_files().hold(fd)));
    File* file = held ? held->get() : nullptr;
    if (length == 0) return Err(Errno::Inval);
    if (length > g_user_top) return Err(Errno::NoMem);  // also catches rounding up past 2^64
    const uint64_t size = (length + kPageSize - 1) & kPageMask;
    DroppedFiles dropped;  // declared first: references dropped under the lock go after it
    IrqLock locked(process.memory_lock);

    uint64_t start;
    if (flags & (abi::map::Fixed | abi::map::FixedNoReplace)) {
        if (hint > g_user_top - size) return Err(Errno::NoMem);
        if (hint & ~kPageMask) return Err(Errno::Inval);
        if (hint < kUserLowest) return Err(Errno::Perm);  // Linux's mmap_min_addr
        start = hint;
        if ((flags & abi::map::FixedNoReplace) && !range_free(space, start, size)) return Err(Errno::Exist);
    } else {
        // A hint is only a hint: rounded down to a page, raised to
        // kUserLowest, and used only if the whole range is free there.
        uint64_t want = hint & kPageMask;
        if (want != 0 && want < kUserLowest) want = kUserLowest;
        if (want != 0 && want <= g_user_top - size && range_free(space, want, size)) start = want;
        else start = TRY(find_free_range(space, size));
    }

    const int type = flags & kMapType;
    if (type != abi::map::Shared && type != abi::map::Private) return Err(Errno::Inval);
    if (file) TRY(check_file_mode(*file, type, prot));

    if (flags & abi::map::Fixed) TRY(unmap_range(process, start, start + size, dropped));  // MAP_FIXED replaces
    if (file) TRY(map_file(process, *file, start, size, prot, offset, dropped));
    else TRY(map_user_pages(space, start, size / kPageSize, prot & (abi::prot::Read | abi::prot::Write | abi::prot::Exec)));
    return static_cast<long>(start);
}

/// munmap(addr, len): unmap and free whatever is mapped in the range
/// (holes are fine). Errno::Inval for an unaligned or empty range, or one
/// that leaves user space.
Result<long> sys_munmap(const SyscallArgs& a) {
    const uint64_t start = a.a0, length = a.a1;
    if ((start & ~kPageMask) || start > g_user_top || length > g_user_top - start) return Err(Errno::Inval);
    const uint64_t end = start + ((length + kPageSize - 1) & kPageMask);
    if (end == start) return Err(Errno::Inval);
    Process& process = *current_process();
    DroppedFiles dropped;  // declared first: it gives the references back after the lock
    IrqLock locked(process.memory_lock);
    TRY(unmap_range(process, start, end, dropped));
    return 0;
}
