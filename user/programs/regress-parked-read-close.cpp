/**
 * @file user/programs/regress-parked-read-close.cpp
 * @brief Regression: closing both ends of a pipe that an io_uring READ waits
 * on, read end first, must complete the READ and free the pipe once.
 *
 * The READ holds its own reference to the read end, so closing that
 * descriptor leaves the pipe alive. Closing the write end then ends the
 * pipe's data: the READ completes with 0 (end of file) and drops the read
 * end, the last one. In the course kernel that freed the pipe from inside
 * the write end's destructor, which then touched and freed it again
 * ("heap_free: not an allocated block", a panic). On Linux the program
 * prints the READ's result and "ok".
 */
#include "runtime/print.h"
#include "runtime/uring.h"

/// Park a READ on an empty pipe, close the read end then the write end, collect the READ, print ok.
int main(int, char**, char**) {
    int fds[2] = {-1, -1};
    print("regress-parked-read-close: pipe2 = {}\n", sys::pipe2(fds, 0));
    iou::Ring ring;
    print("regress-parked-read-close: ring = {}\n", ring.init(4));
    static char buf[8];
    iou::Sqe* sqe = ring.get_sqe();
    if (!sqe) return 1;
    iou::prep_read(sqe, fds[0], buf, sizeof buf);
    print("regress-parked-read-close: READ of the empty pipe submitted: {}\n", ring.submit());
    print("regress-parked-read-close: close(read end) = {}\n", sys::close(fds[0]));
    print("regress-parked-read-close: close(write end) = {}\n", sys::close(fds[1]));
    iou::Cqe* cqe = nullptr;
    const long waited = ring.wait_cqe(&cqe);
    print("regress-parked-read-close: the READ completed with {}\n", waited == 0 ? cqe->res : waited);
    ring.exit();
    print("regress-parked-read-close: ok\n");
    return 0;
}
