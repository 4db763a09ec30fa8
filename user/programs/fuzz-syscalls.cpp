/**
 * @file user/programs/fuzz-syscalls.cpp
 * @brief Random system calls with hostile arguments: the kernel must survive
 * every one of them, and give answers that make sense.
 *
 *     fuzz-syscalls seed=S count=N [avoid=HAZARD,...] [only=CALL,...] [log=K] [every=P]
 *
 * Each step picks a call by weight (every call the course implements, plus
 * unknown numbers and loads of the FS/GS selectors) and each argument from a
 * class: a valid buffer, NULL, a page below 64 KiB, the kernel's half,
 * non-canonical, unmapped, straddling the end of a mapping or of user space,
 * huge lengths and counts, huge and negative fds. The same seed makes the
 * same run (the kernel's answers are deterministic), so a failure replays.
 *
 * What counts as a failure: the kernel panics, hangs, or kills this program
 * (the boot test sees that), or an answer breaks a rule checked here and
 * printed as a VIOLATION line: a kernel or NULL buffer "succeeded", mmap
 * returned memory outside user space, over this program, or not zeroed,
 * getpid changed, a base set with arch_prctl did not read back. The last
 * line is "fuzz-syscalls: N calls, seed S, ok" only if there was none.
 *
 * The program must not end its own run: it never calls exit, never closes
 * its stdout or stderr, never lets munmap or MAP_FIXED touch its image, its
 * stack or its scratch buffer, and never hands the kernel a pointer into its
 * own image or stack for writing (such arguments are moved to an unmapped
 * hole first). It keeps what it maps under a budget, unmapping the oldest.
 *
 * avoid= leaves out argument patterns that hit known kernel bugs, so that a
 * long run can look for new ones (see kHazards); avoid=blocking keeps every
 * call from waiting (from chapter 07 on a read of an empty pipe or of the
 * console sleeps, and so does an io_uring_enter waiting for completions
 * nothing will bring, as on Linux); log=K prints every call from number K
 * on, to find the one that brings a kernel down.
 */
#include <initializer_list>

#include "runtime/fuzz.h"
#include "runtime/print.h"
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

// This program's fixed places in its address space.
constexpr uint64_t kScratch = 0x0000000300000000;  // this program's buffers; the page after it stays unmapped
constexpr uint64_t kScratchSize = 16 * kPage;
constexpr uint64_t kDataSize = 14 * kPage;                 // valid buffers: the kernel may store anything here
constexpr uint64_t kIovArea = kScratch + kDataSize;        // iovec arrays, which the kernel only reads
constexpr uint64_t kArgArea = kScratch + kDataSize + kPage;  // io_uring params and probes
constexpr uint64_t kArena = 0x0000000400000000;    // where MAP_FIXED and hints mostly aim
constexpr uint64_t kArenaSize = 256 * kMiB;
constexpr uint64_t kHole = 0x0000100000000000;     // never mapped: the "unmapped" class
constexpr uint64_t kHoleSize = kTiB;
constexpr uint64_t kBudget = 64 * kMiB;            // most memory this program keeps mapped
constexpr size_t kMaxRegions = 96;
constexpr int kMaxFd = 64;

/// Argument patterns that hit kernel bugs known when this was written, or
/// that wait for ever on a kernel that can wait; avoid= names them.
struct Hazard {
    const char* name;
    const char* what;
};
enum HazardBit : uint32_t { kOom = 1, kMunmapHuge = 2, kMmapHint = 4, kPtLeak = 8, kGsLoad = 16, kBlocking = 32 };
constexpr Hazard kHazards[] = {
    {"oom", "mmap lengths stay below 4 MiB and rings small (a huge one exhausts memory or scans for minutes)"},
    {"munmap-huge", "munmap lengths stay below 64 MiB (the kernel walks every page: 1 TiB takes minutes)"},
    {"mmap-hint", "a non-MAP_FIXED mmap hint is always a user address (one near 2^64 wrapped)"},
    {"pt-leak", "MAP_FIXED targets and hints stay in one 256 MiB arena (page tables leaked)"},
    {"gs-load", "no selector loads into GS (validate=1 panicked after one)"},
    {"blocking", "no call waits: pipes are O_NONBLOCK, nothing reads the console, io_uring_enter waits for no CQE"},
};
uint32_t g_avoid = 0;

/// What each step does; kCalls is also the index of the statistics table.
enum Call : uint8_t {
    kRead, kWrite, kReadv, kWritev, kClose, kPipe2, kMmap, kMunmap, kGetpid, kArchPrctl,
    kUringSetup, kUringEnter, kUringRegister, kUnknown, kSegment, kCalls
};
constexpr const char* kCallNames[kCalls] = {"read", "write", "readv", "writev", "close", "pipe2", "mmap",
                                            "munmap", "getpid", "arch_prctl", "io_uring_setup",
                                            "io_uring_enter", "io_uring_register", "unknown", "segment"};
constexpr uint32_t kCallWeights[kCalls] = {10, 10, 6, 6, 5, 5, 12, 8, 2, 5, 3, 8, 3, 4, 1};

struct Stat {
    uint64_t calls, ok, failed;
};
Stat g_stats[kCalls];

/// A half-open address range.
struct Range {
    uint64_t start, end;
    [[nodiscard]] bool overlaps(uint64_t addr, uint64_t len) const {
        const uint64_t last = addr + len < addr ? ~0ull : addr + len;  // saturate instead of wrapping
        return len > 0 && addr < end && last > start;
    }
};
Range g_image, g_stack;

/// Memory this program mapped (or the kernel mapped for one of its rings).
struct Region {
    uint64_t start, len;
    int ring_fd;  ///< >= 0: the rings region of that open io_uring (we may scribble on it); else -1
    ring::Params params;  ///< for a rings region: where its fields are
};
Region g_regions[kMaxRegions];
size_t g_region_count = 0;
uint64_t g_mapped = 0;

enum class Fd : uint8_t { Closed, Console, PipeRead, PipeWrite, Ring };
Fd g_fds[kMaxFd];

uint64_t g_seed = 1, g_count = 20000, g_log_from = ~0ull, g_every = 0;
uint32_t g_weights[kCalls];  // kCallWeights, or only= calls
uint64_t g_syscalls = 0, g_violations = 0;
long g_pid = 0;
bool g_fs_known = false, g_gs_known = false;
uint64_t g_fs = 0, g_gs = 0;
const char kDots[17] = "................";  // what a console write may print

// ------------------------------------------------------------ reporting

void violation(StringView what, uint64_t a, uint64_t b) {
    ++g_violations;
    if (g_violations <= 20)
        print("fuzz-syscalls: VIOLATION at call {}: {} ({:#x}, {:#x})\n", g_syscalls, what, a, b);
}

/// Make one system call, counted and, from call log= on, printed.
long call(Call which, long nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
          uint64_t a4 = 0, uint64_t a5 = 0) {
    const uint64_t n = g_syscalls++;
    if (n >= g_log_from)
        print("fuzz-syscalls: #{} {}({}: {:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x})\n", n, kCallNames[which], nr, a0,
              a1, a2, a3, a4, a5);
    const long r = raw_syscall(nr, static_cast<long>(a0), static_cast<long>(a1), static_cast<long>(a2),
                               static_cast<long>(a3), static_cast<long>(a4), static_cast<long>(a5));
    if (n >= g_log_from) print("fuzz-syscalls: #{} -> {} ({:#x})\n", n, r, static_cast<uint64_t>(r));
    ++g_stats[which].calls;
    ++(r >= 0 || r < -4095 ? g_stats[which].ok : g_stats[which].failed);
    return r;
}

bool failed(long r) { return r < 0 && r >= -4095; }

// ----------------------------------------------------- address bookkeeping

bool protected_from_remap(uint64_t addr, uint64_t len) {
    const Range ranges[] = {g_image, g_stack, {kScratch, kScratch + kScratchSize + kPage}, {kHole, kHole + kHoleSize}};
    for (const Range& r : ranges)
        if (r.overlaps(addr, len)) return true;
    return false;
}

bool protected_from_writes(uint64_t addr, uint64_t len) { return g_image.overlaps(addr, len) || g_stack.overlaps(addr, len); }

bool in_arena(uint64_t addr, uint64_t len) { return addr >= kArena && len <= kArenaSize && addr - kArena <= kArenaSize - len; }

void forget_region(size_t i) {
    g_mapped -= g_regions[i].len;
    g_regions[i] = g_regions[--g_region_count];
}

/// After a successful munmap or MAP_FIXED over [addr, addr + len): cut that
/// range out of the regions we hold, keeping what is left on either side.
void cut_regions(uint64_t addr, uint64_t len) {
    const uint64_t end = addr + len < addr ? ~0ull : addr + len;
    for (size_t i = 0; i < g_region_count;) {
        Region& r = g_regions[i];
        const uint64_t r_end = r.start + r.len;
        if (!Range{r.start, r_end}.overlaps(addr, len)) {
            ++i;
            continue;
        }
        const uint64_t cut_start = addr & ~(kPage - 1);
        const uint64_t cut_end = end < r_end ? (end + kPage - 1) & ~(kPage - 1) : r_end;  // r_end is page-aligned
        const Region left{r.start, cut_start > r.start ? cut_start - r.start : 0, -1, {}};
        const Region right{cut_end, r_end - cut_end, -1, {}};
        forget_region(i);  // i now holds another region: look at it again
        for (const Region& part : {left, right})
            if (part.len > 0 && g_region_count < kMaxRegions) {
                g_regions[g_region_count++] = part;
                g_mapped += part.len;
            }
    }
}

/// After a failed MAP_FIXED, which may or may not have unmapped what was
/// there: unmap our part of the range ourselves, so we know.
void release_regions(uint64_t addr, uint64_t len) {
    if (len == 0) return;  // refused before anything was looked at
    const uint64_t end = addr + len < addr ? ~0ull : addr + len;
    for (size_t i = 0; i < g_region_count;) {
        const Region& r = g_regions[i];
        const uint64_t from = r.start > addr ? r.start : addr & ~(kPage - 1);
        const uint64_t to = r.start + r.len < end ? r.start + r.len : end;
        if (from >= to) {
            ++i;
            continue;
        }
        call(kMunmap, long(Sys::Munmap), from, to - from);
        cut_regions(from, to - from);  // moves other regions into slot i: look at it again
    }
}

void remember_region(uint64_t start, uint64_t len, int ring_fd) {
    if (g_region_count == kMaxRegions) return;  // make_room() was called first: cannot happen
    g_regions[g_region_count++] = {start, (len + kPage - 1) & ~(kPage - 1), ring_fd, {}};
    g_mapped += g_regions[g_region_count - 1].len;
}

/// Unmap the oldest regions until @p more bytes fit in the budget (and a slot is free).
void make_room(uint64_t more) {
    while (g_region_count > 0 && (g_mapped + more > kBudget || g_region_count == kMaxRegions)) {
        const Region r = g_regions[0];
        forget_region(0);
        if (protected_from_remap(r.start, r.len)) {  // a bookkeeping bug here, not the kernel's
            print("fuzz-syscalls: internal error: region {:#x}+{:#x} covers this program\n", r.start, r.len);
            ++g_violations;
            continue;
        }
        call(kMunmap, long(Sys::Munmap), r.start, r.len);
    }
}

// ---------------------------------------------------------- argument classes

uint64_t length(fuzz::Rng& rng) {
    constexpr uint32_t w[] = {6, 6, 14, 8, 6, 12, 1, 4, 2, 2};
    switch (rng.weighted(w)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return rng.range(2, 64);
    case 3: return kPage;
    case 4: return kPage + rng.range(0, 2) - 1;
    case 5: return rng.range(65, 64 * kKiB);
    case 6: return rng.range(64 * kKiB, 16 * kMiB);
    case 7: return rng.range(1ull << 32, 1ull << 62);
    case 8: return rng.pick<uint64_t>({~0ull, 0x7fffffffffffffff, 1ull << 63, kUserEnd, kUserEnd + 1});
    default: return rng.range(1, 0xffffffff);
    }
}

/// A buffer argument: where, and how long.
struct Buf {
    uint64_t addr, len;
};
enum BufClass : uint8_t { kValid, kNull, kLow, kKernel, kNonCanonical, kUnmapped, kStraddle, kStraddleTop, kOwn, kRandomUser, kRandom64 };

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
Buf buffer(fuzz::Rng& rng, bool kernel_writes, bool console) {
    constexpr uint32_t w[] = {30, 6, 3, 6, 6, 6, 5, 4, 8, 4, 3};
    Buf b{0, length(rng)};
    const auto cls = static_cast<BufClass>(rng.weighted(w));
    switch (cls) {
    case kValid: {
        const uint64_t off = rng.below(kDataSize);
        b = {kScratch + off, rng.one_in(4) ? rng.below(kDataSize - off + 1) : rng.below(65)};
        break;
    }
    case kNull: b.addr = 0; break;
    case kLow: b.addr = rng.range(1, 0xffff); break;
    case kKernel: b.addr = kernel_address(rng); break;
    case kNonCanonical: b.addr = noncanonical_address(rng); break;
    case kUnmapped: b.addr = kHole + rng.below(kHoleSize / 2); break;
    case kStraddle: {
        const uint64_t k = rng.range(1, kPage - 1);
        b = {kScratch + kScratchSize - k, k + rng.range(1, 2 * kPage)};
        break;
    }
    case kStraddleTop: b = {kUserEnd - rng.range(1, 2 * kPage), rng.range(2 * kPage + 1, 64 * kKiB)}; break;
    case kOwn:
        if (g_region_count > 0) {
            const Region& r = g_regions[rng.below(g_region_count)];
            b.addr = r.start + (rng.one_in(2) ? 0 : rng.below(r.len));
            if (rng.one_in(2)) b.len = r.start + r.len - b.addr + (rng.one_in(4) ? 1 : 0);
        }
        break;
    case kRandomUser: b.addr = rng.below(kUserEnd); break;
    case kRandom64: b.addr = rng.next(); break;
    }
    if (console && !(cls == kNull || cls == kLow || cls == kKernel || cls == kNonCanonical || cls == kUnmapped ||
                     cls == kStraddleTop))
        b = {reinterpret_cast<uint64_t>(kDots), rng.one_in(8) ? rng.below(sizeof kDots) : 0};
    if (kernel_writes && protected_from_writes(b.addr, b.len)) b.addr = kHole + (b.addr & 0xffff);
    return b;
}

bool is_console_fd(uint64_t fd) { return (fd & 0xffffffff) <= 2; }  // a kernel may keep only the low 32 bits

int random_open_fd(fuzz::Rng& rng, bool rings_only) {
    int open[kMaxFd];
    int n = 0;
    for (int fd = 0; fd < kMaxFd; ++fd)
        if (g_fds[fd] != Fd::Closed && (!rings_only || g_fds[fd] == Fd::Ring)) open[n++] = fd;
    return n == 0 ? -1 : open[rng.below(static_cast<uint64_t>(n))];
}

uint64_t fd_arg(fuzz::Rng& rng, bool prefer_rings = false) {
    constexpr uint32_t w[] = {10, 20, 8, 4, 4};
    switch (rng.weighted(w)) {
    case 0: return rng.below(3);
    case 1: {
        const int fd = random_open_fd(rng, prefer_rings && rng.one_in(2));
        return fd < 0 ? rng.below(3) : static_cast<uint64_t>(fd);
    }
    case 2: return rng.below(70);
    case 3: return rng.pick<uint64_t>({~0ull, ~1ull, 0xffffffff80000000, 0xffffff0000000000});
    default: return rng.pick<uint64_t>({64, 1000, 1ull << 31, (1ull << 32) | rng.below(70), 0x7fffffffffffffff});
    }
}

/// Unmapped hole or arena instead of anything protected, for munmap and MAP_FIXED.
uint64_t away_from_protected(fuzz::Rng& rng, uint64_t addr, uint64_t& len) {
    if (!protected_from_remap(addr, len)) return addr;
    addr = kArena + (rng.below(kArenaSize) & ~(kPage - 1));
    if (protected_from_remap(addr, len)) len = kHole - addr;  // the hole is the next thing above the arena
    return addr;
}

// ------------------------------------------------------------------ the calls

// With avoid=blocking, a read of the console would wait for input: read a closed fd instead.
uint64_t readable_fd(uint64_t fd, bool write) {
    if ((g_avoid & kBlocking) && !write && (fd & 0xffffffff) < kMaxFd && g_fds[fd & 0xffffffff] == Fd::Console)
        return kMaxFd;
    return fd;
}

void fuzz_read_write(fuzz::Rng& rng, bool write) {
    const uint64_t fd = readable_fd(fd_arg(rng), write);
    const Buf b = buffer(rng, !write, write && is_console_fd(fd));
    const long r = call(write ? kWrite : kRead, long(write ? Sys::Write : Sys::Read), fd, b.addr, b.len);
    if (r > 0 && (b.addr < kLowestUser || b.addr >= kUserEnd)) violation("a NULL or kernel buffer worked", b.addr, r);
}

void fuzz_vector(fuzz::Rng& rng, bool write) {
    const uint64_t fd = readable_fd(fd_arg(rng), write);
    const bool console = write && is_console_fd(fd);
    uint64_t count = rng.pick<uint64_t>({0, 1, 2, rng.range(3, 16), rng.range(17, 64), 1024, 1025, ~0ull,
                                        1ull << 32, rng.range(1, 8)});
    uint64_t iov_addr;
    constexpr uint64_t kIovs = kPage / sizeof(abi::IoVec);  // entries filled in, one page
    if (rng.one_in(5)) {
        iov_addr = buffer(rng, false, false).addr;  // the array itself is hostile (the kernel only reads it)
    } else {
        auto* iov = reinterpret_cast<abi::IoVec*>(kIovArea);
        for (uint64_t i = 0; i < kIovs; ++i) {
            const Buf b = buffer(rng, !write, console);
            iov[i] = {b.addr, b.len};
        }
        iov_addr = reinterpret_cast<uint64_t>(iov);
        if (console && count > kIovs) count = kIovs;  // past the entries we filled lies anything
    }
    call(write ? kWritev : kReadv, long(write ? Sys::Writev : Sys::Readv), fd, iov_addr, count);
}

void fuzz_close(fuzz::Rng& rng) {
    uint64_t fd = fd_arg(rng);
    if ((fd & 0xffffffff) == 1 || (fd & 0xffffffff) == 2) fd = 0;  // keep stdout and stderr
    const long r = call(kClose, long(Sys::Close), fd);
    if (r != 0 || fd >= kMaxFd) return;
    g_fds[fd] = Fd::Closed;
    for (size_t i = 0; i < g_region_count; ++i)  // a closed ring's memory may be gone: no more scribbling
        if (g_regions[i].ring_fd == static_cast<int>(fd)) g_regions[i].ring_fd = -1;
}

void fuzz_pipe2(fuzz::Rng& rng) {
    const Buf b = buffer(rng, true, false);
    uint64_t flags = rng.pick<uint64_t>({0, abi::open_flag::NonBlock, abi::open_flag::CloExec,
                                        abi::open_flag::NonBlock | abi::open_flag::CloExec, 040000,
                                        rng.next() & 0xffffffff, 1});
    if (g_avoid & kBlocking) flags |= abi::open_flag::NonBlock;
    const long r = call(kPipe2, long(Sys::Pipe2), b.addr, flags);
    if (r != 0) return;
    if (b.addr < kLowestUser || b.addr >= kUserEnd) return violation("pipe2 wrote to a NULL or kernel address", b.addr, 0);
    const int* fds = reinterpret_cast<const int*>(b.addr);  // the kernel wrote there: it is ours and mapped
    for (int i = 0; i < 2; ++i) {
        if (fds[i] < 0 || fds[i] >= kMaxFd || fds[i] == 1 || fds[i] == 2)
            return violation("pipe2 returned an impossible fd", static_cast<uint64_t>(fds[i]), i);
        g_fds[fds[i]] = i == 0 ? Fd::PipeRead : Fd::PipeWrite;
    }
}

uint64_t mmap_address(fuzz::Rng& rng) {
    constexpr uint32_t w[] = {20, 20, 8, 6, 4, 4, 3, 3, 2};
    switch (rng.weighted(w)) {
    case 0: return 0;
    case 1: return kArena + (rng.below(kArenaSize) & ~(kPage - 1));
    case 2: return g_region_count ? g_regions[rng.below(g_region_count)].start : kArena;
    case 3: return rng.below(kUserEnd) & ~(kPage - 1);
    case 4: return kernel_address(rng) & ~(kPage - 1);
    case 5: return noncanonical_address(rng);
    case 6: return rng.pick<uint64_t>({0xffffffffffffe000, 0xfffffffffffff000, kUserEnd - kPage, kUserEnd - 2 * kPage});
    case 7: return rng.range(1, 0xffff) & ~(kPage - 1);
    default: return kArena + rng.range(1, kPage - 1);  // unaligned
    }
}

/// Touch a fresh anonymous mapping: it must be zero and keep what is written.
void check_fresh(uint64_t start, uint64_t len, uint64_t prot) {
    if (!(prot & abi::prot::Write) || !(prot & abi::prot::Read) || len == 0) return;
    volatile uint8_t* first = reinterpret_cast<uint8_t*>(start);
    volatile uint8_t* last = reinterpret_cast<uint8_t*>(start + len - 1);
    if (*first != 0 || *last != 0) violation("fresh anonymous memory is not zero", start, len);
    *last = 0xa5;
    *first = 0x5a;  // the same byte as *last when len is 1
    if (*first != 0x5a || (len > 1 && *last != 0xa5)) violation("anonymous memory did not keep a byte", start, len);
}

void fuzz_mmap(fuzz::Rng& rng) {
    uint64_t addr = mmap_address(rng);
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
        fd = fd_arg(rng, true);
        offset = rng.pick<uint64_t>({ring::kOffSqRing, ring::kOffCqRing, ring::kOffSqes, kPage, 1, rng.next()});
    }
    if (fixed || addr) {
        if (fixed) addr = away_from_protected(rng, addr, len);
        else if (Range{kHole, kHole + kHoleSize}.overlaps(addr, len)) addr = kArena;
        if ((g_avoid & kPtLeak) && addr < kUserEnd && !in_arena(addr, len > kArenaSize ? 0 : len))
            addr = kArena + (addr % kArenaSize & ~(kPage - 1));
        if ((g_avoid & kMmapHint) && !fixed && addr >= kUserEnd) addr = 0;
    }
    if ((g_avoid & kOom) && len > 4 * kMiB && len <= kUserEnd) len &= 4 * kMiB - 1;
    const bool maps_memory = (flags & abi::map::Anonymous) && len <= kUserEnd;
    if (maps_memory) make_room((len + kPage - 1) & ~(kPage - 1));
    const long r = call(kMmap, long(Sys::Mmap), addr, len, prot, flags, fd, offset);
    // A MAP_FIXED that fails may already have unmapped what was there (Linux too).
    if (failed(r) && (flags & abi::map::Fixed)) release_regions(addr, len);
    if (failed(r)) return;
    const auto start = static_cast<uint64_t>(r);
    if (start & (kPage - 1) || start < kLowestUser || start >= kUserEnd || len > kUserEnd - start)
        return violation("mmap returned memory outside user space", start, len);
    if (!(flags & abi::map::Anonymous)) return;  // a ring's region: it was already there
    if (fixed && start != addr) return violation("MAP_FIXED mmap moved", addr, start);
    if (!fixed) {
        if (protected_from_remap(start, len)) return violation("mmap returned memory that was in use", start, len);
        for (size_t i = 0; i < g_region_count; ++i)
            if (Range{g_regions[i].start, g_regions[i].start + g_regions[i].len}.overlaps(start, len))
                return violation("mmap returned memory this program had mapped", start, g_regions[i].start);
    }
    cut_regions(start, len);
    check_fresh(start, len, prot);
    remember_region(start, len, -1);
}

void fuzz_munmap(fuzz::Rng& rng) {
    uint64_t addr, len = length(rng);
    if (g_region_count > 0 && rng.one_in(2)) {
        const Region& r = g_regions[rng.below(g_region_count)];
        addr = r.start + (rng.one_in(3) ? rng.below(r.len) & ~(kPage - 1) : 0);
        if (rng.one_in(2)) len = r.start + r.len - addr;
    } else {
        addr = mmap_address(rng);
    }
    addr = away_from_protected(rng, addr, len);
    if ((g_avoid & kMunmapHuge) && len >= 64 * kMiB) len &= 64 * kMiB - 1;
    const long r = call(kMunmap, long(Sys::Munmap), addr, len);
    if (r == 0) cut_regions(addr, len);
}

void fuzz_arch_prctl(fuzz::Rng& rng) {
    using abi::ArchPrctl;
    const uint64_t code = rng.pick<uint64_t>({0x1001, 0x1002, 0x1003, 0x1004, 0x1001, 0x1002, 0x1003, 0x1004,
                                             rng.range(0x1005, 0x1030), 0x3001, 0, rng.next()});
    const bool set = code == 0x1001 || code == 0x1002;
    uint64_t value;
    if (set)
        value = rng.pick<uint64_t>({0, rng.below(kUserEnd), kScratch, kUserEnd - 1, kUserEnd, kernel_address(rng),
                                    noncanonical_address(rng), rng.next()});
    else
        value = buffer(rng, true, false).addr;
    const long r = call(kArchPrctl, long(Sys::ArchPrctl), code, value);
    if (set) {
        if (r == 0 && value >= kUserEnd) violation("arch_prctl set a base outside user space", code, value);
        if (r != 0 && value < kUserEnd - kPage) violation("arch_prctl refused a user base", code, value);
        if (r == 0 && code == 0x1002) g_fs = value, g_fs_known = true;
        if (r == 0 && code == 0x1001) g_gs = value, g_gs_known = true;
    } else if ((code == 0x1003 || code == 0x1004) && r == 0) {
        if (value < kLowestUser || value >= kUserEnd) return violation("arch_prctl wrote to a NULL or kernel address", code, value);
        const uint64_t got = *reinterpret_cast<const uint64_t*>(value);
        const bool fs = code == 0x1003;
        if ((fs ? g_fs_known : g_gs_known) && got != (fs ? g_fs : g_gs))
            violation("arch_prctl read back another base", fs ? g_fs : g_gs, got);
    }
}

/// Map an io_uring's two regions (mmap on its fd) and remember them.
void map_ring(int fd, const ring::Params& p) {
    const uint64_t rings = p.sq_off.array + uint64_t{p.sq_entries} * 4;
    const uint64_t sqes = uint64_t{p.sq_entries} * sizeof(ring::Sqe);
    make_room(rings + sqes);
    const uint64_t rw = abi::prot::Read | abi::prot::Write, shared = abi::map::Shared;
    const uint64_t ufd = static_cast<uint64_t>(fd);
    const long at_rings = call(kMmap, long(Sys::Mmap), 0, rings, rw, shared, ufd, ring::kOffSqRing);
    const long at_sqes = call(kMmap, long(Sys::Mmap), 0, sqes, rw, shared, ufd, ring::kOffSqes);
    if (!failed(at_rings)) {
        const auto start = static_cast<uint64_t>(at_rings);
        if (protected_from_remap(start, rings) || start >= kUserEnd || start < kLowestUser)
            return violation("a ring was placed over this program", start, rings);
        remember_region(start, rings, fd);
        g_regions[g_region_count - 1].params = p;
    }
    if (!failed(at_sqes)) {
        const auto start = static_cast<uint64_t>(at_sqes);
        if (protected_from_remap(start, sqes) || start >= kUserEnd || start < kLowestUser)
            return violation("a ring was placed over this program", start, sqes);
        remember_region(start, sqes, -1);
    }
}

void fuzz_uring_setup(fuzz::Rng& rng) {
    uint64_t entries = rng.pick<uint64_t>({0, 1, rng.range(2, 8), rng.range(9, 256), 4096, 32768, 32769,
                                          1ull << 31, 0xffffffff, (1ull << 32) | 4});
    if ((g_avoid & kOom) && entries > 256) entries = rng.range(1, 256);
    const bool valid = !rng.one_in(5);
    const uint64_t at = valid ? kArgArea : buffer(rng, true, false).addr;
    if (valid) {
        auto* p = reinterpret_cast<ring::Params*>(kArgArea);
        *p = ring::Params{};
        p->flags = static_cast<uint32_t>(rng.pick<uint64_t>(
            {0, 0, ring::kSetupCqSize, ring::kSetupClamp, ring::kSetupSubmitAll,
             ring::kSetupCqSize | ring::kSetupClamp, rng.next() & 0x3fff, rng.next() & 0xffffffff}));
        p->cq_entries = static_cast<uint32_t>(rng.pick<uint64_t>({0, 1, rng.range(2, 1024), 65536, 65537, rng.next()}));
        if ((g_avoid & kOom) && p->cq_entries > 512) p->cq_entries = 512;
        if (rng.one_in(10)) p->resv[rng.below(3)] = static_cast<uint32_t>(rng.next());
        if (rng.one_in(10)) p->wq_fd = static_cast<uint32_t>(rng.next());
    }
    const long r = call(kUringSetup, long(Sys::IoUringSetup), entries, at);
    if (r < 0) return;
    if (r >= kMaxFd || r == 1 || r == 2) return violation("io_uring_setup returned an impossible fd", r, 0);
    if (at < kLowestUser || at >= kUserEnd) return violation("io_uring_setup wrote to a NULL or kernel address", at, 0);
    g_fds[r] = Fd::Ring;
    // The kernel wrote them there. A copy: map_ring() may unmap that memory to make room.
    const ring::Params params = *reinterpret_cast<const ring::Params*>(at);
    map_ring(static_cast<int>(r), params);
}

/// Scribble on the shared indices of one of our open rings that is still mapped:
/// SQEs to submit (zeroed ones are NOPs), garbage tails and heads, index entries.
void poke_ring(fuzz::Rng& rng) {
    if (g_region_count == 0) return;
    const size_t first = rng.below(g_region_count);
    for (size_t i = 0; i < g_region_count; ++i) {
        const Region& r = g_regions[(first + i) % g_region_count];
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

void fuzz_uring_enter(fuzz::Rng& rng) {
    if (rng.one_in(2)) poke_ring(rng);
    const uint64_t fd = fd_arg(rng, true);
    const uint64_t to_submit = rng.pick<uint64_t>({0, 1, rng.range(2, 8), rng.range(9, 4096), 0xffffffff, rng.next()});
    uint64_t min_complete = rng.pick<uint64_t>({0, 0, 1, rng.range(2, 64), 0xffffffff, rng.next()});
    uint64_t flags = rng.pick<uint64_t>({0, ring::kEnterGetEvents, ring::kEnterGetEvents, ring::kEnterSqWakeup,
                                        ring::kEnterSqWait, ring::kEnterExtArg, ring::kEnterRegisteredRing,
                                        rng.below(64), rng.next()});
    if (g_avoid & kBlocking) {  // no completion to wait for, no SQ room to wait for (an SQPOLL ring may never make any)
        min_complete = 0;
        flags &= ~uint64_t{ring::kEnterSqWait};
    }
    const Buf arg = buffer(rng, false, false);
    call(kUringEnter, long(Sys::IoUringEnter), fd, to_submit, min_complete, flags, arg.addr, arg.len);
}

void fuzz_uring_register(fuzz::Rng& rng) {
    const uint64_t fd = fd_arg(rng, true);
    const uint64_t op = rng.pick<uint64_t>({8, 8, 8, rng.below(30), rng.next()});
    const uint64_t nr = rng.pick<uint64_t>({0, 1, rng.range(2, 64), 256, 257, rng.next()});
    Buf b = buffer(rng, true, false);
    if (rng.one_in(2)) {
        b.addr = kArgArea;
        mem::fill(reinterpret_cast<void*>(kArgArea), 0, 16 + 8 * 256);  // a probe must come in zeroed
    }
    call(kUringRegister, long(Sys::IoUringRegister), fd, op, b.addr, nr);
}

bool implemented(uint64_t nr) {
    // Every number some chapter implements (chapter 07 adds the thread calls).
    constexpr uint64_t known[] = {0,   1,   3,   9,   10,  11,  12,  13,  14,  15,  16,  19,  20,  22,  24,
                                  35,  39,  56,  60,  62,  63,  72,  79,  97,  102, 104, 107, 108, 110, 118,
                                  120, 158, 160, 186, 200, 202, 204, 218, 228, 229, 231, 234, 273, 274, 293,
                                  302, 318, 425, 426, 427};
    for (uint64_t k : known)
        if ((nr & 0xffffffff) == k) return true;  // also as a 32-bit number, as Linux reads it
    return false;
}

void fuzz_unknown(fuzz::Rng& rng) {
    uint64_t nr;
    do {
        nr = rng.pick<uint64_t>({rng.below(448), rng.range(448, 1023), 1ull << 31, ~0ull, rng.next(), 0x40000000 | rng.below(448)});
    } while (implemented(nr));
    const long r = call(kUnknown, static_cast<long>(nr), rng.next(), rng.next(), rng.next(), rng.next(), rng.next(), rng.next());
    if (r != -Errno::NoSys) violation("an unknown syscall did not return -ENOSYS", nr, static_cast<uint64_t>(r));
}

/// Load a data selector (0, or the user data segment 0x23) into FS or GS,
/// then make a syscall: the base went with the load, and the kernel must cope
/// with whatever the user left there. (Counted as one "segment" call.)
void load_segment(fuzz::Rng& rng) {
    const uint16_t selector = rng.one_in(2) ? 0 : 0x23;
    const bool gs = !(g_avoid & kGsLoad) && rng.one_in(2);
    if (gs) {
        asm volatile("mov %0, %%gs" ::"r"(selector));
        g_gs_known = false;
    } else {
        asm volatile("mov %0, %%fs" ::"r"(selector));
        g_fs_known = false;
    }
    if (call(kSegment, long(Sys::Getpid)) != g_pid) violation("getpid changed after a selector load", selector, gs);
}

void step(fuzz::Rng& rng) {
    switch (static_cast<Call>(rng.weighted(g_weights))) {
    case kRead: return fuzz_read_write(rng, false);
    case kWrite: return fuzz_read_write(rng, true);
    case kReadv: return fuzz_vector(rng, false);
    case kWritev: return fuzz_vector(rng, true);
    case kClose: return fuzz_close(rng);
    case kPipe2: return fuzz_pipe2(rng);
    case kMmap: return fuzz_mmap(rng);
    case kMunmap: return fuzz_munmap(rng);
    case kGetpid:
        if (call(kGetpid, long(Sys::Getpid)) != g_pid) violation("getpid changed", static_cast<uint64_t>(g_pid), 0);
        return;
    case kArchPrctl: return fuzz_arch_prctl(rng);
    case kUringSetup: return fuzz_uring_setup(rng);
    case kUringEnter: return fuzz_uring_enter(rng);
    case kUringRegister: return fuzz_uring_register(rng);
    case kUnknown: return fuzz_unknown(rng);
    default: return load_segment(rng);
    }
}

/// Every every= calls, and at the end: unmap all we hold, then 128 MiB (of
/// 256) must still map, or the kernel has lost memory on the way.
void checkpoint() {
    make_room(kBudget);
    constexpr uint64_t kSizes[] = {128 * kMiB, 96 * kMiB, 64 * kMiB, 32 * kMiB};
    uint64_t largest = 0;
    for (uint64_t size : kSizes) {  // past the first: only to say how much is left
        const long r = call(kMmap, long(Sys::Mmap), 0, size, abi::prot::Read | abi::prot::Write,
                            abi::map::Private | abi::map::Anonymous, ~0ull, 0);
        if (failed(r)) continue;
        call(kMunmap, long(Sys::Munmap), static_cast<uint64_t>(r), size);
        largest = size;
        break;
    }
    print("fuzz-syscalls: {} calls, {} MiB still maps\n", g_syscalls, largest / kMiB);
    if (largest < 128 * kMiB) violation("memory leaks: 128 MiB no longer maps with all of ours unmapped", largest, 0);
}

bool parse_arguments(int argc, char** argv) {
    for (size_t c = 0; c < kCalls; ++c) g_weights[c] = kCallWeights[c];
    for (int i = 1; i < argc; ++i) {
        const fuzz::Word w = fuzz::split_word(argv[i]);
        bool ok = true;
        if (w.key == "seed") ok = fuzz::parse_number(w.value, g_seed);
        else if (w.key == "count") ok = fuzz::parse_number(w.value, g_count);
        else if (w.key == "log") ok = fuzz::parse_number(w.value, g_log_from);
        else if (w.key == "every") ok = fuzz::parse_number(w.value, g_every);
        else if (w.key == "only") {
            ok = false;
            for (size_t c = 0; c < kCalls; ++c)
                if (!fuzz::list_has(w.value, kCallNames[c])) g_weights[c] = 0;
                else ok = true;
        }
        else if (w.key == "avoid") {
            for (size_t h = 0; h < sizeof kHazards / sizeof kHazards[0]; ++h)
                if (fuzz::list_has(w.value, kHazards[h].name) || fuzz::list_has(w.value, "known")) g_avoid |= 1u << h;
        } else ok = false;
        if (!ok) {
            print("fuzz-syscalls: bad argument '{}'; use seed=N count=N avoid=LIST only=LIST log=N every=N\n", argv[i]);
            return false;
        }
    }
    return true;
}

}  // namespace

/// Make count= random system calls from seed=; 0 if the kernel's answers all made sense.
int main(int argc, char** argv, char**) {
    if (!parse_arguments(argc, argv)) return 2;
    if (g_every == 0) g_every = g_count >= 200000 ? g_count / 4 : g_count;  // each check maps 128 MiB: not too often
    g_image = {reinterpret_cast<uint64_t>(__executable_start) & ~(kPage - 1),
               (reinterpret_cast<uint64_t>(_end) + kPage - 1) & ~(kPage - 1)};
    const uint64_t sp = fuzz::stack_pointer();
    g_stack = {(sp & ~(kPage - 1)) - 8 * kMiB, (sp & ~(kPage - 1)) + kMiB};
    for (int fd = 0; fd < 3; ++fd) g_fds[fd] = Fd::Console;
    g_pid = sys::getpid();
    fuzz::ignore_sigpipe();

    print("fuzz-syscalls: seed {}, {} calls", g_seed, g_count);
    for (size_t h = 0; h < sizeof kHazards / sizeof kHazards[0]; ++h)
        if (g_avoid & (1u << h)) print(", avoiding {}", kHazards[h].name);
    print("\n");
    const long scratch = sys::mmap(reinterpret_cast<void*>(kScratch), kScratchSize, abi::prot::Read | abi::prot::Write,
                                   abi::map::Private | abi::map::Anonymous | abi::map::Fixed, -1, 0);
    if (scratch != static_cast<long>(kScratch)) {
        print("fuzz-syscalls: cannot map the scratch buffer: {}\n", scratch);
        return 2;
    }

    fuzz::Rng rng(g_seed);
    for (uint64_t next = g_every; g_syscalls < g_count;) {
        step(rng);
        if (g_syscalls >= next) {
            checkpoint();
            next += g_every;
        }
    }

    for (size_t c = 0; c < kCalls; ++c)
        if (g_stats[c].calls)
            print("fuzz-syscalls: {:<18s} {} calls, {} succeeded, {} failed\n", kCallNames[c], g_stats[c].calls,
                  g_stats[c].ok, g_stats[c].failed);
    print("fuzz-syscalls: {} calls, seed {}, {}\n", g_syscalls, g_seed, g_violations ? "FAILED" : "ok");
    return g_violations ? 1 : 0;
}
