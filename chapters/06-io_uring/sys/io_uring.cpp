/**
 * @file chapters/06-io_uring/sys/io_uring.cpp
 * @brief io_uring_setup, io_uring_enter and io_uring_register: the kernel's
 * glue around the ring engine (uring/engine.h), which does the ring logic.
 *
 * What the kernel supplies, as docs/io_uring-notes.md describes:
 * - memory for the two shared regions. Here they are ordinary pages of the
 *   process, placed by setup as an anonymous mmap would; mmap on the ring fd
 *   returns where they already are. The kernel reaches them at those user
 *   addresses, which is safe because every access happens in a syscall of
 *   that same process (one process, one CPU) after checking they are still
 *   mapped: a ring the user has unmapped is -EFAULT, not a kernel fault.
 * - an Executor that runs READ, WRITE, READV, WRITEV and CLOSE on files,
 *   parking a READ on an empty pipe until data arrives;
 * - a Waiter. With one process and no scheduler nobody else can complete
 *   anything while io_uring_enter waits, so a wait that is not satisfied
 *   already never will be: it fails with -EDEADLK instead of hanging.
 */
#include "uring/engine.h"
#include "proc/file.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

using abi::Errno;
namespace ring_abi = abi::io_uring;

long sys_mmap(const SyscallArgs&);  // sys/calls.cpp
long sys_write(const SyscallArgs&);  // sys/file_calls.cpp
long sys_writev(const SyscallArgs&);

namespace {

// Read for a READ or READV request, into the buffers its SQE names.
long read_request(File* file, const ring_abi::Sqe& sqe) {
    if (static_cast<ring_abi::Op>(sqe.opcode) == ring_abi::Op::Read) return file->read(sqe.addr, sqe.len);
    return file_vector_io(file, sqe.addr, sqe.len, false);  // READV
}

uring::IssueResult done(long res) { return uring::IssueResult::done(static_cast<int32_t>(res)); }

}  // namespace

/// An io_uring instance as a file: the engine's Ring, its storage, and the
/// executor that runs its requests.
class RingFile final : public File, public uring::Executor {
public:
    uring::Ring ring;                     ///< the engine: indices, submission, completion, backlog
    uring::FixedStorage<64, 32> storage;  ///< 64 completions of backlog, 32 requests in flight
    uint64_t rings_at = 0;                ///< user address of the rings region
    uint64_t sqes_at = 0;                 ///< user address of the SQE region

    /// Both regions still mapped, writable, for this process?
    [[nodiscard]] bool mapped() const {
        const uring::Layout& l = ring.layout();
        const AddressSpace& space = current_process()->space;
        return user_range_ok(space, rings_at, l.rings_bytes, true) && user_range_ok(space, sqes_at, l.sqes_bytes, true);
    }
    long mmap(uint64_t offset, uint64_t len) override {
        const uring::MmapTarget t = uring::mmap_region(ring.layout(), offset, len);
        if (t.error) return t.error;
        return static_cast<long>(t.region == uring::Region::Rings ? rings_at : sqes_at);
    }
    RingFile* as_ring() override { return this; }
    ~RingFile() override {
        // Parked requests leave their pipes and drop their files; no CQEs.
        // cancel_all touches only kernel memory, so this holds even if the
        // program unmapped its rings first: a request left on a pipe would
        // point into this freed object.
        ring.cancel_all();
    }

    // The Executor. At prepare time, as Linux: READV/WRITEV need a readable
    // iovec array, or the SQE fails and ends the batch.
    long prepare(uring::Request& r) override {
        const auto op = static_cast<ring_abi::Op>(r.sqe.opcode);
        if (op != ring_abi::Op::Readv && op != ring_abi::Op::Writev) return 0;
        return user_range_ok(current_process()->space, r.sqe.addr, uint64_t(r.sqe.len) * sizeof(abi::IoVec), false)
                   ? 0
                   : -Errno::Fault;
    }

    // The engine has validated the SQE and copied it to r.sqe.
    uring::IssueResult issue(uring::Request& r) override {
        const ring_abi::Sqe& sqe = r.sqe;
        const auto fd = static_cast<uint64_t>(static_cast<int64_t>(sqe.fd));
        const SyscallArgs args{fd, sqe.addr, sqe.len, 0, 0, 0};
        switch (static_cast<ring_abi::Op>(sqe.opcode)) {
        case ring_abi::Op::Write: return done(sys_write(args));
        case ring_abi::Op::Writev: return done(sys_writev(args));
        case ring_abi::Op::Close: {
            File* file = current_files().get(fd);
            if (file && file->as_ring()) return done(-Errno::BadF);  // as Linux: not through CLOSE
            return done(current_files().close(fd));
        }
        case ring_abi::Op::Read:
        case ring_abi::Op::Readv: {
            File* file = current_files().get(fd);
            if (!file) return done(-Errno::BadF);
            const long n = read_request(file, sqe);
            if (n != -Errno::Again || !file->wait_for_data(r)) return done(n);
            file->ref();  // the parked request keeps the file open
            r.scratch[0] = reinterpret_cast<uint64_t>(file);
            r.scratch[1] = reinterpret_cast<uint64_t>(this);
            return uring::IssueResult::later();
        }
        default: return done(-Errno::Inval);  // the engine admits only the opcodes above
        }
    }
    void cancel(uring::Request& r) override {
        auto* file = reinterpret_cast<File*>(r.scratch[0]);
        file->cancel_wait(r);
        file->unref();
    }
};

namespace {

class Waiter final : public uring::Waiter {
public:
    long wait(uring::Ring&, uint32_t) override { return -Errno::DeadLk; }
};

Waiter g_waiter;

RingFile* ring_of(uint64_t fd, long& error) {
    File* file = current_files().get(fd);
    error = !file ? -Errno::BadF : !file->as_ring() ? -Errno::OpNotSupp : 0;
    return error ? nullptr : file->as_ring();
}

}  // namespace

void uring_retry_read(uring::Request& r) {
    auto* file = reinterpret_cast<File*>(r.scratch[0]);
    const auto* ring_file = reinterpret_cast<const RingFile*>(r.scratch[1]);
    // The user unmapped its ring: no CQE can be posted. The request stays
    // pending, off the pipe; closing the ring releases it and its file.
    if (!ring_file->mapped()) return;
    const long n = read_request(file, r.sqe);
    if (n == -Errno::Again && file->wait_for_data(r)) return;  // still nothing: park again
    file->unref();
    r.ring->complete(r, static_cast<int32_t>(n));
}

/// io_uring_setup(entries, params): check and round the sizes, map the two
/// shared regions into the process, and return a new ring fd.
long sys_io_uring_setup(const SyscallArgs& a) {
    ring_abi::Params params;
    if (copy_from_user(&params, a.a1, sizeof params) != 0) return -Errno::Fault;
    uring::Layout layout;
    if (const long e = uring::setup(static_cast<uint32_t>(a.a0), params, layout)) return e;

    // The shared regions, as anonymous memory of the process.
    const long rw = abi::prot::Read | abi::prot::Write, anon = abi::map::Private | abi::map::Anonymous;
    const long rings = sys_mmap({0, layout.rings_bytes, uint64_t(rw), uint64_t(anon), uint64_t(-1), 0});
    if (rings < 0) return rings;
    const long sqes = sys_mmap({0, layout.sqes_bytes, uint64_t(rw), uint64_t(anon), uint64_t(-1), 0});
    if (sqes < 0) {
        unmap_user_pages(current_process()->space, uint64_t(rings), (layout.rings_bytes + kPageSize - 1) / kPageSize);
        return sqes;
    }
    auto* file = new RingFile;
    file->rings_at = static_cast<uint64_t>(rings);
    file->sqes_at = static_cast<uint64_t>(sqes);
    file->ring.init({layout, reinterpret_cast<void*>(rings), reinterpret_cast<void*>(sqes), params.flags,
                     file->storage.view(), file});
    const long fd = current_files().install(file);
    if (fd < 0) return fd;
    if (copy_to_user(a.a1, &params, sizeof params) != 0) {
        current_files().close(static_cast<uint64_t>(fd));
        return -Errno::Fault;
    }
    return fd;
}

/// io_uring_enter(fd, to_submit, min_complete, flags): submit SQEs and wait
/// for completions (uring/engine.h does the work).
long sys_io_uring_enter(const SyscallArgs& a) {
    const auto flags = static_cast<uint32_t>(a.a3);
    if (const long e = uring::Ring::check_enter_flags(flags)) return e;  // before the fd, as Linux
    long error;
    RingFile* file = ring_of(a.a0, error);
    if (!file) return error;
    if (!file->mapped()) return -Errno::Fault;
    return file->ring.enter(static_cast<uint32_t>(a.a1), static_cast<uint32_t>(a.a2), flags, &g_waiter);
}

/// io_uring_register(fd, op, arg, nr_args): only IORING_REGISTER_PROBE, which
/// says which opcodes this kernel supports.
long sys_io_uring_register(const SyscallArgs& a) {
    long error;
    if (!ring_of(a.a0, error)) return error;
    if (static_cast<ring_abi::RegisterOp>(a.a1) != ring_abi::RegisterOp::RegisterProbe) return -Errno::Inval;
    const auto nr_args = static_cast<uint32_t>(a.a3);
    if (nr_args > 256) return -Errno::Inval;
    struct {
        ring_abi::Probe probe;
        ring_abi::ProbeOp ops[256];
    } buffer;
    const size_t bytes = sizeof(ring_abi::Probe) + nr_args * sizeof(ring_abi::ProbeOp);
    if (copy_from_user(&buffer, a.a2, bytes) != 0) return -Errno::Fault;
    if (const long e = uring::fill_probe(&buffer.probe, nr_args)) return e;
    return copy_to_user(a.a2, &buffer, bytes);
}
