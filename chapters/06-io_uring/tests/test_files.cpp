/**
 * @file chapters/06-io_uring/tests/test_files.cpp
 * @brief Host tests of descriptors, pipes, iovec arrays and the io_uring
 * glue (sys/io_uring.cpp) together, under ASan and UBSan.
 *
 * The kernel's own files are compiled for the host with a fake process
 * around them: "user memory" is this test's own memory (its addresses lie
 * below the end of user space, as a program's do), copied by the kernel's
 * real arch/user_copy.S; the kernel heap is malloc. The syscall handlers
 * are called directly. What only a full kernel shows (a program mapping
 * its rings) is left to the boot tests; what a use-after-free or a double
 * free would break is shown here, where ASan catches it at once.
 */
// links: arch/user_copy.S
#include <criterion/criterion.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "mm/file_mappings.cpp"
#include "proc/console_io.cpp"
#include "proc/file.cpp"
#include "proc/pipe.cpp"
#include "proc/uaccess.cpp"
#include "proc/user_iter.cpp"
#include "sys/file_calls.cpp"
#include "sys/io_uring.cpp"
#include "uring/engine.cpp"
#include "../../04-user/tests/user_faults.h"

// ------------------------------------------------------------------ fakes

uint64_t g_user_top = abi::kTaskSize;
void* heap_allocate(size_t size, size_t align) { return std::aligned_alloc(align < 16 ? 16 : align, (size + 4095) & ~size_t(4095)); }
void heap_free(void* p) { std::free(p); }
// The kernel deletes what make<T>() made with `delete`: here as there, new
// and delete go through heap_allocate() and heap_free().
void* operator new(size_t size) { return heap_allocate(size, 16); }
void operator delete(void* p) noexcept { heap_free(p); }
void operator delete(void* p, size_t) noexcept { heap_free(p); }

namespace {
Process* g_process = nullptr;
std::string g_console;  // what the programs wrote to the console
}  // namespace

Process* current_process() { return g_process; }
void console_write(const char* text, size_t n) { g_console.append(text, n); }
size_t console_read(char*, size_t) { return 0; }
Sink& console_sink() {
    struct Discard final : Sink {
        void write(const char*, size_t) override {}
    };
    static Discard sink;
    return sink;
}

namespace {

namespace iu = abi::io_uring;
using abi::Errno;

uint64_t at(const void* p) { return reinterpret_cast<uint64_t>(p); }

// A syscall's answer as a program sees it: the value, or -errno.
long call(Result<long> (*handler)(const SyscallArgs&), uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
          uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0) {
    const Result<long> r = handler({a0, a1, a2, a3, a4, a5});
    return r ? *r : -r.error();
}

struct Fresh {
    Fresh() {
        user_faults::catch_them();
        g_process = *make<Process>();
        cr_assert(open_console(g_process->files).has_value());
        g_console.clear();
    }
    ~Fresh() {
        delete g_process;  // closes everything: ASan reports any file or pipe left or freed twice
        g_process = nullptr;
    }
};

std::pair<int, int> pipe() {
    int fds[2] = {-1, -1};
    cr_assert_eq(call(sys_pipe2, at(fds), 0), 0);
    return {fds[0], fds[1]};
}

// A ring, set up and "mapped": the test reaches its memory where the kernel keeps it.
struct TestRing {
    int fd;
    iu::Params params{};
    uint8_t* rings;
    iu::Sqe* sqes;
    explicit TestRing(uint32_t entries) {
        fd = static_cast<int>(call(sys_io_uring_setup, entries, at(&params)));
        cr_assert_geq(fd, 3);
        RingFile* ring = (*current_files().get(fd))->as_ring();
        rings = ring->mmap(iu::kOffSqRing, 4096)->kernel.as<uint8_t>();
        sqes = ring->mmap(iu::kOffSqes, 4096)->kernel.as<iu::Sqe>();
    }
    uint32_t& u32(uint32_t offset) { return *reinterpret_cast<uint32_t*>(rings + offset); }
    void queue(const iu::Sqe& sqe) {
        const uint32_t tail = u32(params.sq_off.tail);
        sqes[tail & 7] = sqe;
        reinterpret_cast<uint32_t*>(rings + params.sq_off.array)[tail & 7] = tail & 7;
        u32(params.sq_off.tail) = tail + 1;
    }
    long enter(uint32_t n) { return call(sys_io_uring_enter, fd, n, 0, 0); }
    std::vector<iu::Cqe> reap() {
        std::vector<iu::Cqe> out;
        const auto* cqes = reinterpret_cast<iu::Cqe*>(rings + params.cq_off.cqes);
        for (uint32_t& head = u32(params.cq_off.head); head != u32(params.cq_off.tail); ++head)
            out.push_back(cqes[head & (params.cq_entries - 1)]);
        return out;
    }
};

iu::Sqe sqe(iu::Op op, int fd, const void* addr, uint32_t len, uint64_t user_data) {
    iu::Sqe s{};
    s.opcode = static_cast<uint8_t>(op);
    s.fd = fd;
    s.addr = at(addr);
    s.len = len;
    s.user_data = user_data;
    return s;
}

}  // namespace

// ------------------------------------------------------------------ tests

Test(files, descriptors_fill_up_and_come_back) {
    Fresh f;
    std::vector<int> fds;
    for (int i = 0; i < 30; ++i) fds.push_back(pipe().first);  // 3 + 60 descriptors: one left
    int more[2];
    cr_assert_eq(call(sys_pipe2, at(more), 0), -Errno::MFile, "room for one end only: neither is kept");
    cr_assert_eq(call(sys_pipe2, at(more), 0), -Errno::MFile, "so the last descriptor is still free, and not enough");
    cr_assert_eq(call(sys_close, fds[0]), 0);
    cr_assert_eq(call(sys_close, fds[0]), -Errno::BadF, "closed already");
    cr_assert_eq(call(sys_close, 0xffffffff00000002ull), 0, "an int: the upper half is ignored, this is fd 2");
    cr_assert_eq(call(sys_write, 2, at("x"), 1), -Errno::BadF);
}

Test(files, pipes_carry_bytes_in_order_across_the_wrap) {
    Fresh f;
    auto [rd, wr] = pipe();
    std::vector<char> out(40000, 'a'), in(40000);
    for (int round = 0; round < 5; ++round) {  // 200000 bytes through a 65536-byte ring
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>('a' + (i + round) % 26);
        cr_assert_eq(call(sys_write, wr, at(out.data()), out.size()), 40000);
        cr_assert_eq(call(sys_read, rd, at(in.data()), in.size()), 40000);
        cr_assert(in == out, "round %d", round);
    }
    cr_assert_eq(call(sys_read, rd, at(in.data()), 1), -Errno::Again, "empty, writer open: would block");
}

Test(files, pipe_ends_and_their_errors) {
    Fresh f;
    auto [rd, wr] = pipe();
    char byte = 'x';
    cr_assert_eq(call(sys_read, wr, at(&byte), 1), -Errno::BadF, "the write end cannot be read");
    cr_assert_eq(call(sys_write, rd, at(&byte), 1), -Errno::BadF);
    cr_assert_eq(call(sys_write, wr, 0xffffffff80000000, 0), -Errno::Fault, "a kernel address, even for 0 bytes");
    cr_assert_eq(call(sys_write, wr, at(&byte), 1), 1);
    cr_assert_eq(call(sys_close, wr), 0);
    cr_assert_eq(call(sys_read, rd, at(&byte), 1), 1);
    cr_assert_eq(call(sys_read, rd, 0x10, 1), 0, "end of file: 0, the buffer is never touched");
    auto [rd2, wr2] = pipe();
    cr_assert_eq(call(sys_close, rd2), 0);
    cr_assert_eq(call(sys_write, wr2, at(&byte), 1), -Errno::Pipe, "no reader left");
}

Test(files, a_fault_in_the_buffer_loses_no_data) {
    Fresh f;
    auto [rd, wr] = pipe();
    cr_assert_eq(call(sys_write, wr, at("hello"), 5), 5);
    cr_assert_eq(call(sys_read, rd, 0x1000, 5), -Errno::Fault, "an unmapped buffer faults inside the copy");
    char in[8] = {};
    cr_assert_eq(call(sys_read, rd, at(in), sizeof in), 5, "the bytes are still there");
    cr_assert_str_eq(in, "hello");
}

Test(files, iovec_arrays_are_checked_whole_first) {
    Fresh f;
    auto [rd, wr] = pipe();
    char a[4] = "abc";
    abi::IoVec good_then_kernel[2] = {{at(a), 3}, {0xffffffff80000000, 3}};
    cr_assert_eq(call(sys_writev, wr, at(good_then_kernel), 2), -Errno::Fault);
    abi::IoVec negative[1] = {{at(a), ~0ull}};
    cr_assert_eq(call(sys_writev, wr, at(negative), 1), -Errno::Inval);
    cr_assert_eq(call(sys_writev, wr, at(a), 1025), -Errno::Inval, "more than UIO_MAXIOV");
    cr_assert_eq(call(sys_writev, wr, 0, 1), -Errno::Fault);
    cr_assert_eq(call(sys_writev, wr, 0, 0), 0);
    cr_assert_eq(call(sys_read, rd, at(a), 3), -Errno::Again, "none of those wrote a byte");
    std::vector<abi::IoVec> many(20, abi::IoVec{at(a), 1});  // past the inline array: the heap path
    cr_assert_eq(call(sys_writev, wr, at(many.data()), many.size()), 20);
}

Test(files, io_uring_fd_cannot_be_read_or_written) {
    Fresh f;
    TestRing ring(8);
    char buffer[8];
    cr_assert_eq(call(sys_read, ring.fd, at(buffer), 8), -Errno::Inval);
    cr_assert_eq(call(sys_write, ring.fd, at(buffer), 8), -Errno::Inval);
    cr_assert_eq(call(sys_read, ring.fd, 0xffffffff80000000, 8), -Errno::Inval, "EINVAL before EFAULT, as Linux");
}

// The double free of the issue: a READ parked on an empty pipe, then the
// read end closed, then the write end: the READ completes with 0 (end of
// file) and both closes succeed.
Test(files, read_parked_then_both_pipe_ends_closed) {
    Fresh f;
    TestRing ring(8);
    auto [rd, wr] = pipe();
    char buffer[16];
    ring.queue(sqe(iu::Op::Read, rd, buffer, sizeof buffer, 7));
    cr_assert_eq(ring.enter(1), 1);
    cr_assert(ring.reap().empty(), "parked: the pipe is empty");
    cr_assert_eq(call(sys_close, rd), 0);
    cr_assert_eq(call(sys_close, wr), 0);
    const auto cqes = ring.reap();
    cr_assert_eq(cqes.size(), 1u);
    cr_assert_eq(cqes[0].user_data, 7u);
    cr_assert_eq(cqes[0].res, 0, "end of file");
}

Test(files, read_parked_then_the_process_exits) {
    Fresh f;
    auto [rd, wr] = pipe();  // before the ring: closed first at exit
    TestRing ring(8);
    char buffer[16];
    ring.queue(sqe(iu::Op::Read, rd, buffer, sizeof buffer, 1));
    cr_assert_eq(ring.enter(1), 1);
    (void)wr;  // Fresh's destructor closes everything; ASan checks nothing is freed twice
}

Test(files, read_parked_then_the_ring_closed_first) {
    Fresh f;
    TestRing ring(8);
    auto [rd, wr] = pipe();
    char buffer[16];
    ring.queue(sqe(iu::Op::Read, rd, buffer, sizeof buffer, 1));
    cr_assert_eq(ring.enter(1), 1);
    cr_assert_eq(call(sys_close, ring.fd), 0, "the parked READ is cancelled, the pipe let go");
    cr_assert_eq(call(sys_write, wr, at("late"), 4), 4, "nobody waits on the pipe any more");
    cr_assert_eq(call(sys_read, rd, at(buffer), 16), 4);
}

Test(files, a_mapping_keeps_the_ring_alive_after_close) {
    Fresh f;
    TestRing ring(8);
    RingFile* file = (*current_files().get(ring.fd))->as_ring();
    cr_assert(g_process->mappings.add(0x10000000, 0x10001000, file).has_value());
    cr_assert_eq(call(sys_close, ring.fd), 0);
    ring.u32(ring.params.sq_off.tail) = 0;  // still the ring's memory: ASan would object if it were freed
    cr_assert(g_process->mappings.check_remove(0x10000000, 0x10001000).has_value());
    g_process->mappings.remove(0x10000000, 0x10001000);  // now it goes
}

Test(files, file_mappings_trim_split_and_drop) {
    Fresh f;
    TestRing ring(8);
    File* file = *current_files().get(ring.fd);
    FileMappings& m = g_process->mappings;
    cr_assert(m.add(0x10000, 0x20000, file).has_value());
    m.remove(0x14000, 0x15000);  // a hole: two records, two references
    m.remove(0x10000, 0x11000);  // the head
    m.remove(0x1f000, 0x30000);  // the tail and beyond
    cr_assert_eq(call(sys_close, ring.fd), 0);
    m.remove(0, 0x14000);
    m.remove(0x15000, 0x1f000);  // the last piece: the ring goes now (ASan: exactly once)
}
