/**
 * @file chapters/12-exec/mm/user_space.h
 * @brief A process's lower half: where things go, and mapping, unmapping
 * and searching ranges of it at a cost that follows what is mapped.
 * (Chapter 10: unmapping and changing permissions shoot the old
 * translations down on every CPU that runs the program, mm/tlb.h, before
 * a frame is freed or the call returns. The caller holds the process's
 * memory lock, Process::memory_lock, so two threads never change one
 * process's tables at once. Chapter 12: and copying all of it, for fork.)
 *
 * The page tables are the only record of what a process has mapped. Each
 * user page is either
 *   - present: a frame of its own, with the User bit and the permissions
 *     PROT_READ / PROT_WRITE / PROT_EXEC give it; or
 *   - reserved (PROT_NONE): a non-present entry with a software bit set
 *     (kProtNoneEntry). It holds its frame if it had one (mprotect back to
 *     PROT_READ finds the data again), or none if it was mapped PROT_NONE;
 *     every access faults, from the program and from the kernel's user
 *     copies alike; mmap will not place anything over it;
 *   - borrowed (chapter 06): present, but its frame belongs to a kernel
 *     object, an io_uring instance's rings, which the process has mapped.
 *     A second software bit (kBorrowedEntry) says so, and unmapping leaves
 *     the frame to its owner. (The owner outlives the mapping: each file
 *     mapping holds a reference on its file, mm/file_mappings.h.)
 *
 * Chapter 09: a present page can also be pinned (pin_user_pages): its
 * frame gets one more reference (mm/frame.h), held by a registered
 * io_uring buffer. Unmapping the page then drops only the page table's
 * reference, and the frame lives on until it is unpinned.
 *
 * Range operations walk the tables and skip every absent table whole, so
 * unmapping a terabyte with nothing in it costs a few table reads, and a
 * page table emptied by an unmap is freed at once.
 *
 * The layout follows Linux's (user space is [0, kUserTop)):
 *
 *     0x00007ffffffff000  kUserTop: the last page below the hole stays unmapped
 *     0x00007fff00000000  kUserStackTop: the initial stack grows down from here
 *     0x00007f0000000000  kMmapTop: mmap places mappings below this, top-down
 *     0x0000000000400000  the program (gcc -static's default)
 *     0x0000000000010000  kUserLowest: nothing below (a NULL access faults)
 */
#pragma once

#include <cstdint>

#include "common/result.h"
#include "mm/paging.h"

inline constexpr uint64_t kUserLowest = 0x10000;               ///< nothing is mapped below (Linux's mmap_min_addr)
inline constexpr uint64_t kMmapTop = 0x00007f0000000000;       ///< mmap searches down from here
inline constexpr uint64_t kUserStackTop = 0x00007fff00000000;  ///< the initial stack's top
inline constexpr uint64_t kUserStackPages = 32;                ///< 128 KiB of initial stack

/// The end of user space: every user mapping and user pointer lies below.
/// As Linux's TASK_SIZE, one page short of the non-canonical hole: a
/// `syscall` in the last page would return (RIP after it) to a
/// non-canonical address, on which `sysretq` faults in ring 0 (chapter 05
/// shows it). Chapter 05's `toppage=1` option moves it to the hole.
extern uint64_t g_user_top;

/// An address space for a new process: empty below, the kernel's above.
Result<AddressSpace> user_space_create();

/// Map @p pages fresh zeroed pages at @p start (page-aligned, free) with the
/// permissions of @p prot (abi::prot bits; prot::None reserves the pages
/// without frames). All or nothing: on Errno::NoMem nothing is left mapped.
Result<void> map_user_pages(AddressSpace& space, uint64_t start, uint64_t pages, int prot);

/// Map the kernel's pages [kernel, kernel + pages * 4096) at @p start
/// (page-aligned, free) too, as borrowed pages with the permissions of
/// @p prot (prot::Read and prot::Write only). All or nothing: on
/// Errno::NoMem (no memory for a page table) nothing is left mapped.
Result<void> map_kernel_pages(AddressSpace& space, uint64_t start, VirtAddr kernel, uint64_t pages, int prot);

/// Unmap every page in [start, end) (page-aligned), free their frames
/// (but not a borrowed page's) and every page table left empty. Holes are fine.
void unmap_user_range(AddressSpace& space, uint64_t start, uint64_t end);

/// Give every page of [start, end) (page-aligned) the permissions of
/// @p prot (mprotect). Errno::NoMem, with nothing changed, if a page of the
/// range is not mapped; Errno::NoMem too if a page reserved without a frame
/// cannot get one. Data survives a trip through PROT_NONE.
Result<void> protect_user_range(AddressSpace& space, uint64_t start, uint64_t end, int prot);

/// Pin the @p pages pages from @p start (page-aligned): write each one's
/// frame to @p pinned and add a reference to it, so that the frame outlives
/// an munmap of the page. Every page must be in user space, present,
/// writable and the program's own (not borrowed): else Errno::Fault (as
/// Linux's pin_user_pages with FOLL_WRITE). Errno::NoMem if a frame is
/// pinned too often already. All or nothing: on failure nothing stays pinned.
/// No other thread may unmap these pages during the call: the caller holds
/// the process's memory lock (chapter 10: io_uring_register takes it,
/// sys/io_uring.cpp), as Linux's pin_user_pages needs its mmap lock.
Result<void> pin_user_pages(const AddressSpace& space, uint64_t start, uint64_t pages, PhysAddr* pinned);

/// Drop the references pin_user_pages() took on the @p count frames of @p pinned.
void unpin_pages(const PhysAddr* pinned, uint64_t count);

/// The lowest used (present or reserved) page in [start, end), or @p end.
[[nodiscard]] uint64_t first_used_page(const AddressSpace& space, uint64_t start, uint64_t end);

/// The highest used page in [start, end), or @p end if there is none.
[[nodiscard]] uint64_t last_used_page(const AddressSpace& space, uint64_t start, uint64_t end);

/// Give @p to (a new, empty address space) a copy of every user page of
/// @p from, at the same address with the same permissions: fork's eager
/// copy. A PROT_NONE page keeps its data; a borrowed page (an io_uring
/// ring's) is not copied, see the chapter's differences. Errno::NoMem,
/// with @p to holding part of the copy: the caller destroys it.
Result<void> copy_user_space(const AddressSpace& from, AddressSpace& to);

/// Free every user page and page table of @p space, and its PML4, once no
/// CPU has @p space loaded (the caller must not have it loaded itself).
void user_space_destroy(AddressSpace& space);
