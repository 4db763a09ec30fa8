/**
 * @file chapters/06-io_uring/proc/pipe.cpp
 * @brief Pipes: a 64 KiB byte ring (Linux's default capacity) with a read
 * end and a write end.
 *
 * Lifetime: the Pipe is reference-counted, one reference per end, taken
 * by the end's constructor and dropped by its destructor. Each end
 * is a File, itself reference-counted by its descriptors and by the
 * io_uring reads parked on it. When an end's last reference goes, its
 * destructor updates the pipe (the last writer gone means end of file for
 * the readers, and wakes them) and then drops its reference on the pipe;
 * whichever end goes last frees it. Nothing else ever frees a pipe.
 *
 * With one process and no scheduler, nobody else can ever fill an empty pipe
 * while read() waits, so read() never blocks: it returns -EAGAIN (Linux
 * would sleep forever). An io_uring READ, though, may wait: the request is
 * parked on the pipe and retried when a write (or the last writer's close)
 * arrives - that is the asynchronous completion chapter 06 is about.
 */
#include "common/str.h"
#include "kernel/heap.h"
#include "proc/file.h"
#include "proc/uaccess.h"
#include "uring/engine.h"

using abi::Errno;

namespace {

constexpr uint32_t kPipeChunk = 4096;  // the unit a transfer keeps or drops whole, as Linux's pipe buffers

struct Pipe {
    static constexpr uint32_t kCapacity = 65536;
    char* data = nullptr;  // kCapacity bytes on the heap
    uint32_t head = 0;     // next byte to read
    uint32_t count = 0;    // bytes held
    bool reader_open = true;
    bool writer_open = true;
    int refs = 0;          // one per end: each end takes it when it is made
    uring::Request* waiting = nullptr;  // parked io_uring reads, oldest first, via Request::link

    ~Pipe() { heap_free(data); }

    void unref() {
        if (--refs == 0) delete this;
    }

    // Retry every parked read, oldest first, while there is data or end of file.
    void wake_readers() {
        // EXERCISE 06.8 BEGIN
        while (waiting && (count > 0 || !writer_open)) {
            uring::Request* r = waiting;
            waiting = r->link;
            r->link = nullptr;
            uring_retry_read(*r);
        }
        // EXERCISE 06.8 END
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
        m_pipe->reader_open = false;
        m_pipe->unref();
    }
    // As Linux's pipe_read: nothing asked, nothing done; empty: wait (EAGAIN
    // here) unless no writer is left (end of file); then copy, a chunk at a
    // time, and consume a chunk only once all of it reached the user.
    Result<long> read(UserIter& to) override {
        Pipe& p = *m_pipe;
        if (to.remaining() == 0) return 0;
        if (p.count == 0) return p.writer_open ? Err(Errno::Again) : Result<long>(0);
        long done = 0;
        while (p.count > 0 && to.remaining() > 0) {
            uint32_t n = p.count < kPipeChunk ? p.count : kPipeChunk;
            if (to.remaining() < n) n = static_cast<uint32_t>(to.remaining());
            const uint32_t first = n < Pipe::kCapacity - p.head ? n : Pipe::kCapacity - p.head;
            size_t copied = to.copy_out(p.data + p.head, first);  // up to the end of the ring...
            if (copied == first && first < n) copied += to.copy_out(p.data, n - first);  // ...and on from its start
            if (copied < n) return done > 0 ? Result<long>(done) : Err(Errno::Fault);  // the chunk stays in the pipe
            p.head = (p.head + n) % Pipe::kCapacity;
            p.count -= n;
            done += n;
        }
        return done;
    }
    bool wait_for_data(uring::Request& request) override {
        uring::Request** tail = &m_pipe->waiting;  // append: completions keep submission order
        while (*tail) tail = &(*tail)->link;
        request.link = nullptr;
        *tail = &request;
        return true;
    }
    void cancel_wait(uring::Request& request) override {
        for (uring::Request** r = &m_pipe->waiting; *r; r = &(*r)->link)
            if (*r == &request) {
                *r = request.link;
                return;
            }
    }
    Result<long> ioctl(uint32_t request, uint64_t arg) override { return pipe_ioctl(*m_pipe, request, arg); }

private:
    Pipe* m_pipe;
};

class PipeWriter final : public File {
public:
    explicit PipeWriter(Pipe* pipe) : File(kWritable | kCanWrite), m_pipe(pipe) { ++pipe->refs; }
    ~PipeWriter() override {
        m_pipe->writer_open = false;
        m_pipe->wake_readers();  // the last writer gone: waiting reads see end of file
        m_pipe->unref();
    }
    // As Linux's pipe_write: nothing to write, nothing done; no reader:
    // EPIPE; full: wait (EAGAIN here); then copy a chunk at a time, and add
    // a chunk to the pipe only once all of it came from the user.
    Result<long> write(UserIter& from) override {
        Pipe& p = *m_pipe;
        if (from.remaining() == 0) return 0;
        if (!p.reader_open) return Err(Errno::Pipe);  // Linux also sends SIGPIPE: see the chapter's differences
        if (p.count == Pipe::kCapacity) return Err(Errno::Again);
        long done = 0;
        while (p.count < Pipe::kCapacity && from.remaining() > 0) {
            uint32_t n = Pipe::kCapacity - p.count < kPipeChunk ? Pipe::kCapacity - p.count : kPipeChunk;
            if (from.remaining() < n) n = static_cast<uint32_t>(from.remaining());
            const uint32_t tail = (p.head + p.count) % Pipe::kCapacity;
            const uint32_t first = n < Pipe::kCapacity - tail ? n : Pipe::kCapacity - tail;
            size_t copied = from.copy_in(p.data + tail, first);
            if (copied == first && first < n) copied += from.copy_in(p.data, n - first);
            if (copied < n) break;  // a fault: this chunk is not added
            p.count += n;
            done += n;
        }
        if (done > 0) p.wake_readers();
        return done > 0 ? Result<long>(done) : Err(Errno::Fault);
    }
    Result<long> ioctl(uint32_t request, uint64_t arg) override { return pipe_ioctl(*m_pipe, request, arg); }

private:
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
