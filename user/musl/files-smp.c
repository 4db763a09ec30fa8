/*
 * user/musl/files-smp.c - the file system and fork while threads run on
 * other CPUs: two threads append fixed-size records to one file through
 * descriptors of their own (O_APPEND), a third maps and unmaps memory and
 * opens and closes descriptors, and the main thread forks children that
 * read the file and exit, and waits for each.
 *
 * On Linux every O_APPEND write lands whole at the end, so the file holds
 * every record, none cut or overwritten, and each thread's in the order it
 * wrote them; fork copies a consistent process while its other threads
 * change it. The kernel must say the same with its threads on two CPUs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
    kRecords = 2000,
    kRecord = 16,
    kChildren = 20
};

static char path[64];
static volatile int writers_done, started;

// All three threads begin together, so that their work overlaps.
static void start_line(void) {
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 3) sched_yield();
}

// Append kRecords records "w<id> <seq>" padded to kRecord bytes.
static void* writer(void* arg) {
    const int id = (int)(long)arg;
    const int fd = open(path, O_WRONLY | O_APPEND);
    start_line();
    for (int i = 0; i < kRecords; ++i) {
        char record[kRecord + 1];
        snprintf(record, sizeof record, "w%d %012d\n", id, i);  // 16 bytes, the NUL left out
        if (write(fd, record, kRecord) != kRecord) printf("files-smp: a short write\n");
    }
    close(fd);
    __atomic_add_fetch(&writers_done, 1, __ATOMIC_SEQ_CST);
    return 0;
}

// Until both writers are done, and 100 times at least: map, touch and unmap memory, open and close
// descriptors - what fork must copy while it changes.
static void* churner(void* arg) {
    (void)arg;
    long rounds = 0;
    start_line();
    while (__atomic_load_n(&writers_done, __ATOMIC_SEQ_CST) < 2 || rounds < 100) {
        char* p = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            memset(p, 1, 65536);
            munmap(p, 65536);
        }
        const int fd = open(path, O_RDONLY);
        if (fd >= 0) close(fd);
        ++rounds;
    }
    return (void*)rounds;
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/files-smp-%d", (int)getpid());
    close(open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644));
    pthread_t w1, w2, c;
    pthread_create(&w1, 0, writer, (void*)1L);
    pthread_create(&w2, 0, writer, (void*)2L);
    pthread_create(&c, 0, churner, 0);

    // Fork while they run; each child reads the file and exits with 0 if
    // it holds whole records only.
    int good_children = 0;
    for (int i = 0; i < kChildren; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            struct stat st;
            const int whole = stat(path, &st) == 0 && st.st_size % kRecord == 0;
            _exit(whole ? 0 : 1);
        }
        int status = 0;
        if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ++good_children;
    }
    pthread_join(w1, 0);
    pthread_join(w2, 0);
    void* rounds;
    pthread_join(c, &rounds);
    printf("files-smp: %d children forked while the threads ran, each saw whole records and exited 0: %s\n",
           kChildren, good_children == kChildren ? "yes" : "no");

    struct stat st;
    stat(path, &st);
    printf("files-smp: the file is %ld bytes (%d records of %d)\n", (long)st.st_size, 2 * kRecords, kRecord);
    char* data = malloc(st.st_size);
    const int fd = open(path, O_RDONLY);
    const ssize_t got = read(fd, data, st.st_size);
    close(fd);
    int next[3] = {0, 0, 0}, bad = 0;
    for (ssize_t at = 0; at + kRecord <= got; at += kRecord) {
        int id, seq;
        if (sscanf(data + at, "w%d %d", &id, &seq) != 2 || id < 1 || id > 2 || seq != next[id] ||
            data[at + kRecord - 1] != '\n')
            ++bad;
        else
            ++next[id];
    }
    printf("files-smp: every record whole and each writer's in its order: %s (%d and %d records)\n",
           bad == 0 ? "yes" : "no", next[1], next[2]);
    printf("files-smp: the other thread mapped and opened meanwhile: %s\n", (long)rounds >= 100 ? "yes" : "no");
    free(data);
    unlink(path);
    return bad != 0 || good_children != kChildren;
}
