/**
 * @file chapters/11-files/proc/pipe.cpp
 * @brief Pipes: a 64 KiB byte ring (Linux's default capacity) with a read
 * end and a write end. (Chapter 10: a reader and a writer on two CPUs at
 * once, so the ring has a lock. Chapter 11: fstat says each end is a FIFO.)
 *
 * Lifetime: the Pipe is reference-counted, one reference per end, taken
 * by the end's constructor and dropped by its destructor. Each end
 * is a File, itself reference-counted by its descriptors and by the
 * io_uring reads parked on it. When an end's last reference goes, its
 * destructor updates the pipe (the last writer gone means end of file for
 * the readers, and wakes them) and then drops its reference on the pipe;
 * whichever end goes last frees it. Nothing else ever frees a pipe. The two
 * ends may go at the same moment on two CPUs: the count is atomic.
 *
 * Waiting, as Linux: a read of an empty pipe sleeps until data arrives or
 * the last writer is gone (then 0); a write to a full pipe sleeps until
 * there is room, or fails with EPIPE (and sends SIGPIPE) once no reader
 * is left; with
 * O_NONBLOCK (Blocking::No) either answers EAGAIN instead. A write of at
 * most kAtomic bytes (PIPE_BUF) is never split. An io_uring READ does not
 * sleep (it reads with Blocking::No): it is parked on the pipe and retried
 * when data arrives (chapter 06).
 *
 * Locking: Pipe::lock owns the ring, the flags and the parked requests.
 * Bytes move between the ring and the user under it (a user copy never
 * sleeps: a fault is fixed up), so a chunk is never half taken by two
 * readers. It is let go before anyone is woken, and a wait's condition
 * reads the count without it: the scheduler's lock, which both the
 * condition and every wake take, orders that read after the update it
 * must see (sched/wait.h). Parked reads are taken off the pipe under the
 * lock and retried after it, since a retry reads the pipe again.
 */
#include <atomic>

#include "common/str.h"
#include "kernel/heap.h"
#include "proc/file.h"
#include "proc/uaccess.h"
#include "proc/signal.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/spinlock.h"
#include "uring/engine.h"

using abi::Errno;

namespace {

constexpr uint32_t kPipeChunk = 4096;  // the unit a transfer keeps or drops whole, as Linux's pipe buffers
constexpr uint32_t kAtomic = 4096;     // PIPE_BUF: a write this small goes in whole, never interleaved

struct Pipe {
    static constexpr uint32_t kCapacity = 65536;
    SpinLock lock;         // owns everything below but the wait queues and refs
    char* data = nullptr;  // kCapacity bytes on the heap
    uint32_t head = 0;     // next byte to read
    uint32_t count = 0;    // bytes held
    bool reader_open = true;
    bool writer_open = true;
    std::atomic<int> refs{0};  // one per end: each end takes it when it is made
    uring::Request* waiting = nullptr;  // parked io_uring reads, oldest first, via Request::link
    WaitQueue readers;  // threads waiting for data or end of file
    WaitQueue writers;  // threads waiting for room or for the last reader to go

    ~Pipe() { heap_free(data); }

    // What fstat says of either end: a FIFO, as Linux's pipefs inode.
    static void stat(abi::Stat& st) {
        st = {};
        st.mode = abi::mode::Fifo | 0600;
        st.nlink = 1;
        st.blksize = kPageSize;
    }

    void unref() {
        if (refs.fetch_sub(1) == 1) delete this;
    }

    // For a wait's condition (no lock: see the top of this file).
    bool readable() const { return count > 0 || !writer_open; }
    bool writable(uint64_t room) const { return kCapacity - count >= room || !reader_open; }

    // Data or end of file for the readers: sleeping threads, then parked
    // reads (oldest first). Called without the lock.
    void wake_readers() {
        readers.wake_all();
        uring::Request* parked;
        {
            IrqLock guard(lock);
            if (!readable()) return;
            parked = waiting;
            waiting = nullptr;
        }
        while (parked) {
            uring::Request* r = parked;
            parked = r->link;
            r->link = nullptr;
            uring_retry_read(*r);  // parks it again if another reader took the data first
        }
    }
};

// The one ioctl of either end, FIONREAD: how many bytes the pipe holds (Linux's pipe_ioctl).
Result<long> pipe_ioctl(const Pipe& p, uint32_t request, uint64_t arg) {
    if (request != abi::ioctl_req::FionRead) return Err(Errno::NoTty);
    TRY(write_user(arg, static_cast<int>(p.count)));
    return 0;
}

class PipeReader final : public File {
public:
    explicit PipeReader(Pipe* pipe) : File(kReadable | kCanRead), m_pipe(pipe) { ++pipe->refs; }
    ~PipeReader() override {
        {
            IrqLock guard(m_pipe->lock);
            m_pipe->reader_open = false;
        }
        m_pipe->writers.wake_all();  // a sleeping writer now gets EPIPE
        m_pipe->unref();
    }
    // As Linux's pipe_read: nothing asked, nothing done; empty: wait (EAGAIN
    // here) unless no writer is left (end of file); then copy, a chunk at a
    // time, and consume a chunk only once all of it reached the user.
    Result<long> read(UserIter& to, Blocking blocking) override {
        Pipe& p = *m_pipe;
        if (to.remaining() == 0) return 0;
        long done = 0;
        for (;;) {
            {
                IrqLock guard(p.lock);
                if (p.count == 0 && !p.writer_open) return 0;  // end of file
                if (p.count > 0) {
                    done = take(to);
                    break;
                }
                if (blocking == Blocking::No) return Err(Errno::Again);
            }
            // Empty: sleep, then look again (another reader may have been quicker).
            TRY(p.readers.wait([&] { return p.readable(); }));
        }
        p.writers.wake_all();  // room now
        return done > 0 ? Result<long>(done) : Err(Errno::Fault);
    }
    void stat(abi::Stat& st) override { Pipe::stat(st); }
    Park wait_for_data(uring::Request& request) override {
        IrqLock guard(m_pipe->lock);
        // Data that came between the failed read and now would wake nobody:
        // the caller reads again instead (on two CPUs a writer fits in that
        // window often; chapter 09 completed the request with -EAGAIN).
        if (m_pipe->readable()) return Park::Ready;
        uring::Request** tail = &m_pipe->waiting;  // append: completions keep submission order
        while (*tail) tail = &(*tail)->link;
        request.link = nullptr;
        *tail = &request;
        return Park::Parked;
    }
    bool cancel_wait(uring::Request& request) override {
        IrqLock guard(m_pipe->lock);
        for (uring::Request** r = &m_pipe->waiting; *r; r = &(*r)->link)
            if (*r == &request) {
                *r = request.link;
                return true;
            }
        return false;  // wake_readers() has it: a retry is under way
    }

    Result<long> ioctl(uint32_t request, uint64_t arg) override { return pipe_ioctl(*m_pipe, request, arg); }

private:
    // Copy what the pipe holds to @p to, a chunk at a time, with the lock
    // held; a chunk stays in the pipe unless all of it reached the user.
    long take(UserIter& to) {
        Pipe& p = *m_pipe;
        long done = 0;
        while (p.count > 0 && to.remaining() > 0) {
            uint32_t n = p.count < kPipeChunk ? p.count : kPipeChunk;
            if (to.remaining() < n) n = static_cast<uint32_t>(to.remaining());
            const uint32_t first = n < Pipe::kCapacity - p.head ? n : Pipe::kCapacity - p.head;
            size_t copied = to.copy_out(p.data + p.head, first);  // up to the end of the ring...
            if (copied == first && first < n) copied += to.copy_out(p.data, n - first);  // ...and on from its start
            if (copied < n) break;  // a fault: this chunk stays
            p.head = (p.head + n) % Pipe::kCapacity;
            p.count -= n;
            done += n;
        }
        return done;
    }

    Pipe* m_pipe;
};

class PipeWriter final : public File {
public:
    explicit PipeWriter(Pipe* pipe) : File(kWritable | kCanWrite), m_pipe(pipe) { ++pipe->refs; }
    ~PipeWriter() override {
        {
            IrqLock guard(m_pipe->lock);
            m_pipe->writer_open = false;
        }
        m_pipe->wake_readers();  // the last writer gone: waiting reads see end of file
        m_pipe->unref();
    }
    // As Linux's pipe_write: nothing to write, nothing done; no reader:
    // EPIPE; then copy a chunk at a time as room allows, sleeping while the
    // pipe is full, and add a chunk only once all of it came from the user.
    Result<long> write(UserIter& from, Blocking blocking) override {
        Pipe& p = *m_pipe;
        if (from.remaining() == 0) return 0;
        const uint64_t whole = from.remaining() <= kAtomic ? from.remaining() : 1;  // room needed at once
        long done = 0;
        while (from.remaining() > 0) {
            bool faulted = false, full = false, broken = false;
            {
                IrqLock guard(p.lock);
                if (!p.reader_open) broken = true;
                else if (Pipe::kCapacity - p.count < whole) full = true;
                else faulted = !put(from, done);
            }
            if (broken) {  // as Linux: SIGPIPE (which kills, by default) and EPIPE; sent without the pipe's lock
                send_signal(*current_thread(), int(abi::Signal::Pipe), true);
                return done > 0 ? Result<long>(done) : Err(Errno::Pipe);
            }
            if (faulted) return done > 0 ? Result<long>(done) : Err(Errno::Fault);  // this chunk is not added
            if (!full) {
                p.wake_readers();
                continue;
            }
            if (blocking == Blocking::No) return done > 0 ? Result<long>(done) : Err(Errno::Again);
            const Result<void> waited = p.writers.wait([&] { return p.writable(whole); });
            if (!waited) return done > 0 ? Result<long>(done) : Err(waited.error());
        }
        return done;
    }

    Result<long> ioctl(uint32_t request, uint64_t arg) override { return pipe_ioctl(*m_pipe, request, arg); }
    void stat(abi::Stat& st) override { Pipe::stat(st); }

private:
    // Add one chunk from @p from (the lock held), counting it in @p done;
    // false if the user's buffer faulted, and then nothing is added.
    bool put(UserIter& from, long& done) {
        Pipe& p = *m_pipe;
        uint32_t n = Pipe::kCapacity - p.count < kPipeChunk ? Pipe::kCapacity - p.count : kPipeChunk;
        if (from.remaining() < n) n = static_cast<uint32_t>(from.remaining());
        const uint32_t tail = (p.head + p.count) % Pipe::kCapacity;
        const uint32_t first = n < Pipe::kCapacity - tail ? n : Pipe::kCapacity - tail;
        size_t copied = from.copy_in(p.data + tail, first);
        if (copied == first && first < n) copied += from.copy_in(p.data, n - first);
        if (copied < n) return false;
        p.count += n;
        done += n;
        return true;
    }

    Pipe* m_pipe;
};

}  // namespace

Result<void> make_pipe(File*& read_end, File*& write_end) {
    Pipe* pipe = TRY(make<Pipe>());
    pipe->data = static_cast<char*>(heap_allocate(Pipe::kCapacity, 16));
    Result<PipeReader*> reader = pipe->data ? make<PipeReader>(pipe) : Err(Errno::NoMem);
    Result<PipeWriter*> writer = reader ? make<PipeWriter>(pipe) : Err(Errno::NoMem);
    if (!writer) {
        if (reader) (*reader)->unref();  // the last reference on the pipe goes with it
        else delete pipe;                // no end took a reference
        return Err(Errno::NoMem);
    }
    read_end = *reader;
    write_end = *writer;
    return {};
}
