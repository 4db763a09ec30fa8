/**
 * @file chapters/09-fixed/sys/io_uring.cpp
 * @brief io_uring_setup, io_uring_enter and io_uring_register: the kernel's
 * glue around the ring engine (uring/engine.h), which does the ring logic.
 *
 * What the kernel supplies, as docs/io_uring-notes.md describes:
 * - memory for the two shared regions. As on Linux, it is kernel memory,
 *   owned by the ring: whole pages of the kernel heap that nothing else
 *   shares. The kernel reaches it at its kernel address, in any syscall of
 *   any process or thread, without looking at page tables; the program
 *   maps the same pages with mmap on the ring fd (sys/mem_calls.cpp), and
 *   each such mapping keeps the ring alive, so no page can be freed while
 *   the program still sees it.
 * - an Executor that runs READ, WRITE, READV, WRITEV and CLOSE on files,
 *   parking a READ on an empty pipe until data arrives;
 * - registered buffers and files (chapter 09, uring/registered.h): each
 *   ring has a Registry, which io_uring_register fills; READ_FIXED and
 *   WRITE_FIXED copy through a registered buffer's pinned pages, and an SQE
 *   with IOSQE_FIXED_FILE names a registered file by index. A request looks
 *   them up inside a Registry::Reading, and a READ that parks takes its own
 *   references on its file and its buffer, so neither an unregister nor a
 *   close pulls them away from it;
 * - SQPOLL (chapter 08): with IORING_SETUP_SQPOLL a kernel thread
 *   (uring/sqpoll.h) submits the SQEs, and io_uring_enter only wakes it
 *   (IORING_ENTER_SQ_WAKEUP), waits for SQ room (IORING_ENTER_SQ_WAIT) or
 *   for completions, and returns to_submit, as Linux does.
 * - a Waiter (chapter 07): io_uring_enter with min_complete sleeps on the
 *   ring's wait queue until that many CQEs are ready; a completion (a pipe
 *   write that satisfies a parked READ, in any thread) wakes it. With
 *   nothing in flight it may wait forever, as on Linux: another thread may
 *   still submit. (Chapter 08: the call holds the ring meanwhile, so that a
 *   close and munmap in another thread cannot free it under the sleeper.)
 */
#include "kernel/heap.h"
#include "proc/file.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sched/wait.h"
#include "sys/syscall.h"
#include "uring/engine.h"
#include "uring/registered.h"
#include "uring/sqpoll.h"

using abi::Errno;
namespace ring_abi = abi::io_uring;

/// CPUs this kernel runs on (IORING_SETUP_SQ_AFF's sq_thread_cpu must name one).
constexpr uint32_t kCpus = 1;

class RingFile;

namespace {

// What a request works on: its file, the registered buffer of a READ_FIXED
// or WRITE_FIXED (else nullptr) and, once it is parked, the ring that owns
// it. A parked request holds a reference on the file and the buffer.
File* file_of(const uring::Request& r) { return reinterpret_cast<File*>(r.scratch[0]); }
uring::RegisteredBuffer* buffer_of(const uring::Request& r) {
    return reinterpret_cast<uring::RegisteredBuffer*>(r.scratch[1]);
}
RingFile* owner_of(const uring::Request& r) { return reinterpret_cast<RingFile*>(r.scratch[2]); }

// Do @p transfer (a read or write) on the user buffers the request names:
// its piece of a registered buffer, checked against what was registered and
// copied through pages pinned then (READ_FIXED, WRITE_FIXED), or buffers
// checked now and copied through the page tables (READ, WRITE, READV, WRITEV).
template <typename Transfer>
Result<long> with_buffers(const uring::Request& r, Transfer transfer) {
    const ring_abi::Sqe& sqe = r.sqe;
    if (const uring::RegisteredBuffer* buffer = buffer_of(r)) {
        TRY(buffer->check(sqe.addr, sqe.len));
        UserIter pinned = buffer->slice(sqe.addr, sqe.len);
        return transfer(pinned);
    }
    const auto op = static_cast<ring_abi::Op>(sqe.opcode);
    UserIter user = TRY(op == ring_abi::Op::Read || op == ring_abi::Op::Write ? UserIter::buffer(sqe.addr, sqe.len)
                                                                              : UserIter::iovecs(sqe.addr, sqe.len));
    return transfer(user);
}

// Read for a READ, READV or READ_FIXED request. It never sleeps: a read that
// would have to wait answers Errno::Again, and the request is parked instead.
Result<long> read_request(const uring::Request& r) {
    return with_buffers(r, [&](UserIter& to) { return file_of(r)->read(to, Blocking::No); });
}

// Write for a WRITE, WRITEV or WRITE_FIXED request: it blocks as write()
// would (a full blocking pipe makes io_uring_enter sleep; see the chapter's
// differences).
Result<long> write_request(const uring::Request& r) {
    return with_buffers(r, [&](UserIter& from) { return file_of(r)->write(from, file_of(r)->blocking()); });
}

// A result as a CQE's res: the value, or -errno (the CQE is io_uring's syscall boundary).
int32_t cqe_res(const Result<long>& r) { return static_cast<int32_t>(r ? *r : -r.error()); }

uring::IssueResult done(const Result<long>& r) { return uring::IssueResult::done(cqe_res(r)); }

constexpr uint64_t page_round(uint64_t bytes) { return (bytes + kPageSize - 1) & ~(kPageSize - 1); }

}  // namespace

/// An io_uring instance as a file: the engine's Ring, its memory and
/// storage, and the executor that runs its requests.
class RingFile final : public File, public uring::Executor {
public:
    uring::Ring ring;                     ///< the engine: indices, submission, completion, backlog
    uring::FixedStorage<64, 32> storage;  ///< 64 completions of backlog, 32 requests in flight
    WaitQueue completions;                ///< threads in io_uring_enter waiting for CQEs
    uint64_t completed = 0;               ///< requests completed after they parked: what wakes a waiter
    bool sqpoll = false;                  ///< IORING_SETUP_SQPOLL: the poller submits
    SqPoller poller;                      ///< its thread, if sqpoll
    uring::Registry registry;             ///< registered buffers and files (released after the requests)

    /// A ring with @p layout, its shared memory zeroed, or Errno::NoMem.
    static Result<RingFile*> create(const uring::Layout& layout, uint32_t setup_flags) {
        RingFile* file = TRY(make<RingFile>());
        file->m_rings = heap_allocate(page_round(layout.rings_bytes), kPageSize);
        file->m_sqes = heap_allocate(page_round(layout.sqes_bytes), kPageSize);
        if (!file->m_rings || !file->m_sqes) {
            file->unref();
            return Err(Errno::NoMem);
        }
        file->ring.init({layout, file->m_rings, file->m_sqes, setup_flags, file->storage.view(), file});
        return file;
    }
    RingFile() : File(kReadable | kWritable) {}  // no read or write operation: EINVAL
    ~RingFile() override {
        if (sqpoll) poller.stop();  // first: it uses the ring and its memory
        // Parked requests leave their pipes and drop their files; no CQEs.
        ring.cancel_all();
        heap_free(m_rings);
        heap_free(m_sqes);
    }

    Result<FileMemory> mmap(uint64_t offset, uint64_t len) override {
        const uring::MmapTarget t = TRY(uring::mmap_region(ring.layout(), offset, len));
        return FileMemory{VirtAddr(t.region == uring::Region::Rings ? m_rings : m_sqes), t.bytes};
    }
    RingFile* as_ring() override { return this; }

    // The Executor. At prepare time, as Linux: READV/WRITEV need a valid
    // iovec array, or the SQE fails and ends the batch.
    Result<void> prepare(uring::Request& r) override {
        const auto op = static_cast<ring_abi::Op>(r.sqe.opcode);
        if (op == ring_abi::Op::Readv || op == ring_abi::Op::Writev) TRY(UserIter::iovecs(r.sqe.addr, r.sqe.len));
        return {};
    }

    // The engine has validated the SQE and copied it to r.sqe.
    uring::IssueResult issue(uring::Request& r) override {
        const ring_abi::Sqe& sqe = r.sqe;
        const auto op = static_cast<ring_abi::Op>(sqe.opcode);
        const auto fd = static_cast<uint32_t>(sqe.fd);
        if (op == ring_abi::Op::Close) {
            const Result<File*> file = current_files().get(fd);
            if (file && (*file)->as_ring()) return done(Err(Errno::BadF));  // as Linux: not through CLOSE
            const Result<void> closed = current_files().close(fd);
            return done(closed ? Result<long>(0) : Err(closed.error()));
        }
        const bool reading = op == ring_abi::Op::Read || op == ring_abi::Op::Readv || op == ring_abi::Op::ReadFixed;
        // What it finds in the registry stays put until this request is
        // done or has taken references of its own (a request that uses
        // neither a registered file nor a registered buffer skips this).
        const uring::Registry::Reading registered(
            fixed_buffer(sqe) || (sqe.flags & ring_abi::kSqeFixedFile) ? &registry : nullptr);
        // Then Linux's checks of the file (io_rw_init_file): opened for the
        // operation, or EBADF; able to do it at all, or EINVAL.
        const unsigned open = reading ? kReadable : kWritable, can = reading ? kCanRead : kCanWrite;
        if (!(sqe.flags & ring_abi::kSqeFixedFile)) {
            // Through a descriptor: held while the request runs (a write may
            // sleep, and another thread close the descriptor meanwhile).
            const Result<FileRef> held = current_files().hold_for(fd, open, can);
            return held ? run(r, held->get(), reading, registered) : done(Err(held.error()));
        }
        // A registered file, the slot sqe.fd: held by its table, which the
        // Reading keeps from going away, so it takes no reference here.
        File* file = registered.file(fd);
        if (!file || !file->allows(open)) return done(Err(Errno::BadF));  // no table, out of range, an empty slot
        if (!file->allows(can)) return done(Err(Errno::Inval));
        return run(r, file, reading, registered);
    }
    void cancel(uring::Request& r) override {
        file_of(r)->cancel_wait(r);
        if (uring::RegisteredBuffer* buffer = buffer_of(r)) buffer->unref();
        file_of(r)->unref();
    }

private:
    static bool fixed_buffer(const ring_abi::Sqe& sqe) {
        const auto op = static_cast<ring_abi::Op>(sqe.opcode);
        return op == ring_abi::Op::ReadFixed || op == ring_abi::Op::WriteFixed;
    }

    // Issue a READ or WRITE on @p file: its registered buffer, if it names
    // one, then the transfer; a read that finds nothing parks.
    uring::IssueResult run(uring::Request& r, File* file, bool reading, const uring::Registry::Reading& registered) {
        r.scratch[0] = reinterpret_cast<uint64_t>(file);
        if (fixed_buffer(r.sqe)) {
            uring::RegisteredBuffer* buffer = registered.buffer(r.sqe.buf_index);
            if (!buffer) return done(Err(Errno::Fault));  // out of range, an empty slot, or no table
            r.scratch[1] = reinterpret_cast<uint64_t>(buffer);
        }
        const Result<long> n = reading ? read_request(r) : write_request(r);
        if (!reading || n || n.error() != Errno::Again || !file->wait_for_data(r)) return done(n);
        // Parked: it keeps its file open and its buffer pinned until it completes.
        file->ref();
        if (uring::RegisteredBuffer* buffer = buffer_of(r)) buffer->ref();
        r.scratch[2] = reinterpret_cast<uint64_t>(this);  // whom to wake when it completes
        return uring::IssueResult::later();
    }

    void* m_rings = nullptr;  // the rings region: whole heap pages
    void* m_sqes = nullptr;   // the SQE array: whole heap pages
};

namespace {

// Sleep until a parked request completes (the engine then looks again).
class Waiter final : public uring::Waiter {
public:
    explicit Waiter(RingFile& file) : m_file(file) {}
    Result<void> wait(uring::Ring& ring, uint32_t min_complete) override {
        const uint64_t before = m_file.completed;
        // A parked request completing, or (SQPOLL) the poller posting CQEs.
        const Result<void> woke = m_file.completions.wait([&] { return m_file.completed != before || ring.cq_ready() >= min_complete; });
        // A signal ends the wait with EINTR, never a restart (Linux's io_cqring_wait).
        if (!woke && woke.error() == Errno::RestartSys) return Err(Errno::Intr);
        return woke;
    }

private:
    RingFile& m_file;
};

Result<RingFile*> ring_of(uint32_t fd) {
    File* file = TRY(current_files().get(fd));
    if (!file->as_ring()) return Err(Errno::OpNotSupp);
    return file->as_ring();
}

}  // namespace

void uring_retry_read(uring::Request& r) {
    const Result<long> n = read_request(r);
    if (!n && n.error() == Errno::Again && file_of(r)->wait_for_data(r)) return;  // still nothing: park again
    // complete() recycles r: what it holds, kept aside first.
    RingFile* ring_file = owner_of(r);
    File* file = file_of(r);
    uring::RegisteredBuffer* buffer = buffer_of(r);
    r.ring->complete(r, cqe_res(n));
    ++ring_file->completed;
    ring_file->completions.wake_all();
    if (buffer) buffer->unref();
    file->unref();  // last: it may free the file, and with it the pipe
}

/// io_uring_setup(entries, params): check and round the sizes, make the
/// ring and its memory (and with SQPOLL, its thread), and return a new ring fd.
Result<long> sys_io_uring_setup(const SyscallArgs& a) {
    const auto entries = static_cast<uint32_t>(a.a0);
    ring_abi::Params params = TRY(read_user<ring_abi::Params>(a.a1));
    uring::Layout layout;
    constexpr uint32_t kSupported = uring::kSupportedSetupFlags | ring_abi::kSetupSqPoll | ring_abi::kSetupSqAff;
    TRY(uring::setup(entries, params, layout, kSupported));
    const bool sqpoll = params.flags & ring_abi::kSetupSqPoll;
    if (params.flags & ring_abi::kSetupSqAff) {
        if (!sqpoll) return Err(Errno::Inval);                  // SQ_AFF without SQPOLL
        if (params.sq_thread_cpu >= kCpus) return Err(Errno::Inval);  // no such CPU
    }
    params.features |= ring_abi::kFeatSqpollNonfixed;  // SQPOLL works with ordinary descriptors
    RingFile* file = TRY(RingFile::create(layout, params.flags));
    if (sqpoll) {
        file->sqpoll = true;
        if (const Result<void> started = file->poller.start(file->ring, *current_process(), params.sq_thread_idle,
                                                            file->completions);
            !started) {
            file->sqpoll = false;
            file->unref();
            return Err(started.error());
        }
    }
    if (!write_user(a.a1, params)) {  // as Linux: the parameters go back before the fd exists
        file->unref();
        return Err(Errno::Fault);
    }
    return TRY(current_files().install(file, true));  // always close-on-exec, as Linux's io_uring_install_fd
}

/// io_uring_enter(fd, to_submit, min_complete, flags): submit SQEs and wait
/// for completions (uring/engine.h does the work).
Result<long> sys_io_uring_enter(const SyscallArgs& a) {
    const auto flags = static_cast<uint32_t>(a.a3);
    const auto fd = static_cast<uint32_t>(a.a0);
    TRY(uring::Ring::check_enter_flags(flags));  // before the fd, as Linux
    // A registered ring's index (IORING_REGISTER_RING_FDS, not implemented):
    // past Linux's 16 slots it is EINVAL, below it an empty slot, EBADF.
    if (flags & ring_abi::kEnterRegisteredRing) return Err(fd >= 16 ? Errno::Inval : Errno::BadF);
    // Held until enter returns: it may sleep, and another thread may close the fd.
    const FileRef held = TRY(current_files().hold(fd));
    RingFile* file = held->as_ring();
    if (!file) return Err(Errno::OpNotSupp);
    Waiter waiter(*file);
    const auto to_submit = static_cast<uint32_t>(a.a1), min_complete = static_cast<uint32_t>(a.a2);
    if (!file->sqpoll) return TRY(file->ring.enter(to_submit, min_complete, flags, &waiter));

    // SQPOLL: the poller submits; enter only wakes it, or waits. As Linux,
    // it answers to_submit, and a wait's error only if that is 0.
    if (!file->poller.running()) return Err(Errno::OwnerDead);
    if (flags & ring_abi::kEnterSqWakeup) file->poller.wake();
    if (flags & ring_abi::kEnterSqWait) TRY(file->poller.wait_for_room());  // EBUSY/EAGAIN: see sqpoll.h
    if (!(flags & ring_abi::kEnterGetEvents)) return to_submit;
    const Result<uint32_t> waited = file->ring.enter(0, min_complete, ring_abi::kEnterGetEvents, &waiter);
    if (!waited && to_submit == 0) return Err(waited.error());
    return to_submit;
}

/// io_uring_register(fd, op, arg, nr_args): IORING_REGISTER_PROBE, which
/// says which opcodes this kernel supports, and (chapter 09) registering
/// buffers and files (uring/registered.h).
Result<long> sys_io_uring_register(const SyscallArgs& a) {
    const auto opcode = static_cast<uint32_t>(a.a1);
    const uint64_t arg = a.a2;
    const auto nr_args = static_cast<uint32_t>(a.a3);
    if (opcode >= static_cast<uint32_t>(ring_abi::RegisterOp::Last)) return Err(Errno::Inval);
    RingFile* file = TRY(ring_of(static_cast<uint32_t>(a.a0)));
    const auto op = static_cast<ring_abi::RegisterOp>(opcode);
    if (op != ring_abi::RegisterOp::RegisterProbe)
        return file->registry.handle(op, arg, nr_args, current_process()->space, current_files());
    if (arg == 0 || nr_args > 256) return Err(Errno::Inval);
    struct {
        ring_abi::Probe probe;
        ring_abi::ProbeOp ops[256];
    } buffer;
    const size_t bytes = sizeof(ring_abi::Probe) + nr_args * sizeof(ring_abi::ProbeOp);
    TRY(copy_from_user(&buffer, arg, bytes));
    TRY(uring::fill_probe(&buffer.probe, nr_args));
    TRY(copy_to_user(arg, &buffer, bytes));
    return 0;
}
