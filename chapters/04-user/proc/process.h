/**
 * @file chapters/04-user/proc/process.h
 * @brief A process: an address space, a few registers the kernel keeps for
 * it, and how it ended.
 *
 * The kernel runs its boot modules one after another: process_run() enters
 * a process and returns when it has terminated, whether by exit() or by a
 * fault. Only one process exists at a time, so there is no scheduler yet.
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"
#include "common/result.h"
#include "common/str.h"
#include "mm/paging.h"

/// Where user mappings go (the layout follows Linux's).
inline constexpr uint64_t kUserStackTop = 0x00007fff00000000;  ///< initial stack top
inline constexpr uint64_t kUserStackPages = 32;                ///< 128 KiB, unmapped below
inline constexpr uint64_t kMmapTop = 0x00007f0000000000;       ///< mmap searches down from here
inline constexpr uint64_t kUserLowest = 0x10000;               ///< below: never mapped (NULL)

struct FileTable;

/// One running program.
struct Process {
    int pid = 0;                  ///< process id, from 1 (getpid)
    char name[32] = {};           ///< the module's first word, for logs
    AddressSpace space{PhysAddr()};  ///< its page tables: its own lower half, the kernel's upper half
    uint64_t fs_base = 0;         ///< user FS base (arch_prctl), restored on entry
    uint64_t gs_base = 0;         ///< user GS base (arch_prctl), restored on entry
    uint64_t entry = 0;           ///< first user RIP
    uint64_t initial_rsp = 0;     ///< user RSP at entry (argc)
    FileTable* files = nullptr;   ///< descriptors (chapter 06; before it, fds 0-2 are the console)
};

/// Give @p process its standard descriptors (sys/file_calls.cpp).
void files_open(Process* process);

/// Close every descriptor of @p process, before its memory goes.
void files_close(Process* process);

/// Load an ELF executable into a new process with command line @p cmdline
/// (name and arguments, separated by spaces). Returns the reason if the image
/// is rejected or memory runs out; nothing is left allocated in that case.
Result<Process*, const char*> process_create(StringView cmdline, const uint8_t* image, size_t size);

/// Run @p process in ring 3 until it terminates; returns its exit code and
/// frees it.
int process_run(Process* process);

/// The running process (nullptr between processes).
Process* current_process();

/// End the current process with @p code (0-255); never returns to it.
[[noreturn]] void process_exit(int code);

/// Map @p pages fresh zeroed user pages at @p start in @p space.
/// Returns false (with nothing left mapped) if memory runs out.
bool map_user_pages(AddressSpace& space, uint64_t start, uint64_t pages, PageFlags flags);

/// Unmap the user pages in [start, start + pages * 4096), freeing their frames.
void unmap_user_pages(AddressSpace& space, uint64_t start, uint64_t pages);

/// Free every user page and page table of @p space, and its PML4.
void destroy_user_space(AddressSpace& space);
