/*
 * user/musl/uring-files.c - io_uring on files: OPENAT makes a file, WRITE
 * and READ at offsets (and at the position, with offset -1), WRITEV and
 * READV, FSYNC, STATX, CLOSE, and each one's errors, one SQE per enter so
 * that every line is one request's CQE.
 *
 * Raw system calls on <linux/io_uring.h>, nothing of the course's: the same
 * lines on Linux and in the kernel. It works in a directory of its own
 * under /tmp and removes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

// struct statx's fields this program reads (musl 1.2.3 has no statx):
// STATX_BASIC_STATS and STATX__RESERVED from <linux/stat.h>, whose S_*
// macros would clash with the C library's.
struct statx_fields {
    unsigned mask, blksize;
    unsigned long long attributes;
    unsigned nlink, uid, gid;
    unsigned short mode, spare;
    unsigned long long ino, size;
    unsigned char rest[256 - 48];
};
#define STATX_BASIC_STATS 0x7ffu
#define STATX__RESERVED   0x80000000u

static struct io_uring_params p;
static int ring;
static unsigned char* rings;
static struct io_uring_sqe* sqes;

static const char* result(int res) {
    static char text[32];
    switch (-res) {
    case EBADF: return "-EBADF";
    case EINVAL: return "-EINVAL";
    case ENOENT: return "-ENOENT";
    case EFAULT: return "-EFAULT";
    case EEXIST: return "-EEXIST";
    case EISDIR: return "-EISDIR";
    case ENOTDIR: return "-ENOTDIR";
    default: break;
    }
    snprintf(text, sizeof text, "%d", res);
    return text;
}

// Submit @p sqe alone and wait for its CQE: its res.
static int run(const struct io_uring_sqe* sqe) {
    unsigned* sq_array = (unsigned*)(rings + p.sq_off.array);
    unsigned* sq_tail = (unsigned*)(rings + p.sq_off.tail);
    const unsigned slot = *sq_tail & (p.sq_entries - 1);
    sqes[slot] = *sqe;
    sq_array[slot] = slot;
    __atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
    const long n = syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, 0, 0);
    if (n != 1) printf("uring-files: io_uring_enter = %ld (errno %d)\n", n, errno);
    unsigned* cq_head = (unsigned*)(rings + p.cq_off.head);
    const struct io_uring_cqe* cqe = (struct io_uring_cqe*)(rings + p.cq_off.cqes) + (*cq_head & (p.cq_entries - 1));
    const int res = cqe->res;
    __atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
    return res;
}

static struct io_uring_sqe make(int opcode, int fd, const void* addr, unsigned len, unsigned long long off) {
    struct io_uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = (unsigned char)opcode;
    sqe.fd = fd;
    sqe.addr = (unsigned long)addr;
    sqe.len = len;
    sqe.off = off;
    return sqe;
}

int main(void) {
    ring = (int)syscall(SYS_io_uring_setup, 4, &p);
    if (ring < 0) return printf("uring-files: io_uring_setup failed\n"), 1;
    const size_t rings_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    rings = mmap(0, rings_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
    sqes = mmap(0, p.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQES);
    if (rings == MAP_FAILED || sqes == MAP_FAILED) return printf("uring-files: mmap failed\n"), 1;

    char home[64];
    snprintf(home, sizeof home, "/tmp/uring-files-%d", (int)getpid());
    mkdir(home, 0755);
    const int dir = open(home, O_RDONLY | O_DIRECTORY);

    struct io_uring_sqe sqe = make(IORING_OP_OPENAT, dir, "data", 0644, 0);
    sqe.open_flags = O_CREAT | O_RDWR | O_EXCL;
    const int fd = run(&sqe);
    printf("uring-files: OPENAT data (O_CREAT|O_EXCL) from a directory fd: a descriptor: %s\n", fd >= 0 ? "yes" : result(fd));
    printf("uring-files: OPENAT it again with O_EXCL: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_OPENAT, AT_FDCWD, "/tmp/none/at/all", 0, 0);
    printf("uring-files: OPENAT a missing path: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_OPENAT, 12345, "relative", 0, 0);
    printf("uring-files: OPENAT from a bad directory fd: %s\n", result(run(&sqe)));

    sqe = make(IORING_OP_WRITE, fd, "hello, ring", 11, 0);
    printf("uring-files: WRITE 11 at 0: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_WRITE, fd, "!!", 2, 20);
    printf("uring-files: WRITE 2 at 20 (past the end): %s\n", result(run(&sqe)));
    printf("uring-files: the position is still %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    sqe = make(IORING_OP_WRITE, fd, "HE", 2, (unsigned long long)-1);
    const char* at_position = result(run(&sqe));
    printf("uring-files: WRITE 2 at offset -1 (the position): %s, position now %ld\n", at_position,
           (long)lseek(fd, 0, SEEK_CUR));
    sqe = make(IORING_OP_WRITE, fd, "x", 1, (unsigned long long)-5);
    printf("uring-files: WRITE at offset -5: %s\n", result(run(&sqe)));

    char buffer[32] = {0};
    struct statx_fields sx;
    sqe = make(IORING_OP_READ, fd, buffer, sizeof buffer, 0);
    const int got = run(&sqe);
    printf("uring-files: READ 32 at 0: %s: \"%.11s\", a hole of %s, then \"%.2s\"\n", result(got), buffer,
           memcmp(buffer + 11, "\0\0\0\0\0\0\0\0\0", 9) ? "not zeros" : "9 zeros", buffer + 20);
    sqe = make(IORING_OP_READ, fd, buffer, 4, 100);
    printf("uring-files: READ at 100 (past the end): %s\n", result(run(&sqe)));

    char a[4] = {0}, b[6] = {0};
    struct iovec iov[2] = {{a, 3}, {b, 5}};
    sqe = make(IORING_OP_READV, fd, iov, 2, 2);
    const char* vectored = result(run(&sqe));
    printf("uring-files: READV 3+5 at 2: %s: \"%s\" \"%s\"\n", vectored, a, b);
    struct iovec out[2] = {{"ab", 2}, {"cd", 2}};
    sqe = make(IORING_OP_WRITEV, fd, out, 2, 30);
    printf("uring-files: WRITEV 2+2 at 30: %s\n", result(run(&sqe)));

    sqe = make(IORING_OP_FSYNC, fd, 0, 0, 0);
    printf("uring-files: FSYNC: %s\n", result(run(&sqe)));
    sqe.fsync_flags = IORING_FSYNC_DATASYNC;
    printf("uring-files: FSYNC DATASYNC: %s\n", result(run(&sqe)));
    sqe.fsync_flags = 0x80;
    printf("uring-files: FSYNC with an unknown flag: %s\n", result(run(&sqe)));
    int pipes[2];
    pipe(pipes);
    sqe = make(IORING_OP_FSYNC, pipes[0], 0, 0, 0);
    printf("uring-files: FSYNC a pipe: %s\n", result(run(&sqe)));

    // Registered files (chapter 09): a slot's index as the SQE's fd. READ at an
    // offset and FSYNC through one; a pipe's end, an empty slot, one past the
    // table; the calls that take a directory or close a descriptor refuse them.
    int files[3] = {fd, pipes[0], -1};
    const long registered = syscall(SYS_io_uring_register, ring, IORING_REGISTER_FILES, files, 3);
    printf("uring-files: register the file, a pipe's end and an empty slot: %s\n", registered == 0 ? "ok" : strerror(errno));
    memset(buffer, 0, sizeof buffer);
    sqe = make(IORING_OP_READ, 0, buffer, 5, 0);
    sqe.flags = IOSQE_FIXED_FILE;
    const char* fixed_read = result(run(&sqe));
    printf("uring-files: READ 5 at 0 of registered file 0: %s \"%s\"\n", fixed_read, buffer);
    sqe = make(IORING_OP_FSYNC, 0, 0, 0, 0);
    sqe.flags = IOSQE_FIXED_FILE;
    printf("uring-files: FSYNC registered file 0: %s\n", result(run(&sqe)));
    sqe.fd = 1;
    printf("uring-files: FSYNC registered file 1 (the pipe): %s\n", result(run(&sqe)));
    sqe.fd = 2;
    printf("uring-files: FSYNC the empty slot: %s\n", result(run(&sqe)));
    sqe.fd = 3;
    printf("uring-files: FSYNC past the table: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_OPENAT, 0, "data", 0, 0);
    sqe.flags = IOSQE_FIXED_FILE;
    printf("uring-files: OPENAT from a registered file: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_STATX, 0, "", STATX_BASIC_STATS, (unsigned long)&sx);
    sqe.flags = IOSQE_FIXED_FILE;
    sqe.statx_flags = AT_EMPTY_PATH;
    printf("uring-files: STATX of a registered file: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_CLOSE, 0, 0, 0, 0);
    sqe.flags = IOSQE_FIXED_FILE;
    printf("uring-files: CLOSE of a registered file: %s\n", result(run(&sqe)));
    printf("uring-files: unregister: %s\n", syscall(SYS_io_uring_register, ring, IORING_UNREGISTER_FILES, 0, 0) == 0 ? "ok" : strerror(errno));

    memset(&sx, 0, sizeof sx);
    sqe = make(IORING_OP_STATX, dir, "data", STATX_BASIC_STATS, (unsigned long)&sx);
    const char* by_name = result(run(&sqe));
    printf("uring-files: STATX data: %s, size %llu, regular %s, mode %o\n", by_name, (unsigned long long)sx.size,
           S_ISREG(sx.mode) ? "yes" : "no", sx.mode & 07777);
    sqe = make(IORING_OP_STATX, fd, "", STATX_BASIC_STATS, (unsigned long)&sx);
    sqe.statx_flags = AT_EMPTY_PATH;
    const char* by_fd = result(run(&sqe));
    printf("uring-files: STATX of the fd (AT_EMPTY_PATH): %s, size %llu\n", by_fd, (unsigned long long)sx.size);
    sqe = make(IORING_OP_STATX, dir, "missing", STATX_BASIC_STATS, (unsigned long)&sx);
    printf("uring-files: STATX a missing file: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_STATX, dir, "data", STATX__RESERVED, (unsigned long)&sx);
    printf("uring-files: STATX with STATX__RESERVED: %s\n", result(run(&sqe)));

    sqe = make(IORING_OP_CLOSE, fd, 0, 0, 0);
    printf("uring-files: CLOSE: %s\n", result(run(&sqe)));
    printf("uring-files: CLOSE it again: %s\n", result(run(&sqe)));
    sqe = make(IORING_OP_READ, fd, buffer, 4, 0);
    printf("uring-files: READ the closed fd: %s\n", result(run(&sqe)));

    close(pipes[0]);
    close(pipes[1]);
    unlinkat(dir, "data", 0);
    close(dir);
    printf("uring-files: cleaned up: %s\n", rmdir(home) == 0 ? "yes" : "no");
    return 0;
}
