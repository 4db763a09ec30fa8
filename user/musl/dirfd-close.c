/*
 * user/musl/dirfd-close.c - the *at calls while another thread closes
 * their directory descriptor.
 *
 * One thread opens a directory and closes it again, over and over, at
 * the same descriptor number; the other calls openat, fstatat, mkdirat,
 * unlinkat, renameat and utimensat relative to that number all the while.
 * Each of those calls takes a reference on the directory's open file for
 * as long as it uses it. When the close lands in the middle of such a
 * call, the call's reference is the file's last: letting it go closes the
 * file, and that takes the file system's lock. A kernel that let it go
 * with that lock still held would wait for itself (chapter 11's first
 * version did, on two CPUs).
 *
 * Every answer must be one Linux can give in that race: success, EBADF
 * (the descriptor was closed), ENOENT or EEXIST (the other call's name
 * came or went). The program prints only counts that do not depend on the
 * timing, so the output is the same as on Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile int dirfd_number = -1;  // the number the opener keeps reusing
static volatile int done;

// Open and close the directory until the caller is done; the number stays
// the same, because it is the lowest free one each time.
static void* opener(void* arg) {
    (void)arg;
    while (!__atomic_load_n(&done, __ATOMIC_SEQ_CST)) {
        const int fd = open("/tmp/dirfd-close", O_RDONLY | O_DIRECTORY);
        if (fd < 0) {
            printf("dirfd-close: open of the directory failed: errno %d\n", errno);
            return 0;
        }
        __atomic_store_n(&dirfd_number, fd, __ATOMIC_SEQ_CST);
        close(fd);
    }
    return 0;
}

// A result Linux can give here: >= 0, or -1 with one of the errors above.
static int allowed(long result) {
    return result >= 0 || errno == EBADF || errno == ENOENT || errno == EEXIST;
}

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? atoi(argv[1]) : 60000;
    mkdir("/tmp/dirfd-close", 0755);
    const int made = open("/tmp/dirfd-close/file", O_CREAT | O_WRONLY, 0644);
    if (made < 0) {
        printf("dirfd-close: cannot make the file: errno %d\n", errno);
        return 1;
    }
    close(made);
    pthread_t thread;
    pthread_create(&thread, 0, opener, 0);
    while (__atomic_load_n(&dirfd_number, __ATOMIC_SEQ_CST) < 0) sched_yield();

    int wrong = 0;
    for (int i = 0; i < rounds; ++i) {
        const int dir = __atomic_load_n(&dirfd_number, __ATOMIC_SEQ_CST);
        struct stat st;
        const struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
        long r;
        switch (i % 6) {
        case 0:
            r = openat(dir, "file", O_RDONLY);
            if (r >= 0) close((int)r);
            break;
        case 1: r = fstatat(dir, "file", &st, 0); break;
        case 2: r = mkdirat(dir, "sub", 0755); break;
        case 3: r = unlinkat(dir, "sub", AT_REMOVEDIR); break;
        case 4: r = renameat(dir, "file", dir, "file"); break;
        default: r = utimensat(dir, "file", times, 0); break;
        }
        if (!allowed(r) && ++wrong <= 5) printf("dirfd-close: call %d of kind %d: errno %d\n", i, i % 6, errno);
    }
    __atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
    pthread_join(thread, 0);
    unlink("/tmp/dirfd-close/file");
    rmdir("/tmp/dirfd-close/sub");
    rmdir("/tmp/dirfd-close");
    printf("dirfd-close: %d *at calls while another thread closed their directory: %s\n", rounds,
           wrong == 0 ? "every answer one Linux gives" : "WRONG ANSWERS");
    return wrong == 0 ? 0 : 1;
}
