/**
 * @file chapters/06-io_uring/proc/pipe.cpp
 * @brief Pipes: a 4 KiB byte ring with a read end and a write end.
 *
 * With one process and no scheduler, nobody else can ever fill an empty pipe
 * while read() waits, so read() never blocks: it returns -EAGAIN (Linux
 * would sleep forever). An io_uring READ, though, may wait: the request is
 * parked on the pipe and retried when a write (or the last writer's close)
 * arrives - that is the asynchronous completion chapter 06 is about.
 */
#include "common/str.h"
#include "uring/engine.h"
#include "proc/file.h"
#include "proc/process.h"
#include "proc/uaccess.h"

using abi::Errno;

namespace {

struct Pipe {
    static constexpr uint32_t kCapacity = 4096;
    char data[kCapacity];
    uint32_t head = 0;   // next byte to read
    uint32_t count = 0;  // bytes held
    int readers = 1;
    int writers = 1;
    uring::Request* waiting = nullptr;  // parked io_uring reads, oldest first, via Request::link

    // Retry every parked read, oldest first, while there is data or EOF.
    void wake_readers() {
        while (waiting && (count > 0 || writers == 0)) {
            uring::Request* r = waiting;
            waiting = r->link;
            r->link = nullptr;
            uring_retry_read(*r);
        }
    }
};

class PipeReader final : public File {
public:
    explicit PipeReader(Pipe* pipe) : m_pipe(pipe) {}
    ~PipeReader() override {
        if (--m_pipe->readers == 0 && m_pipe->writers == 0) delete m_pipe;
    }
    long read(uint64_t buf, uint64_t len) override {
        Pipe& p = *m_pipe;
        if (len == 0) return 0;
        if (!user_range_ok(current_process()->space, buf, len, true)) return -Errno::Fault;
        if (p.count == 0) return p.writers == 0 ? 0 : -Errno::Again;
        const uint32_t n = len < p.count ? static_cast<uint32_t>(len) : p.count;
        for (uint32_t i = 0; i < n; ++i)
            reinterpret_cast<char*>(buf)[i] = p.data[(p.head + i) % Pipe::kCapacity];
        p.head = (p.head + n) % Pipe::kCapacity;
        p.count -= n;
        return n;
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

private:
    Pipe* m_pipe;
};

class PipeWriter final : public File {
public:
    explicit PipeWriter(Pipe* pipe) : m_pipe(pipe) {}
    ~PipeWriter() override {
        --m_pipe->writers;
        m_pipe->wake_readers();  // the last writer gone: waiting reads see end of file
        if (m_pipe->readers == 0 && m_pipe->writers == 0) delete m_pipe;
    }
    long write(uint64_t buf, uint64_t len) override {
        Pipe& p = *m_pipe;
        if (!user_range_ok(current_process()->space, buf, len, false)) return -Errno::Fault;
        if (p.readers == 0) return -Errno::Pipe;  // Linux also sends SIGPIPE; we only report it
        if (len == 0) return 0;
        if (p.count == Pipe::kCapacity) return -Errno::Again;
        const uint32_t room = Pipe::kCapacity - p.count;
        const uint32_t n = len < room ? static_cast<uint32_t>(len) : room;
        for (uint32_t i = 0; i < n; ++i)
            p.data[(p.head + p.count + i) % Pipe::kCapacity] = reinterpret_cast<const char*>(buf)[i];
        p.count += n;
        p.wake_readers();
        return n;
    }

private:
    Pipe* m_pipe;
};

}  // namespace

void make_pipe(File*& read_end, File*& write_end) {
    auto* pipe = new Pipe;
    read_end = new PipeReader(pipe);
    write_end = new PipeWriter(pipe);
}
