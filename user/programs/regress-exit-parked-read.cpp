/**
 * @file user/programs/regress-exit-parked-read.cpp
 * @brief Regression: a process may exit while an io_uring READ waits on a
 * pipe of its own.
 *
 * At exit the kernel closes every descriptor, lowest first. Here the pipe's
 * ends (3 and 4) go before the ring (5): the write end's close completes the
 * waiting READ, which drops the read end's last reference while the write
 * end is still being destroyed, and the course kernel freed the pipe twice
 * (a panic after "Terminated"). On Linux this is an ordinary exit. The
 * program's own output ends with "ok"; its test checks that the kernel
 * powers off normally afterwards.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

/// Park a READ on an empty pipe and exit with it still waiting.
int main(int, char**, char**) {
    int fds[2] = {-1, -1};
    print("regress-exit-parked-read: pipe2 = {}\n", sys::pipe2(fds, 0));
    iou::Ring ring;
    print("regress-exit-parked-read: ring = {}\n", ring.init(4));
    static char buf[8];
    iou::Sqe* sqe = ring.get_sqe();
    if (!sqe) return 1;
    iou::prep_read(sqe, fds[0], buf, sizeof buf);
    print("regress-exit-parked-read: READ of the empty pipe submitted: {}\n", ring.submit());
    print("regress-exit-parked-read: ok\n");
    return 0;  // exit with the READ still waiting
}
