/**
 * @file user/programs/fuzz-syscalls.cpp
 * @brief Random system calls with hostile arguments: the kernel must survive
 * every one of them, and give answers that make sense.
 *
 *     fuzz-syscalls seed=S count=N [lanes=1|2] [only=CALL,...] [log=K] [every=P]
 *
 * Each step picks a call by weight (kCalls: every call the course
 * implements, plus unknown numbers and loads of the FS/GS selectors) and
 * each argument from a class: a valid buffer, NULL, a page below 64 KiB, the
 * kernel's half, non-canonical, unmapped, straddling the end of a mapping or
 * of user space, huge lengths and counts, huge and negative fds.
 *
 * What counts as a failure: the kernel panics, hangs, or kills this program
 * (the boot test sees that), or an answer breaks a rule checked here and
 * printed as a VIOLATION line: an errno Linux never gives for that call, a
 * kernel or NULL buffer that "worked", mmap memory outside user space, over
 * this program, not zeroed or not kept, getpid or gettid changing, a base
 * set with arch_prctl not reading back, the monotonic clock going back, a
 * nanosleep shorter than asked, SIGKILL blocked, memory leaked (128 MiB no
 * longer maps once everything is unmapped). The last line is
 * "fuzz-syscalls: N calls, seed S, ok" only if there was none.
 *
 * The program must not end its own run: it never calls exit, never closes
 * its stdout or stderr, never lets munmap, MAP_FIXED or mprotect touch its
 * image, its stacks or its scratch buffers, and never hands the kernel a
 * pointer into its image or stacks for writing (such arguments are moved to
 * an unmapped hole first). It keeps what it maps under a budget.
 *
 * Threads (a kernel where gettid answers: chapter 07 on). Two lanes, each a
 * thread with its own generator (seeded from S and its number), scratch
 * buffer, arena and mappings, make calls at the same time, so that one
 * unmaps, closes or scribbles while the other sleeps in the kernel; the
 * main thread watches them. The thread calls are fuzzed too. A lane's call
 * may now sleep, and nothing may sleep forever; by construction:
 *   - a console read would wait for typed input: fd 0 is closed at the
 *     start, and reads of fds 1 and 2 are not made;
 *   - a futex wait, a nanosleep take a timeout of at most 2 ms, or one that
 *     fails (bad pointer, bad value), never one read from memory that a
 *     pipe may have filled;
 *   - io_uring_enter never waits for completions (min_complete 0), and
 *     SQ_WAIT always comes with SQ_WAKEUP;
 *   - what is left is pipes, and a pipe wait ends when all the other ends
 *     are closed: when no lane has finished a call for 50 ms, the main
 *     thread closes every descriptor but 1 and 2 (an "unblock").
 * Address-space changes and their bookkeeping happen under one lock, and
 * one lane never unmaps what another lane touches; a race zone that no
 * lane touches is unmapped and remapped under the others' calls. A seed
 * replays the calls of each lane, not their interleaving.
 *
 * lanes=1 runs one lane (still with the watcher, on a kernel with threads);
 * only= restricts the calls (names as in kCalls); log=K prints every call
 * from number K on (of each lane), to find the one that brings a kernel
 * down; every=P checks for leaked memory every P calls.
 */
#include <initializer_list>

#include "runtime/fuzz.h"
#include "runtime/print.h"
#include "runtime/thread.h"
#include "runtime/uring.h"

extern "C" char __executable_start[];  ///< first byte of this program's image (GNU ld)
extern "C" char _end[];                ///< one past its last byte (.bss included)

namespace {

using abi::Errno;
using abi::Sys;
namespace ring = abi::io_uring;

constexpr uint64_t kPage = abi::kPageSize;
constexpr uint64_t kUserEnd = abi::kUserSpaceEnd;
constexpr uint64_t kLowestUser = 0x10000;  // nothing is ever mapped below (NULL pages)
constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB, kTiB = 1024 * kGiB;

// This program's fixed places in its address space; lane i's at + i * kLaneStride.
constexpr int kMaxLanes = 2;
constexpr uint64_t kLaneStride = 256 * kMiB;
constexpr uint64_t kScratch = 0x0000000300000000;  // a lane's buffers; the page after it stays unmapped
constexpr uint64_t kScratchSize = 16 * kPage;
constexpr uint64_t kDataSize = 13 * kPage;        // valid buffers: the kernel may store anything here
constexpr uint64_t kTimeOff = kDataSize;          // timespecs and masks: the kernel reads them, only we write them
constexpr uint64_t kGetBaseOff = kTimeOff + 400;  // where ARCH_GET_FS/GS writes a base we read back
constexpr uint64_t kTidOff = kTimeOff + 512;      // where clone writes tids, and its threads clear them when they end
constexpr uint64_t kIovOff = kDataSize + kPage;   // iovec arrays, which the kernel only reads
constexpr uint64_t kArgOff = kDataSize + 2 * kPage;  // io_uring params and probes
constexpr uint64_t kArena = 0x0000000400000000;   // where a lane's MAP_FIXED and hints mostly aim
constexpr uint64_t kArenaSize = 256 * kMiB;
constexpr uint64_t kRace = 0x0000000500000000;    // mapped and unmapped by every lane, touched by none
constexpr uint64_t kRaceSize = 16 * kMiB;
constexpr uint64_t kHole = 0x0000100000000000;    // never mapped: the "unmapped" class
constexpr uint64_t kHoleSize = kTiB;
constexpr uint64_t kBrkZone = 4 * kMiB;           // how far brk may grow
constexpr uint64_t kBudget = 64 * kMiB;           // most memory the lanes keep mapped, all together
constexpr size_t kMaxRegions = 96;
constexpr int kMaxFd = 64;
constexpr size_t kLaneStack = 64 * kKiB;

/// What each step does; kCalls is also the index of the statistics table.
enum Call : uint8_t {
    // Laid out by hand, a line per group of calls: clang-format would put one name on each line.
    // clang-format off
    kRead, kWrite, kReadv, kWritev, kClose, kPipe, kPipe2, kMmap, kMunmap, kMprotect, kBrk, kGetpid, kArchPrctl,
    kUringSetup, kUringEnter, kUringRegister, kUnknown, kSegment,
    // From chapter 07 (weight 0 on a kernel without threads):
    kClone, kFutex, kNanosleep, kClockGettime, kClockGetres, kSchedYield, kSetTidAddress, kGettid, kIoctl,
    kRtSigprocmask,
    // The calls C libraries make at start (chapter 04 on), fcntl (06), signals (07):
    kUname, kGetrandom, kIds, kRlimit, kGetcwd, kFcntl, kRtSigaction, kKill, kRobustList, kSchedGetaffinity, kCalls
    // clang-format on
};

/// A call's name, weight, and the errnos Linux documents for it (ENOSYS is
/// always allowed: a chapter may not have the call yet).
struct CallInfo {
    const char* name;
    uint32_t weight;
    bool threads_only;  ///< fuzzed only on a kernel with threads
    Errno errnos[12];   ///< the rest are 0
};
using E = Errno;
// Laid out by hand as a table: clang-format would put one entry on each line.
// clang-format off
constexpr CallInfo kCallInfo[kCalls] = {
    {"read", 10, false, {E::BadF, E::Fault, E::Inval, E::Again, E::Intr, E::Io}},
    {"write", 10, false, {E::BadF, E::Fault, E::Inval, E::Again, E::Intr, E::Io, E::Pipe, E::NoSpc}},
    {"readv", 6, false, {E::BadF, E::Fault, E::Inval, E::Again, E::Intr, E::Io}},
    {"writev", 6, false, {E::BadF, E::Fault, E::Inval, E::Again, E::Intr, E::Io, E::Pipe, E::NoSpc}},
    {"close", 5, false, {E::BadF, E::Intr, E::Io}},
    {"pipe", 1, false, {E::Fault, E::MFile, E::NoMem}},
    {"pipe2", 4, false, {E::Fault, E::Inval, E::MFile, E::NoMem}},
    {"mmap", 12, false, {E::Acces, E::Again, E::BadF, E::Exist, E::Inval, E::NoDev, E::NoMem, E::Overflow, E::Perm}},
    {"munmap", 8, false, {E::Inval, E::NoMem}},
    {"mprotect", 3, false, {E::Acces, E::Inval, E::NoMem}},
    {"brk", 2, false, {}},
    {"getpid", 2, false, {}},
    {"arch_prctl", 5, false, {E::Fault, E::Inval, E::Perm}},
    {"io_uring_setup", 3, false, {E::Fault, E::Inval, E::MFile, E::NoMem, E::Perm}},
    {"io_uring_enter", 8, false,
     {E::Again, E::BadF, E::Busy, E::BadR, E::Fault, E::Inval, E::Intr, E::OpNotSupp, E::OwnerDead, E::DeadLk}},
    {"io_uring_register", 3, false,
     {E::BadF, E::Busy, E::Fault, E::Inval, E::MFile, E::NoMem, E::NxIo, E::OpNotSupp, E::Overflow, E::Perm}},
    {"unknown", 4, false, {}},
    {"segment", 1, false, {}},
    {"clone", 2, true, {E::Again, E::Inval, E::NoMem, E::NoSpc, E::Perm}},
    {"futex", 4, true, {E::Again, E::Fault, E::Intr, E::Inval, E::NoMem, E::Perm, E::TimedOut}},
    {"nanosleep", 1, true, {E::Fault, E::Intr, E::Inval}},
    {"clock_gettime", 2, true, {E::Fault, E::Inval}},
    {"clock_getres", 1, true, {E::Fault, E::Inval}},
    {"sched_yield", 1, true, {}},
    {"set_tid_address", 1, true, {}},
    {"gettid", 1, true, {}},
    {"ioctl", 2, true, {E::BadF, E::Fault, E::Inval, E::NoTty}},
    {"rt_sigprocmask", 2, true, {E::Fault, E::Inval}},
    {"uname", 1, false, {E::Fault}},
    {"getrandom", 2, false, {E::Again, E::Fault, E::Intr, E::Inval}},
    {"ids", 2, false, {E::Fault}},
    {"rlimit", 2, false, {E::Fault, E::Inval, E::Perm, E::Srch}},
    {"getcwd", 1, false, {E::Acces, E::Fault, E::Inval, E::NoEnt, E::Range}},
    {"fcntl", 3, false, {E::Acces, E::Again, E::BadF, E::Busy, E::DeadLk, E::Fault, E::Intr, E::Inval, E::MFile, E::Perm}},
    {"rt_sigaction", 2, false, {E::Fault, E::Inval}},
    {"kill", 2, false, {E::Again, E::Inval, E::Perm, E::Srch}},
    {"robust_list", 1, false, {E::Fault, E::Inval, E::Perm, E::Srch}},
    {"sched_getaffinity", 1, false, {E::Fault, E::Inval, E::Perm, E::Srch}},
};
// clang-format on

struct Stat {
    uint64_t calls, ok, failed;
};

/// A half-open address range.
struct Range {
    uint64_t start, end;
    [[nodiscard]] bool overlaps(uint64_t addr, uint64_t len) const {
        const uint64_t last = addr + len < addr ? ~0ull : addr + len;  // saturate instead of wrapping
        return len > 0 && addr < end && last > start;
    }
};

/// Memory a lane mapped (or the kernel mapped for one of its rings).
struct Region {
    uint64_t start, len;
    int ring_fd;  ///< >= 0: the rings region of that io_uring (the lane may scribble on it); else -1
    ring::Params params;  ///< for a rings region: where its fields are
};

enum class Fd : uint8_t {
    Closed,
    Console,
    PipeRead,
    PipeWrite,
    Ring
};

/// One lane: a thread of calls, with everything that is its own.
struct Lane {
    int index = 0;
    fuzz::Rng rng{0};
    uint64_t scratch = 0, arena = 0;  ///< its buffers and its MAP_FIXED target area
    uint64_t syscalls = 0;            ///< calls made
    uint64_t returned = 0;            ///< calls that came back (the watcher reads it)
    uint64_t quota = 0;               ///< make calls until syscalls reaches it
    uint64_t violations = 0;
    Stat stats[kCalls] = {};
    Region regions[kMaxRegions] = {};  ///< only this lane changes them, with g_mm_lock held
    size_t region_count = 0;
    uint64_t mapped = 0;
    Fd fds[kMaxFd] = {};
    bool fs_known = false, gs_known = false;
    uint64_t fs = 0, gs = 0;
    long tid = 0;                ///< gettid(), on a kernel with threads
    int tid_word = 0;            ///< the thread's id while it runs; the kernel clears it at its exit
};

Lane g_lanes[kMaxLanes];
int g_lane_count = 1;
alignas(16) uint8_t g_lane_stacks[kMaxLanes][kLaneStack];

uint64_t g_seed = 1, g_count = 20000, g_log_from = ~0ull, g_every = 0;
uint32_t g_weights[kCalls];  // kCallInfo's, or only= calls
bool g_threads = false;      // the kernel has threads (and so do we)
long g_pid = 0;
Range g_image, g_main_stack;
uint64_t g_brk0 = 0;         // the break at the start: brk never goes below
uint64_t g_unblocks = 0;     // how often the watcher closed everything
fuzz::SpinLock g_mm_lock;    // address-space changes and every lane's regions
uint32_t g_futex_word = 0;   // a futex the lanes wait on and wake in turn
uint64_t g_mono_max = 0;     // the latest CLOCK_MONOTONIC any lane has read, in ns
const char kDots[17] = "................";  // what a console write may print

// ------------------------------------------------------------ reporting

void violation(Lane& l, StringView what, uint64_t a, uint64_t b) {
    if (++l.violations <= 20)
        print("fuzz-syscalls: VIOLATION in lane {} at call {}: {} ({:#x}, {:#x})\n", l.index, l.syscalls, what, a, b);
}

bool failed(long r) { return r < 0 && r >= -4095; }

bool documented(Call which, long r) {
    const auto e = static_cast<Errno>(-r);
    if (e == Errno::NoSys) return true;  // a call this chapter does not have (unknown numbers are checked apart)
    for (Errno allowed : kCallInfo[which].errnos)
        if (allowed == e) return true;
    return false;
}

/// Make one system call, counted, checked against the call's errnos and, from call log= on, printed.
long call(Lane& l, Call which, long nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
          uint64_t a4 = 0, uint64_t a5 = 0) {
    const uint64_t n = l.syscalls++;
    if (n >= g_log_from)
        print("fuzz-syscalls: {}#{} {}({}: {:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x})\n", l.index, n,
              kCallInfo[which].name, nr, a0, a1, a2, a3, a4, a5);
    const long r = raw_syscall(nr, static_cast<long>(a0), static_cast<long>(a1), static_cast<long>(a2),
                               static_cast<long>(a3), static_cast<long>(a4), static_cast<long>(a5));
    __atomic_fetch_add(&l.returned, 1, __ATOMIC_RELAXED);
    if (n >= g_log_from) print("fuzz-syscalls: {}#{} -> {} ({:#x})\n", l.index, n, r, static_cast<uint64_t>(r));
    ++l.stats[which].calls;
    ++(failed(r) ? l.stats[which].failed : l.stats[which].ok);
    if (failed(r) && !documented(which, r)) violation(l, "an errno Linux does not give for this call", nr, -r);
    return r;
}

// ----------------------------------------------------- address bookkeeping

Range scratch_of(const Lane& l) { return {l.scratch, l.scratch + kScratchSize + kPage}; }

/// May @p l unmap, remap or mprotect [addr, addr + len)? Not this program's
/// image, stacks or scratch buffers, not the hole or brk's zone, and not
/// another lane's mappings (which that lane touches). g_mm_lock held.
bool protected_from_remap(const Lane& l, uint64_t addr, uint64_t len) {
    const Range fixed[] = {g_image, g_main_stack, {kHole, kHole + kHoleSize}, {g_brk0, g_brk0 + kBrkZone + kPage}};
    for (const Range& r : fixed)
        if (r.overlaps(addr, len)) return true;
    for (int i = 0; i < g_lane_count; ++i) {
        const Lane& other = g_lanes[i];
        if (scratch_of(other).overlaps(addr, len)) return true;
        if (i == l.index) continue;
        for (size_t k = 0; k < other.region_count; ++k)
            if (Range{other.regions[k].start, other.regions[k].start + other.regions[k].len}.overlaps(addr, len))
                return true;
    }
    return false;
}

/// May the kernel store into [addr, addr + len) for @p l? Not into this
/// program's image or stacks, nor another lane's scratch buffer.
bool protected_from_writes(const Lane& l, uint64_t addr, uint64_t len) {
    if (g_image.overlaps(addr, len) || g_main_stack.overlaps(addr, len)) return true;
    for (int i = 0; i < g_lane_count; ++i)
        if (i != l.index && scratch_of(g_lanes[i]).overlaps(addr, len)) return true;
    return false;
}

bool in_race_zone(uint64_t addr, uint64_t len) { return Range{kRace, kRace + kRaceSize}.overlaps(addr, len); }

/// Is [addr, addr + len) in @p l's own scratch? What the kernel wrote is read
/// back only from there: a random address may be another lane's memory, which
/// that lane (on another CPU, at the same moment) may have written since.
bool own_scratch(const Lane& l, uint64_t addr, uint64_t len) {
    return addr >= l.scratch && addr <= l.scratch + kScratchSize && len <= l.scratch + kScratchSize - addr;
}

void forget_region(Lane& l, size_t i) {
    l.mapped -= l.regions[i].len;
    l.regions[i] = l.regions[--l.region_count];
}

/// After a successful munmap or MAP_FIXED over [addr, addr + len): cut that
/// range out of the lane's regions, keeping what is left on either side.
void cut_regions(Lane& l, uint64_t addr, uint64_t len) {
    const uint64_t end = addr + len < addr ? ~0ull : addr + len;
    for (size_t i = 0; i < l.region_count;) {
        Region& r = l.regions[i];
        const uint64_t r_end = r.start + r.len;
        if (!Range{r.start, r_end}.overlaps(addr, len)) {
            ++i;
            continue;
        }
        const uint64_t cut_start = addr & ~(kPage - 1);
        const uint64_t cut_end = end < r_end ? (end + kPage - 1) & ~(kPage - 1) : r_end;  // r_end is page-aligned
        const Region left{r.start, cut_start > r.start ? cut_start - r.start : 0, -1, {}};
        const Region right{cut_end, r_end - cut_end, -1, {}};
        forget_region(l, i);  // i now holds another region: look at it again
        for (const Region& part : {left, right})
            if (part.len > 0 && l.region_count < kMaxRegions) {
                l.regions[l.region_count++] = part;
                l.mapped += part.len;
            }
    }
}

/// After a failed MAP_FIXED, which may or may not have unmapped what was
/// there: unmap the lane's part of the range itself, so it knows.
void release_regions(Lane& l, uint64_t addr, uint64_t len) {
    if (len == 0) return;  // refused before anything was looked at
    const uint64_t end = addr + len < addr ? ~0ull : addr + len;
    for (size_t i = 0; i < l.region_count;) {
        const Region& r = l.regions[i];
        const uint64_t from = r.start > addr ? r.start : addr & ~(kPage - 1);
        const uint64_t to = r.start + r.len < end ? r.start + r.len : end;
        if (from >= to) {
            ++i;
            continue;
        }
        call(l, kMunmap, long(Sys::Munmap), from, to - from);
        cut_regions(l, from, to - from);  // moves other regions into slot i: look at it again
    }
}

void remember_region(Lane& l, uint64_t start, uint64_t len, int ring_fd) {
    if (l.region_count == kMaxRegions) return;  // make_room() was called first: cannot happen
    l.regions[l.region_count++] = {start, (len + kPage - 1) & ~(kPage - 1), ring_fd, {}};
    l.mapped += l.regions[l.region_count - 1].len;
}

/// Unmap the lane's oldest regions until @p more bytes fit in its share of
/// the budget (and a slot is free). g_mm_lock held.
void make_room(Lane& l, uint64_t more) {
    const uint64_t budget = kBudget / static_cast<uint64_t>(g_lane_count);
    while (l.region_count > 0 && (l.mapped + more > budget || l.region_count == kMaxRegions)) {
        const Region r = l.regions[0];
        forget_region(l, 0);
        if (protected_from_remap(l, r.start, r.len)) {  // a bookkeeping bug here, not the kernel's
            print("fuzz-syscalls: internal error: region {:#x}+{:#x} covers this program\n", r.start, r.len);
            ++l.violations;
            continue;
        }
        call(l, kMunmap, long(Sys::Munmap), r.start, r.len);
    }
}

// ---------------------------------------------------------- argument classes

/// A buffer: where and how long.
struct Buf {
    uint64_t addr, len;
};

enum BufClass : uint8_t {
    // Laid out by hand as a table: clang-format would put one entry on each line.
    // clang-format off
    kValid, kNull, kLow, kKernel, kNonCanonical, kUnmapped, kStraddle, kStraddleTop, kOwn, kRandomUser, kRandom64,
    kRaceZone
    // clang-format on
};

uint64_t length(fuzz::Rng& rng) {
    constexpr uint32_t w[] = {20, 30, 10, 8, 6, 4, 4, 4, 3, 3};
    switch (rng.weighted(w)) {
    case 0: return 0;
    case 1: return rng.range(1, 64);
    case 2: return rng.range(65, kPage);
    case 3: return kPage * rng.range(1, 16);
    case 4: return rng.range(1, 1 * kMiB);
    case 5: return rng.pick<uint64_t>({kPage - 1, kPage + 1, 2 * kPage - 1, 64 * kKiB, 64 * kKiB + 1});
    case 6: return rng.pick<uint64_t>({~0ull, ~0ull - kPage + 1, 1ull << 63, 1ull << 47, 1ull << 32, 0x7fffffff});
    case 7: return rng.range(kMiB, kGiB);
    case 8: return rng.range(kGiB, kTiB);
    default: return rng.next();
    }
}

uint64_t kernel_address(fuzz::Rng& rng) {
    return rng.pick<uint64_t>({0xffffffff80000000 + rng.below(16 * kMiB), 0xffff800000000000 + rng.below(kGiB),
                               0xfffffffffffff000 + rng.below(kPage), ~0ull, 0xffff888000000000});
}
uint64_t noncanonical_address(fuzz::Rng& rng) {
    return rng.pick<uint64_t>({kUserEnd + rng.below(kMiB), 0x8000000000000000 + rng.below(kGiB),
                               (rng.next() | kUserEnd) & ~0xffff000000000000ull, 0x00ff000000000000});
}

/// A buffer of a random class. @p kernel_writes: the kernel will store to it,
/// so it must not cover this program. @p console: it may be written to the
/// console, so any readable buffer becomes a few dots.
Buf buffer(Lane& l, bool kernel_writes, bool console) {
    fuzz::Rng& rng = l.rng;
    constexpr uint32_t w[] = {30, 6, 3, 6, 6, 6, 5, 4, 8, 4, 3, 4};
    Buf b{0, length(rng)};
    const auto cls = static_cast<BufClass>(rng.weighted(w));
    switch (cls) {
    case kValid: {
        const uint64_t off = rng.below(kDataSize);
        b = {l.scratch + off, rng.one_in(4) ? rng.below(kDataSize - off + 1) : rng.below(65)};
        break;
    }
    case kNull: b.addr = 0; break;
    case kLow: b.addr = rng.range(1, 0xffff); break;
    case kKernel: b.addr = kernel_address(rng); break;
    case kNonCanonical: b.addr = noncanonical_address(rng); break;
    case kUnmapped: b.addr = kHole + rng.below(kHoleSize / 2); break;
    case kStraddle: {
        const uint64_t k = rng.range(1, kPage - 1);
        b = {l.scratch + kScratchSize - k, k + rng.range(1, 2 * kPage)};
        break;
    }
    case kStraddleTop: b = {kUserEnd - rng.range(1, 2 * kPage), rng.range(2 * kPage + 1, 64 * kKiB)}; break;
    case kOwn:
        if (l.region_count > 0) {
            const Region& r = l.regions[rng.below(l.region_count)];
            b.addr = r.start + (rng.one_in(2) ? 0 : rng.below(r.len));
            if (rng.one_in(2)) b.len = r.start + r.len - b.addr + (rng.one_in(4) ? 1 : 0);
        }
        break;
    case kRandomUser: b.addr = rng.below(kUserEnd); break;
    case kRandom64: b.addr = rng.next(); break;
    case kRaceZone: b = {kRace + rng.below(kRaceSize), rng.below(2 * kPage)}; break;
    }
    if (console && !(cls == kNull || cls == kLow || cls == kKernel || cls == kNonCanonical || cls == kUnmapped ||
                     cls == kStraddleTop))
        b = {reinterpret_cast<uint64_t>(kDots), rng.one_in(8) ? rng.below(sizeof kDots) : 0};
    if (kernel_writes && protected_from_writes(l, b.addr, b.len)) b.addr = kHole + (b.addr & 0xffff);
    return b;
}

/// A timespec for a call that sleeps that long: at most 2 ms, or one the
/// kernel must refuse. Never memory a pipe may have filled with a long time.
uint64_t duration(Lane& l) {
    fuzz::Rng& rng = l.rng;
    auto* t = reinterpret_cast<abi::TimeSpec*>(l.scratch + kTimeOff + 16 * rng.below(4));
    switch (rng.below(8)) {
    case 0: return kernel_address(rng);
    case 1: return noncanonical_address(rng);
    case 2: return kHole + rng.below(kHoleSize / 2);
    case 3: *t = {rng.pick<int64_t>({-1, 0, 1, INT64_MIN}), rng.pick<int64_t>({-1, 1000000000, INT64_MAX, 0})}; break;
    default: *t = {0, static_cast<int64_t>(rng.below(2000001))}; break;
    }
    const bool valid = t->sec >= 0 && t->nsec >= 0 && t->nsec < 1000000000;
    if (valid && (t->sec > 0 || t->nsec > 2000000)) *t = {0, 0};  // valid, and longer than 2 ms
    return reinterpret_cast<uint64_t>(t);
}

bool is_console_fd(uint64_t fd) { return (fd & 0xffffffff) <= 2; }  // a kernel may keep only the low 32 bits

/// With threads, a read of the console waits for typed input, which never
/// comes: not made (fd 0 was closed at the start; 1 and 2 stay the console).
uint64_t readable_fd(uint64_t fd) {
    const uint64_t low = fd & 0xffffffff;
    return g_threads && (low == 1 || low == 2) ? kMaxFd + 1 : fd;
}

int random_open_fd(Lane& l, bool rings_only) {
    int open[kMaxFd];
    int n = 0;
    for (int fd = 0; fd < kMaxFd; ++fd)
        if (l.fds[fd] != Fd::Closed && (!rings_only || l.fds[fd] == Fd::Ring)) open[n++] = fd;
    return n == 0 ? -1 : open[l.rng.below(static_cast<uint64_t>(n))];
}

uint64_t fd_arg(Lane& l, bool prefer_rings = false) {
    fuzz::Rng& rng = l.rng;
    constexpr uint32_t w[] = {10, 20, 8, 4, 4};
    switch (rng.weighted(w)) {
    case 0: return rng.below(3);
    case 1: {
        const int fd = random_open_fd(l, prefer_rings && rng.one_in(2));
        return fd < 0 ? rng.below(3) : static_cast<uint64_t>(fd);
    }
    case 2: return rng.below(70);
    case 3: return rng.pick<uint64_t>({~0ull, ~1ull, 0xffffffff80000000, 0xffffff0000000000});
    default: return rng.pick<uint64_t>({64, 1000, 1ull << 31, (1ull << 32) | rng.below(70), 0x7fffffffffffffff});
    }
}

/// For munmap, MAP_FIXED and mprotect: @p addr, or, if that range is
/// protected, a page of the lane's own arena (@p len cut to 4 MiB and to the
/// arena's end). False if even that is protected (another lane mapped there).
bool away_from_protected(Lane& l, uint64_t& addr, uint64_t& len) {
    if (!protected_from_remap(l, addr, len)) return true;
    addr = l.arena + (l.rng.below(kArenaSize) & ~(kPage - 1));
    if (len > 4 * kMiB) len = 4 * kMiB;
    if (len > l.arena + kArenaSize - addr) len = l.arena + kArenaSize - addr;
    return !protected_from_remap(l, addr, len);
}

uint64_t mmap_address(Lane& l) {
    fuzz::Rng& rng = l.rng;
    constexpr uint32_t w[] = {20, 20, 8, 6, 4, 4, 3, 3, 2, 4};
    switch (rng.weighted(w)) {
    case 0: return 0;
    case 1: return l.arena + (rng.below(kArenaSize) & ~(kPage - 1));
    case 2: return l.region_count ? l.regions[rng.below(l.region_count)].start : l.arena;
    case 3: return rng.below(kUserEnd) & ~(kPage - 1);
    case 4: return kernel_address(rng) & ~(kPage - 1);
    case 5: return noncanonical_address(rng);
    case 6: return rng.pick<uint64_t>({0xffffffffffffe000, 0xfffffffffffff000, kUserEnd - kPage, kUserEnd - 2 * kPage});
    case 7: return rng.range(1, 0xffff) & ~(kPage - 1);
    case 8: return l.arena + rng.range(1, kPage - 1);  // unaligned
    default: return kRace + (rng.below(kRaceSize) & ~(kPage - 1));
    }
}

/// A range in the race zone stays in it: what is mapped there is never remembered.
void keep_in_race_zone(uint64_t addr, uint64_t& len) {
    if (addr >= kRace && addr < kRace + kRaceSize && len > kRace + kRaceSize - addr) len = kRace + kRaceSize - addr;
}

// ------------------------------------------------------ files and memory

void fuzz_read_write(Lane& l, bool write) {
    const uint64_t fd = write ? fd_arg(l) : readable_fd(fd_arg(l));
    const Buf b = buffer(l, !write, write && is_console_fd(fd));
    const long r = call(l, write ? kWrite : kRead, long(write ? Sys::Write : Sys::Read), fd, b.addr, b.len);
    if (r > 0 && (b.addr < kLowestUser || b.addr >= kUserEnd)) violation(l, "a NULL or kernel buffer worked", b.addr, r);
}

void fuzz_vector(Lane& l, bool write) {
    fuzz::Rng& rng = l.rng;
    const uint64_t fd = write ? fd_arg(l) : readable_fd(fd_arg(l));
    const bool console = write && is_console_fd(fd);
    uint64_t count = rng.pick<uint64_t>({0, 1, 2, rng.range(3, 16), rng.range(17, 64), 1024, 1025, ~0ull,
                                         1ull << 32, rng.range(1, 8)});
    uint64_t iov_addr;
    constexpr uint64_t kIovs = kPage / sizeof(abi::IoVec);  // entries filled in, one page
    if (rng.one_in(5)) {
        iov_addr = buffer(l, false, false).addr;  // the array itself is hostile (the kernel only reads it)
    } else {
        auto* iov = reinterpret_cast<abi::IoVec*>(l.scratch + kIovOff);
        for (uint64_t i = 0; i < kIovs; ++i) {
            const Buf b = buffer(l, !write, console);
            iov[i] = {b.addr, b.len};
        }
        iov_addr = reinterpret_cast<uint64_t>(iov);
        if (console && count > kIovs) count = kIovs;  // past the entries we filled lies anything
    }
    call(l, write ? kWritev : kReadv, long(write ? Sys::Writev : Sys::Readv), fd, iov_addr, count);
}

void fuzz_close(Lane& l) {
    uint64_t fd = fd_arg(l);
    if ((fd & 0xffffffff) == 1 || (fd & 0xffffffff) == 2) fd = 0;  // keep stdout and stderr
    const long r = call(l, kClose, long(Sys::Close), fd);
    if (r == 0 && fd < kMaxFd) l.fds[fd] = Fd::Closed;  // a ring's mappings outlive its fd: still ours to poke
}

/// pipe or pipe2 into a buffer of a random class; the fds it gave are remembered.
void fuzz_pipe(Lane& l, bool two) {
    fuzz::Rng& rng = l.rng;
    const Buf b = buffer(l, true, false);
    const uint64_t flags = rng.pick<uint64_t>({0, abi::open_flag::NonBlock, abi::open_flag::CloExec,
                                               abi::open_flag::NonBlock | abi::open_flag::CloExec, 040000,
                                               rng.next() & 0xffffffff, 1});
    const long r = two ? call(l, kPipe2, long(Sys::Pipe2), b.addr, flags) : call(l, kPipe, long(Sys::Pipe), b.addr);
    if (r != 0) return;
    if (b.addr < kLowestUser || b.addr >= kUserEnd) return violation(l, "pipe wrote to a NULL or kernel address", b.addr, 0);
    if (!own_scratch(l, b.addr, 8)) return;  // the fds are there, but another lane may have written since
    const int* fds = reinterpret_cast<const int*>(b.addr);  // the kernel wrote there: it is ours and mapped
    for (int i = 0; i < 2; ++i) {
        if (fds[i] < 0 || fds[i] >= kMaxFd || fds[i] == 1 || fds[i] == 2)
            return violation(l, "pipe returned an impossible fd", static_cast<uint64_t>(fds[i]), i);
        l.fds[fds[i]] = i == 0 ? Fd::PipeRead : Fd::PipeWrite;
    }
}

/// Touch a fresh anonymous mapping: it must be zero and keep what is written.
void check_fresh(Lane& l, uint64_t start, uint64_t len, uint64_t prot) {
    if (!(prot & abi::prot::Write) || !(prot & abi::prot::Read) || len == 0) return;
    volatile uint8_t* first = reinterpret_cast<uint8_t*>(start);
    volatile uint8_t* last = reinterpret_cast<uint8_t*>(start + len - 1);
    if (*first != 0 || *last != 0) violation(l, "fresh anonymous memory is not zero", start, len);
    *last = 0xa5;
    *first = 0x5a;  // the same byte as *last when len is 1
    if (*first != 0x5a || (len > 1 && *last != 0xa5)) violation(l, "anonymous memory did not keep a byte", start, len);
}

void fuzz_mmap(Lane& l) {
    fuzz::Rng& rng = l.rng;
    uint64_t addr = mmap_address(l);
    uint64_t len = length(rng);
    const uint64_t prot = rng.pick<uint64_t>({3, 3, 3, 1, 0, 7, rng.below(8), rng.next() & 0xffffffff});
    // Mostly MAP_PRIVATE; sometimes MAP_SHARED, both (invalid) or neither (invalid).
    constexpr uint32_t kTypeWeights[] = {30, 3, 1, 1};
    constexpr uint64_t kTypes[] = {abi::map::Private, abi::map::Shared, abi::map::Private | abi::map::Shared, 0};
    uint64_t flags = kTypes[rng.weighted(kTypeWeights)];
    if (!rng.one_in(8)) flags |= abi::map::Anonymous;
    if (rng.one_in(4)) flags |= abi::map::Fixed;
    if (rng.one_in(10)) flags |= abi::map::FixedNoReplace;
    if (rng.one_in(10)) flags |= abi::map::Populate;
    if (rng.one_in(30)) flags |= rng.next() & 0xffffffff;
    const bool fixed = flags & (abi::map::Fixed | abi::map::FixedNoReplace);
    uint64_t fd = ~0ull, offset = 0;
    if (!(flags & abi::map::Anonymous) || rng.one_in(10)) {
        fd = fd_arg(l, true);
        offset = rng.pick<uint64_t>({ring::kOffSqRing, ring::kOffCqRing, ring::kOffSqes, kPage, 1, rng.next()});
    }
    // Every page is allocated and zeroed at once, which takes time: a length
    // past 4 MiB is usually cut down (once in 16 it is kept, and may use up memory).
    if ((flags & abi::map::Anonymous) && len > 4 * kMiB && len <= kUserEnd && !rng.one_in(16)) len %= 4 * kMiB;
    fuzz::Locked held(g_mm_lock);
    keep_in_race_zone(addr, len);
    if (fixed && !away_from_protected(l, addr, len)) return;
    // A hint is taken if the range is free: never into the hole or brk's zone.
    if (!fixed && addr && protected_from_remap(l, addr, len)) addr = l.arena + (rng.below(kArenaSize) & ~(kPage - 1));
    const bool maps_memory = (flags & abi::map::Anonymous) && len <= kUserEnd;
    if (maps_memory) make_room(l, (len + kPage - 1) & ~(kPage - 1));
    const long r = call(l, kMmap, long(Sys::Mmap), addr, len, prot, flags, fd, offset);
    // A MAP_FIXED that fails may already have unmapped what was there (Linux too).
    if (failed(r) && (flags & abi::map::Fixed)) release_regions(l, addr, len);
    if (failed(r)) return;
    const auto start = static_cast<uint64_t>(r);
    if (start & (kPage - 1) || start < kLowestUser || start >= kUserEnd || len > kUserEnd - start)
        return violation(l, "mmap returned memory outside user space", start, len);
    if (fixed && start != addr) return violation(l, "MAP_FIXED mmap moved", addr, start);
    if (!fixed && protected_from_remap(l, start, len)) return violation(l, "mmap returned memory that was in use", start, len);
    if (!fixed)
        for (size_t i = 0; i < l.region_count; ++i)
            if (Range{l.regions[i].start, l.regions[i].start + l.regions[i].len}.overlaps(start, len))
                return violation(l, "mmap returned memory this lane had mapped", start, l.regions[i].start);
    cut_regions(l, start, len);  // what a MAP_FIXED replaced
    if (in_race_zone(start, len)) return;  // nobody's: never remembered, never touched
    if (flags & abi::map::Anonymous) check_fresh(l, start, len, prot);  // else a ring's memory
    remember_region(l, start, len, -1);
}

void fuzz_munmap(Lane& l) {
    fuzz::Rng& rng = l.rng;
    fuzz::Locked held(g_mm_lock);
    uint64_t addr, len = length(rng);
    if (l.region_count > 0 && rng.one_in(2)) {
        const Region& r = l.regions[rng.below(l.region_count)];
        addr = r.start + (rng.one_in(3) ? rng.below(r.len) & ~(kPage - 1) : 0);
        if (rng.one_in(2)) len = r.start + r.len - addr;
    } else {
        addr = mmap_address(l);
    }
    keep_in_race_zone(addr, len);
    if (!away_from_protected(l, addr, len)) return;
    const long r = call(l, kMunmap, long(Sys::Munmap), addr, len);
    if (r == 0) cut_regions(l, addr, len);
}

void fuzz_mprotect(Lane& l) {
    fuzz::Rng& rng = l.rng;
    fuzz::Locked held(g_mm_lock);
    uint64_t addr = l.region_count && rng.one_in(2) ? l.regions[rng.below(l.region_count)].start : mmap_address(l);
    uint64_t len = length(rng);
    const uint64_t prot = rng.pick<uint64_t>({0, 1, 3, 5, 7, abi::prot::Sem | 3, abi::prot::GrowsDown | 3,
                                              abi::prot::GrowsUp | 1, rng.next() & 0xffffffff});
    keep_in_race_zone(addr, len);
    if (!away_from_protected(l, addr, len)) return;
    if (call(l, kMprotect, long(Sys::Mprotect), addr, len, prot) != 0) return;
    for (size_t i = 0; i < l.region_count; ++i)  // a ring it covers may now be read-only: no more scribbling
        if (Range{l.regions[i].start, l.regions[i].start + l.regions[i].len}.overlaps(addr, len)) l.regions[i].ring_fd = -1;
}

/// brk within its zone, or where it must fail (below the start, far beyond,
/// outside user space). No lane maps the zone, and none touches it.
void fuzz_brk(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t want = rng.pick<uint64_t>({0, g_brk0 + rng.below(kBrkZone), g_brk0 + kPage * rng.below(64),
                                              g_brk0 - rng.range(1, kMiB), g_brk0 + rng.range(kGiB, 8 * kGiB),
                                              kUserEnd - 1, kUserEnd, kernel_address(rng), noncanonical_address(rng)});
    const auto r = static_cast<uint64_t>(call(l, kBrk, long(Sys::Brk), want));
    if (r < g_brk0) violation(l, "brk answered below the start of the heap", want, r);
    if (r > g_brk0 + kBrkZone) call(l, kBrk, long(Sys::Brk), g_brk0);  // gigabytes: given back at once
}

void fuzz_arch_prctl(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t code = rng.pick<uint64_t>({0x1001, 0x1002, 0x1003, 0x1004, 0x1001, 0x1002, 0x1003, 0x1004,
                                              rng.range(0x1005, 0x1030), 0x3001, 0, rng.next()});
    const bool set = code == 0x1001 || code == 0x1002;
    uint64_t value;
    if (set)
        value = rng.pick<uint64_t>({0, rng.below(kUserEnd), l.scratch, kUserEnd - 1, kUserEnd, kernel_address(rng),
                                    noncanonical_address(rng), rng.next()});
    else if (g_lane_count > 1 && (code == 0x1003 || code == 0x1004) && rng.one_in(2))
        value = l.scratch + kGetBaseOff;  // see below
    else
        value = buffer(l, true, false).addr;
    const long r = call(l, kArchPrctl, long(Sys::ArchPrctl), code, value);
    if (set) {
        if (r == 0 && value >= kUserEnd) violation(l, "arch_prctl set a base outside user space", code, value);
        if (r != 0 && value < kUserEnd - kPage) violation(l, "arch_prctl refused a user base", code, value);
        if (r == 0 && code == 0x1002) l.fs = value, l.fs_known = true;
        if (r == 0 && code == 0x1001) l.gs = value, l.gs_known = true;
    } else if ((code == 0x1003 || code == 0x1004) && r == 0) {
        if (value < kLowestUser || value >= kUserEnd) return violation(l, "arch_prctl wrote to a NULL or kernel address", code, value);
        if (in_race_zone(value, 8)) return;
        // With two lanes, memory elsewhere may change before we read it: the
        // other lane maps over its own regions, a READ of ours completes in
        // the other lane's write. Only our own slot, which nothing else
        // touches, is read back.
        if (g_lane_count > 1 && value != l.scratch + kGetBaseOff) return;
        const uint64_t got = *reinterpret_cast<const uint64_t*>(value);
        const bool fs = code == 0x1003;
        if ((fs ? l.fs_known : l.gs_known) && got != (fs ? l.fs : l.gs))
            violation(l, "arch_prctl read back another base", fs ? l.fs : l.gs, got);
    }
}

// -------------------------------------------------------------- io_uring

/// Map an io_uring's two regions (mmap on its fd) and remember them. g_mm_lock held.
void map_ring(Lane& l, int fd, const ring::Params& p) {
    const uint64_t rings = p.sq_off.array + uint64_t{p.sq_entries} * 4;
    const uint64_t sqes = uint64_t{p.sq_entries} * sizeof(ring::Sqe);
    make_room(l, rings + sqes);
    const uint64_t rw = abi::prot::Read | abi::prot::Write, shared = abi::map::Shared;
    const uint64_t ufd = static_cast<uint64_t>(fd);
    const long at_rings = call(l, kMmap, long(Sys::Mmap), 0, rings, rw, shared, ufd, ring::kOffSqRing);
    const long at_sqes = call(l, kMmap, long(Sys::Mmap), 0, sqes, rw, shared, ufd, ring::kOffSqes);
    const struct {
        long at;
        uint64_t len;
        bool rings;
    } mapped[] = {{at_rings, rings, true}, {at_sqes, sqes, false}};
    for (const auto& m : mapped) {
        if (failed(m.at)) continue;
        const auto start = static_cast<uint64_t>(m.at);
        if (protected_from_remap(l, start, m.len) || start >= kUserEnd || start < kLowestUser)
            return violation(l, "a ring was placed over this program", start, m.len);
        remember_region(l, start, m.len, m.rings ? fd : -1);
        if (m.rings) l.regions[l.region_count - 1].params = p;
    }
}

void fuzz_uring_setup(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t entries = rng.pick<uint64_t>({0, 1, rng.range(2, 8), rng.range(9, 256), 4096, 32768, 32769,
                                                 1ull << 31, 0xffffffff, (1ull << 32) | 4});
    const bool valid = !rng.one_in(5);
    const uint64_t at = valid ? l.scratch + kArgOff : buffer(l, true, false).addr;
    if (valid) {
        auto* p = reinterpret_cast<ring::Params*>(at);
        *p = ring::Params{};
        p->flags = static_cast<uint32_t>(rng.pick<uint64_t>(
            {0, 0, ring::kSetupCqSize, ring::kSetupClamp, ring::kSetupSubmitAll, ring::kSetupCqSize | ring::kSetupClamp,
             ring::kSetupSqPoll, ring::kSetupSqPoll | ring::kSetupSqAff, rng.next() & 0x3fff, rng.next() & 0xffffffff}));
        p->cq_entries = static_cast<uint32_t>(rng.pick<uint64_t>({0, 1, rng.range(2, 1024), 65536, 65537, rng.next()}));
        p->sq_thread_idle = static_cast<uint32_t>(rng.pick<uint64_t>({0, 1, rng.range(2, 50), 0xffffffff}));
        p->sq_thread_cpu = static_cast<uint32_t>(rng.pick<uint64_t>({0, 0, 1, rng.next()}));
        if (rng.one_in(10)) p->resv[rng.below(3)] = static_cast<uint32_t>(rng.next());
        if (rng.one_in(10)) p->wq_fd = static_cast<uint32_t>(rng.next());
    }
    const long r = call(l, kUringSetup, long(Sys::IoUringSetup), entries, at);
    if (r < 0) return;
    if (r >= kMaxFd || r == 1 || r == 2) return violation(l, "io_uring_setup returned an impossible fd", r, 0);
    if (at < kLowestUser || at >= kUserEnd) return violation(l, "io_uring_setup wrote to a NULL or kernel address", at, 0);
    l.fds[r] = Fd::Ring;
    if (!own_scratch(l, at, sizeof(ring::Params))) return;  // another lane may have written there since
    // The kernel wrote them there. A copy: map_ring() may unmap that memory to make room.
    const ring::Params params = *reinterpret_cast<const ring::Params*>(at);
    fuzz::Locked held(g_mm_lock);
    map_ring(l, static_cast<int>(r), params);
}

/// Scribble on the shared indices of one of the lane's rings that is still
/// mapped: SQEs to submit (zeroed ones are NOPs), garbage tails and heads,
/// index entries. Only this lane unmaps its regions, so no lock is needed.
void poke_ring(Lane& l) {
    fuzz::Rng& rng = l.rng;
    if (l.region_count == 0) return;
    const size_t first = rng.below(l.region_count);
    for (size_t i = 0; i < l.region_count; ++i) {
        const Region& r = l.regions[(first + i) % l.region_count];
        if (r.ring_fd < 0) continue;
        const ring::Params& p = r.params;
        auto word = [&](uint32_t offset) { return reinterpret_cast<volatile uint32_t*>(r.start + offset); };
        switch (rng.below(4)) {
        case 0: *word(p.sq_off.tail) = *word(p.sq_off.tail) + static_cast<uint32_t>(rng.range(1, 8)); break;
        case 1: *word(p.sq_off.tail) = static_cast<uint32_t>(rng.next()); break;
        case 2: *word(p.cq_off.head) = static_cast<uint32_t>(rng.next()); break;
        default: *word(p.cq_off.head) = *word(p.cq_off.tail); break;  // everything reaped
        }
        if (rng.one_in(2) && p.sq_entries > 0) {
            const uint64_t slot = rng.below(p.sq_entries);
            *word(static_cast<uint32_t>(p.sq_off.array + 4 * slot)) = static_cast<uint32_t>(rng.below(p.sq_entries + 2));
        }
        return;
    }
}

void fuzz_uring_enter(Lane& l) {
    fuzz::Rng& rng = l.rng;
    if (rng.one_in(2)) poke_ring(l);
    const uint64_t fd = fd_arg(l, true);
    const uint64_t to_submit = rng.pick<uint64_t>({0, 1, rng.range(2, 8), rng.range(9, 4096), 0xffffffff, rng.next()});
    uint64_t min_complete = rng.pick<uint64_t>({0, 0, 1, rng.range(2, 64), 0xffffffff, rng.next()});
    uint64_t flags = rng.pick<uint64_t>({0, ring::kEnterGetEvents, ring::kEnterGetEvents, ring::kEnterSqWakeup,
                                         ring::kEnterSqWait, ring::kEnterExtArg, ring::kEnterRegisteredRing,
                                         rng.below(64), rng.next()});
    if (g_threads) {
        // A wait for completions could wait forever, as on Linux: garbage SQEs need not complete.
        if (flags & ring::kEnterGetEvents) min_complete = 0;
        // SQ_WAIT waits for the poller, which sleeps until woken.
        if (flags & ring::kEnterSqWait) flags |= ring::kEnterSqWakeup;
    }
    const Buf arg = buffer(l, false, false);
    call(l, kUringEnter, long(Sys::IoUringEnter), fd, to_submit, min_complete, flags, arg.addr, arg.len);
}

void fuzz_uring_register(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t fd = fd_arg(l, true);
    const uint64_t op = rng.pick<uint64_t>({8, 8, 8, rng.below(30), rng.next()});
    const uint64_t nr = rng.pick<uint64_t>({0, 1, rng.range(2, 64), 256, 257, rng.next()});
    Buf b = buffer(l, true, false);
    if (rng.one_in(2)) {
        b.addr = l.scratch + kArgOff;
        mem::fill(reinterpret_cast<void*>(b.addr), 0, 16 + 8 * 256);  // a probe must come in zeroed
    }
    call(l, kUringRegister, long(Sys::IoUringRegister), fd, op, b.addr, nr);
}

// ------------------------------------------------------------ the rest

bool implemented(uint64_t nr) {
    // Every number some chapter implements: chapter 04's calls and those C
    // libraries make at start, fcntl and ioctl (06), the thread calls and
    // signals (07, and sched_setaffinity), the file calls (11, and fadvise64), fork, vfork, execve and wait4 (12).
    // A number here is never fuzzed as "unknown".
    // Laid out by hand as a table: clang-format would put one entry on each line.
    // clang-format off
    constexpr uint64_t known[] = {0,   1,   2,   3,   4,   5,   6,   8,   9,   10,  11,  12,  13,  14,  15,
                                  16,  17,  18,  19,  20,  21,  22,  24,  32,  33,  35,  39,  56,  57,  58,
                                  59,  60,  61,  62,  63,  72,  74,  75,  76,  77,  79,  80,  81,  82,  83,
                                  84,  85,  87,  89,  90,  91,  95,  97,  102, 104, 107, 108, 110, 118, 120,
                                  158, 160, 186, 200, 202, 203, 204, 217, 218, 221, 228, 229, 231, 234, 257, 258, 262,
                                  263, 264, 267, 268, 269, 273, 274, 280, 292, 293, 302, 316, 318, 332, 425,
                                  426, 427, 439};
    // clang-format on
    for (uint64_t k : known)
        if ((nr & 0xffffffff) == k) return true;  // also as a 32-bit number, as Linux reads it
    return false;
}

void fuzz_unknown(Lane& l) {
    fuzz::Rng& rng = l.rng;
    uint64_t nr;
    do {
        nr = rng.pick<uint64_t>({rng.below(448), rng.range(448, 1023), 1ull << 31, ~0ull, rng.next(), 0x40000000 | rng.below(448)});
    } while (implemented(nr));
    const long r = call(l, kUnknown, static_cast<long>(nr), rng.next(), rng.next(), rng.next(), rng.next(), rng.next(),
                        rng.next());
    if (r != -Errno::NoSys) violation(l, "an unknown syscall did not return -ENOSYS", nr, static_cast<uint64_t>(r));
}

/// Load a data selector (0, or the user data segment 0x23) into FS or GS,
/// then make a syscall: the base went with the load, and the kernel must cope
/// with whatever the user left there. (Counted as one "segment" call.)
void load_segment(Lane& l) {
    const uint16_t selector = l.rng.one_in(2) ? 0 : 0x23;
    const bool gs = l.rng.one_in(2);
    if (gs) {
        asm volatile("mov %0, %%gs" ::"r"(selector));
        l.gs_known = false;
    } else {
        asm volatile("mov %0, %%fs" ::"r"(selector));
        l.fs_known = false;
    }
    if (call(l, kSegment, long(Sys::Getpid)) != g_pid) violation(l, "getpid changed after a selector load", selector, gs);
}

// -------------------------------------------------------- thread calls

/// clone with thread flags (and sometimes not): the new thread ends at once
/// without touching memory (user/runtime/thread.h), so its stack may be
/// anything; the tid pointers and the TLS base are hostile.
void fuzz_clone(Lane& l) {
    fuzz::Rng& rng = l.rng;
    namespace cf = abi::clone_flag;
    uint64_t flags = kThreadFlags;
    if (rng.one_in(2)) flags |= cf::SetTls;
    if (rng.one_in(2)) flags |= cf::ParentSetTid;
    if (rng.one_in(2)) flags |= cf::ChildClearTid;
    if (rng.one_in(3)) flags |= cf::ChildSetTid;
    if (rng.one_in(4)) flags |= cf::Detached | rng.below(65);  // an exit signal
    switch (rng.below(8)) {  // one thing wrong
    case 0: flags &= ~rng.pick<uint64_t>({cf::Vm, cf::Files, cf::SigHand, cf::Thread, cf::Fs}); break;
    case 1: flags |= 1ull << rng.range(25, 63); break;
    case 2: flags = rng.next(); break;
    default: break;
    }
    const uint64_t stack = rng.pick<uint64_t>({0, l.scratch + kDataSize, kernel_address(rng), noncanonical_address(rng),
                                               rng.below(kUserEnd), 1});
    // The tids go to slots of their own (a thread clears its child_tid when
    // it ends, at any time), or to where nothing this lane reads lives.
    const auto tid_slot = [&](uint64_t first) {
        return rng.pick<uint64_t>({l.scratch + kTidOff + 4 * (first + rng.below(8)), 0, kernel_address(rng),
                                   noncanonical_address(rng), kHole + rng.below(kHoleSize / 2),
                                   kRace + rng.below(kRaceSize), l.scratch + kTidOff + 4 * first + 1});
    };
    const uint64_t parent = tid_slot(0), child = tid_slot(8);
    const uint64_t tls = rng.pick<uint64_t>({0, rng.below(kUserEnd), kUserEnd - kPage, kUserEnd, kernel_address(rng),
                                             noncanonical_address(rng)});
    const uint64_t n = l.syscalls++;  // clone_thread makes the call itself: counted here, as call() would
    if (n >= g_log_from)
        print("fuzz-syscalls: {}#{} clone({:#x}, {:#x}, {:#x}, {:#x}, {:#x})\n", l.index, n, flags, stack, parent, child,
              tls);
    const long r = clone_thread(flags, stack, parent, child, tls, nullptr, nullptr);
    __atomic_fetch_add(&l.returned, 1, __ATOMIC_RELAXED);
    if (n >= g_log_from) print("fuzz-syscalls: {}#{} -> {}\n", l.index, n, r);
    ++l.stats[kClone].calls;
    ++(failed(r) ? l.stats[kClone].failed : l.stats[kClone].ok);
    if (failed(r) && !documented(kClone, r)) violation(l, "an errno Linux does not give for this call", 56, -r);
    if (r > 0 && (flags & cf::SetTls) && tls >= kUserEnd - kPage) violation(l, "clone took a TLS base outside user space", tls, r);
    if (r > 0 && (flags & cf::ParentSetTid) && parent >= l.scratch && parent < l.scratch + kScratchSize &&
        *reinterpret_cast<const int*>(parent) != r)
        violation(l, "CLONE_PARENT_SETTID wrote another tid", parent, r);
}

/// futex on the word the lanes share (where waits and wakes meet), on the
/// lane's own memory, or on hostile addresses. A wait always has a short or
/// bad timeout: nothing here may wait forever.
void fuzz_futex(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const auto shared = reinterpret_cast<uint64_t>(&g_futex_word);
    if (rng.one_in(4)) __atomic_fetch_add(&g_futex_word, 1, __ATOMIC_SEQ_CST);  // what a waker changes
    uint64_t uaddr = rng.pick<uint64_t>({shared, shared, shared, l.scratch + 4 * rng.below(16), shared + 1, 0,
                                         kernel_address(rng), noncanonical_address(rng), kHole + 4 * rng.below(1024),
                                         kRace + 4 * rng.below(1024)});
    // WAIT, WAKE, REQUEUE, CMP_REQUEUE, and others; never one that may wait
    // with another kind of timeout (LOCK_PI 6, WAIT_BITSET 9, WAIT_REQUEUE_PI 11, LOCK_PI2 13).
    uint64_t cmd = rng.pick<uint64_t>({0, 0, 0, 1, 1, 3, 4, 2, 5, 7, 8, 10, 12, rng.next() & 0x7f});
    if (cmd == 6 || cmd == 9 || cmd == 11 || cmd == 13) cmd = 1;
    const uint64_t op = cmd | (rng.one_in(2) ? 128 : 0) | (rng.one_in(16) ? 256 : 0);
    uint64_t val = rng.pick<uint64_t>({0, 1, rng.next(), 0x7fffffff});
    if (uaddr == shared && rng.one_in(2)) val = __atomic_load_n(&g_futex_word, __ATOMIC_SEQ_CST);  // it may sleep
    uint64_t a3 = rng.pick<uint64_t>({0, 1, rng.below(16), rng.next()});  // REQUEUE: how many to move
    const uint64_t uaddr2 = rng.pick<uint64_t>({shared, l.scratch, 0, kernel_address(rng), shared + 2});
    if (cmd == 0) a3 = duration(l);  // FUTEX_WAIT: its timeout, never NULL (forever)
    const long r = call(l, kFutex, long(Sys::Futex), uaddr, op, val, a3, uaddr2, rng.next());
    if ((cmd == 1 || cmd == 3 || cmd == 4) && r > g_lane_count && uaddr == shared)
        violation(l, "futex woke more threads than there are", uaddr, r);
}

uint64_t monotonic_ns(Lane& l) {
    auto* t = reinterpret_cast<abi::TimeSpec*>(l.scratch + kTimeOff + 64);
    if (call(l, kClockGettime, long(Sys::ClockGettime), 1, reinterpret_cast<uint64_t>(t)) != 0) return 0;
    return static_cast<uint64_t>(t->sec) * 1000000000 + static_cast<uint64_t>(t->nsec);
}

/// nanosleep of at most 2 ms (or refused): it must not end before its time.
void fuzz_nanosleep(Lane& l) {
    const uint64_t req = duration(l);
    const Buf rem = buffer(l, true, false);
    const uint64_t before = monotonic_ns(l);
    const long r = call(l, kNanosleep, long(Sys::Nanosleep), req, rem.addr);
    if (r != 0 || req < l.scratch || req >= l.scratch + kScratchSize) return;
    const auto* t = reinterpret_cast<const abi::TimeSpec*>(req);
    const uint64_t after = monotonic_ns(l);
    const uint64_t asked = static_cast<uint64_t>(t->nsec) / 1000000 * 1000000;  // the clock may tick in whole ms
    if (before && after && after - before < asked) violation(l, "nanosleep ended before its time (ns)", asked, after - before);
}

/// clock_gettime and clock_getres on any clock id, into any buffer. The
/// monotonic clock, read into the lane's own memory, never goes back: not
/// below what any lane had read before this call began.
void fuzz_clock(Lane& l, bool res) {
    fuzz::Rng& rng = l.rng;
    const uint64_t clock = rng.pick<uint64_t>({0, 1, 1, 1, 2, 3, 4, 5, 6, 7, rng.range(8, 16), ~0ull - rng.below(16),
                                               rng.next()});
    Buf b = buffer(l, true, false);
    if (rng.one_in(2)) b.addr = l.scratch + kTimeOff + 96;  // where it can be read back
    const uint64_t floor = __atomic_load_n(&g_mono_max, __ATOMIC_SEQ_CST);
    const long r = res ? call(l, kClockGetres, long(Sys::ClockGetres), clock, b.addr)
                       : call(l, kClockGettime, long(Sys::ClockGettime), clock, b.addr);
    if (r != 0 || res || clock != 1 || b.addr != l.scratch + kTimeOff + 96) return;
    const auto* t = reinterpret_cast<const abi::TimeSpec*>(b.addr);
    const uint64_t now = static_cast<uint64_t>(t->sec) * 1000000000 + static_cast<uint64_t>(t->nsec);
    if (now < floor) violation(l, "CLOCK_MONOTONIC went back", floor, now);
    uint64_t seen = floor;
    while (now > seen && !__atomic_compare_exchange_n(&g_mono_max, &seen, now, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {}
}

/// set_tid_address, gettid, sched_yield: the answers are the thread's id and 0.
void fuzz_thread_ids(Lane& l, Call which) {
    long r;
    if (which == kSetTidAddress) r = call(l, which, long(Sys::SetTidAddress), buffer(l, true, false).addr);
    else if (which == kGettid) r = call(l, which, long(Sys::Gettid));
    else r = call(l, which, long(Sys::SchedYield));
    if (which != kSchedYield && r != l.tid) violation(l, "the thread's id changed", l.tid, r);
    if (which == kSchedYield && r != 0) violation(l, "sched_yield failed", r, 0);
}

void fuzz_ioctl(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t request = rng.pick<uint64_t>({0x5401, 0x541b, 0x5421, 0x5451, 0x5450, 0x80087601, rng.below(0x10000),
                                                 rng.next()});
    call(l, kIoctl, long(Sys::Ioctl), fd_arg(l), request, buffer(l, true, false).addr);
}

/// rt_sigprocmask with any how, sets and size: SIGKILL and SIGSTOP never end up blocked.
void fuzz_sigprocmask(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t how = rng.pick<uint64_t>({0, 1, 2, 2, 3, rng.next()});
    auto* mine = reinterpret_cast<uint64_t*>(l.scratch + kTimeOff + 128);
    mine[0] = rng.pick<uint64_t>({~0ull, 0, rng.next()});
    const uint64_t set = rng.one_in(2) ? reinterpret_cast<uint64_t>(mine) : buffer(l, false, false).addr;
    const uint64_t old = rng.one_in(2) ? reinterpret_cast<uint64_t>(mine + 1) : buffer(l, true, false).addr;
    const uint64_t size = rng.pick<uint64_t>({8, 8, 8, 4, 16, 0, rng.next()});
    const long r = call(l, kRtSigprocmask, long(Sys::RtSigprocmask), how, set, old, size);
    constexpr uint64_t kUnblockable = (1ull << (9 - 1)) | (1ull << (19 - 1));
    if (r == 0 && old == reinterpret_cast<uint64_t>(mine + 1) && (mine[1] & kUnblockable))
        violation(l, "SIGKILL or SIGSTOP was blocked", mine[1], 0);
}

// ------------------------------------------- what C libraries call at start

/// uname into any buffer; into the lane's own, it must say "Linux".
void fuzz_uname(Lane& l) {
    Buf b = buffer(l, true, false);
    if (l.rng.one_in(2)) b.addr = l.scratch + l.rng.below(kDataSize - 390);  // room for all of it
    const long r = call(l, kUname, long(Sys::Uname), b.addr);
    if (r == 0 && b.addr >= l.scratch && b.addr < l.scratch + kDataSize &&
        !StringView(reinterpret_cast<const char*>(b.addr)).starts_with("Linux"))
        violation(l, "uname's sysname is not Linux", b.addr, 0);
}

/// getrandom into any buffer, with any flags: never more bytes than asked.
void fuzz_getrandom(Lane& l) {
    const Buf b = buffer(l, true, false);
    const uint64_t flags = l.rng.pick<uint64_t>({0, 0, 1, 2, 3, 4, 5, l.rng.next()});
    const long r = call(l, kGetrandom, long(Sys::Getrandom), b.addr, b.len, flags);
    if (r > 0 && static_cast<uint64_t>(r) > b.len) violation(l, "getrandom gave more bytes than asked", b.len, r);
}

/// The user and group ids and the parent's pid; getresuid and getresgid into any buffers.
void fuzz_ids(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const Sys nr = rng.pick<Sys>({Sys::Getuid, Sys::Geteuid, Sys::Getgid, Sys::Getegid, Sys::Getppid, Sys::Getresuid,
                                  Sys::Getresgid});
    const long r = nr == Sys::Getresuid || nr == Sys::Getresgid
                       ? call(l, kIds, long(nr), buffer(l, true, false).addr, buffer(l, true, false).addr,
                              buffer(l, true, false).addr)
                       : call(l, kIds, long(nr));
    if (r < 0 && nr != Sys::Getresuid && nr != Sys::Getresgid && r != -Errno::NoSys)
        violation(l, "an id call that cannot fail failed", long(nr), r);
}

/// getrlimit, setrlimit and prlimit64 on any resource, with any limits, from any buffer.
void fuzz_rlimit(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t resource = rng.pick<uint64_t>({rng.below(16), rng.below(16), 16, rng.next()});
    auto* mine = reinterpret_cast<uint64_t*>(l.scratch + kTimeOff + 320);  // {cur, max}
    mine[0] = rng.pick<uint64_t>({~0ull, 0, rng.below(1 << 20), rng.next()});
    mine[1] = rng.pick<uint64_t>({~0ull, mine[0], 0, rng.next()});
    const uint64_t limits = rng.one_in(2) ? reinterpret_cast<uint64_t>(mine) : buffer(l, false, false).addr;
    switch (rng.below(3)) {
    case 0: call(l, kRlimit, long(Sys::Getrlimit), resource, buffer(l, true, false).addr); break;
    case 1: call(l, kRlimit, long(Sys::Setrlimit), resource, limits); break;
    default: {
        const uint64_t pid = rng.pick<uint64_t>({0, 0, static_cast<uint64_t>(g_pid), 99999, ~0ull});
        call(l, kRlimit, long(Sys::Prlimit64), pid, resource, rng.one_in(2) ? 0 : limits, buffer(l, true, false).addr);
    }
    }
}

void fuzz_getcwd(Lane& l) {
    const Buf b = buffer(l, true, false);
    const uint64_t size = l.rng.pick<uint64_t>({b.len, b.len, 0, 1, 2, 4096, l.rng.next()});
    const long r = call(l, kGetcwd, long(Sys::Getcwd), b.addr, size);
    if (r > 0 && static_cast<uint64_t>(r) > size) violation(l, "getcwd wrote more than its size", size, r);
}

/// fcntl with any command but those that make descriptors (F_DUPFD and
/// F_DUPFD_CLOEXEC: a copy of the console could be read) or wait for a
/// lock (F_SETLKW, F_OFD_SETLKW). F_SETFL may take O_NONBLOCK off a pipe:
/// its waits end as any pipe wait does (see the top of this file).
void fuzz_fcntl(Lane& l) {
    fuzz::Rng& rng = l.rng;
    uint64_t cmd = rng.pick<uint64_t>({1, 2, 3, 4, 4, 5, 6, 1024, 1025, 1031, 1032, rng.below(2048), rng.next()});
    if ((cmd & 0xffffffff) == 0 || (cmd & 0xffffffff) == 1030 || (cmd & 0xffffffff) == 7 || (cmd & 0xffffffff) == 38)
        cmd = 3;  // F_GETFL instead
    const uint64_t arg = rng.pick<uint64_t>({0, 1, 0x800, 0x400, 0x4000, rng.next(), buffer(l, true, false).addr});
    call(l, kFcntl, long(Sys::Fcntl), fd_arg(l), cmd, arg);
}

// ------------------------------------------------------------- signals

/// rt_sigaction on any signal number, from and to any buffers. A new action
/// always ignores the signal: a handler would run on anything this program
/// does, and the default kills for most signals (SIGPIPE among them).
void fuzz_sigaction(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t sig = rng.pick<uint64_t>({rng.range(1, 64), rng.range(1, 64), 0, 9, 19, 65, rng.next()});
    auto* act = reinterpret_cast<abi::KernelSigaction*>(l.scratch + kTimeOff + 256);
    *act = {abi::kSigIgn, rng.next() & 0xffffffff, rng.next(), rng.next()};
    // Our own action, none, or one the kernel cannot read: never bytes from
    // elsewhere, which could name a handler.
    const uint64_t act_at = rng.pick<uint64_t>({reinterpret_cast<uint64_t>(act), reinterpret_cast<uint64_t>(act), 0,
                                                kernel_address(rng), noncanonical_address(rng),
                                                kHole + rng.below(kHoleSize / 2), rng.range(1, kLowestUser - 1)});
    const uint64_t old_at = rng.one_in(3) ? 0 : buffer(l, true, false).addr;
    const uint64_t size = rng.pick<uint64_t>({8, 8, 8, 4, 16, 0, rng.next()});
    call(l, kRtSigaction, long(Sys::RtSigaction), sig, act_at, old_at, size);
}

/// kill, tkill and tgkill, to this process, its threads or nobody, with
/// signal 0 (a probe), an invalid number, or one whose default is to
/// ignore it (SIGCHLD, SIGURG, SIGWINCH) or that this program ignores (SIGPIPE).
void fuzz_kill(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t sig = rng.pick<uint64_t>({0, 0, 13, 17, 23, 28, 65, rng.range(65, 1 << 20), ~0ull});
    const uint64_t other = static_cast<uint64_t>(g_lanes[rng.below(static_cast<uint64_t>(g_lane_count))].tid);
    const uint64_t tid = rng.pick<uint64_t>({static_cast<uint64_t>(l.tid), other, 0, ~0ull, 99999, 1ull << 40});
    const uint64_t pid = rng.pick<uint64_t>({static_cast<uint64_t>(g_pid), static_cast<uint64_t>(g_pid), 0, ~0ull,
                                             static_cast<uint64_t>(-g_pid), 99999});
    switch (rng.below(3)) {
    case 0: call(l, kKill, long(Sys::Kill), pid, sig); break;
    case 1: call(l, kKill, long(Sys::Tkill), tid, sig); break;
    default: call(l, kKill, long(Sys::Tgkill), pid, tid, sig); break;
    }
}

/// set_robust_list with any head (the kernel walks it when the lane ends;
/// ours is an empty list) and length; get_robust_list of anyone into any buffers.
void fuzz_robust_list(Lane& l) {
    fuzz::Rng& rng = l.rng;
    if (rng.one_in(2)) {
        auto* head = reinterpret_cast<uint64_t*>(l.scratch + kTimeOff + 352);  // {next, offset, pending}
        head[0] = reinterpret_cast<uint64_t>(head);                             // empty: points at itself
        head[1] = rng.pick<uint64_t>({0, 8, rng.next()});
        head[2] = 0;
        const uint64_t at = rng.pick<uint64_t>({reinterpret_cast<uint64_t>(head), 0, kernel_address(rng),
                                                noncanonical_address(rng), kHole + rng.below(kHoleSize / 2)});
        call(l, kRobustList, long(Sys::SetRobustList), at, rng.pick<uint64_t>({24, 24, 0, 23, 25, rng.next()}));
    } else {
        const uint64_t pid = rng.pick<uint64_t>({0, static_cast<uint64_t>(l.tid), static_cast<uint64_t>(g_pid), 99999, ~0ull});
        call(l, kRobustList, long(Sys::GetRobustList), pid, buffer(l, true, false).addr, buffer(l, true, false).addr);
    }
}

void fuzz_sched_getaffinity(Lane& l) {
    fuzz::Rng& rng = l.rng;
    const uint64_t pid = rng.pick<uint64_t>({0, static_cast<uint64_t>(l.tid), static_cast<uint64_t>(g_pid), 99999, ~0ull});
    const uint64_t len = rng.pick<uint64_t>({8, 128, 0, 7, 9, 1ull << 32, rng.next()});
    const Buf b = buffer(l, true, false);
    const long r = call(l, kSchedGetaffinity, long(Sys::SchedGetaffinity), pid, len, b.addr);
    if (r > 0 && static_cast<uint64_t>(r) > len) violation(l, "sched_getaffinity wrote more than len", len, r);
}

void step(Lane& l) {
    const auto which = static_cast<Call>(l.rng.weighted(g_weights));
    switch (which) {
    case kRead: return fuzz_read_write(l, false);
    case kWrite: return fuzz_read_write(l, true);
    case kReadv: return fuzz_vector(l, false);
    case kWritev: return fuzz_vector(l, true);
    case kClose: return fuzz_close(l);
    case kPipe: return fuzz_pipe(l, false);
    case kPipe2: return fuzz_pipe(l, true);
    case kMmap: return fuzz_mmap(l);
    case kMunmap: return fuzz_munmap(l);
    case kMprotect: return fuzz_mprotect(l);
    case kBrk: return fuzz_brk(l);
    case kGetpid:
        if (call(l, kGetpid, long(Sys::Getpid)) != g_pid) violation(l, "getpid changed", static_cast<uint64_t>(g_pid), 0);
        return;
    case kArchPrctl: return fuzz_arch_prctl(l);
    case kUringSetup: return fuzz_uring_setup(l);
    case kUringEnter: return fuzz_uring_enter(l);
    case kUringRegister: return fuzz_uring_register(l);
    case kUnknown: return fuzz_unknown(l);
    case kSegment: return load_segment(l);
    case kClone: return fuzz_clone(l);
    case kFutex: return fuzz_futex(l);
    case kNanosleep: return fuzz_nanosleep(l);
    case kClockGettime: return fuzz_clock(l, false);
    case kClockGetres: return fuzz_clock(l, true);
    case kSchedYield:
    case kSetTidAddress:
    case kGettid: return fuzz_thread_ids(l, which);
    case kIoctl: return fuzz_ioctl(l);
    case kRtSigprocmask: return fuzz_sigprocmask(l);
    case kUname: return fuzz_uname(l);
    case kGetrandom: return fuzz_getrandom(l);
    case kIds: return fuzz_ids(l);
    case kRlimit: return fuzz_rlimit(l);
    case kGetcwd: return fuzz_getcwd(l);
    case kFcntl: return fuzz_fcntl(l);
    case kRtSigaction: return fuzz_sigaction(l);
    case kKill: return fuzz_kill(l);
    case kRobustList: return fuzz_robust_list(l);
    default: return fuzz_sched_getaffinity(l);
    }
}

// ---------------------------------------------------- lanes and the run

/// A lane's thread: calls until its quota, then its exit clears tid_word.
void lane_main(void* arg) {
    Lane& l = *static_cast<Lane*>(arg);
    l.tid = raw_syscall(Sys::Gettid);
    // A new thread each round, with the main thread's FS and GS bases (clone
    // copies them), not those this lane set in its last round.
    l.fs_known = l.gs_known = false;
    while (l.syscalls < l.quota) step(l);
    // Its own set_tid_address calls moved where its exit is reported: back to tid_word.
    raw_syscall(Sys::SetTidAddress, reinterpret_cast<long>(&l.tid_word));
}

/// One round with threads: each lane makes @p calls more on a thread of its
/// own, while this thread watches them. A lane whose call sleeps may wait
/// for the other; if neither has finished a call for 50 ms, every
/// descriptor but 1 and 2 is closed, which ends every pipe wait (see the
/// top of this file).
void run_round(uint64_t calls) {
    for (int i = 0; i < g_lane_count; ++i) {
        Lane& l = g_lanes[i];
        l.quota = l.syscalls + calls;
        l.tid_word = 1;
        const uint64_t top = reinterpret_cast<uint64_t>(g_lane_stacks[i] + kLaneStack);
        const long tid = clone_thread(kThreadFlags | abi::clone_flag::ParentSetTid | abi::clone_flag::ChildClearTid,
                                      top, reinterpret_cast<uint64_t>(&l.tid_word),
                                      reinterpret_cast<uint64_t>(&l.tid_word), 0, lane_main, &l);
        if (tid < 0) {
            print("fuzz-syscalls: cannot start lane {}: {}\n", i, tid);
            ++l.violations;
            l.tid_word = 0;
        }
    }
    uint64_t last = ~0ull;
    for (int still = 0;;) {
        bool running = false;
        uint64_t progress = 0;
        for (int i = 0; i < g_lane_count; ++i) {
            running |= __atomic_load_n(&g_lanes[i].tid_word, __ATOMIC_ACQUIRE) != 0;
            progress += __atomic_load_n(&g_lanes[i].returned, __ATOMIC_RELAXED);
        }
        if (!running) break;
        still = progress == last ? still + 1 : 0;
        last = progress;
        if (still == 50) {
            fuzz::close_all_but_console();
            ++g_unblocks;
            still = 0;
        }
        fuzz::nap_ms(1);
    }
}

/// Every every= calls, and at the end: unmap all the lanes hold, close every
/// descriptor but 1 and 2, then 128 MiB (of 256) must still map, or the
/// kernel has lost memory on the way. No lane runs meanwhile.
void checkpoint() {
    Lane& l = g_lanes[0];
    for (int i = 0; i < g_lane_count; ++i) make_room(g_lanes[i], kBudget);
    call(l, kMunmap, long(Sys::Munmap), kRace, kRaceSize);
    call(l, kBrk, long(Sys::Brk), g_brk0);
    fuzz::close_all_but_console(g_threads ? -1 : 0);
    for (Lane& lane : g_lanes)
        for (Fd& fd : lane.fds)
            if (fd != Fd::Console) fd = Fd::Closed;
    constexpr uint64_t kSizes[] = {128 * kMiB, 96 * kMiB, 64 * kMiB, 32 * kMiB};
    uint64_t largest = 0;
    for (uint64_t size : kSizes) {  // past the first: only to say how much is left
        const long r = call(l, kMmap, long(Sys::Mmap), 0, size, abi::prot::Read | abi::prot::Write,
                            abi::map::Private | abi::map::Anonymous, ~0ull, 0);
        if (failed(r)) continue;
        call(l, kMunmap, long(Sys::Munmap), static_cast<uint64_t>(r), size);
        largest = size;
        break;
    }
    uint64_t total = 0;
    for (int i = 0; i < g_lane_count; ++i) total += g_lanes[i].syscalls;
    print("fuzz-syscalls: {} calls, {} MiB still maps\n", total, largest / kMiB);
    if (largest < 128 * kMiB) violation(l, "memory leaks: 128 MiB no longer maps with all of ours unmapped", largest, 0);
}

bool parse_arguments(int argc, char** argv) {
    uint64_t lanes = 0;
    bool only = false;
    for (int i = 1; i < argc; ++i) {
        const fuzz::Word w = fuzz::split_word(argv[i]);
        bool ok = true;
        if (w.key == "seed") ok = fuzz::parse_number(w.value, g_seed);
        else if (w.key == "count") ok = fuzz::parse_number(w.value, g_count);
        else if (w.key == "log") ok = fuzz::parse_number(w.value, g_log_from);
        else if (w.key == "every") ok = fuzz::parse_number(w.value, g_every);
        else if (w.key == "lanes") ok = fuzz::parse_number(w.value, lanes) && lanes >= 1 && lanes <= kMaxLanes;
        else if (w.key == "only") {
            ok = false;
            for (size_t c = 0; c < kCalls; ++c)
                if (fuzz::list_has(w.value, kCallInfo[c].name)) g_weights[c] = kCallInfo[c].weight, ok = only = true;
        } else ok = false;
        if (!ok) {
            print("fuzz-syscalls: bad argument '{}'; use seed=N count=N lanes=1|2 only=LIST log=N every=N\n", argv[i]);
            return false;
        }
    }
    g_lane_count = g_threads ? static_cast<int>(lanes ? lanes : kMaxLanes) : 1;
    for (size_t c = 0; c < kCalls; ++c) {
        if (!only) g_weights[c] = kCallInfo[c].weight;
        if (kCallInfo[c].threads_only && !g_threads) g_weights[c] = 0;
    }
    return true;
}

}  // namespace

/// Make count= random system calls from seed=; 0 if the kernel's answers all made sense.
int main(int argc, char** argv, char**) {
    g_threads = fuzz::kernel_has_threads();
    if (!parse_arguments(argc, argv)) return 2;
    if (g_every == 0) g_every = g_count >= 200000 ? g_count / 4 : g_count;  // each check maps 128 MiB: not too often
    g_image = {reinterpret_cast<uint64_t>(__executable_start) & ~(kPage - 1),
               (reinterpret_cast<uint64_t>(_end) + kPage - 1) & ~(kPage - 1)};
    const uint64_t sp = fuzz::stack_pointer();
    g_main_stack = {(sp & ~(kPage - 1)) - 8 * kMiB, (sp & ~(kPage - 1)) + kMiB};
    g_pid = sys::getpid();
    g_brk0 = static_cast<uint64_t>(raw_syscall(Sys::Brk, 0));
    // With threads, a console read waits for typed input: fd 0 goes (1 and 2 are never read).
    if (g_threads) sys::close(0);
    fuzz::ignore_sigpipe();

    print("fuzz-syscalls: seed {}, {} calls, {} lane{}\n", g_seed, g_count, g_lane_count, g_lane_count > 1 ? "s" : "");
    for (int i = 0; i < g_lane_count; ++i) {
        Lane& l = g_lanes[i];
        l.index = i;
        l.rng = fuzz::Rng(g_seed + 0x5bd1e995ull * static_cast<uint64_t>(i));
        l.scratch = kScratch + kLaneStride * static_cast<uint64_t>(i);
        l.arena = kArena + kArenaSize * static_cast<uint64_t>(i);
        for (int fd = 1; fd < 3; ++fd) l.fds[fd] = Fd::Console;
        if (!g_threads) l.fds[0] = Fd::Console;
        const long scratch = sys::mmap(reinterpret_cast<void*>(l.scratch), kScratchSize, abi::prot::Read | abi::prot::Write,
                                       abi::map::Private | abi::map::Anonymous | abi::map::Fixed, -1, 0);
        if (scratch != static_cast<long>(l.scratch)) {
            print("fuzz-syscalls: cannot map the scratch buffer: {}\n", scratch);
            return 2;
        }
    }

    uint64_t made = 0;
    while (made < g_count) {
        const uint64_t round = g_count - made < g_every ? g_count - made : g_every;
        if (g_threads) {
            run_round((round + static_cast<uint64_t>(g_lane_count) - 1) / static_cast<uint64_t>(g_lane_count));
        } else {
            Lane& l = g_lanes[0];
            for (l.quota = l.syscalls + round; l.syscalls < l.quota;) step(l);
        }
        made = 0;
        for (int i = 0; i < g_lane_count; ++i) made += g_lanes[i].syscalls;
        checkpoint();
        made = 0;
        for (int i = 0; i < g_lane_count; ++i) made += g_lanes[i].syscalls;
    }

    uint64_t violations = 0;
    for (size_t c = 0; c < kCalls; ++c) {
        Stat sum{};
        for (int i = 0; i < g_lane_count; ++i) {
            sum.calls += g_lanes[i].stats[c].calls;
            sum.ok += g_lanes[i].stats[c].ok;
            sum.failed += g_lanes[i].stats[c].failed;
        }
        if (sum.calls)
            print("fuzz-syscalls: {:<18s} {} calls, {} succeeded, {} failed\n", kCallInfo[c].name, sum.calls, sum.ok,
                  sum.failed);
    }
    for (int i = 0; i < g_lane_count; ++i) violations += g_lanes[i].violations;
    if (g_threads) print("fuzz-syscalls: {} lanes, {} unblocks (every descriptor closed to end the waits)\n", g_lane_count, g_unblocks);
    print("fuzz-syscalls: {} calls, seed {}, {}\n", made, g_seed, violations ? "FAILED" : "ok");
    return violations ? 1 : 0;
}
