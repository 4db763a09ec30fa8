/*
 * user/musl/uring-links.c - io_uring's request ordering and timing: linked
 * chains (IOSQE_IO_LINK, IOSQE_IO_HARDLINK), IOSQE_IO_DRAIN,
 * IOSQE_CQE_SKIP_SUCCESS, TIMEOUT, TIMEOUT_REMOVE, LINK_TIMEOUT,
 * ASYNC_CANCEL and io_uring_enter's IORING_ENTER_EXT_ARG waits.
 *
 * Raw system calls on <linux/io_uring.h>, nothing of the course's: the same
 * lines on Linux and in the kernel. Each test queues a few SQEs, submits
 * them in one io_uring_enter, and prints every CQE it then reaps, in the
 * order the ring holds them: "user_data:res". Timers are short (tens of
 * milliseconds), and a test looks only after its timers must have fired,
 * so the lines do not depend on the machine's speed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <linux/time_types.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct io_uring_params p;
static int ring;
static unsigned char* rings;
static struct io_uring_sqe* sqes;
static int pipes[2];

static const char* name(int res) {
    static char text[4][32];
    static int next;
    char* out = text[next++ % 4];
    switch (-res) {
    case EBADF: return "-EBADF";
    case EINVAL: return "-EINVAL";
    case ENOENT: return "-ENOENT";
    case EFAULT: return "-EFAULT";
    case ETIME: return "-ETIME";
    case ECANCELED: return "-ECANCELED";
    case EALREADY: return "-EALREADY";
    case EOPNOTSUPP: return "-EOPNOTSUPP";
    case EAGAIN: return "-EAGAIN";
    case EBUSY: return "-EBUSY";
    default: break;
    }
    snprintf(out, 32, "%d", res);
    return out;
}

// Queue one SQE (not yet submitted): opcode, fd, addr, len, off, flags, user_data.
static struct io_uring_sqe* queue(int opcode, int fd, unsigned long long addr, unsigned len, unsigned long long off,
                                  unsigned char flags, unsigned long long user_data) {
    unsigned* sq_array = (unsigned*)(rings + p.sq_off.array);
    unsigned* sq_tail = (unsigned*)(rings + p.sq_off.tail);
    const unsigned slot = *sq_tail & (p.sq_entries - 1);
    struct io_uring_sqe* sqe = &sqes[slot];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = (unsigned char)opcode;
    sqe->fd = fd;
    sqe->addr = addr;
    sqe->len = len;
    sqe->off = off;
    sqe->flags = flags;
    sqe->user_data = user_data;
    sq_array[slot] = slot;
    __atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
    return sqe;
}

// io_uring_enter: its result, or -errno.
static long enter(unsigned to_submit, unsigned min_complete, unsigned flags, const void* arg, size_t argsz) {
    const long n = syscall(SYS_io_uring_enter, ring, to_submit, min_complete, flags, arg, argsz);
    return n < 0 ? -errno : n;
}

// Submit what is queued, then wait for @p wait CQEs; say so if enter answers otherwise.
static void submit(unsigned count, unsigned wait) {
    const long n = enter(count, wait, wait ? IORING_ENTER_GETEVENTS : 0, 0, 0);
    if (n != (long)count) printf("uring-links:   (enter submitted %s of %u)\n", name((int)n), count);
}

// Print every CQE the ring holds, oldest first, and consume them.
static void reap(const char* what) {
    unsigned* cq_head = (unsigned*)(rings + p.cq_off.head);
    const unsigned tail = __atomic_load_n((unsigned*)(rings + p.cq_off.tail), __ATOMIC_ACQUIRE);
    char line[512];
    int at = snprintf(line, sizeof line, "uring-links: %s:", what);
    if (*cq_head == tail) at += snprintf(line + at, sizeof line - at, " no CQE");
    for (unsigned head = *cq_head; head != tail; ++head) {
        const struct io_uring_cqe* cqe = (struct io_uring_cqe*)(rings + p.cq_off.cqes) + (head & (p.cq_entries - 1));
        at += snprintf(line + at, sizeof line - at, " %llu:%s", (unsigned long long)cqe->user_data, name(cqe->res));
    }
    __atomic_store_n(cq_head, tail, __ATOMIC_RELEASE);
    printf("%s\n", line);
}

static void sleep_ms(long ms) {
    struct timespec t = {0, ms * 1000000};
    nanosleep(&t, 0);
}

static unsigned long long ptr(const void* p) { return (unsigned long long)(unsigned long)p; }

int main(void) {
    ring = (int)syscall(SYS_io_uring_setup, 16, &p);
    if (ring < 0) return printf("uring-links: io_uring_setup failed\n"), 1;
    const size_t rings_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    rings = mmap(0, rings_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
    sqes = mmap(0, p.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQES);
    if (rings == MAP_FAILED || sqes == MAP_FAILED) return printf("uring-links: mmap failed\n"), 1;
    if (pipe(pipes) != 0) return printf("uring-links: pipe failed\n"), 1;
    printf("uring-links: features EXT_ARG %s, CQE_SKIP %s\n", p.features & IORING_FEAT_EXT_ARG ? "yes" : "no",
           p.features & IORING_FEAT_CQE_SKIP ? "yes" : "no");
    char buffer[64];
    const int bad = 99;  // no such descriptor

    // Links: a chain runs in order; a failure cancels the rest of it.
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 1);
    queue(IORING_OP_READ, bad, ptr(buffer), 8, 0, IOSQE_IO_LINK, 2);
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 3);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 4);
    submit(4, 4);
    reap("LINK chain, the 2nd fails");
    // A hard link goes on after a failure.
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_HARDLINK, 5);
    queue(IORING_OP_READ, bad, ptr(buffer), 8, 0, IOSQE_IO_HARDLINK, 6);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 7);
    submit(3, 3);
    reap("HARDLINK chain, the 2nd fails");
    // A short read is a failure too, for a link.
    write(pipes[1], "abc", 3);
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 8, 0, IOSQE_IO_LINK, 8);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 9);
    submit(2, 2);
    reap("LINK after a short pipe READ (3 of 8)");
    // An SQE that fails its checks inside a chain: the chain is still
    // assembled to its end, and fails as a whole.
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 10);
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 11)->ioprio = 1;
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 12);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 13);
    submit(4, 3);
    reap("LINK chain whose 2nd SQE is invalid (ioprio), then a NOP");
    // A chain left open at the end of a submission runs as it is.
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 14);
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 15);
    submit(2, 2);
    reap("a chain whose last SQE says LINK");

    // DRAIN: a NOP with DRAIN waits for a READ parked on an empty pipe, and
    // the NOP after it waits too.
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, 0, 20);
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_DRAIN, 21);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 22);
    submit(3, 0);
    sleep_ms(10);
    reap("READ parked, NOP DRAIN, NOP");
    write(pipes[1], "wxyz", 4);
    enter(0, 3, IORING_ENTER_GETEVENTS, 0, 0);
    reap("after 4 bytes into the pipe");
    // A drained READ that parks holds back the NOP after it.
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, IOSQE_IO_DRAIN, 189);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 190);
    submit(2, 0);
    sleep_ms(10);
    reap("READ DRAIN parked, NOP");
    write(pipes[1], "abcd", 4);
    enter(0, 2, IORING_ENTER_GETEVENTS, 0, 0);
    reap("after 4 more bytes");

    // Link timeouts: a READ that never completes in time is cancelled; one
    // that does cancels its timer. Without a request before it: EINVAL.
    struct __kernel_timespec short_time = {0, 20 * 1000000}, long_time = {10, 0};
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, IOSQE_IO_LINK, 30);
    queue(IORING_OP_LINK_TIMEOUT, -1, ptr(&short_time), 1, 0, 0, 31);
    submit(2, 2);
    reap("READ of an empty pipe, LINK_TIMEOUT 20 ms");
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, IOSQE_IO_LINK, 32);
    queue(IORING_OP_LINK_TIMEOUT, -1, ptr(&long_time), 1, 0, IOSQE_IO_LINK, 33);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 34);
    submit(3, 0);
    write(pipes[1], "1234", 4);
    enter(0, 3, IORING_ENTER_GETEVENTS, 0, 0);
    reap("READ, LINK_TIMEOUT 10 s, NOP; then the pipe gets data");
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 35);
    queue(IORING_OP_LINK_TIMEOUT, -1, ptr(&long_time), 1, 0, 0, 36);
    submit(2, 2);
    reap("NOP, LINK_TIMEOUT 10 s");
    queue(IORING_OP_LINK_TIMEOUT, -1, ptr(&long_time), 1, 0, 0, 37);
    submit(1, 1);
    reap("a LINK_TIMEOUT alone");

    // CQE_SKIP_SUCCESS: no CQE for a success, one for a failure; in a chain
    // whose failing request skips, the cancelled ones post nothing either.
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_CQE_SKIP_SUCCESS, 40);
    queue(IORING_OP_READ, bad, ptr(buffer), 4, 0, IOSQE_CQE_SKIP_SUCCESS, 41);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 42);
    submit(3, 2);
    reap("NOP SKIP, bad READ SKIP, NOP");
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS, 43);
    queue(IORING_OP_READ, bad, ptr(buffer), 4, 0, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS, 44);
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 45);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 46);
    submit(4, 1);
    reap("chain: NOP SKIP, bad READ SKIP, NOP, NOP");
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_LINK, 47);
    queue(IORING_OP_READ, bad, ptr(buffer), 4, 0, IOSQE_IO_LINK, 48);
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_CQE_SKIP_SUCCESS, 49);
    submit(3, 3);
    reap("chain: NOP, bad READ, NOP SKIP");
    queue(IORING_OP_NOP, 0, 0, 0, 0, IOSQE_IO_DRAIN, 50);
    submit(1, 1);
    reap("DRAIN on a ring that has seen CQE_SKIP_SUCCESS");

    // Timeouts: one that counts completions, one that expires, removes.
    queue(IORING_OP_TIMEOUT, -1, ptr(&long_time), 1, 2, 0, 60);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 61);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 62);
    submit(3, 3);
    reap("TIMEOUT count 2 (10 s), NOP, NOP");
    queue(IORING_OP_TIMEOUT, -1, ptr(&short_time), 1, 0, 0, 63);
    submit(1, 1);
    reap("TIMEOUT 20 ms");
    queue(IORING_OP_TIMEOUT, -1, ptr(&short_time), 1, 5, 0, 64);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 65);
    submit(2, 2);
    reap("TIMEOUT count 5 (20 ms), NOP");
    queue(IORING_OP_TIMEOUT, -1, ptr(&long_time), 1, 0, 0, 160);
    queue(IORING_OP_TIMEOUT, -1, ptr(&long_time), 1, 3, 0, 161);
    queue(IORING_OP_TIMEOUT, -1, ptr(&long_time), 1, 1, 0, 162);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 163);
    submit(4, 2);
    reap("TIMEOUT 10 s, TIMEOUT count 3, TIMEOUT count 1, NOP");
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 164);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 165);
    submit(2, 3);
    reap("NOP, NOP (a TIMEOUT's own CQE does not count)");
    queue(IORING_OP_TIMEOUT_REMOVE, -1, 160, 0, 0, 0, 166);
    submit(1, 2);
    reap("TIMEOUT_REMOVE of the 10 s one");
    queue(IORING_OP_TIMEOUT, -1, ptr(&long_time), 1, 0, 0, 66);
    submit(1, 0);
    queue(IORING_OP_TIMEOUT_REMOVE, -1, 66, 0, 0, 0, 67);
    submit(1, 2);
    reap("TIMEOUT 10 s, then TIMEOUT_REMOVE of it");
    queue(IORING_OP_TIMEOUT_REMOVE, -1, 12345, 0, 0, 0, 68);
    submit(1, 1);
    reap("TIMEOUT_REMOVE of an unknown user_data");
    struct __kernel_timespec negative = {-1, 0}, bad_nsec = {0, -5};
    queue(IORING_OP_TIMEOUT, -1, ptr(&negative), 1, 0, 0, 69);
    submit(1, 1);
    reap("TIMEOUT of -1 s");
    queue(IORING_OP_TIMEOUT, -1, ptr(&bad_nsec), 1, 0, 0, 70);
    submit(1, 1);
    reap("TIMEOUT of -5 ns");
    queue(IORING_OP_TIMEOUT, -1, ptr(&short_time), 2, 0, 0, 71);
    submit(1, 1);
    reap("TIMEOUT with len 2");
    queue(IORING_OP_TIMEOUT, -1, 16, 1, 0, 0, 72);
    submit(1, 1);
    reap("TIMEOUT with a bad address");
    queue(IORING_OP_TIMEOUT, -1, ptr(&short_time), 1, 0, 0, 73)->timeout_flags = 1u << 30;
    submit(1, 1);
    reap("TIMEOUT with an unknown flag");

    // ASYNC_CANCEL: a READ parked on the empty pipe, a user_data nobody has,
    // and itself.
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, 0, 80);
    submit(1, 0);
    queue(IORING_OP_ASYNC_CANCEL, -1, 80, 0, 0, 0, 81);
    submit(1, 2);
    reap("READ parked, ASYNC_CANCEL of it");
    queue(IORING_OP_ASYNC_CANCEL, -1, 12345, 0, 0, 0, 82);
    submit(1, 1);
    reap("ASYNC_CANCEL of an unknown user_data");
    queue(IORING_OP_ASYNC_CANCEL, -1, 83, 0, 0, 0, 83);
    submit(1, 1);
    reap("ASYNC_CANCEL of itself");
    queue(IORING_OP_TIMEOUT, -1, ptr(&long_time), 1, 0, 0, 84);
    submit(1, 0);
    queue(IORING_OP_ASYNC_CANCEL, -1, 84, 0, 0, 0, 85);
    submit(1, 2);
    reap("TIMEOUT 10 s, ASYNC_CANCEL of it");
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, 0, 86);
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, 0, 86);
    submit(2, 0);
    queue(IORING_OP_ASYNC_CANCEL, -1, 86, 0, 0, 0, 87)->cancel_flags = IORING_ASYNC_CANCEL_ALL;
    submit(1, 3);
    reap("two READs parked, ASYNC_CANCEL ALL of their user_data");

    queue(IORING_OP_ASYNC_CANCEL, -1, 777, 0, 0, 0, 88)->cancel_flags = IORING_ASYNC_CANCEL_ALL;
    submit(1, 1);
    reap("ASYNC_CANCEL ALL of an unknown user_data");
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, IOSQE_IO_LINK, 180);
    queue(IORING_OP_LINK_TIMEOUT, -1, ptr(&long_time), 1, 0, 0, 181);
    queue(IORING_OP_ASYNC_CANCEL, -1, 181, 0, 0, 0, 182);
    queue(IORING_OP_TIMEOUT_REMOVE, -1, 181, 0, 0, 0, 183);
    submit(4, 2);
    reap("READ with a LINK_TIMEOUT, ASYNC_CANCEL and TIMEOUT_REMOVE of the timeout");
    queue(IORING_OP_ASYNC_CANCEL, -1, 180, 0, 0, 0, 184);
    submit(1, 3);
    reap("ASYNC_CANCEL of the READ");
    queue(IORING_OP_READ, pipes[0], ptr(buffer), 4, 0, IOSQE_IO_LINK, 185);
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 186);
    queue(IORING_OP_ASYNC_CANCEL, -1, 186, 0, 0, 0, 187);
    queue(IORING_OP_ASYNC_CANCEL, -1, 185, 0, 0, 0, 188);
    submit(4, 4);
    reap("READ linked to a NOP, ASYNC_CANCEL of the NOP, of the READ");

    // Waits with a timeout (IORING_ENTER_EXT_ARG).
    struct io_uring_getevents_arg arg = {0, 0, 0, ptr(&short_time)};
    printf("uring-links: enter waiting 20 ms for 1 CQE: %s\n",
           name((int)enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg)));
    printf("uring-links: enter with a short ext arg: %s\n",
           name((int)enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg - 1)));
    printf("uring-links: enter with a bad ext arg address: %s\n",
           name((int)enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, (void*)16, sizeof arg)));
    arg.ts = 16;
    printf("uring-links: enter with a bad timespec address: %s\n",
           name((int)enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg)));
    arg.ts = ptr(&negative);
    printf("uring-links: enter waiting -1 s: %s\n",
           name((int)enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg)));
    queue(IORING_OP_NOP, 0, 0, 0, 0, 0, 90);
    arg.ts = ptr(&long_time);
    printf("uring-links: enter submitting a NOP, waiting 10 s for 1 CQE: %s\n",
           name((int)enter(1, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg)));
    reap("its CQE");
    printf("uring-links: enter with EXT_ARG, no GETEVENTS, a bad address: %s\n",
           name((int)enter(0, 1, IORING_ENTER_EXT_ARG, (void*)16, 1)));
    printf("uring-links: enter with flags ~0: %s\n", name((int)enter(0, 0, ~0u, 0, 0)));
    printf("uring-links: enter with flags ~0 on a bad fd: %s\n",
           name((int)(syscall(SYS_io_uring_enter, bad, 0, 0, ~0u, 0, 0) < 0 ? -errno : 0)));
    return 0;
}
