/**
 * @file user/programs/fuzz-uring.cpp
 * @brief io_uring abused from the user's side: random SQEs, corrupted
 * indices, rings unmapped or closed with requests parked, SQPOLL rings. The
 * kernel must survive, and every SQE it accepted must complete exactly once.
 *
 *     fuzz-uring seed=S count=N [log=EPISODE] [every=P]
 *
 * The run is a series of episodes. Each sets up a ring of a random size
 * (from chapter 08, one in three with IORING_SETUP_SQPOLL and a random
 * sq_thread_idle) and a few pipes, then takes random steps: fill SQEs from
 * the opcode table (kOpcodes) or malformed ones (one thing wrong, random
 * bytes), point index-array slots at other SQEs or out of range, write
 * garbage into the shared heads, tails and flags, call io_uring_enter with
 * any counts and flags, reap CQEs, write to and close pipes so parked READs
 * complete. An episode ends in one of three ways: drained (every pipe's
 * writer closed, every CQE reaped), ring closed with requests still owed
 * (for SQPOLL, with its poller awake or asleep), or rings unmapped first and
 * then closed.
 *
 * The bookkeeping that makes "exactly once" checkable: every SQE written
 * gets a new tag in user_data, and the program keeps a copy of the index
 * array and of each SQE slot's tag (the shadow). Without SQPOLL,
 * io_uring_enter's result says how many SQEs the kernel took (the dropped
 * counter says whether one more slot was skipped), so the program knows
 * which slots were consumed and which tags it is owed. With SQPOLL the
 * kernel's thread takes every slot the program publishes, sooner or later:
 * each is owed when published, and an SQE is never rewritten while a
 * published slot the thread may not have taken yet names it. Each CQE must
 * carry an owed tag (else: a phantom or duplicate); after a drain nothing
 * may still be owed (else: a lost completion), except what the CQ overflow
 * counter admits while the program had scrambled its CQ head. A ring closed
 * with requests owed owes nothing more: they are cancelled. Any broken rule
 * prints a VIOLATION line; the last line is "fuzz-uring: ... ok" only if
 * none did.
 *
 * Waits. On chapter 06's kernel a wait that can never be satisfied returns
 * -EDEADLK at once. From chapter 07 on it sleeps, as on Linux, so by
 * construction: pipes are O_NONBLOCK (a full one would make this thread
 * wait for itself); a wait asks for no more CQEs than are owed, and every
 * owed request completes once its pipe has data or no writer; a second
 * thread writes into the pipes now and then, into every pipe every 3 ms
 * this one waits, and closes every descriptor but the ring's when it has
 * waited 20 ms (end of file everywhere); SQ_WAIT always comes with
 * SQ_WAKEUP, and so does every wait on an SQPOLL ring, whose thread may be
 * asleep. The second thread also makes completions arrive while this one
 * is busy elsewhere, as they do in real programs.
 *
 * Registered buffers and files (chapter 09: the probe reports READ_FIXED).
 * Between enters the program registers, updates and unregisters buffers -
 * over the data area, and over a scratch area it unmaps and maps again while
 * they pin it - and files from the pipes' ends; the table lines read_fixed,
 * write_fixed, read_ff and write_ff aim at them with good and bad indices.
 * Each register call must answer what the program's record of the tables
 * says (EBUSY on a table, ENXIO without one, 0 for a good registration, an
 * error for one with a bad entry), and a fixed request naming a buffer index
 * no registration ever had must not move a byte. A registered file holds
 * its pipe end open, so the drain and the second thread's close-everything
 * unregister the files first (after the latter the program no longer knows
 * the file table, and stops checking it until it unregisters itself).
 * Kernels without them answer every register call but the probe with EINVAL.
 *
 * log=K prints everything from episode K on; every=P prints progress.
 */
#include "runtime/fuzz.h"
#include "runtime/print.h"
#include "runtime/thread.h"
#include "runtime/uring.h"

namespace {

using abi::Errno;
using abi::Sys;
namespace ring = abi::io_uring;
using ring::Cqe;
using ring::Op;
using ring::Sqe;

constexpr uint64_t kPage = abi::kPageSize;
constexpr uint64_t kUserEnd = abi::kUserSpaceEnd;
constexpr uint64_t kData = 0x0000000300000000;       // buffers the kernel may read and write
constexpr uint64_t kDataSize = 8 * kPage;
constexpr uint64_t kIovs = kData + kDataSize;        // iovec arrays, always pointing into kData
constexpr uint64_t kIovCount = kPage / sizeof(abi::IoVec);
constexpr uint64_t kHole = 0x0000100000000000;       // never mapped
constexpr uint64_t kScratch = 0x0000000400000000;    // registered, then unmapped and mapped again under them
constexpr uint64_t kScratchSize = 4 * kPage;
constexpr uint32_t kMaxBuffers = 4;                  // registered buffers: never more than 4 slots
constexpr uint32_t kMaxFiles = 8;                    // registered files: never more than 8 slots
constexpr uint32_t kMaxEntries = 256;                // largest SQ this program makes
constexpr int kMaxPipes = 6;

// ---------------------------------------------------------------- state

uint64_t g_seed = 1, g_count = 20000, g_log_from = ~0ull, g_every = 0;
bool g_threads = false;         // the kernel has threads: waits sleep (see the top of this file)
bool g_sqpoll = true;           // IORING_SETUP_SQPOLL works (false once setup refuses it)
bool g_supported[256];          // opcodes the kernel says it has (IORING_REGISTER_PROBE)
bool g_probed = false;
bool g_fixed = false;           // registered buffers and files (READ_FIXED in the probe)
bool g_scratch_mapped = false;  // kScratch is mapped (else unmapped, its pages perhaps still pinned)

/// Totals over the run, printed at the end.
struct Totals {
    uint64_t episodes, sqpoll_episodes, sqes_written, enters, accepted, dropped, cqes, cancelled, lost, violations;
    uint64_t pipe_writes, closes, unmapped, closed_parked, closed_asleep, sq_waits;
    uint64_t registers;
} g;

void violation(StringView what, uint64_t a, uint64_t b) {
    ++g.violations;
    if (g.violations <= 20)
        print("fuzz-uring: VIOLATION in episode {} after {} SQEs: {} ({:#x}, {:#x})\n", g.episodes, g.accepted, what,
              a, b);
}

bool failed(long r) { return r < 0 && r >= -4095; }
bool logging() { return g.episodes >= g_log_from; }

/// What a CQE for a tag may say.
enum class Expect : uint8_t {
    Any,
    Zero,         ///< a NOP
    NonPositive,  ///< a NULL or kernel buffer: it can never move a byte
    Inval,        ///< an opcode the kernel's probe says it lacks
};

/// What a filled SQE is owed: the rule for its CQE, the fd a READ may park
/// on, and the fd a well-formed CLOSE closes (-1: none).
struct Filled {
    Expect expect = Expect::Any;
    int32_t parks_on = -1;
    int32_t closes = -1;
};

/// What the program is owed: one entry per CQE still to come. Few are ever
/// outstanding at once (the kernel holds at most 32 requests in flight, and
/// the CQ and its backlog a few hundred CQEs), so a plain array will do.
struct Owed {
    static constexpr size_t kMax = 2048;
    struct Entry {
        uint64_t tag;
        Expect expect;
    };
    Entry entries[kMax];
    size_t total = 0;

    bool add(uint64_t tag, Expect expect) {
        if (total == kMax) return false;
        entries[total++] = {tag, expect};
        return true;
    }
    /// Take the entry for @p tag out; false if none is owed.
    bool take(uint64_t tag, Entry& out) {
        for (size_t i = 0; i < total; ++i)
            if (entries[i].tag == tag) {
                out = entries[i];
                entries[i] = entries[--total];
                return true;
            }
        return false;
    }
    void clear() { total = 0; }
} g_owed;

/// One pipe of this episode; -1 for an end that is closed. The second
/// thread reads these (atomically) to know where to write.
struct Pipe {
    int rd = -1, wr = -1;
};
Pipe g_pipes[kMaxPipes];

int pipe_end(int i, bool read_end) { return __atomic_load_n(read_end ? &g_pipes[i].rd : &g_pipes[i].wr, __ATOMIC_RELAXED); }
void set_pipe_end(int i, bool read_end, int fd) {
    __atomic_store_n(read_end ? &g_pipes[i].rd : &g_pipes[i].wr, fd, __ATOMIC_RELAXED);
}

/// The ring of the current episode, as the user sees it.
struct Episode {
    int fd = -1;
    ring::Params p{};
    uint8_t* rings = nullptr;
    Sqe* sqes = nullptr;
    uint64_t rings_len = 0, sqes_len = 0;
    bool mapped = false;       ///< the rings are mapped (the episode can go on)
    bool sqes_mapped = false;  ///< the SQE array is mapped
    bool sqpoll = false;       ///< a kernel thread takes the SQEs
    uint32_t idle_ms = 0;      ///< its sq_thread_idle
    uint32_t entries = 0, mask = 0, cq_entries = 0, cq_mask = 0;
    uint32_t head = 0;     ///< the kernel's SQ head, as we have worked it out (SQPOLL: last seen)
    uint32_t tail = 0;     ///< our SQ tail: the next slot to fill
    uint32_t cq_head = 0;  ///< our CQ head
    uint32_t cq_tail_seen = 0;
    uint32_t shadow_index[kMaxEntries];  ///< what we wrote in each index array slot
    uint64_t shadow_tag[kMaxEntries];    ///< the tag in each SQE slot
    Filled shadow[kMaxEntries];          ///< what each SQE slot's request is owed
    uint16_t refs[kMaxEntries];          ///< published slots not yet seen taken that name each SQE
    bool cq_scrambled = false;  ///< CQ head was garbage during an enter: losses are ours
    uint64_t lost = 0;          ///< completions the overflow counter admits losing
    bool buffers = false;       ///< a table of registered buffers is installed
    bool files = false;         ///< a table of registered files was installed...
    uint64_t files_as_of = 0;   ///< ...when unblocks() was this (the second thread may unregister it since)
    abi::IoVec registered[kMaxBuffers];  ///< what the buffer slots hold, as far as we know: where fixed requests aim

    uint32_t* word(uint32_t offset) const { return reinterpret_cast<uint32_t*>(rings + offset); }
} g_ep;
uint64_t g_next_tag = 1;

/// What the second thread needs: whether this one waits, and since when.
struct Helper {
    int tid_word = 0;        ///< its thread's id; the kernel clears it when it ends
    int stop = 0;            ///< set when the run is over
    uint64_t waiting = 0;    ///< nonzero while this thread may wait in the kernel: the wait's number
    uint64_t writes = 0, unblocks = 0;
} g_helper;
alignas(16) uint8_t g_helper_stack[32 * 1024];

// ------------------------------------------------------------------ calls

long logged(StringView what, long r) {
    if (logging()) print("fuzz-uring: {} -> {}\n", what, r);
    return r;
}

/// io_uring_enter; with threads, the helper knows while it may wait.
long enter(uint32_t to_submit, uint32_t min_complete, uint32_t flags) {
    ++g.enters;
    if (logging())
        print("fuzz-uring: enter({}, {}, {:#x}) head={} tail={} cq_head={}\n", to_submit, min_complete, flags, g_ep.head,
              g_ep.tail, g_ep.cq_head);
    __atomic_store_n(&g_helper.waiting, g.enters, __ATOMIC_RELAXED);
    const long r = iou::raw::io_uring_enter(g_ep.fd, to_submit, min_complete, flags);
    __atomic_store_n(&g_helper.waiting, 0, __ATOMIC_RELAXED);
    return logged("enter", r);
}

/// Forget @p fd wherever this episode knows it.
void forget_fd(int fd) {
    for (int i = 0; i < kMaxPipes; ++i) {
        if (pipe_end(i, true) == fd) set_pipe_end(i, true, -1);
        if (pipe_end(i, false) == fd) set_pipe_end(i, false, -1);
    }
}

/// Close @p fd, and forget it.
void close_fd(int fd) {
    if (fd < 0) return;
    ++g.closes;
    logged("close", sys::close(fd));
    forget_fd(fd);
}

/// A pipe: O_NONBLOCK with threads (a full one would make this thread wait for itself).
bool new_pipe(int slot, bool nonblocking) {
    int fds[2];
    const int flags = nonblocking || g_threads ? abi::open_flag::NonBlock : 0;
    if (sys::pipe2(fds, flags) != 0) return false;
    set_pipe_end(slot, true, fds[0]);
    set_pipe_end(slot, false, fds[1]);
    return true;
}

int random_pipe_end(fuzz::Rng& rng, bool read_end) { return pipe_end(static_cast<int>(rng.below(kMaxPipes)), read_end); }

/// Write into a pipe with write(2): READs parked on it complete.
void write_pipe(fuzz::Rng& rng) {
    const int fd = random_pipe_end(rng, false);
    if (fd < 0) return;
    ++g.pipe_writes;
    logged("write", sys::write(fd, reinterpret_cast<void*>(kData), rng.range(1, 5000)));
}

// ------------------------------------------------------ the opcode table

/// A hostile buffer address: NULL, kernel, non-canonical, unmapped, or one
/// straddling the end of the data area.
uint64_t hostile_address(fuzz::Rng& rng) {
    return rng.pick<uint64_t>({0, 0xffffffff80000000, 0xffff800000000000 + rng.below(1 << 20), kUserEnd,
                               0x8000000000000000, kHole + rng.below(1 << 30), kIovs + kPage - rng.range(1, 64),
                               kUserEnd - rng.range(1, 64), rng.next()});
}

uint64_t hostile_fd(fuzz::Rng& rng) {
    return rng.pick<uint64_t>({~0ull, 64, 1000, 0x7fffffff, 0x80000000, static_cast<uint64_t>(g_ep.fd)});
}

/// A buffer in the data area: offset and length.
void data_buffer(fuzz::Rng& rng, uint64_t& addr, uint32_t& len) {
    const uint64_t off = rng.below(kDataSize);
    addr = kData + off;
    len = static_cast<uint32_t>(rng.below(kDataSize - off + 1));
}

Filled fill_nop(fuzz::Rng&, Sqe& s) {
    iou::prep_nop(&s);
    return {Expect::Zero, -1, -1};
}

// READ from a pipe (or the console), often parking on an empty one.
Filled fill_read(fuzz::Rng& rng, Sqe& s) {
    const int fd = rng.one_in(8) ? 0 : random_pipe_end(rng, true);
    uint64_t addr;
    uint32_t len;
    data_buffer(rng, addr, len);
    iou::prep_read(&s, fd, reinterpret_cast<void*>(addr), len);
    return {Expect::Any, fd, -1};
}

// WRITE into a pipe: wakes READs parked on it.
Filled fill_write(fuzz::Rng& rng, Sqe& s) {
    uint64_t addr;
    uint32_t len;
    data_buffer(rng, addr, len);
    iou::prep_write(&s, random_pipe_end(rng, false), reinterpret_cast<void*>(addr), len);
    return {};
}

// READV / WRITEV with an iovec array pointing into the data area.
Filled fill_vector(fuzz::Rng& rng, Sqe& s, bool write) {
    const int fd = random_pipe_end(rng, !write);
    const uint64_t first = rng.below(kIovCount - 4);
    const uint32_t count = static_cast<uint32_t>(rng.range(1, 4));
    auto* iov = reinterpret_cast<abi::IoVec*>(kIovs) + first;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t len;
        data_buffer(rng, iov[i].base, len);
        iov[i].len = len;
    }
    if (write) iou::prep_writev(&s, fd, iov, count);
    else iou::prep_readv(&s, fd, iov, count);
    return {Expect::Any, write ? -1 : fd, -1};
}
Filled fill_readv(fuzz::Rng& rng, Sqe& s) { return fill_vector(rng, s, false); }
Filled fill_writev(fuzz::Rng& rng, Sqe& s) { return fill_vector(rng, s, true); }

// CLOSE a pipe end (never the console's), or an fd that is not open.
Filled fill_close(fuzz::Rng& rng, Sqe& s) {
    int fd = random_pipe_end(rng, rng.one_in(2));
    if (fd < 0) fd = static_cast<int>(hostile_fd(rng));
    if (fd == 1 || fd == 2) fd = -1;
    iou::prep_close(&s, fd);
    return {Expect::Any, -1, fd};
}

// Chapter 13: requests that wait for others, or for time. Their times are
// in the program's own memory, which no request writes (the data area may
// hold anything), and short: a wait for a TIMEOUT always ends.
const abi::TimeSpec kTimes[] = {{0, 0}, {0, 1000000}, {0, 3000000}};

// A NOP that links the next SQE to it (hard, or not), or drains.
Filled fill_nop_chain(fuzz::Rng& rng, Sqe& s) {
    iou::prep_nop(&s);
    s.flags = rng.pick<uint8_t>({ring::kSqeIoLink, ring::kSqeIoHardlink, ring::kSqeIoDrain});
    return {};  // the chain's own failures and a drain after a skip: not only 0
}

// TIMEOUT of at most 3 ms, counting 0 to 2 completions; LINK_TIMEOUT (an
// error unless the SQE before it links to it).
Filled fill_timeout(fuzz::Rng& rng, Sqe& s, Op op) {
    iou::prep_rw(&s, op, -1, reinterpret_cast<uint64_t>(&kTimes[rng.below(3)]), 1,
                 op == Op::Timeout ? rng.below(3) : 0);
    return {};
}
Filled fill_timeout(fuzz::Rng& rng, Sqe& s) { return fill_timeout(rng, s, Op::Timeout); }
Filled fill_link_timeout(fuzz::Rng& rng, Sqe& s) { return fill_timeout(rng, s, Op::LinkTimeout); }

// ASYNC_CANCEL or TIMEOUT_REMOVE of a recent tag (or, cancel ANY, of everything).
Filled fill_cancel(fuzz::Rng& rng, Sqe& s) {
    const bool remove = rng.one_in(3);
    iou::prep_rw(&s, remove ? Op::TimeoutRemove : Op::AsyncCancel, -1, g_next_tag - rng.range(1, 8), 0, 0);
    if (!remove) s.cancel_flags = rng.pick<uint32_t>({0, ring::kCancelAll, ring::kCancelAny});
    return {};
}

/// A fixed request's buffer index and bytes: mostly inside what the slot was
/// given (the request reaches the pipe, and may park there), else anywhere
/// in the data or scratch area; now and then an index never registered.
uint16_t fixed_buffer(fuzz::Rng& rng, uint64_t& addr, uint32_t& len) {
    const auto index = static_cast<uint16_t>(rng.one_in(6) ? rng.range(kMaxBuffers, 0xffff) : rng.below(kMaxBuffers));
    const abi::IoVec v = index < kMaxBuffers ? g_ep.registered[index] : abi::IoVec{0, 0};
    if (v.len && !rng.one_in(4)) {
        const uint64_t at = rng.below(v.len);
        addr = v.base + at;
        len = static_cast<uint32_t>(rng.below(v.len - at + 1));
    } else {
        data_buffer(rng, addr, len);
        if (rng.one_in(3)) addr = addr - kData + kScratch;
    }
    return index;
}

// READ_FIXED from a pipe into a registered buffer.
Filled fill_read_fixed(fuzz::Rng& rng, Sqe& s) {
    uint64_t addr;
    uint32_t len;
    const uint16_t index = fixed_buffer(rng, addr, len);
    const int fd = random_pipe_end(rng, true);
    iou::prep_read_fixed(&s, fd, reinterpret_cast<void*>(addr), len, index);
    return {index < kMaxBuffers ? Expect::Any : Expect::NonPositive, fd, -1};
}

// WRITE_FIXED into a pipe from a registered buffer (perhaps unmapped since).
Filled fill_write_fixed(fuzz::Rng& rng, Sqe& s) {
    uint64_t addr;
    uint32_t len;
    const uint16_t index = fixed_buffer(rng, addr, len);
    iou::prep_write_fixed(&s, random_pipe_end(rng, false), reinterpret_cast<void*>(addr), len, index);
    return {index < kMaxBuffers ? Expect::Any : Expect::NonPositive, -1, -1};
}

/// A registered file's index: one of the slots, or a hostile one.
int fixed_file(fuzz::Rng& rng) {
    return static_cast<int>(rng.one_in(8) ? hostile_fd(rng) : rng.below(kMaxFiles));
}

// READ or WRITE on a registered file (IOSQE_FIXED_FILE), sometimes with a registered buffer too.
Filled fill_file_fixed(fuzz::Rng& rng, Sqe& s, bool write) {
    uint64_t addr;
    uint32_t len;
    Filled f;
    if (rng.one_in(3)) {
        const uint16_t index = fixed_buffer(rng, addr, len);
        if (write) iou::prep_write_fixed(&s, fixed_file(rng), reinterpret_cast<void*>(addr), len, index);
        else iou::prep_read_fixed(&s, fixed_file(rng), reinterpret_cast<void*>(addr), len, index);
        if (index >= kMaxBuffers) f.expect = Expect::NonPositive;
    } else {
        data_buffer(rng, addr, len);
        iou::prep_rw(&s, write ? Op::Write : Op::Read, fixed_file(rng), addr, len, ~0ull);
    }
    iou::sqe_fixed_file(&s);
    return f;  // a registered file is held by its table: no fd to park on or forget
}
Filled fill_read_ff(fuzz::Rng& rng, Sqe& s) { return fill_file_fixed(rng, s, false); }
Filled fill_write_ff(fuzz::Rng& rng, Sqe& s) { return fill_file_fixed(rng, s, true); }

/// One opcode the fuzzer fills well-formed. A chapter that adds opcodes adds
/// a line (and a fill function); "one thing wrong" below breaks them all.
struct OpcodeFuzz {
    const char* name;
    Op op;
    uint32_t weight;
    Filled (*fill)(fuzz::Rng&, Sqe&);
};
// Laid out by hand as a table: clang-format would put one entry on each line.
// clang-format off
constexpr OpcodeFuzz kOpcodes[] = {
    {"nop", Op::Nop, 12, fill_nop},          {"read", Op::Read, 14, fill_read},
    {"write", Op::Write, 12, fill_write},    {"readv", Op::Readv, 5, fill_readv},
    {"writev", Op::Writev, 5, fill_writev},  {"close", Op::Close, 4, fill_close},
    // Chapter 09: registered buffers and files ("ff": IOSQE_FIXED_FILE).
    {"read_fixed", Op::ReadFixed, 5, fill_read_fixed},  {"write_fixed", Op::WriteFixed, 5, fill_write_fixed},
    {"read_ff", Op::Read, 4, fill_read_ff},             {"write_ff", Op::Write, 4, fill_write_ff},
    // Chapter 13: links and drains, timers, cancels.
    {"nop_chain", Op::Nop, 4, fill_nop_chain},          {"timeout", Op::Timeout, 3, fill_timeout},
    {"link_timeout", Op::LinkTimeout, 2, fill_link_timeout}, {"cancel", Op::AsyncCancel, 3, fill_cancel},
};
// clang-format on
uint64_t g_filled[sizeof kOpcodes / sizeof kOpcodes[0] + 2];  // per table line, then the two malformed kinds

/// A request from the table with one thing wrong: its buffer, fd, flags,
/// priority, personality, rw_flags, a reserved field, its length, or its
/// opcode (past the last one the kernel knows).
Filled fill_malformed(fuzz::Rng& rng, Sqe& s) {
    kOpcodes[rng.weighted_entry(kOpcodes)].fill(rng, s);
    switch (rng.below(9)) {
    case 0: s.addr = hostile_address(rng), s.len = static_cast<uint32_t>(rng.range(1, 1u << 20)); break;
    case 1: s.fd = static_cast<int32_t>(hostile_fd(rng)); break;
    case 2: s.flags = static_cast<uint8_t>(rng.range(1, 255)); break;
    case 3: s.ioprio = static_cast<uint16_t>(rng.range(1, 0xffff)); break;
    case 4: s.personality = static_cast<uint16_t>(rng.range(1, 0xffff)); break;
    case 5: s.rw_flags = static_cast<uint32_t>(rng.range(1, 0xffffffff)); break;
    case 6: s.pad2[0] = rng.next() | 1; break;
    case 7: s.len = static_cast<uint32_t>(rng.range(1025, 0xffffffff)); break;
    default: s.opcode = static_cast<uint8_t>(rng.range(static_cast<uint64_t>(Op::Last), 255)); break;
    }
    // No IOSQE_CQE_SKIP_SUCCESS (chapter 13): a skipped CQE, and the silent
    // rest of a chain that fails with it, could not be told from a lost one.
    // user/musl/uring-links.c and chapter 13's host tests check skipping.
    s.flags &= static_cast<uint8_t>(~ring::kSqeCqeSkipSuccess);
    // A timer's timespec is either ours or unreadable: one read from memory
    // requests write into could be any time at all, and a wait for it endless.
    if ((s.opcode == static_cast<uint8_t>(Op::Timeout) || s.opcode == static_cast<uint8_t>(Op::LinkTimeout)) &&
        (s.addr < reinterpret_cast<uint64_t>(kTimes) || s.addr >= reinterpret_cast<uint64_t>(kTimes + 3)))
        s.addr = kHole;
    if (s.fd >= 0 && s.fd <= 2) s.fd = -1;  // keep garbage off the console
    // A bad address or fd may still not be reached (a NOP ignores both);
    // whatever it is, a NULL or kernel buffer can never move bytes.
    // (Only a request that moves bytes: a cancel's addr is a user_data.)
    const bool moves = s.opcode == static_cast<uint8_t>(Op::Read) || s.opcode == static_cast<uint8_t>(Op::Write) ||
                       s.opcode == static_cast<uint8_t>(Op::Readv) || s.opcode == static_cast<uint8_t>(Op::Writev) ||
                       s.opcode == static_cast<uint8_t>(Op::ReadFixed) || s.opcode == static_cast<uint8_t>(Op::WriteFixed);
    Filled f{moves && (s.addr < 0x10000 || s.addr >= kUserEnd) ? Expect::NonPositive : Expect::Any, -1, -1};
    if (s.opcode == static_cast<uint8_t>(Op::Read) || s.opcode == static_cast<uint8_t>(Op::Readv)) f.parks_on = s.fd;
    return f;
}

/// 64 random bytes; half the time a known opcode.
Filled fill_random(fuzz::Rng& rng, Sqe& s) {
    auto* bytes = reinterpret_cast<uint64_t*>(&s);
    for (size_t i = 0; i < sizeof s / 8; ++i) bytes[i] = rng.next();
    if (rng.one_in(2)) s.opcode = static_cast<uint8_t>(rng.below(static_cast<uint64_t>(Op::Last)));
    if (s.fd >= 0 && s.fd <= 2) s.fd = -1;
    s.flags &= static_cast<uint8_t>(~ring::kSqeCqeSkipSuccess);  // as in fill_malformed
    Filled f;
    if (s.opcode == static_cast<uint8_t>(Op::Read) || s.opcode == static_cast<uint8_t>(Op::Readv)) f.parks_on = s.fd;
    return f;
}

/// Fill SQE slot @p index with a random request; record its tag and what it is owed.
void fill_sqe(fuzz::Rng& rng, uint32_t index) {
    Sqe s{};
    Filled f;
    constexpr uint32_t kKinds[] = {52, 12, 4};  // from the table, one thing wrong, random bytes
    const size_t kind = rng.weighted(kKinds);
    if (kind == 0) {
        const size_t line = rng.weighted_entry(kOpcodes);
        f = kOpcodes[line].fill(rng, s);
        if (g_probed && !g_supported[static_cast<uint8_t>(kOpcodes[line].op)]) f = {Expect::Inval, -1, -1};
        ++g_filled[line];
    } else {
        f = kind == 1 ? fill_malformed(rng, s) : fill_random(rng, s);
        ++g_filled[sizeof kOpcodes / sizeof kOpcodes[0] + kind - 1];
    }
    s.user_data = g_next_tag++;
    if (logging())
        print("fuzz-uring: sqe[{}] op={} flags={:#x} fd={} addr={:#x} len={} tag={}\n", index, s.opcode, s.flags, s.fd,
              s.addr, s.len, s.user_data);
    g_ep.sqes[index] = s;
    g_ep.shadow_tag[index] = s.user_data;
    g_ep.shadow[index] = f;
    ++g.sqes_written;
}

// ------------------------------------------------------------ accounting

/// Count @p tag as owed, with what its CQE may say.
void owe(uint64_t tag, Expect expect) {
    if (!g_owed.add(tag, expect)) violation("too many requests owed to track", tag, g_owed.total);
}

/// A slot was consumed (SQPOLL: or published): the SQE it names is owed.
/// A well-formed CLOSE's fd is forgotten: it is closed, or soon will be.
void owe_slot(uint32_t slot) {
    const uint32_t index = g_ep.shadow_index[slot & g_ep.mask];
    if (index >= g_ep.entries) return;
    owe(g_ep.shadow_tag[index], g_ep.shadow[index].expect);
    if (g_ep.shadow[index].closes >= 0) forget_fd(g_ep.shadow[index].closes);
}

/// Publish our SQ tail. With SQPOLL the kernel's thread takes every
/// published slot, sooner or later: each is owed now, and the SQE it names
/// may not be rewritten until the slot is seen taken.
void publish(uint32_t new_tail) {
    if (g_ep.sqpoll)
        for (uint32_t slot = g_ep.tail; slot != new_tail; ++slot) {
            const uint32_t index = g_ep.shadow_index[slot & g_ep.mask];
            if (index < g_ep.entries) ++g_ep.refs[index];
            owe_slot(slot);
        }
    g_ep.tail = new_tail;
    iou::store_release(g_ep.word(g_ep.p.sq_off.tail), g_ep.tail);
}

/// SQPOLL: how far has the kernel's thread taken? Never past what was published.
void observe_head() {
    if (!g_ep.sqpoll || !g_ep.mapped) return;
    const uint32_t seen = iou::load_acquire(g_ep.word(g_ep.p.sq_off.head));
    if (seen - g_ep.head > g_ep.tail - g_ep.head) return violation("the SQ head went past the tail", seen, g_ep.tail);
    for (; g_ep.head != seen; ++g_ep.head) {
        const uint32_t index = g_ep.shadow_index[g_ep.head & g_ep.mask];
        if (index < g_ep.entries) --g_ep.refs[index], ++g.accepted;
        else ++g.dropped;
    }
}

/// Without SQPOLL, after io_uring_enter returned @p r: which slots did the
/// kernel consume, and what does it owe us? From our head on, one slot per
/// SQE it accepted (r), then one more if the dropped counter moved: a slot
/// whose index was out of range, which ends a batch.
void account(long r, uint32_t dropped_before) {
    const uint32_t dropped = *g_ep.word(g_ep.p.sq_off.dropped) - dropped_before;
    const uint32_t accepted = r > 0 ? static_cast<uint32_t>(r) : 0;
    if (dropped > 1) violation("more than one slot dropped in one enter", dropped, accepted);
    if (accepted + dropped > g_ep.entries) return violation("enter took more SQEs than the ring holds", accepted, dropped);
    uint32_t consumed = 0;
    for (; consumed < accepted; ++consumed) {
        const uint32_t slot = g_ep.head + consumed;
        if (g_ep.shadow_index[slot & g_ep.mask] >= g_ep.entries)
            violation("enter counted a slot with an out-of-range index", g_ep.shadow_index[slot & g_ep.mask], accepted);
        owe_slot(slot);
    }
    if (dropped) {
        const uint32_t index = g_ep.shadow_index[(g_ep.head + consumed) & g_ep.mask];
        if (index < g_ep.entries) violation("a slot with a valid index was dropped", index, accepted);
        ++consumed;
    }
    g.accepted += accepted;
    g.dropped += dropped;
    // The shared head must say the same (we scramble it only around enters that submit nothing).
    const uint32_t shared_head = iou::load_acquire(g_ep.word(g_ep.p.sq_off.head));
    for (uint32_t i = 0; i < consumed; ++i) {  // the SQEs those slots named may be rewritten now
        const uint32_t index = g_ep.shadow_index[(g_ep.head + i) & g_ep.mask];
        if (index < g_ep.entries && g_ep.refs[index] > 0) --g_ep.refs[index];
    }
    g_ep.head += consumed;
    if (consumed > 0 && shared_head != g_ep.head) violation("the SQ head does not match enter's result", shared_head, g_ep.head);
    if (g_ep.head - g_ep.tail < 0x80000000u) g_ep.tail = g_ep.head;  // a garbage tail let it run past ours
}

/// Reap up to @p limit CQEs, checking each against what is owed.
uint32_t reap(uint32_t limit) {
    const uint32_t tail = iou::load_acquire(g_ep.word(g_ep.p.cq_off.tail));
    const uint32_t ready = tail - g_ep.cq_head;
    if (ready > g_ep.cq_entries) {
        violation("the CQ tail is more than a ring ahead of our head", tail, g_ep.cq_head);
        return 0;
    }
    if (tail - g_ep.cq_tail_seen > 0x80000000u) violation("the CQ tail went backwards", g_ep.cq_tail_seen, tail);
    g_ep.cq_tail_seen = tail;
    const uint32_t n = ready < limit ? ready : limit;
    if (logging()) print("fuzz-uring: reap {} of {} (tail {})\n", n, ready, tail);
    const Cqe* cqes = reinterpret_cast<const Cqe*>(g_ep.rings + g_ep.p.cq_off.cqes);
    for (uint32_t i = 0; i < n; ++i) {
        const Cqe& c = cqes[(g_ep.cq_head + i) & g_ep.cq_mask];
        Owed::Entry e;
        if (!g_owed.take(c.user_data, e)) {
            violation("a CQE for no request owed (phantom or duplicate)", c.user_data, static_cast<uint64_t>(c.res));
            continue;
        }
        ++g.cqes;
        // (Chapter 13: any request may be cancelled with a chain broken before it.)
        const bool ok = e.expect == Expect::Any || (e.expect == Expect::Zero && (c.res == 0 || c.res == -Errno::Canceled)) ||
                        (e.expect == Expect::NonPositive && c.res <= 0) ||
                        (e.expect == Expect::Inval && c.res == -Errno::Inval);
        if (!ok) violation("a CQE result breaks its request's rule", c.user_data, static_cast<uint64_t>(c.res));
    }
    g_ep.cq_head += n;
    iou::store_release(g_ep.word(g_ep.p.cq_off.head), g_ep.cq_head);
    return n;
}

/// The most CQEs a wait may ask for and be sure to see: with threads a wait
/// for more would sleep until the second thread closes everything, or
/// forever. Everything owed completes once every pipe has data or no writer.
uint32_t safe_wait() {
    const uint64_t sure = g_owed.total > g_ep.lost ? g_owed.total - g_ep.lost : 0;
    return static_cast<uint32_t>(sure < g_ep.cq_entries ? sure : g_ep.cq_entries);
}

// ------------------------------------------- registered buffers and files

/// Map the scratch area (again), every page written: new memory, not what is pinned.
void map_scratch() {
    const long at = sys::mmap(reinterpret_cast<void*>(kScratch), kScratchSize, abi::prot::Read | abi::prot::Write,
                              abi::map::Private | abi::map::Anonymous | abi::map::Fixed, -1, 0);
    g_scratch_mapped = at == static_cast<long>(kScratch);
    if (!g_scratch_mapped) return violation("cannot map the scratch area", static_cast<uint64_t>(at), kScratch);
    mem::fill(reinterpret_cast<void*>(kScratch), '-', kScratchSize);
}

/// An iovec for a buffer registration; true if a registration takes it.
bool random_iovec(fuzz::Rng& rng, abi::IoVec& v) {
    switch (rng.below(8)) {
    case 0: v = {0, 0}; return true;  // an empty slot
    case 1: {                          // the scratch area, if it is mapped
        const uint64_t off = rng.below(kScratchSize);
        v = {kScratch + off, rng.range(1, kScratchSize - off)};
        return g_scratch_mapped;
    }
    case 2:  // at least a page: one that starts in the last bytes of the iovec page must run past its end
        v = {hostile_address(rng), rng.range(kPage, 3 * kPage)};
        return false;
    case 3: v = {kData + rng.below(kDataSize), 0}; return false;  // zero length, not empty
    case 4: v = {reinterpret_cast<uint64_t>(g_ep.sqes), kPage}; return false;  // the ring's own memory: borrowed
    default: {
        const uint64_t off = rng.below(kDataSize);
        v = {kData + off, rng.range(1, kDataSize - off)};
        return true;
    }
    }
}

/// Is @p fd open? Our record of the pipes may be stale (a CLOSE with one
/// thing wrong may still have closed its fd): the kernel knows. An ioctl no
/// file has is ENOTTY on an open fd, EBADF on one that is not.
bool is_open(int fd) { return raw_syscall(Sys::Ioctl, fd, 0x7f7f) != -Errno::BadF; }

/// An fd for a file registration; true if a registration takes it.
bool random_file(fuzz::Rng& rng, int32_t& fd) {
    switch (rng.below(6)) {
    case 0: fd = -1; return true;  // an empty slot
    case 1: fd = static_cast<int32_t>(hostile_fd(rng)); return fd == -1;  // not open, or the ring itself
    default:  // a pipe end: -1 if we know it closed
        fd = random_pipe_end(rng, rng.one_in(2));
        return fd == -1 || (fd != g_ep.fd && is_open(fd));
    }
}

/// Check a register call's answer @p r: it must be @p want, or with @p want
/// 1 any error. Unless @p known is false: the second thread closed
/// everything (and unregistered the files) meanwhile, and what the call
/// had to answer is not known.
void expect_register(StringView what, long r, long want, bool known) {
    ++g.registers;
    if (!known) return;
    if (want == 1 ? r >= 0 : r != want) violation(what, static_cast<uint64_t>(r), static_cast<uint64_t>(want));
}

/// The second thread's close-everything count, bumped once as it starts and
/// once as it ends: odd while it is closing. A change means our record of the
/// fds and of the file table is stale.
uint64_t unblocks() { return __atomic_load_n(&g_helper.unblocks, __ATOMIC_SEQ_CST); }

/// Whether the second thread neither closed anything nor was closing since
/// @p before (an unblocks() read before our call): only then is our record
/// of the fds what the kernel had.
bool calm_since(uint64_t before) { return before % 2 == 0 && unblocks() == before; }

/// Whether we know if the ring has a file table. The second thread only ever
/// removes it, so "none" is always known; "one" only while the thread has not
/// closed everything since the table came.
bool files_known() { return !g_ep.files || calm_since(g_ep.files_as_of); }

/// Unregister the files, as the drain must before it closes the writers.
void unregister_files() {
    const long r = logged("unregister files", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::UnregisterFiles, nullptr, 0));
    expect_register("UNREGISTER_FILES's answer", r, g_ep.files ? 0 : -Errno::NxIo, files_known());
    g_ep.files = false;  // whoever removed it, it is gone
}

/// One register call on this episode's ring, checked against our record of its tables.
void register_step(fuzz::Rng& rng) {
    abi::IoVec iovs[kMaxBuffers];
    int32_t fds[kMaxFiles];
    if (!g_fixed) {  // a kernel without them: every register call but the probe is EINVAL
        iovs[0] = {kData, kPage};
        const long r = logged("register buffers", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterBuffers, iovs, 1));
        return expect_register("REGISTER_BUFFERS without registration", r, -Errno::Inval, true);
    }
    const uint64_t before = unblocks();
    switch (rng.below(9)) {
    case 0:
    case 1: {
        const auto n = static_cast<uint32_t>(rng.range(1, kMaxBuffers));
        bool good = true;
        for (uint32_t i = 0; i < n; ++i) good = random_iovec(rng, iovs[i]) && good;
        const long r = logged("register buffers", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterBuffers, iovs, n));
        expect_register("REGISTER_BUFFERS's answer", r, g_ep.buffers ? -Errno::Busy : (good ? 0 : 1), true);
        if (r == 0) {
            g_ep.buffers = true;
            for (uint32_t i = 0; i < kMaxBuffers; ++i) g_ep.registered[i] = i < n ? iovs[i] : abi::IoVec{0, 0};
        }
        break;
    }
    case 2: {
        const long r = logged("unregister buffers", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::UnregisterBuffers, nullptr, 0));
        expect_register("UNREGISTER_BUFFERS's answer", r, g_ep.buffers ? 0 : -Errno::NxIo, true);
        g_ep.buffers = false;
        break;
    }
    case 3: {  // BUFFERS_UPDATE: replaces slots in order until one fails
        const auto n = static_cast<uint32_t>(rng.range(1, kMaxBuffers));
        for (uint32_t i = 0; i < n; ++i) random_iovec(rng, iovs[i]);
        ring::RsrcUpdate2 up{};
        up.offset = static_cast<uint32_t>(rng.below(kMaxBuffers));
        up.data = reinterpret_cast<uint64_t>(iovs);
        up.nr = n;
        const long r = logged("update buffers", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterBuffersUpdate, &up, sizeof up));
        if (!g_ep.buffers) expect_register("BUFFERS_UPDATE without a table", r, -Errno::NxIo, true);
        else if (r > static_cast<long>(n)) violation("BUFFERS_UPDATE replaced more than it was given", static_cast<uint64_t>(r), n);
        for (long i = 0; i < r && up.offset + i < kMaxBuffers; ++i) g_ep.registered[up.offset + i] = iovs[i];
        break;
    }
    case 4:
    case 5: {
        const auto n = static_cast<uint32_t>(rng.range(1, kMaxFiles));
        bool good = true;
        for (uint32_t i = 0; i < n; ++i) good = random_file(rng, fds[i]) && good;
        const long r = logged("register files", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterFiles, fds, n));
        const bool known = files_known() && calm_since(before);  // and our fds were open, or closed, as we think
        expect_register("REGISTER_FILES's answer", r, g_ep.files ? -Errno::Busy : (good ? 0 : 1), known);
        if (r == 0 || r == -Errno::Busy) g_ep.files = true, g_ep.files_as_of = before;
        break;
    }
    case 6: unregister_files(); break;
    case 7: {  // FILES_UPDATE, IORING_REGISTER_FILES_SKIP now and then
        const auto n = static_cast<uint32_t>(rng.range(1, kMaxFiles));
        for (uint32_t i = 0; i < n; ++i)
            if (rng.one_in(4)) fds[i] = ring::kRegisterFilesSkip;
            else random_file(rng, fds[i]);
        ring::RsrcUpdate up{};
        up.offset = static_cast<uint32_t>(rng.below(kMaxFiles));
        up.data = reinterpret_cast<uint64_t>(fds);
        const long r = logged("update files", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterFilesUpdate, &up, n));
        if (!g_ep.files) expect_register("FILES_UPDATE without a table", r, -Errno::NxIo, true);
        else if (r > static_cast<long>(n)) violation("FILES_UPDATE replaced more than it was given", static_cast<uint64_t>(r), n);
        break;
    }
    default:  // the scratch area goes, or comes back: pinned pages outlive the mapping
        if (g_scratch_mapped) {
            logged("munmap scratch", sys::munmap(reinterpret_cast<void*>(kScratch), kScratchSize));
            g_scratch_mapped = false;
        } else {
            map_scratch();
        }
        break;
    }
}

// ------------------------------------------------------------ the episode

bool set_up(fuzz::Rng& rng) {
    g_ep = Episode{};
    g_owed.clear();
    const uint32_t entries = 1u << rng.below(9);  // 1 .. 256
    ring::Params params{};
    params.flags = static_cast<uint32_t>(rng.pick<uint64_t>(
        {0, 0, ring::kSetupSubmitAll, ring::kSetupCqSize, ring::kSetupCqSize | ring::kSetupSubmitAll}));
    if (params.flags & ring::kSetupCqSize) params.cq_entries = static_cast<uint32_t>(entries << rng.below(3));
    const bool sqpoll = g_sqpoll && rng.one_in(3);
    if (sqpoll) {
        params.flags |= ring::kSetupSqPoll;
        // 0 means a second, during which the idle thread keeps the CPU: rare.
        params.sq_thread_idle = static_cast<uint32_t>(rng.one_in(16) ? 0 : rng.pick<uint64_t>({1, 2, rng.range(3, 20), 50}));
    }
    long fd = iou::raw::io_uring_setup(entries, &params);
    if (sqpoll && fd == -Errno::Inval) {  // a kernel before chapter 08: no SQPOLL from now on
        g_sqpoll = false;
        params.flags &= ~ring::kSetupSqPoll;
        fd = iou::raw::io_uring_setup(entries, &params);
    }
    if (fd < 0) {
        print("fuzz-uring: io_uring_setup({}) failed: {}\n", entries, fd);
        return false;
    }
    g_ep.fd = static_cast<int>(fd);
    g_ep.p = params;
    g_ep.sqpoll = params.flags & ring::kSetupSqPoll;
    g_ep.idle_ms = params.sq_thread_idle;
    g_ep.entries = params.sq_entries;
    g_ep.mask = params.sq_entries - 1;
    g_ep.cq_entries = params.cq_entries;
    g_ep.cq_mask = params.cq_entries - 1;
    if (g_ep.entries > kMaxEntries || (g_ep.entries & g_ep.mask) || (g_ep.cq_entries & g_ep.cq_mask)) {
        violation("io_uring_setup reported impossible sizes", g_ep.entries, g_ep.cq_entries);
        return false;
    }
    g_ep.rings_len = params.sq_off.array + uint64_t{params.sq_entries} * 4;
    const uint64_t cq_end = params.cq_off.cqes + uint64_t{params.cq_entries} * sizeof(Cqe);
    if (cq_end > g_ep.rings_len) g_ep.rings_len = cq_end;
    g_ep.sqes_len = uint64_t{params.sq_entries} * sizeof(Sqe);
    const int rw = abi::prot::Read | abi::prot::Write;
    const long rings = sys::mmap(nullptr, g_ep.rings_len, rw, abi::map::Shared, g_ep.fd, ring::kOffSqRing);
    const long sqes = sys::mmap(nullptr, g_ep.sqes_len, rw, abi::map::Shared, g_ep.fd, ring::kOffSqes);
    if (failed(rings) || failed(sqes)) {
        print("fuzz-uring: cannot map the rings ({:#x} and {:#x} bytes): {} {}\n", g_ep.rings_len, g_ep.sqes_len, rings,
              sqes);
        close_fd(g_ep.fd);
        return false;
    }
    g_ep.rings = reinterpret_cast<uint8_t*>(rings);
    g_ep.sqes = reinterpret_cast<Sqe*>(sqes);
    g_ep.mapped = g_ep.sqes_mapped = true;
    g_ep.head = g_ep.tail = *g_ep.word(params.sq_off.head);
    g_ep.cq_head = g_ep.cq_tail_seen = *g_ep.word(params.cq_off.head);
    // Fresh memory: every index slot says 0, every SQE is a NOP with tag 0.
    for (uint32_t i = 0; i < g_ep.entries; ++i) g_ep.shadow[i] = {Expect::Zero, -1, -1};
    if (!g_probed) {  // which opcodes does this kernel have?
        static struct {
            ring::Probe header;
            ring::ProbeOp ops[256];
        } probe;
        g_probed = iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterProbe, &probe, 256) == 0;
        for (int op = 0; g_probed && op < probe.header.ops_len; ++op)
            g_supported[probe.ops[op].op] = probe.ops[op].flags & ring::kOpSupported;
        g_fixed = g_supported[static_cast<uint8_t>(Op::ReadFixed)];
    }
    const int pipes = static_cast<int>(rng.range(1, kMaxPipes));
    for (int i = 0; i < pipes; ++i) new_pipe(i, rng.one_in(2));
    ++g.episodes;
    if (g_ep.sqpoll) ++g.sqpoll_episodes;
    return true;
}

/// Queue 0..room SQEs at our tail and publish them; some index slots point
/// at other slots' SQEs or out of range. An SQE a published slot may still
/// be waiting for (refs) is pointed at again, never rewritten.
void queue_sqes(fuzz::Rng& rng) {
    observe_head();
    const uint32_t room = g_ep.entries - (g_ep.tail - g_ep.head);
    const uint32_t n = static_cast<uint32_t>(rng.range(0, room));
    uint32_t tail = g_ep.tail;
    for (uint32_t i = 0; i < n; ++i, ++tail) {
        const uint32_t slot = tail & g_ep.mask;
        uint32_t index = slot;
        if (rng.one_in(16)) index = static_cast<uint32_t>(rng.below(g_ep.entries));  // share another slot's SQE
        if (rng.one_in(32)) index = static_cast<uint32_t>(rng.range(g_ep.entries, 0xffffffff));  // dropped
        if (index < g_ep.entries && g_ep.refs[index] == 0 && (index == slot || rng.one_in(2))) fill_sqe(rng, index);
        g_ep.word(g_ep.p.sq_off.array)[slot] = index;
        g_ep.shadow_index[slot] = index;
    }
    // A stale slot or two past them: published again as they are (SQPOLL's garbage tail).
    if (g_ep.sqpoll && rng.one_in(16)) tail += static_cast<uint32_t>(rng.below(g_ep.entries - (tail - g_ep.head) + 1));
    publish(tail);
    // liburing's rule: after the tail, a full barrier, then wake the thread if it sleeps.
    if (g_ep.sqpoll && !rng.one_in(8)) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (*g_ep.word(g_ep.p.sq_off.flags) & ring::kSqNeedWakeup) enter(0, 0, ring::kEnterSqWakeup);
    }
}

/// Restore a shared index we scribbled on, unless the kernel wrote it since.
void restore(uint32_t* shared, uint32_t garbage, uint32_t value) {
    __atomic_compare_exchange_n(shared, &garbage, value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/// io_uring_enter with random counts and flags, garbage in the shared words around it.
void random_enter(fuzz::Rng& rng) {
    observe_head();
    const uint32_t pending = g_ep.tail - g_ep.head;
    uint32_t to_submit = static_cast<uint32_t>(rng.pick<uint64_t>({pending, pending, 0, rng.below(pending + 1),
                                                                   pending + rng.range(1, 8), 0xffffffff}));
    uint32_t min_complete = static_cast<uint32_t>(rng.pick<uint64_t>({0, 0, 1, rng.range(2, 64), 0xffffffff}));
    uint32_t flags = static_cast<uint32_t>(rng.pick<uint64_t>({0, ring::kEnterGetEvents, ring::kEnterGetEvents,
                                                               ring::kEnterSqWakeup | ring::kEnterGetEvents,
                                                               ring::kEnterSqWait, rng.below(32), rng.next() & 0xffffffff}));
    uint32_t* sq_tail = g_ep.word(g_ep.p.sq_off.tail);
    uint32_t* sq_head = g_ep.word(g_ep.p.sq_off.head);
    uint32_t* cq_head = g_ep.word(g_ep.p.cq_off.head);
    uint32_t* cq_tail = g_ep.word(g_ep.p.cq_off.tail);
    const uint32_t dropped_before = *g_ep.word(g_ep.p.sq_off.dropped);
    const uint32_t overflow_before = *g_ep.word(g_ep.p.cq_off.overflow);
    const uint32_t true_cq_tail = iou::load_acquire(cq_tail);
    // Garbage the kernel must not trust; each is undone after the enter.
    const uint32_t which = static_cast<uint32_t>(rng.below(12));
    uint32_t garbage = static_cast<uint32_t>(rng.next());
    if (which == 0 && !g_ep.sqpoll) *sq_tail = garbage;  // stale slots get submitted: accounted like any other
    if (which == 1) *sq_head = garbage, to_submit = g_ep.sqpoll ? to_submit : 0;  // nothing republishes it here
    if (which == 2) {
        // A CQ head that claims nothing we have not reaped: behind ours, or past the tail.
        garbage = rng.one_in(2) ? g_ep.cq_head - static_cast<uint32_t>(rng.range(1, 0x7fffffff))
                                : true_cq_tail + static_cast<uint32_t>(rng.range(1, 0x7fffffff));
        *cq_head = garbage;
        g_ep.cq_scrambled = true;
    }
    // With threads the kernel may post (and publish its tail) at any time: then
    // restoring the old tail would hide CQEs, so only chapter 06 tries this.
    if (which == 3 && !g_threads) *cq_tail = garbage = true_cq_tail + 0x80000000u;
    if (which == 4) *g_ep.word(g_ep.p.sq_off.flags) = garbage;
    if (which == 5) *g_ep.word(g_ep.p.cq_off.flags) = garbage;
    if (which == 6) *g_ep.word(g_ep.p.sq_off.ring_mask) = garbage, *g_ep.word(g_ep.p.cq_off.ring_entries) = garbage;
    if (g_threads || g_ep.sqpoll) {
        // A wait must end (see the top of this file); an SQPOLL thread may sleep.
        if ((flags & ring::kEnterGetEvents) && min_complete > safe_wait()) min_complete = static_cast<uint32_t>(rng.below(safe_wait() + 1));
        if (g_ep.sqpoll && (flags & (ring::kEnterSqWait | ring::kEnterGetEvents))) flags |= ring::kEnterSqWakeup;
    }
    if (flags & ring::kEnterSqWait) ++g.sq_waits;

    const long r = enter(to_submit, min_complete, flags);

    if (which == 1) restore(sq_head, garbage, g_ep.head);
    if (which == 2) *cq_head = g_ep.cq_head;
    if (which == 3 && !g_threads) restore(cq_tail, garbage, true_cq_tail);  // nothing was posted: put it back
    if (r == -Errno::BadR && !g_ep.cq_scrambled) violation("completions lost (-EBADR) with an honest CQ head", 0, 0);
    const uint32_t lost = *g_ep.word(g_ep.p.cq_off.overflow) - overflow_before;
    if (lost && !g_ep.cq_scrambled) violation("the CQ overflow counter moved with an honest CQ head", lost, 0);
    g.lost += lost;
    g_ep.lost += lost;
    if (g_ep.sqpoll) {
        // Linux answers to_submit (the thread submits), or the error of a wait that took nothing.
        if (r >= 0 && static_cast<uint64_t>(r) != to_submit) violation("SQPOLL enter did not answer to_submit", r, to_submit);
        observe_head();
        return;
    }
    account(r, dropped_before);
    iou::store_release(sq_tail, g_ep.tail);
    if (r > 0 && static_cast<uint64_t>(r) > to_submit) violation("enter took more SQEs than asked", static_cast<uint64_t>(r), to_submit);
}

/// SQPOLL: fill what room is left, then IORING_ENTER_SQ_WAIT (with
/// SQ_WAKEUP): it must return, whether the thread can take them or not.
void sq_wait(fuzz::Rng& rng) {
    queue_sqes(rng);
    ++g.sq_waits;
    const long r = enter(0, 0, ring::kEnterSqWait | ring::kEnterSqWakeup);
    if (r != 0 && r != -Errno::Busy && r != -Errno::Again) violation("SQ_WAIT answered neither 0 nor EBUSY/EAGAIN", r, 0);
    observe_head();
}

/// Unmap whichever of the rings and the SQE array are still mapped.
void unmap_rings() {
    if (g_ep.mapped) sys::munmap(g_ep.rings, g_ep.rings_len);
    if (g_ep.sqes_mapped) sys::munmap(g_ep.sqes, g_ep.sqes_len);
    g_ep.mapped = g_ep.sqes_mapped = false;
}

/// Flush the backlog and reap until nothing more is owed (SQPOLL: and every
/// published slot was taken), or until nothing more comes.
void reap_all() {
    for (int quiet = 0, rounds = 0; quiet < 10 && rounds < 5000; ++rounds) {
        observe_head();
        const bool all_taken = !g_ep.sqpoll || g_ep.head == g_ep.tail;
        const uint32_t flags = ring::kEnterGetEvents | (g_ep.sqpoll ? ring::kEnterSqWakeup : 0);
        const long r = enter(0, all_taken ? 0 : (safe_wait() > 0 ? 1 : 0), flags);
        if (r < 0 && r != -Errno::BadR) violation("enter(GETEVENTS) failed", static_cast<uint64_t>(r), 0);
        const bool none = reap(0xffffffff) == 0;
        if (all_taken && g_owed.total == 0) break;
        quiet = none && all_taken ? quiet + 1 : 0;
        // Chapter 13: a TIMEOUT (at most 3 ms) fires when the ring is next
        // entered after its time, and what waits behind it only then. And a
        // DRAIN may hold back the CLOSE of the very pipe end a READ before it
        // waits on (as on Linux): these naps count as waiting, so the second
        // thread closes everything after 20 ms of them.
        if (quiet) {
            __atomic_store_n(&g_helper.waiting, ~0ull, __ATOMIC_RELAXED);
            fuzz::nap_ms(4);
        }
    }
    __atomic_store_n(&g_helper.waiting, 0, __ATOMIC_RELAXED);
}

/// The end of an episode. Drained: every pipe's writer is closed (parked
/// READs see end of file), every CQE reaped, and nothing may still be owed.
/// Otherwise the ring is closed (perhaps unmapped first, perhaps once its
/// SQPOLL thread sleeps) with requests owed.
void tear_down(fuzz::Rng& rng) {
    const uint32_t how = static_cast<uint32_t>(rng.below(10));
    if (how < 6 && g_ep.mapped) {
        if (g_fixed) unregister_files();  // a registered write end would keep a pipe from its end of file
        for (int i = 0; i < kMaxPipes; ++i) close_fd(pipe_end(i, false));
        reap_all();
        if (g_owed.total > g_ep.lost)
            violation("accepted SQEs never completed (count, first tag)", g_owed.total, g_owed.entries[0].tag);
    } else {
        if (g_ep.sqpoll && g_ep.idle_ms && g_ep.idle_ms <= 20 && rng.one_in(2)) {
            fuzz::nap_ms(g_ep.idle_ms + 10);  // its thread has gone to sleep by now
            ++g.closed_asleep;
        }
        if (how == 9 && g_ep.mapped) {
            unmap_rings();  // the ring's memory first, then the fd
            ++g.unmapped;
        }
        g.cancelled += g_owed.total;
        if (g_owed.total) ++g.closed_parked;
        close_fd(g_ep.fd);
        g_ep.fd = -1;
        // Now the pipes, parked READs already cancelled: both ends are fine to close.
        for (int i = 0; i < kMaxPipes; ++i) {
            if (rng.one_in(2)) write_pipe(rng);
            close_fd(pipe_end(i, true));
            close_fd(pipe_end(i, false));
        }
    }
    for (int i = 0; i < kMaxPipes; ++i) {
        close_fd(pipe_end(i, true));
        close_fd(pipe_end(i, false));
    }
    // A mapping outlives its fd (as on Linux): unmapped here, whether the fd is closed or not.
    unmap_rings();
    if (g_ep.fd >= 0) close_fd(g_ep.fd);
}

/// Map the rings again through the ring fd, as Linux allows after a munmap.
/// The new mappings must be real memory (asked of the kernel with a write(2)
/// from them into a pipe, which fails with -EFAULT instead of faulting here);
/// then the episode goes on with them, and everything it was owed is still owed.
void remap() {
    unmap_rings();  // the SQE array may still be mapped: a fresh pair replaces both
    const int rw = abi::prot::Read | abi::prot::Write;
    const long rings = sys::mmap(nullptr, g_ep.rings_len, rw, abi::map::Shared, g_ep.fd, ring::kOffSqRing);
    const long sqes = sys::mmap(nullptr, g_ep.sqes_len, rw, abi::map::Shared, g_ep.fd, ring::kOffSqes);
    g_ep.rings = reinterpret_cast<uint8_t*>(rings);
    g_ep.sqes = reinterpret_cast<Sqe*>(sqes);
    g_ep.mapped = !failed(rings);
    g_ep.sqes_mapped = !failed(sqes);
    if (failed(rings) || failed(sqes)) {
        unmap_rings();
        return violation("mmap of a ring fd failed after munmap", rings, sqes);
    }
    int fds[2];
    if (sys::pipe2(fds, abi::open_flag::NonBlock) != 0) return unmap_rings();
    // -EFAULT if a mapping is not there. Any other failure is the second
    // thread's doing: closing everything, it may close this pipe under us
    // (on two CPUs, even after our wait has ended), and nothing is learnt.
    const long from_rings = sys::write(fds[1], reinterpret_cast<void*>(rings), 1);
    const long from_sqes = sys::write(fds[1], reinterpret_cast<void*>(sqes), 1);
    sys::close(fds[0]);
    sys::close(fds[1]);
    if (from_rings == -Errno::Fault || from_sqes == -Errno::Fault) {
        unmap_rings();
        return violation("mmap of a ring fd returned memory that is not there", rings, sqes);
    }
}

/// One episode: set up, a random number of steps, tear down.
void episode(fuzz::Rng& rng) {
    if (!set_up(rng)) {
        ++g.violations;
        return;
    }
    const uint64_t steps = rng.range(1, 200);
    for (uint64_t i = 0; i < steps && g_ep.mapped; ++i) {
        constexpr uint32_t kWeights[] = {150, 150, 75, 40, 15, 10, 10, 1, 5, 12};
        switch (rng.weighted(kWeights)) {
        case 0: queue_sqes(rng); break;
        case 1: random_enter(rng); break;
        case 2: reap(static_cast<uint32_t>(rng.range(1, 64))); break;
        case 3: write_pipe(rng); break;
        case 4: close_fd(random_pipe_end(rng, rng.one_in(2))); break;  // close(2) of one pipe end
        case 5: {  // a fresh pipe in an empty slot
            const int slot = static_cast<int>(rng.below(kMaxPipes));
            if (pipe_end(slot, true) < 0 && pipe_end(slot, false) < 0) new_pipe(slot, false);
            break;
        }
        case 6: {  // the probe, on this ring
            uint8_t probe[16 + 8 * 64] = {};
            logged("register", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterProbe, probe,
                                                           static_cast<uint32_t>(rng.below(70))));
            break;
        }
        case 7: {  // unmap the rings mid-way: they are the kernel's memory, so they live on
            sys::munmap(g_ep.rings, g_ep.rings_len);
            g_ep.mapped = false;
            if (rng.one_in(2)) unmap_rings();
            ++g.unmapped;
            // As on Linux, enter still works: nothing to submit, nothing to wait for.
            const long r = iou::raw::io_uring_enter(g_ep.fd, 0, 0, ring::kEnterGetEvents);
            if (r != 0 && r != -Errno::BadR) violation("enter on unmapped rings failed", static_cast<uint64_t>(r), 0);
            write_pipe(rng);  // a parked READ would complete now, into memory that is gone
            if (rng.one_in(2)) remap();
            break;
        }
        case 8:
            if (g_ep.sqpoll) sq_wait(rng);
            break;
        default: register_step(rng); break;
        }
    }
    tear_down(rng);
}

// -------------------------------------------------- the second thread

/// With threads: data into the pipes now and then, a byte into every pipe
/// every 3 ms the main thread waits (each completes one parked READ), and
/// every descriptor but the ring's closed when it has waited 20 ms (end of
/// file for every parked READ: a pipe may have more parked than bytes came).
void helper(void*) {
    fuzz::Rng rng(g_seed ^ 0xa5a5a5a5a5a5a5a5ull);
    uint64_t seen = 0;
    for (int same = 0; !__atomic_load_n(&g_helper.stop, __ATOMIC_RELAXED);) {
        fuzz::nap_ms(1);
        const uint64_t waiting = __atomic_load_n(&g_helper.waiting, __ATOMIC_RELAXED);
        same = waiting && waiting == seen ? same + 1 : 0;
        seen = waiting;
        const bool unblock = same > 0 && same % 3 == 0;
        if (rng.one_in(4) || unblock)
            for (int i = 0; i < kMaxPipes; ++i) {
                const int fd = pipe_end(i, false);
                if (fd >= 0 && (unblock || rng.one_in(kMaxPipes)) && sys::write(fd, ".", 1) == 1) ++g_helper.writes;
            }
        if (same == 20) {
            // Odd while we close: a call of the main thread's that overlaps any part of it sees that.
            __atomic_add_fetch(&g_helper.unblocks, 1, __ATOMIC_SEQ_CST);
            const int ring_fd = __atomic_load_n(&g_ep.fd, __ATOMIC_RELAXED);
            // Registered files hold pipe ends open too.
            if (g_fixed) iou::raw::io_uring_register(ring_fd, ring::RegisterOp::UnregisterFiles, nullptr, 0);
            fuzz::close_all_but_console(ring_fd);
            __atomic_add_fetch(&g_helper.unblocks, 1, __ATOMIC_SEQ_CST);
        }
    }
}

bool parse_arguments(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const fuzz::Word w = fuzz::split_word(argv[i]);
        bool ok = true;
        if (w.key == "seed") ok = fuzz::parse_number(w.value, g_seed);
        else if (w.key == "count") ok = fuzz::parse_number(w.value, g_count);
        else if (w.key == "log") ok = fuzz::parse_number(w.value, g_log_from);
        else if (w.key == "every") ok = fuzz::parse_number(w.value, g_every);
        else ok = false;
        if (!ok) {
            print("fuzz-uring: bad argument '{}'; use seed=N count=N log=N every=N\n", argv[i]);
            return false;
        }
    }
    return true;
}

}  // namespace

/// Run episodes from seed= until count= SQEs were accepted; 0 if every rule held.
int main(int argc, char** argv, char**) {
    if (!parse_arguments(argc, argv)) return 2;
    if (g_every == 0) g_every = g_count / 4 > 0 ? g_count / 4 : 1;
    g_threads = fuzz::kernel_has_threads();
    fuzz::ignore_sigpipe();
    print("fuzz-uring: seed {}, {} SQEs{}\n", g_seed, g_count, g_threads ? ", a second thread" : "");
    const long data = sys::mmap(reinterpret_cast<void*>(kData), kDataSize + kPage, abi::prot::Read | abi::prot::Write,
                                abi::map::Private | abi::map::Anonymous | abi::map::Fixed, -1, 0);
    if (data != static_cast<long>(kData)) {
        print("fuzz-uring: cannot map the data area: {}\n", data);
        return 2;
    }
    mem::fill(reinterpret_cast<void*>(kData), '.', kDataSize);
    map_scratch();
    if (g_threads) {
        g_helper.tid_word = 1;
        const long tid = clone_thread(kThreadFlags | abi::clone_flag::ParentSetTid | abi::clone_flag::ChildClearTid,
                                      reinterpret_cast<uint64_t>(g_helper_stack + sizeof g_helper_stack),
                                      reinterpret_cast<uint64_t>(&g_helper.tid_word),
                                      reinterpret_cast<uint64_t>(&g_helper.tid_word), 0, helper, nullptr);
        if (tid < 0) {
            print("fuzz-uring: cannot start the second thread: {}\n", tid);
            return 2;
        }
    }
    fuzz::Rng rng(g_seed);
    for (uint64_t next = g_every; g.accepted < g_count && g.violations < 100;) {
        episode(rng);
        if (g.accepted >= next) {
            print("fuzz-uring: {} SQEs accepted, {} episodes\n", g.accepted, g.episodes);
            next += g_every;
        }
    }
    if (g_threads) {
        __atomic_store_n(&g_helper.stop, 1, __ATOMIC_RELAXED);
        while (__atomic_load_n(&g_helper.tid_word, __ATOMIC_ACQUIRE) != 0) fuzz::nap_ms(1);
    }
    print("fuzz-uring: {} episodes ({} SQPOLL), {} enters ({} SQ_WAIT), {} SQEs written, {} accepted, {} dropped\n",
          g.episodes, g.sqpoll_episodes, g.enters, g.sq_waits, g.sqes_written, g.accepted, g.dropped);
    print("fuzz-uring: {} CQEs reaped, {} cancelled with their ring ({} rings closed with requests owed, {} of "
          "them asleep, {} unmapped), {} lost to a scrambled CQ head\n",
          g.cqes, g.cancelled, g.closed_parked, g.closed_asleep, g.unmapped, g.lost);
    print("fuzz-uring: SQEs filled:");
    for (size_t i = 0; i < sizeof kOpcodes / sizeof kOpcodes[0]; ++i) print(" {} {},", kOpcodes[i].name, g_filled[i]);
    print(" one thing wrong {}, random bytes {}\n", g_filled[sizeof kOpcodes / sizeof kOpcodes[0]],
          g_filled[sizeof kOpcodes / sizeof kOpcodes[0] + 1]);
    print("fuzz-uring: {} register calls checked{}\n", g.registers,
          g_fixed ? " (registered buffers and files)" : " (none offered: EINVAL)");
    if (g_threads)
        print("fuzz-uring: the second thread wrote {} times and closed everything {} times\n", g_helper.writes,
              g_helper.unblocks / 2);
    print("fuzz-uring: {} SQEs, seed {}, {}\n", g.accepted, g_seed, g.violations ? "FAILED" : "ok");
    return g.violations ? 1 : 0;
}
