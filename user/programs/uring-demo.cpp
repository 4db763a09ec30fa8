/**
 * @file user/programs/uring-demo.cpp
 * @brief A short tour of io_uring: set up a ring, batch some writes, and see
 *        a read complete later than the call that submitted it.
 *
 * Read it top to bottom: each step prints what it did, and every CQE is
 * printed as it is taken from the completion ring.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using namespace abi::io_uring;
using iou::Cqe;
using iou::Sqe;

/// Take and print every CQE that is ready now. Returns how many there were.
int drain(iou::Ring& ring) {
    int n = 0;
    Cqe* cqe = nullptr;
    while (ring.peek_cqe(&cqe) == 0) {
        print("  cqe: user_data={} res={}\n", cqe->user_data, cqe->res);
        ring.cqe_seen(cqe);
        ++n;
    }
    return n;
}

}  // namespace

/// The tour, step by step.
int main(int, char**, char**) {
    // 1. One syscall creates the ring; the library maps its memory.
    iou::Ring ring;
    if (const long r = ring.init(8); r < 0) {
        print("uring-demo: io_uring_setup failed: {}\n", r);
        return 1;
    }
    const Params& p = ring.params();
    print("uring-demo: ring fd {}: {} SQ entries, {} CQ entries, features {:#x}{}\n", ring.fd(), p.sq_entries,
          p.cq_entries, p.features, ring.single_mmap() ? " (one mapping for both rings)" : "");

    // 2. Three WRITEs to standard output, handed over in one io_uring_enter.
    static const char* const lines[] = {"  line one, written by IORING_OP_WRITE\n",
                                        "  line two, same batch\n", "  line three, same batch\n"};
    for (uint64_t i = 0; i < 3; ++i) {
        Sqe* sqe = ring.get_sqe();
        iou::prep_write(sqe, 1, lines[i], static_cast<uint32_t>(StringView(lines[i]).size()));
        iou::sqe_set_data(sqe, 10 + i);
    }
    print("uring-demo: submitting 3 WRITEs in one batch\n");
    const long submitted = ring.submit_and_wait(3);
    print("uring-demo: io_uring_enter took {} SQEs; completions:\n", submitted);
    drain(ring);

    // 3. A READ from an empty pipe: enter returns at once, nothing completes yet.
    int fds[2];
    if (sys::pipe2(fds, 0) != 0) return 1;
    static char buffer[32];
    Sqe* read = ring.get_sqe();
    iou::prep_read(read, fds[0], buffer, sizeof buffer);
    iou::sqe_set_data(read, 20);
    print("uring-demo: READ from an empty pipe submitted ({}); CQEs ready: {}\n", ring.submit(), ring.cq_ready());

    // 4. Data arrives through an ordinary write(2); now the READ completes.
    print("uring-demo: write(2) to the pipe: {} bytes\n", sys::write(fds[1], "hello, ring", 11));
    Cqe* cqe = nullptr;
    if (ring.wait_cqe(&cqe) == 0) {
        print("  cqe: user_data={} res={} data=\"{}\"\n", cqe->user_data, cqe->res,
              StringView(buffer, cqe->res > 0 ? static_cast<size_t>(cqe->res) : 0));
        ring.cqe_seen(cqe);
    }

    // 5. Errors are completions too: a bad fd and a bad buffer, then a NOP.
    Sqe* bad_fd = ring.get_sqe();
    iou::prep_read(bad_fd, 999, buffer, 4);
    iou::sqe_set_data(bad_fd, 30);
    Sqe* bad_buffer = ring.get_sqe();
    iou::prep_write(bad_buffer, fds[1], reinterpret_cast<void*>(0x1000), 4);
    iou::sqe_set_data(bad_buffer, 31);
    Sqe* nop = ring.get_sqe();
    iou::prep_nop(nop);
    iou::sqe_set_data(nop, 32);
    print("uring-demo: a bad fd (-EBADF = {}), a bad buffer (-EFAULT = {}) and a NOP:\n", -abi::Errno::BadF,
          -abi::Errno::Fault);
    ring.submit_and_wait(3);
    drain(ring);

    sys::close(fds[0]);
    sys::close(fds[1]);
    ring.exit();
    print("uring-demo: done\n");
    return 0;
}
