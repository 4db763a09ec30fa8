/*
 * user/musl/robust-futex.c - a robust mutex whose owner thread ends
 * without unlocking it. The thread leaves by the raw exit system call,
 * past the C library's own clean-up, so only the kernel's walk of the
 * thread's robust list (set_robust_list) can tell the next locker: it gets
 * EOWNERDEAD, makes the mutex consistent, and goes on. Also
 * get_robust_list and set_robust_list's checks, sched_getaffinity and
 * sched_setaffinity.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mutex;

static const char* err(long r) {
    static char text[32];
    if (r >= 0) snprintf(text, sizeof text, "%ld", r);
    else snprintf(text, sizeof text, "-1 %s",
                  errno == EINVAL   ? "EINVAL"
                  : errno == ESRCH  ? "ESRCH"
                  : errno == EFAULT ? "EFAULT"
                                    : strerror(errno));
    return text;
}

static void* owner(void* arg) {
    (void)arg;
    pthread_mutex_lock(&mutex);
    void* head = NULL;
    size_t len = 0;
    const long r = syscall(SYS_get_robust_list, 0, &head, &len);
    printf("robust-futex: the owner's get_robust_list(0) = %s, a list of %zu bytes: %s\n", err(r), len,
           head ? "yes" : "no");
    fflush(stdout);
    struct timespec nap = {0, 50 * 1000000};
    nanosleep(&nap, NULL);  /* main is asleep in pthread_mutex_lock by now */
    syscall(SYS_exit, 0);  /* gone, the mutex held, the C library not told */
    return NULL;
}

int main(void) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    /* Process-shared: musl hands only those to the kernel's robust list
     * (a private one it cleans up itself, in pthread_exit). */
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&mutex, &attr);
    pthread_t t;
    pthread_create(&t, NULL, owner, NULL);
    struct timespec nap = {0, 20 * 1000000};
    nanosleep(&nap, NULL);  /* the owner has the mutex by now */
    /* No pthread_join: the thread ends outside the C library, which would
     * wait for its own clean-up forever. The lock waits for the kernel. */
    int r = pthread_mutex_lock(&mutex);
    printf("robust-futex: lock, which waited for the owner to die = %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : (r == 0 ? "0" : strerror(r)));
    r = pthread_mutex_consistent(&mutex);
    printf("robust-futex: pthread_mutex_consistent = %d\n", r);
    pthread_mutex_unlock(&mutex);
    r = pthread_mutex_lock(&mutex);
    printf("robust-futex: lock again = %d\n", r);
    pthread_mutex_unlock(&mutex);

    long s = syscall(SYS_set_robust_list, NULL, 23);
    printf("robust-futex: set_robust_list(len 23) = %s\n", err(s));
    s = syscall(SYS_get_robust_list, 0x7ffffff0, NULL, NULL);
    printf("robust-futex: get_robust_list(no such thread) = %s\n", err(s));
    void* head;
    s = syscall(SYS_get_robust_list, 0, &head, NULL);
    printf("robust-futex: get_robust_list(len at NULL) = %s\n", err(s));

    unsigned long mask = 0;
    s = syscall(SYS_sched_getaffinity, 0, sizeof mask, &mask);
    printf("robust-futex: sched_getaffinity(8 bytes) = %s, CPU 0 in it: %s\n", err(s), mask & 1 ? "yes" : "no");
    s = syscall(SYS_sched_getaffinity, 0, 4, &mask);
    printf("robust-futex: sched_getaffinity(4 bytes) = %s\n", err(s));
    s = syscall(SYS_sched_getaffinity, 0x7ffffff0, sizeof mask, &mask);
    printf("robust-futex: sched_getaffinity(no such thread) = %s\n", err(s));
    s = syscall(SYS_sched_getaffinity, 0, sizeof mask, NULL);
    printf("robust-futex: sched_getaffinity(NULL) = %s\n", err(s));
    cpu_set_t set;
    printf("robust-futex: sched_getaffinity() through the C library finds at least one CPU: %s\n",
           sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1 ? "yes" : "no");

    // sched_setaffinity: the mask is read first (a fault is EFAULT), then the
    // thread found (ESRCH), then a mask without a running CPU refused (EINVAL;
    // a length of 0 reads an empty mask).
    unsigned long none = 0, cpu0 = 1;
    s = syscall(SYS_sched_setaffinity, 0, sizeof cpu0, NULL);
    printf("robust-futex: sched_setaffinity(NULL) = %s\n", err(s));
    s = syscall(SYS_sched_setaffinity, 0x7ffffff0, sizeof cpu0, &cpu0);
    printf("robust-futex: sched_setaffinity(no such thread) = %s\n", err(s));
    s = syscall(SYS_sched_setaffinity, 0, sizeof none, &none);
    printf("robust-futex: sched_setaffinity(no CPU) = %s\n", err(s));
    s = syscall(SYS_sched_setaffinity, 0, 0, &cpu0);
    printf("robust-futex: sched_setaffinity(0 bytes) = %s\n", err(s));
    s = syscall(SYS_sched_setaffinity, 0, sizeof cpu0, &cpu0);
    printf("robust-futex: sched_setaffinity(CPU 0) = %s\n", err(s));
    mask = 0;
    s = syscall(SYS_sched_getaffinity, 0, sizeof mask, &mask);
    printf("robust-futex: then sched_getaffinity = %s, mask %#lx\n", err(s), mask);
    return 0;
}
