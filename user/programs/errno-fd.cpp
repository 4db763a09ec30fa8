/**
 * @file user/programs/errno-fd.cpp
 * @brief Differential probes of the descriptor calls of chapter 06: pipe2,
 * close, read, write, readv, writev and mmap, on pipes of the program's own.
 *
 * One line per call, `errno-fd: CALL = RESULT`, compared line for line with
 * the same program on the host's Linux (chapters/06-io_uring/test-errno-fd.expect).
 * Linux's output is the reference. After a call that might have moved data
 * (a failed read or write, a short readv), a `pipe holds ...` line shows
 * what the pipe holds, so "failed, and nothing moved" and "moved some bytes"
 * are told apart.
 *
 * Never blocks on Linux: every pipe is O_NONBLOCK (an empty pipe is EAGAIN
 * on both kernels). SIGPIPE is ignored with rt_sigaction, so a write with no
 * reader returns -EPIPE on Linux instead of ending the program; the course
 * kernel has no signals to send and answers that call with -ENOSYS, which is
 * not printed. Descriptor numbers are printed as they are: the program
 * starts with only 0, 1 and 2 open, as the tests run it.
 */
#include "runtime/print.h"
#include "runtime/probe.h"

namespace {

namespace map = abi::map;
namespace prot = abi::prot;
using abi::IoVec;

constexpr uint64_t kKernelImage = 0xffffffff80000000;
constexpr uint64_t kNonCanonical = 0x0000800000000000;
constexpr uint64_t kLastPage = 0x00007ffffffff000;
constexpr uint64_t kUnmapped = 0x0000010000000000;
constexpr uint64_t kPage = 4096;
constexpr long kUpper = 0x100000000;  // an upper half for int arguments
constexpr int kNonBlock = abi::open_flag::NonBlock;

constinit probe::Probes g_probe("errno-fd");

// The pages the probes point into: set up once by main().
uint64_t g_none = kUnmapped;      // a PROT_NONE page
uint64_t g_readonly = kUnmapped;  // a PROT_READ page
uint64_t g_edge = kUnmapped;      // 4 bytes before an unmapped page
char g_buf[64];
char g_big[kPage];

long sys3(abi::Sys nr, long a, uint64_t b, uint64_t c) {
    return raw_syscall(nr, a, static_cast<long>(b), static_cast<long>(c));
}
long read(long fd, uint64_t buf, uint64_t n) { return sys3(abi::Sys::Read, fd, buf, n); }
long write(long fd, uint64_t buf, uint64_t n) { return sys3(abi::Sys::Write, fd, buf, n); }
long readv(long fd, uint64_t iov, uint64_t count) { return sys3(abi::Sys::Readv, fd, iov, count); }
long writev(long fd, uint64_t iov, uint64_t count) { return sys3(abi::Sys::Writev, fd, iov, count); }
long pipe2(uint64_t fds, long flags) { return raw_syscall(abi::Sys::Pipe2, static_cast<long>(fds), flags); }
long close(long fd) { return raw_syscall(abi::Sys::Close, fd); }
long mmap(uint64_t len, long prot_bits, long flags, long fd, uint64_t off) {
    return raw_syscall(abi::Sys::Mmap, 0, static_cast<long>(len), prot_bits, flags, fd, static_cast<long>(off));
}

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }
uint64_t buf() { return addr(g_buf); }
uint64_t text(const char* s) { return addr(s); }

struct Pipe {
    int r = -1, w = -1;
};

/// pipe2 into a fresh pair, printed as "0, fds R and W".
Pipe open_pipe(StringView call, int flags = kNonBlock) {
    int fds[2] = {-1, -1};
    const long r = pipe2(addr(fds), flags);
    char shown[40];
    format_to(shown, sizeof shown, "0, fds {} and {}", fds[0], fds[1]);
    g_probe.says(r, shown, call);
    return r == 0 ? Pipe{fds[0], fds[1]} : Pipe{};
}

/// Show and empty what @p p holds: one read of up to 64 bytes.
void held(const Pipe& p) {
    const long n = read(p.r, buf(), sizeof g_buf);
    if (n > 0) g_probe.note("  pipe holds {} bytes \"{}\"", n, StringView(g_buf, static_cast<size_t>(n)));
    else if (n == -abi::Errno::Again) g_probe.note("  pipe is empty");
    else if (n == 0) g_probe.note("  pipe is at end of file");
    else g_probe.note("  pipe read fails with {}", n);
}

/// Empty @p p, then put "hello" in it (not printed: checked by the lines that follow).
void refill(const Pipe& p) {
    while (read(p.r, buf(), sizeof g_buf) > 0) {
    }
    (void)write(p.w, text("hello"), 5);
}

void pipe2_calls() {
    Pipe p = open_pipe("pipe2(fds, 0)", 0);
    g_probe.value(close(p.r), "close(read end)");
    g_probe.value(close(p.w), "close(write end)");
    p = open_pipe("pipe2(fds, O_NONBLOCK|O_CLOEXEC)", kNonBlock | abi::open_flag::CloExec);
    (void)close(p.r), (void)close(p.w);
    g_probe.value(pipe2(0, 0), "pipe2(NULL, 0)");
    g_probe.value(pipe2(kKernelImage, 0), "pipe2(0xffffffff80000000, 0)");
    g_probe.value(pipe2(kNonCanonical, 0), "pipe2(0x800000000000, 0)");
    g_probe.value(pipe2(kLastPage + kPage - 4, 0), "pipe2(0x7ffffffffffc, 0)");
    g_probe.value(pipe2(kUnmapped, 0), "pipe2(0x10000000000, 0)");
    g_probe.value(pipe2(g_readonly, 0), "pipe2(read-only page, 0)");
    g_probe.value(pipe2(g_edge, 0), "pipe2(4 bytes before an unmapped page, 0)");
    int fds[2] = {-1, -1};
    g_probe.value(pipe2(addr(fds), 1), "pipe2(fds, 1)");
    g_probe.value(pipe2(addr(fds), kNonBlock | 0x40), "pipe2(fds, O_NONBLOCK|0x40)");
    g_probe.value(pipe2(addr(fds), 0x80000000), "pipe2(fds, 0x80000000)");
    g_probe.value(pipe2(0, 1), "pipe2(NULL, 1)");
    // pipe2 takes an int: Linux ignores the upper half.
    {
        int more[2] = {-1, -1};
        const long r = pipe2(addr(more), kUpper);
        char shown[40];
        format_to(shown, sizeof shown, "0, fds {} and {}", more[0], more[1]);
        g_probe.says(r, shown, "pipe2(fds, 0x100000000)");
        if (r == 0) (void)close(more[0]), (void)close(more[1]);
    }
    // After all the failures, the lowest descriptors are free again.
    p = open_pipe("pipe2(fds, O_NONBLOCK)");
    (void)close(p.r), (void)close(p.w);
}

void close_calls() {
    const Pipe p = open_pipe("pipe2(fds, O_NONBLOCK)");
    g_probe.value(close(99), "close(99)");
    g_probe.value(close(-1), "close(-1)");
    g_probe.value(close(0x7fffffff), "close(0x7fffffff)");
    g_probe.value(close(64), "close(64)");
    g_probe.value(close(1024), "close(1024)");
    // close takes an unsigned int: on Linux this closes the write end.
    g_probe.value(close(kUpper | p.w), "close(0x100000000 | write end)");
    g_probe.value(close(p.w), "close(write end)");
    g_probe.value(close(p.r), "close(read end)");
    g_probe.value(close(p.r), "close(read end) again");
}

void reads(const Pipe& p) {
    g_probe.value(read(p.r, buf(), 8), "read(empty, buf, 8)");
    g_probe.value(read(p.r, buf(), 0), "read(empty, buf, 0)");
    g_probe.value(read(p.r, 0, 0), "read(empty, NULL, 0)");
    g_probe.value(read(p.r, kKernelImage, 0), "read(empty, 0xffffffff80000000, 0)");
    g_probe.value(read(p.r, kNonCanonical, 0), "read(empty, 0x800000000000, 0)");
    g_probe.value(read(p.r, 0, 8), "read(empty, NULL, 8)");
    g_probe.value(read(p.r, kUnmapped, 8), "read(empty, 0x10000000000, 8)");
    g_probe.value(read(p.r, kKernelImage, 8), "read(empty, 0xffffffff80000000, 8)");
    g_probe.value(read(p.r, buf(), ~0ull), "read(empty, buf, -1)");
    g_probe.value(read(p.r, buf(), 1ull << 40), "read(empty, buf, 1<<40)");
    g_probe.value(read(p.w, buf(), 8), "read(write end, buf, 8)");
    g_probe.value(read(p.w, 0, 8), "read(write end, NULL, 8)");
    g_probe.value(read(p.w, kKernelImage, 8), "read(write end, 0xffffffff80000000, 8)");
    g_probe.value(write(p.r, text("abc"), 3), "write(read end, \"abc\", 3)");
    g_probe.value(write(p.r, 0, 3), "write(read end, NULL, 3)");
    g_probe.value(read(kUpper | p.r, buf(), 8), "read(0x100000000 | read end, buf, 8)");

    g_probe.value(write(p.w, text("hello"), 5), "write(pipe, \"hello\", 5)");
    g_probe.value(read(p.r, 0, 8), "read(pipe with 5 bytes, NULL, 8)");
    g_probe.value(read(p.r, kKernelImage, 8), "read(pipe with 5 bytes, 0xffffffff80000000, 8)");
    g_probe.value(read(p.r, kUnmapped, 8), "read(pipe with 5 bytes, 0x10000000000, 8)");
    g_probe.value(read(p.r, g_readonly, 8), "read(pipe with 5 bytes, read-only page, 8)");
    g_probe.value(read(p.r, g_none, 8), "read(pipe with 5 bytes, PROT_NONE page, 8)");
    g_probe.value(read(p.r, buf(), ~0ull), "read(pipe with 5 bytes, buf, -1)");
    held(p);
    refill(p);
    g_probe.value(read(p.r, g_edge, 8), "read(pipe with 5 bytes, 4 bytes before an unmapped page, 8)");
    held(p);
    refill(p);
    g_probe.value(read(p.r, g_edge, 4), "read(pipe with 5 bytes, 4 bytes before an unmapped page, 4)");
    held(p);
    refill(p);
    g_probe.value(read(p.r, buf(), 1ull << 40), "read(pipe with 5 bytes, buf, 1<<40)");
    held(p);
    refill(p);
    g_probe.value(read(kUpper | p.r, buf(), 8), "read(0x100000000 | read end with 5 bytes, buf, 8)");
    held(p);
}

void writes(const Pipe& p) {
    g_probe.value(write(p.w, 0, 0), "write(pipe, NULL, 0)");
    g_probe.value(write(p.w, kKernelImage, 0), "write(pipe, 0xffffffff80000000, 0)");
    g_probe.value(write(p.w, kNonCanonical, 0), "write(pipe, 0x800000000000, 0)");
    g_probe.value(write(p.w, kUnmapped, 0), "write(pipe, 0x10000000000, 0)");
    g_probe.value(write(p.w, 0, 1), "write(pipe, NULL, 1)");
    g_probe.value(write(p.w, kUnmapped, 1), "write(pipe, 0x10000000000, 1)");
    g_probe.value(write(p.w, g_none, 1), "write(pipe, PROT_NONE page, 1)");
    g_probe.value(write(p.w, g_edge, 8), "write(pipe, 4 bytes before an unmapped page, 8)");
    g_probe.value(write(p.w, text("hello"), ~0ull), "write(pipe, \"hello\", -1)");
    g_probe.value(write(p.w, 0, 1ull << 40), "write(pipe, NULL, 1<<40)");
    g_probe.value(write(p.w, kLastPage, 2 * kPage), "write(pipe, 0x7ffffffff000, 8192)");
    held(p);
    g_probe.value(write(p.w, g_edge, 4), "write(pipe, 4 bytes before an unmapped page, 4)");
    held(p);
    g_probe.value(write(kUpper | p.w, text("hello"), 5), "write(0x100000000 | write end, \"hello\", 5)");
    held(p);

    // A full pipe: how much fits differs (Linux 64 KiB, the course 4 KiB), the answers do not.
    long r = 0;
    for (int i = 0; i < 64 && r >= 0; ++i) r = write(p.w, addr(g_big), sizeof g_big);
    g_probe.says(r, "never full", "write(pipe, 4096 bytes, 4096) until it fails");
    g_probe.value(write(p.w, text("x"), 1), "write(full pipe, \"x\", 1)");
    g_probe.value(write(p.w, text("x"), 0), "write(full pipe, \"x\", 0)");
    g_probe.value(write(p.w, 0, 1), "write(full pipe, NULL, 1)");
    g_probe.value(write(p.w, kKernelImage, 1), "write(full pipe, 0xffffffff80000000, 1)");
    while (read(p.r, addr(g_big), sizeof g_big) > 0) {
    }
    held(p);
}

void vectors(const Pipe& p) {
    IoVec one[1] = {{buf(), 8}};
    g_probe.value(readv(p.r, addr(one), 1), "readv(empty, [{{buf, 8}}], 1)");
    g_probe.value(readv(p.r, 0, 0), "readv(empty, NULL, 0)");
    g_probe.value(readv(p.r, 0, 1), "readv(empty, NULL, 1)");
    g_probe.value(readv(p.r, kKernelImage, 1), "readv(empty, 0xffffffff80000000, 1)");
    g_probe.value(readv(p.r, addr(one), ~0ull), "readv(empty, iov, -1)");
    g_probe.value(readv(p.r, addr(one), 1025), "readv(empty, iov, 1025)");
    g_probe.value(readv(p.r, 0, 1024), "readv(empty, NULL, 1024)");
    g_probe.value(readv(p.r, addr(one), kUpper | 1), "readv(empty, iov, 0x100000001)");
    g_probe.value(readv(p.w, 0, 1), "readv(write end, NULL, 1)");
    g_probe.value(readv(p.w, addr(one), 1025), "readv(write end, iov, 1025)");
    g_probe.value(readv(p.w, addr(one), 1), "readv(write end, [{{buf, 8}}], 1)");
    g_probe.value(writev(p.r, 0, 1), "writev(read end, NULL, 1)");
    g_probe.value(writev(p.r, addr(one), ~0ull), "writev(read end, iov, -1)");
    g_probe.value(writev(p.w, 0, 0), "writev(pipe, NULL, 0)");
    g_probe.value(writev(p.w, 0, 1), "writev(pipe, NULL, 1)");

    IoVec two[2] = {{text("abc"), 3}, {0, 0}};
    auto write_two = [&](uint64_t base2, uint64_t len2, StringView call) {
        two[1] = {base2, len2};
        g_probe.value(writev(p.w, addr(two), 2), call);
        held(p);
    };
    IoVec bad_len[1] = {{text("abc"), ~0ull}};
    g_probe.value(writev(p.w, addr(bad_len), 1), "writev(pipe, [{{\"abc\", -1}}], 1)");
    held(p);
    write_two(text("de"), ~0ull, "writev(pipe, [{{\"abc\", 3}}, {{\"de\", -1}}], 2)");
    write_two(text("de"), 1ull << 63, "writev(pipe, [{{\"abc\", 3}}, {{\"de\", 1<<63}}], 2)");
    write_two(kKernelImage, 1, "writev(pipe, [{{\"abc\", 3}}, {{0xffffffff80000000, 1}}], 2)");
    write_two(kKernelImage, 0, "writev(pipe, [{{\"abc\", 3}}, {{0xffffffff80000000, 0}}], 2)");
    write_two(kUnmapped, 1, "writev(pipe, [{{\"abc\", 3}}, {{0x10000000000, 1}}], 2)");
    write_two(0, 1, "writev(pipe, [{{\"abc\", 3}}, {{NULL, 1}}], 2)");
    write_two(0, 0, "writev(pipe, [{{\"abc\", 3}}, {{NULL, 0}}], 2)");
    write_two(text("de"), 2, "writev(pipe, [{{\"abc\", 3}}, {{\"de\", 2}}], 2)");
    // An iovec array whose second entry is on an unmapped page.
    auto* split = reinterpret_cast<IoVec*>(g_edge + 4 - sizeof(IoVec));
    if (g_edge != kUnmapped) split[0] = {text("abc"), 3};
    g_probe.value(writev(p.w, addr(split), 2), "writev(pipe, iov array crossing into an unmapped page, 2)");
    held(p);
    g_probe.value(writev(p.w, addr(split), 1), "writev(pipe, its first entry only, 1)");
    held(p);
    g_probe.value(writev(kUpper | p.w, addr(two), 1), "writev(0x100000000 | write end, [{{\"abc\", 3}}], 1)");
    held(p);

    char small[3];
    IoVec rtwo[2] = {{addr(small), 3}, {0, 0}};
    auto read_two = [&](uint64_t base2, uint64_t len2, StringView call) {
        refill(p);
        rtwo[1] = {base2, len2};
        g_probe.value(readv(p.r, addr(rtwo), 2), call);
        held(p);
    };
    read_two(kKernelImage, 8, "readv(pipe with \"hello\", [{{buf, 3}}, {{0xffffffff80000000, 8}}], 2)");
    read_two(kUnmapped, 8, "readv(pipe with \"hello\", [{{buf, 3}}, {{0x10000000000, 8}}], 2)");
    read_two(0, 8, "readv(pipe with \"hello\", [{{buf, 3}}, {{NULL, 8}}], 2)");
    read_two(buf(), ~0ull, "readv(pipe with \"hello\", [{{buf, 3}}, {{buf2, -1}}], 2)");
    read_two(buf(), 8, "readv(pipe with \"hello\", [{{buf, 3}}, {{buf2, 8}}], 2)");
    refill(p);
    IoVec first_empty[2] = {{0, 0}, {buf(), 8}};
    g_probe.value(readv(p.r, addr(first_empty), 2), "readv(pipe with \"hello\", [{{NULL, 0}}, {{buf, 8}}], 2)");
    held(p);
    refill(p);
    g_probe.value(readv(kUpper | p.r, addr(one), 1), "readv(0x100000000 | read end with \"hello\", [{{buf, 8}}], 1)");
    held(p);
}

void end_of_file() {
    const Pipe p = open_pipe("pipe2(fds, O_NONBLOCK)");
    g_probe.value(write(p.w, text("hi"), 2), "write(pipe, \"hi\", 2)");
    g_probe.value(close(p.w), "close(write end)");
    g_probe.value(read(p.r, 0, 8), "read(pipe with 2 bytes and no writer, NULL, 8)");
    g_probe.value(read(p.r, buf(), 8), "read(pipe with 2 bytes and no writer, buf, 8)");
    g_probe.value(read(p.r, buf(), 8), "read(at end of file, buf, 8)");
    g_probe.value(read(p.r, 0, 8), "read(at end of file, NULL, 8)");
    g_probe.value(read(p.r, kUnmapped, 8), "read(at end of file, 0x10000000000, 8)");
    g_probe.value(read(p.r, g_readonly, 8), "read(at end of file, read-only page, 8)");
    g_probe.value(read(p.r, kKernelImage, 8), "read(at end of file, 0xffffffff80000000, 8)");
    g_probe.value(read(p.r, buf(), 1ull << 40), "read(at end of file, buf, 1<<40)");
    IoVec null_iov[1] = {{0, 8}};
    g_probe.value(readv(p.r, addr(null_iov), 1), "readv(at end of file, [{{NULL, 8}}], 1)");
    g_probe.value(close(p.r), "close(read end)");
}

void no_reader() {
    const Pipe p = open_pipe("pipe2(fds, O_NONBLOCK)");
    g_probe.value(close(p.r), "close(read end)");
    g_probe.value(write(p.w, text("x"), 1), "write(no reader, \"x\", 1)");
    g_probe.value(write(p.w, text("x"), 0), "write(no reader, \"x\", 0)");
    g_probe.value(write(p.w, 0, 1), "write(no reader, NULL, 1)");
    g_probe.value(write(p.w, kKernelImage, 1), "write(no reader, 0xffffffff80000000, 1)");
    IoVec x[1] = {{text("x"), 1}};
    g_probe.value(writev(p.w, addr(x), 1), "writev(no reader, [{{\"x\", 1}}], 1)");
    g_probe.value(writev(p.w, 0, 1), "writev(no reader, NULL, 1)");
    g_probe.value(close(p.w), "close(write end)");
}

void mmaps() {
    const Pipe p = open_pipe("pipe2(fds, O_NONBLOCK)");
    const long r = prot::Read, rw = prot::Read | prot::Write;
    g_probe.ok(mmap(kPage, r, map::Private, p.r, 0), "mmap(NULL, 4096, R, PRIVATE, read end, 0)");
    g_probe.ok(mmap(kPage, r, map::Shared, p.r, 0), "mmap(NULL, 4096, R, SHARED, read end, 0)");
    g_probe.ok(mmap(kPage, r, map::Private, p.w, 0), "mmap(NULL, 4096, R, PRIVATE, write end, 0)");
    g_probe.ok(mmap(kPage, rw, map::Shared, p.w, 0), "mmap(NULL, 4096, RW, SHARED, write end, 0)");
    g_probe.ok(mmap(kPage, r, map::Private, kUpper | p.r, 0), "mmap(NULL, 4096, R, PRIVATE, 0x100000000 | read end, 0)");
    g_probe.ok(mmap(0, r, map::Private, p.r, 0), "mmap(NULL, 0, R, PRIVATE, read end, 0)");
    g_probe.ok(mmap(kPage, r, map::Private, p.r, 1), "mmap(NULL, 4096, R, PRIVATE, read end, 1)");
    g_probe.ok(mmap(kPage, r, 0, p.r, 0), "mmap(NULL, 4096, R, 0, read end, 0)");
    const long anon = mmap(kPage, r, map::Private | map::Anonymous, p.r, 0);
    g_probe.ok(anon, "mmap(NULL, 4096, R, PRIVATE|ANON, read end, 0)");
    if (anon >= 0) (void)sys::munmap(reinterpret_cast<void*>(anon), kPage);
    (void)close(p.r), (void)close(p.w);
    g_probe.ok(mmap(kPage, r, map::Private, p.r, 0), "mmap(NULL, 4096, R, PRIVATE, closed fd, 0)");
}

/// rt_sigaction(SIGPIPE, SIG_IGN): see the file comment. Its result is not a probe.
void ignore_sigpipe() {
    struct {
        uint64_t handler = 1;  // SIG_IGN
        uint64_t flags = 0;
        uint64_t restorer = 0;
        uint64_t mask = 0;
    } action;
    constexpr long kRtSigaction = 13;
    (void)raw_syscall(kRtSigaction, static_cast<long>(abi::Signal::Pipe), reinterpret_cast<long>(&action), 0, 8);
}

}  // namespace

/// Set up the probe pages, then probe pipe2, close, read, write, readv/writev and mmap in turn; exit 0.
int main(int, char**, char**) {
    ignore_sigpipe();
    const long none = sys::mmap(nullptr, kPage, prot::None, map::Private | map::Anonymous, -1, 0);
    g_probe.ok(none, "mmap(NULL, 4096, NONE, PRIVATE|ANON, -1, 0)");
    const long ro = sys::mmap(nullptr, kPage, prot::Read, map::Private | map::Anonymous, -1, 0);
    g_probe.ok(ro, "mmap(NULL, 4096, R, PRIVATE|ANON, -1, 0)");
    const long page = probe::map_edge_page();
    g_probe.says(page, static_cast<uint64_t>(page) == probe::kEdgePage ? "at the address asked for" : "elsewhere",
                 "mmap(0x500000000000, 4096, RW, FIXED_NOREPLACE|PRIVATE|ANON)");
    if (none >= 0) g_none = static_cast<uint64_t>(none);
    if (ro >= 0) g_readonly = static_cast<uint64_t>(ro);
    if (static_cast<uint64_t>(page) == probe::kEdgePage) {
        g_edge = probe::kEdgePage + kPage - 4;
        mem::copy(reinterpret_cast<void*>(g_edge), "wxyz", 4);
    }

    pipe2_calls();
    close_calls();
    const Pipe p = open_pipe("pipe2(fds, O_NONBLOCK)");
    reads(p);
    writes(p);
    vectors(p);
    (void)close(p.r), (void)close(p.w);
    end_of_file();
    no_reader();
    mmaps();
    open_pipe("pipe2(fds, 0) at the end: the lowest descriptors are free", 0);
    g_probe.end();
    return 0;
}
