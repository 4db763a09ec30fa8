/**
 * @file user/programs/fuzz-uring.cpp
 * @brief io_uring abused from the user's side: random SQEs, corrupted
 * indices, rings unmapped or closed with requests parked. The kernel must
 * survive, and every SQE it accepted must complete exactly once.
 *
 *     fuzz-uring seed=S count=N [avoid=close-parked,backlog-drop,remap,blocking|known] [log=EPISODE] [every=P]
 *
 * The run is a series of episodes. Each sets up a ring of a random size and
 * a few pipes, then takes random steps: fill SQEs (NOPs, reads and writes on
 * the pipes, vectored ones, closes, and invalid ones: unknown opcodes, flags,
 * priorities, fds, kernel and unmapped buffers), point index-array slots at
 * other SQEs or out of range, write garbage into the shared heads and tails,
 * call io_uring_enter with any counts and flags, reap CQEs, write to and
 * close pipes so parked READs complete. An episode ends in one of three
 * ways: drained (every pipe's writer closed, every CQE reaped), ring closed
 * with READs still parked, or rings unmapped first and then closed.
 *
 * The bookkeeping that makes "exactly once" checkable: every SQE written
 * gets a new tag in user_data, and the program keeps a copy of the index
 * array and of each SQE slot's tag. io_uring_enter's result says how many
 * SQEs the kernel took (the dropped counter says whether one more slot was
 * skipped), so the program knows which slots were consumed and which tags it
 * is owed. Each CQE must carry an owed tag (else: a phantom or duplicate);
 * after a drain nothing may still be owed (else: a lost completion), except
 * what the CQ overflow counter admits while the program had scrambled its
 * CQ head. A ring closed or unmapped with requests parked owes nothing:
 * they are cancelled, as the kernel documents. Any broken rule prints a
 * VIOLATION line; the last line is "fuzz-uring: ... ok" only if none did.
 *
 * On chapter 06's kernel a wait that can never be satisfied returns
 * -EDEADLK at once and a READ on an empty pipe parks, so nothing here can
 * block. avoid= keeps away from the patterns of known kernel bugs, so that
 * a long run can look for others: close-parked (closing both ends of a pipe
 * while a READ is parked on it frees the pipe twice), backlog-drop (an enter
 * without GETEVENTS while completions wait in the backlog can drop one; see
 * regress-uring-backlog-drop), remap (mapping the rings again through the
 * ring fd after unmapping them returns memory that is not there; see
 * regress-uring-remap), known (all three). From chapter 07 on a kernel can
 * wait, and does so where Linux does: avoid=blocking makes every pipe
 * O_NONBLOCK (a write to a full one, or a WRITE SQE, would sleep) and
 * every io_uring_enter wait for no CQE (one for a READ nobody will feed
 * would sleep for ever).
 */
#include "runtime/fuzz.h"
#include "runtime/print.h"
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
constexpr uint32_t kMaxEntries = 256;                // largest SQ this program makes
constexpr int kMaxPipes = 6;
constexpr int kMaxFd = 64;
const char kDots[9] = "........";

// ---------------------------------------------------------------- state

uint64_t g_seed = 1, g_count = 20000, g_log_from = ~0ull, g_every = 0;
bool g_avoid_close_parked = false;  // avoid=close-parked
bool g_avoid_backlog_drop = false;  // avoid=backlog-drop
bool g_avoid_remap = false;         // avoid=remap
bool g_avoid_blocking = false;      // avoid=blocking

/// Totals over the run, printed at the end.
struct Totals {
    uint64_t episodes, sqes_written, enters, accepted, dropped, cqes, cancelled, lost, violations;
    uint64_t pipe_writes, closes, unmapped, closed_parked;
} g;

void violation(StringView what, uint64_t a, uint64_t b) {
    ++g.violations;
    if (g.violations <= 20)
        print("fuzz-uring: VIOLATION in episode {} after {} SQEs: {} ({:#x}, {:#x})\n", g.episodes, g.accepted, what,
              a, b);
}

bool failed(long r) { return r < 0 && r >= -4095; }

/// What a CQE for a tag may say.
enum class Expect : uint8_t { Any, Zero, NonPositive };

/// What the program is owed: one entry per CQE still to come. Few are ever
/// outstanding at once (the kernel holds at most 32 requests in flight, and
/// the CQ and its backlog a few hundred CQEs), so a plain array will do.
struct Owed {
    static constexpr size_t kMax = 2048;
    struct Entry {
        uint64_t tag;
        Expect expect;
        int32_t read_fd;  ///< a READ/READV on this fd, which may park there; -1 otherwise
    };
    Entry entries[kMax];
    size_t total = 0;

    bool add(uint64_t tag, Expect expect, int32_t read_fd) {
        if (total == kMax) return false;
        entries[total++] = {tag, expect, read_fd};
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
    /// Could a READ be parked on @p fd?
    [[nodiscard]] bool reads_on(int fd) const {
        for (size_t i = 0; i < total; ++i)
            if (fd >= 0 && entries[i].read_fd == fd) return true;
        return false;
    }
} g_owed;

/// One pipe of this episode; -1 for an end that is closed.
struct Pipe {
    int rd = -1, wr = -1;
};

/// The ring of the current episode, as the user sees it.
struct Episode {
    int fd = -1;
    ring::Params p{};
    uint8_t* rings = nullptr;
    Sqe* sqes = nullptr;
    uint64_t rings_len = 0, sqes_len = 0;
    bool mapped = false;       ///< the rings are mapped (the episode can go on)
    bool sqes_mapped = false;  ///< the SQE array is mapped
    uint32_t entries = 0, mask = 0, cq_entries = 0, cq_mask = 0;
    uint32_t head = 0;     ///< the kernel's SQ head, as we have worked it out
    uint32_t tail = 0;     ///< our SQ tail: the next slot to fill
    uint32_t cq_head = 0;  ///< our CQ head
    uint32_t cq_tail_seen = 0;
    uint32_t shadow_index[kMaxEntries];  ///< what we wrote in each index array slot
    uint64_t shadow_tag[kMaxEntries];    ///< the tag in each SQE slot
    Expect shadow_expect[kMaxEntries];
    int32_t shadow_read_fd[kMaxEntries];
    bool cq_scrambled = false;  ///< CQ head was garbage during an enter: losses are ours
    uint64_t lost = 0;          ///< completions the overflow counter admits losing
    Pipe pipes[kMaxPipes];

    uint32_t* word(uint32_t offset) const { return reinterpret_cast<uint32_t*>(rings + offset); }
} g_ep;
uint64_t g_next_tag = 1;

// ------------------------------------------------------------------ calls

long logged(StringView what, long r) {
    if (g.episodes >= g_log_from) print("fuzz-uring: {} -> {}\n", what, r);
    return r;
}

long enter(uint32_t to_submit, uint32_t min_complete, uint32_t flags) {
    ++g.enters;
    if (g.episodes >= g_log_from)
        print("fuzz-uring: enter({}, {}, {:#x}) head={} tail={} cq_head={}\n", to_submit, min_complete, flags,
              g_ep.head, g_ep.tail, g_ep.cq_head);
    return logged("enter", iou::raw::io_uring_enter(g_ep.fd, to_submit, min_complete, flags));
}

/// Close @p fd, and forget it wherever this episode knows it.
void close_fd(int fd) {
    if (fd < 0) return;
    ++g.closes;
    logged("close", sys::close(fd));
    for (Pipe& p : g_ep.pipes) {
        if (p.rd == fd) p.rd = -1;
        if (p.wr == fd) p.wr = -1;
    }
}

/// Would closing @p fd close the last end of a pipe that a READ may be parked on?
bool close_is_hazard(int fd) {
    if (!g_avoid_close_parked) return false;
    for (const Pipe& p : g_ep.pipes)
        if (fd == p.rd && g_owed.reads_on(fd)) return true;  // a parked READ would then hold the last reader
    return false;
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
    const long fd = iou::raw::io_uring_setup(entries, &params);
    if (fd < 0) {
        print("fuzz-uring: io_uring_setup({}) failed: {}\n", entries, fd);
        return false;
    }
    g_ep.fd = static_cast<int>(fd);
    g_ep.p = params;
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
    for (uint32_t i = 0; i < g_ep.entries; ++i) g_ep.shadow_expect[i] = Expect::Zero, g_ep.shadow_read_fd[i] = -1;
    const int pipes = static_cast<int>(rng.range(1, kMaxPipes));
    for (int i = 0; i < pipes; ++i) {
        int fds[2];
        const bool nonblocking = rng.one_in(2) || g_avoid_blocking;
        if (sys::pipe2(fds, nonblocking ? abi::open_flag::NonBlock : 0) == 0) g_ep.pipes[i] = {fds[0], fds[1]};
    }
    ++g.episodes;
    return true;
}

int random_pipe_end(fuzz::Rng& rng, bool read_end) {
    const Pipe& p = g_ep.pipes[rng.below(kMaxPipes)];
    return read_end ? p.rd : p.wr;
}

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

/// Fill SQE slot @p index with a random request; record its tag and expectation.
void fill_sqe(fuzz::Rng& rng, uint32_t index) {
    Sqe s{};
    Expect expect = Expect::Any;
    int32_t read_fd = -1;
    constexpr uint32_t kWeights[] = {12, 14, 12, 5, 5, 4, 12, 4};
    switch (rng.weighted(kWeights)) {
    case 0:  // NOP
        expect = Expect::Zero;
        break;
    case 1: {  // READ from a pipe (or the console), often parking on an empty one
        const int fd = rng.one_in(8) ? 0 : random_pipe_end(rng, true);
        const uint64_t off = rng.below(kDataSize);
        iou::prep_read(&s, fd, reinterpret_cast<void*>(kData + off), static_cast<uint32_t>(rng.below(kDataSize - off + 1)));
        read_fd = fd;
        break;
    }
    case 2: {  // WRITE into a pipe: wakes READs parked on it
        const int fd = random_pipe_end(rng, false);
        const uint64_t off = rng.below(kDataSize);
        iou::prep_write(&s, fd, reinterpret_cast<void*>(kData + off),
                        static_cast<uint32_t>(rng.below(kDataSize - off + 1)));
        break;
    }
    case 3:
    case 4: {  // READV / WRITEV with an iovec array pointing into the data area
        const bool write = rng.one_in(2);
        const int fd = random_pipe_end(rng, !write);
        const uint64_t first = rng.below(kIovCount - 4);
        const uint32_t count = static_cast<uint32_t>(rng.range(1, 4));
        auto* iov = reinterpret_cast<abi::IoVec*>(kIovs) + first;
        for (uint32_t i = 0; i < count; ++i) {
            const uint64_t off = rng.below(kDataSize);
            iov[i] = {kData + off, rng.below(kDataSize - off + 1)};
        }
        if (write) iou::prep_writev(&s, fd, iov, count);
        else iou::prep_readv(&s, fd, iov, count), read_fd = fd;
        break;
    }
    case 5: {  // CLOSE a pipe end. With avoid=close-parked only fds that are no pipe's:
               // by the time the SQE is submitted, its fd may be a new pipe's read end.
        int fd = g_avoid_close_parked ? -1 : random_pipe_end(rng, rng.one_in(2));
        if (fd < 0) fd = static_cast<int>(hostile_fd(rng));
        if (fd == 1 || fd == 2) fd = -1;
        iou::prep_close(&s, fd);
        break;
    }
    case 6: {  // a well-formed request with one thing wrong
        const bool read = rng.one_in(2);
        const int fd = random_pipe_end(rng, read);
        iou::prep_rw(&s, rng.pick<Op>({Op::Read, Op::Write, Op::Readv, Op::Writev, Op::Nop}), fd, kData, 16, ~0ull);
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
        if (s.fd >= 0 && s.fd <= 2) s.fd = -1;  // keep garbage off the console
        // A bad address or fd may still not be reached (a NOP ignores both);
        // whatever it is, a NULL or kernel buffer can never move bytes.
        expect = s.addr < 0x10000 || s.addr >= kUserEnd ? Expect::NonPositive : Expect::Any;
        if (s.opcode == static_cast<uint8_t>(Op::Read) || s.opcode == static_cast<uint8_t>(Op::Readv)) read_fd = s.fd;
        break;
    }
    default: {  // 64 random bytes
        auto* bytes = reinterpret_cast<uint64_t*>(&s);
        for (size_t i = 0; i < sizeof s / 8; ++i) bytes[i] = rng.next();
        if (rng.one_in(2)) s.opcode = static_cast<uint8_t>(rng.below(static_cast<uint64_t>(Op::Last)));
        if (s.fd >= 0 && s.fd <= 2) s.fd = -1;
        if (s.opcode == static_cast<uint8_t>(Op::Close) && g_avoid_close_parked) s.fd = -1;
        if (s.opcode == static_cast<uint8_t>(Op::Read) || s.opcode == static_cast<uint8_t>(Op::Readv)) read_fd = s.fd;
        break;
    }
    }
    s.user_data = g_next_tag++;
    if (g.episodes >= g_log_from)
        print("fuzz-uring: sqe[{}] op={} flags={:#x} fd={} addr={:#x} len={} tag={}\n", index, s.opcode, s.flags, s.fd,
              s.addr, s.len, s.user_data);
    g_ep.sqes[index] = s;
    g_ep.shadow_tag[index] = s.user_data;
    g_ep.shadow_expect[index] = expect;
    g_ep.shadow_read_fd[index] = read_fd;
    ++g.sqes_written;
}

/// Queue 1..entries SQEs at our tail; some index slots point elsewhere or out of range.
void queue_sqes(fuzz::Rng& rng) {
    const uint32_t room = g_ep.entries - (g_ep.tail - g_ep.head);
    const uint32_t n = static_cast<uint32_t>(rng.range(0, room));
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t slot = g_ep.tail & g_ep.mask;
        uint32_t index = slot;
        if (rng.one_in(16)) index = static_cast<uint32_t>(rng.below(g_ep.entries));  // share another slot's SQE
        if (rng.one_in(32)) index = static_cast<uint32_t>(rng.range(g_ep.entries, 0xffffffff));  // dropped
        if (index < g_ep.entries && (index == slot || rng.one_in(2))) fill_sqe(rng, index);
        g_ep.word(g_ep.p.sq_off.array)[slot] = index;
        g_ep.shadow_index[slot] = index;
        ++g_ep.tail;
    }
    iou::store_release(g_ep.word(g_ep.p.sq_off.tail), g_ep.tail);
}

/// Count @p tag as owed, with what its CQE may say.
void owe(uint64_t tag, Expect expect, int32_t read_fd) {
    if (!g_owed.add(tag, expect, read_fd)) violation("too many requests owed to track", tag, g_owed.total);
}

/// After io_uring_enter returned @p r: which slots did the kernel consume, and what does it owe us?
/// From our head on, one slot per SQE it accepted (r), then one more if the
/// dropped counter moved: a slot whose index was out of range, which ends a batch.
void account(long r, uint32_t dropped_before) {
    const uint32_t dropped = *g_ep.word(g_ep.p.sq_off.dropped) - dropped_before;
    const uint32_t accepted = r > 0 ? static_cast<uint32_t>(r) : 0;
    if (dropped > 1) violation("more than one slot dropped in one enter", dropped, accepted);
    if (accepted + dropped > g_ep.entries) return violation("enter took more SQEs than the ring holds", accepted, dropped);
    uint32_t consumed = 0;
    for (; consumed < accepted; ++consumed) {
        const uint32_t index = g_ep.shadow_index[(g_ep.head + consumed) & g_ep.mask];
        if (index >= g_ep.entries) violation("enter counted a slot with an out-of-range index", index, accepted);
        else owe(g_ep.shadow_tag[index], g_ep.shadow_expect[index], g_ep.shadow_read_fd[index]);
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
    g_ep.head += consumed;
    if (consumed > 0 && shared_head != g_ep.head) violation("the SQ head does not match enter's result", shared_head, g_ep.head);
    if (g_ep.head - g_ep.tail < 0x80000000u) g_ep.tail = g_ep.head;  // a garbage tail let it run past ours
    // CLOSE requests ran during enter: forget the fds they closed.
    for (uint32_t i = 0; i < consumed; ++i) {
        const uint32_t index = g_ep.shadow_index[(g_ep.head - consumed + i) & g_ep.mask];
        if (index >= g_ep.entries) continue;
        const Sqe& sqe = g_ep.sqes[index];
        if (sqe.opcode == static_cast<uint8_t>(Op::Close))
            for (Pipe& p : g_ep.pipes) {
                if (p.rd == sqe.fd) p.rd = -1;
                if (p.wr == sqe.fd) p.wr = -1;
            }
    }
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
    if (g.episodes >= g_log_from) print("fuzz-uring: reap {} of {} (tail {})\n", n, ready, tail);
    const Cqe* cqes = reinterpret_cast<const Cqe*>(g_ep.rings + g_ep.p.cq_off.cqes);
    for (uint32_t i = 0; i < n; ++i) {
        const Cqe& c = cqes[(g_ep.cq_head + i) & g_ep.cq_mask];
        Owed::Entry e;
        if (!g_owed.take(c.user_data, e)) {
            violation("a CQE for no request owed (phantom or duplicate)", c.user_data, static_cast<uint64_t>(c.res));
            continue;
        }
        ++g.cqes;
        const bool ok = e.expect == Expect::Any || (e.expect == Expect::Zero && c.res == 0) ||
                        (e.expect == Expect::NonPositive && c.res <= 0);
        if (!ok) violation("a CQE result breaks its request's rule", c.user_data, static_cast<uint64_t>(c.res));
    }
    g_ep.cq_head += n;
    iou::store_release(g_ep.word(g_ep.p.cq_off.head), g_ep.cq_head);
    return n;
}

/// io_uring_enter with random counts and flags, garbage in the shared words around it.
void random_enter(fuzz::Rng& rng) {
    const uint32_t pending = g_ep.tail - g_ep.head;
    uint32_t to_submit = static_cast<uint32_t>(rng.pick<uint64_t>({pending, pending, 0, rng.below(pending + 1),
                                                                 pending + rng.range(1, 8), 0xffffffff}));
    uint32_t min_complete = static_cast<uint32_t>(rng.pick<uint64_t>({0, 0, 1, rng.range(2, 64), 0xffffffff}));
    if (g_avoid_blocking) min_complete = 0;
    uint32_t flags = static_cast<uint32_t>(rng.pick<uint64_t>({0, ring::kEnterGetEvents, ring::kEnterGetEvents,
                                                              ring::kEnterSqWakeup | ring::kEnterGetEvents,
                                                              rng.below(32), rng.next() & 0xffffffff}));
    uint32_t* sq_tail = g_ep.word(g_ep.p.sq_off.tail);
    uint32_t* sq_head = g_ep.word(g_ep.p.sq_off.head);
    uint32_t* cq_head = g_ep.word(g_ep.p.cq_off.head);
    uint32_t* cq_tail = g_ep.word(g_ep.p.cq_off.tail);
    const uint32_t dropped_before = *g_ep.word(g_ep.p.sq_off.dropped);
    const uint32_t overflow_before = *g_ep.word(g_ep.p.cq_off.overflow);
    const uint32_t true_cq_tail = iou::load_acquire(cq_tail);  // only the kernel writes it, and we have not
    // Garbage the kernel must not trust; each is undone after the enter.
    const uint32_t which = static_cast<uint32_t>(rng.below(12));
    uint32_t garbage = static_cast<uint32_t>(rng.next());
    if (which == 0) *sq_tail = garbage;  // stale slots get submitted: accounted like any other
    if (which == 1) *sq_head = garbage, to_submit = 0;  // nothing republishes it: ours to restore
    if (which == 2) {
        // A CQ head that claims nothing we have not reaped: behind ours, or past the tail.
        garbage = rng.one_in(2) ? g_ep.cq_head - static_cast<uint32_t>(rng.range(1, 0x7fffffff))
                                : true_cq_tail + static_cast<uint32_t>(rng.range(1, 0x7fffffff));
        *cq_head = garbage;
        g_ep.cq_scrambled = true;
    }
    if (which == 3) *cq_tail = garbage = true_cq_tail + 0x80000000u;
    if (which == 4 && !g_avoid_backlog_drop) *g_ep.word(g_ep.p.sq_off.flags) = garbage;
    // What liburing does, and avoids a known kernel bug: with a backlog, always GETEVENTS.
    if (g_avoid_backlog_drop && (*g_ep.word(g_ep.p.sq_off.flags) & ring::kSqCqOverflow)) flags |= ring::kEnterGetEvents;
    if (which == 5) *g_ep.word(g_ep.p.cq_off.flags) = garbage;
    if (which == 6) *g_ep.word(g_ep.p.sq_off.ring_mask) = garbage, *g_ep.word(g_ep.p.cq_off.ring_entries) = garbage;

    const long r = enter(to_submit, min_complete, flags);

    if (which == 1) *sq_head = g_ep.head;
    if (which == 2) *cq_head = g_ep.cq_head;
    if (which == 3 && *cq_tail == garbage) *cq_tail = true_cq_tail;  // nothing was posted: put it back
    if (r == -Errno::BadR && !g_ep.cq_scrambled) violation("completions lost (-EBADR) with an honest CQ head", 0, 0);
    const uint32_t lost = *g_ep.word(g_ep.p.cq_off.overflow) - overflow_before;
    if (lost && !g_ep.cq_scrambled) violation("the CQ overflow counter moved with an honest CQ head", lost, 0);
    g.lost += lost;
    g_ep.lost += lost;
    account(r, dropped_before);
    iou::store_release(sq_tail, g_ep.tail);
    if (r > 0 && static_cast<uint64_t>(r) > to_submit) violation("enter took more SQEs than asked", static_cast<uint64_t>(r), to_submit);
}

/// Write into a pipe with write(2): READs parked on it complete.
void write_pipe(fuzz::Rng& rng) {
    const int fd = random_pipe_end(rng, false);
    if (fd < 0) return;
    ++g.pipe_writes;
    logged("write", sys::write(fd, reinterpret_cast<void*>(kData), rng.range(1, 5000)));
}

/// Unmap whichever of the rings and the SQE array are still mapped.
void unmap_rings() {
    if (g_ep.mapped) sys::munmap(g_ep.rings, g_ep.rings_len);
    if (g_ep.sqes_mapped) sys::munmap(g_ep.sqes, g_ep.sqes_len);
    g_ep.mapped = g_ep.sqes_mapped = false;
}

/// Flush the backlog and reap until nothing more comes.
void reap_all() {
    for (int quiet = 0, rounds = 0; quiet < 2 && rounds < 1000; ++rounds) {
        const long r = enter(0, 0, ring::kEnterGetEvents);
        if (r < 0 && r != -Errno::BadR) violation("enter(GETEVENTS, 0) failed", static_cast<uint64_t>(r), 0);
        quiet = reap(0xffffffff) == 0 ? quiet + 1 : 0;
    }
}

/// The end of an episode. Drained: every pipe's writer is closed (parked
/// READs see end of file), every CQE reaped, and nothing may still be owed.
/// Otherwise the ring is closed (perhaps unmapped first) with requests parked.
void tear_down(fuzz::Rng& rng) {
    const uint32_t how = static_cast<uint32_t>(rng.below(10));
    if (how < 6 && g_ep.mapped) {
        // Every READ gets its end of file; then nothing accepted may still be owed.
        for (Pipe& p : g_ep.pipes) close_fd(p.wr);
        reap_all();
        if (g_owed.total > g_ep.lost)
            violation("accepted SQEs never completed (count, first tag)", g_owed.total, g_owed.entries[0].tag);
    } else {
        if (how == 9 && g_ep.mapped) {
            unmap_rings();  // the ring's memory first, then the fd
            ++g.unmapped;
        }
        g.cancelled += g_owed.total;
        if (g_owed.total) ++g.closed_parked;
        close_fd(g_ep.fd);
        g_ep.fd = -1;
        // Now the pipes, parked READs already cancelled: both ends are fine to close.
        for (Pipe& p : g_ep.pipes) {
            if (rng.one_in(2)) write_pipe(rng);
            close_fd(p.rd);
            close_fd(p.wr);
        }
    }
    for (Pipe& p : g_ep.pipes) {
        close_fd(p.rd);
        close_fd(p.wr);
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
    const bool there = sys::write(fds[1], reinterpret_cast<void*>(rings), 1) == 1 &&
                       sys::write(fds[1], reinterpret_cast<void*>(sqes), 1) == 1;
    sys::close(fds[0]);
    sys::close(fds[1]);
    if (!there) {
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
        constexpr uint32_t kWeights[] = {150, 150, 75, 40, 15, 10, 10, 1};
        switch (rng.weighted(kWeights)) {
        case 0: queue_sqes(rng); break;
        case 1: random_enter(rng); break;
        case 2: reap(static_cast<uint32_t>(rng.range(1, 64))); break;
        case 3: write_pipe(rng); break;
        case 4: {  // close one pipe end with close(2)
            const int fd = random_pipe_end(rng, rng.one_in(2));
            if (!close_is_hazard(fd)) close_fd(fd);
            break;
        }
        case 5: {  // a fresh pipe in an empty slot
            Pipe& p = g_ep.pipes[rng.below(kMaxPipes)];
            int fds[2];
            const int flags = g_avoid_blocking ? abi::open_flag::NonBlock : 0;
            if (p.rd < 0 && p.wr < 0 && sys::pipe2(fds, flags) == 0) p = {fds[0], fds[1]};
            break;
        }
        case 6: {  // the probe, on this ring
            uint8_t probe[16 + 8 * 64] = {};
            logged("register", iou::raw::io_uring_register(g_ep.fd, ring::RegisterOp::RegisterProbe, probe,
                                                           static_cast<uint32_t>(rng.below(70))));
            break;
        }
        default: {  // unmap the rings mid-way: they are the kernel's memory, so they live on
            sys::munmap(g_ep.rings, g_ep.rings_len);
            g_ep.mapped = false;
            if (rng.one_in(2)) unmap_rings();
            ++g.unmapped;
            // As on Linux, enter still works: nothing to submit, nothing to wait for.
            const long r = iou::raw::io_uring_enter(g_ep.fd, 0, 0, ring::kEnterGetEvents);
            if (r != 0 && r != -Errno::BadR) violation("enter on unmapped rings failed", static_cast<uint64_t>(r), 0);
            write_pipe(rng);  // a parked READ would complete now, into memory that is gone
            if (!g_avoid_remap && rng.one_in(2)) remap();
            break;
        }
        }
    }
    tear_down(rng);
}

bool parse_arguments(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const fuzz::Word w = fuzz::split_word(argv[i]);
        bool ok = true;
        if (w.key == "seed") ok = fuzz::parse_number(w.value, g_seed);
        else if (w.key == "count") ok = fuzz::parse_number(w.value, g_count);
        else if (w.key == "log") ok = fuzz::parse_number(w.value, g_log_from);
        else if (w.key == "every") ok = fuzz::parse_number(w.value, g_every);
        else if (w.key == "avoid") {
            const bool known = fuzz::list_has(w.value, "known");
            g_avoid_close_parked = known || fuzz::list_has(w.value, "close-parked");
            g_avoid_backlog_drop = known || fuzz::list_has(w.value, "backlog-drop");
            g_avoid_remap = known || fuzz::list_has(w.value, "remap");
            g_avoid_blocking = fuzz::list_has(w.value, "blocking");
        }
        else ok = false;
        if (!ok) {
            print("fuzz-uring: bad argument '{}'; use seed=N count=N avoid=close-parked,backlog-drop,remap,blocking "
                  "log=N every=N\n",
                  argv[i]);
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
    fuzz::ignore_sigpipe();
    print("fuzz-uring: seed {}, {} SQEs{}{}{}{}\n", g_seed, g_count, g_avoid_close_parked ? ", avoiding close-parked" : "",
          g_avoid_backlog_drop ? ", avoiding backlog-drop" : "", g_avoid_remap ? ", avoiding remap" : "",
          g_avoid_blocking ? ", avoiding blocking" : "");
    const long data = sys::mmap(reinterpret_cast<void*>(kData), kDataSize + kPage, abi::prot::Read | abi::prot::Write,
                                abi::map::Private | abi::map::Anonymous | abi::map::Fixed, -1, 0);
    if (data != static_cast<long>(kData)) {
        print("fuzz-uring: cannot map the data area: {}\n", data);
        return 2;
    }
    mem::fill(reinterpret_cast<void*>(kData), '.', kDataSize);
    fuzz::Rng rng(g_seed);
    for (uint64_t next = g_every; g.accepted < g_count && g.violations < 100;) {
        episode(rng);
        if (g.accepted >= next) {
            print("fuzz-uring: {} SQEs accepted, {} episodes\n", g.accepted, g.episodes);
            next += g_every;
        }
    }
    print("fuzz-uring: {} episodes, {} enters, {} SQEs written, {} accepted, {} dropped\n", g.episodes, g.enters,
          g.sqes_written, g.accepted, g.dropped);
    print("fuzz-uring: {} CQEs reaped, {} cancelled with their ring ({} rings closed with requests parked, "
          "{} unmapped), {} lost to a scrambled CQ head\n",
          g.cqes, g.cancelled, g.closed_parked, g.unmapped, g.lost);
    print("fuzz-uring: {} SQEs, seed {}, {}\n", g.accepted, g_seed, g.violations ? "FAILED" : "ok");
    return g.violations ? 1 : 0;
}
