/*
 * user/musl/sigdefault.c - a signal's default action ends the program, with
 * the status Linux reports (128 + the signal, as a shell shows it). Which
 * signal, and how it comes, is the first argument:
 *
 *     term          raise(SIGTERM)                                 143
 *     pipe          write to a pipe whose reader is gone (SIGPIPE) 141
 *     segv-blocked  a NULL write with SIGSEGV blocked and caught:
 *                   a fault is not held back; its handler is skipped 139
 *     usr1-thread   SIGUSR1 to a thread while another sleeps in
 *                   read(): the whole program ends                 138
 *     abort         abort()                                        134
 *     no-restorer   a handler installed without SA_RESTORER: x86-64
 *                   cannot enter it, and the SIGSEGV that follows
 *                   kills                                          139
 *     bad-sigreturn rt_sigreturn of a frame whose RIP is not an
 *                   address: SIGSEGV                               139
 *
 * Each line is flushed before the signal: what is still buffered when a
 * program is killed is lost, on Linux as here.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void say(const char* text) {
    printf("sigdefault: %s\n", text);
    fflush(stdout);
}

static void never(int sig) {
    (void)sig;
    say("the handler of a blocked SIGSEGV ran: FAILED");
}

static int fds[2];

static void* sleeper(void* arg) {
    (void)arg;
    char c;
    read(fds[0], &c, 1);  /* nothing is ever written */
    say("the sleeping read returned: FAILED");
    return NULL;
}

int main(int argc, char** argv) {
    const char* how = argc > 1 ? argv[1] : "";
    if (strcmp(how, "term") == 0) {
        say("raise(SIGTERM)");
        raise(SIGTERM);
    } else if (strcmp(how, "pipe") == 0) {
        pipe(fds);
        close(fds[0]);
        say("write to a pipe with no reader");
        write(fds[1], "x", 1);
    } else if (strcmp(how, "segv-blocked") == 0) {
        signal(SIGSEGV, never);
        sigset_t segv;
        sigemptyset(&segv);
        sigaddset(&segv, SIGSEGV);
        sigprocmask(SIG_BLOCK, &segv, NULL);
        say("write to NULL, SIGSEGV blocked and caught");
        *(volatile int*)0 = 1;
    } else if (strcmp(how, "usr1-thread") == 0) {
        pipe(fds);
        pthread_t t, other;
        pthread_create(&other, NULL, sleeper, NULL);
        pthread_create(&t, NULL, sleeper, NULL);
        struct timespec nap = {0, 50 * 1000000};
        nanosleep(&nap, NULL);
        say("SIGUSR1 to a thread asleep in read(), while another sleeps too");
        pthread_kill(t, SIGUSR1);
        nanosleep(&nap, NULL);
    } else if (strcmp(how, "abort") == 0) {
        say("abort()");
        abort();
    } else if (strcmp(how, "no-restorer") == 0) {
        uint64_t act[4] = {(uint64_t)(uintptr_t)never, 0, 0, 0};  /* the kernel's struct: no SA_RESTORER */
        syscall(SYS_rt_sigaction, SIGUSR1, act, NULL, 8);
        say("SIGUSR1 to a handler without SA_RESTORER");
        raise(SIGUSR1);
    } else if (strcmp(how, "bad-sigreturn") == 0) {
        /* An rt_sigframe (440 bytes): pretcode, then the ucontext, whose
         * sigcontext's RIP (at 0x28 + 0x80) is not a canonical address. */
        static uint64_t frame[55];
        frame[(0x28 + 0x80) / 8] = 0x8000000000000000ull;
        frame[(0x28 + 0x78) / 8] = (uint64_t)(uintptr_t)&frame[54];  /* its RSP */
        say("rt_sigreturn of a frame with RIP 0x8000000000000000");
        __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" : : "r"(&frame[1]) : "memory");
    } else {
        say("say how: term, pipe, segv-blocked, usr1-thread, abort, no-restorer or bad-sigreturn");
        return 2;
    }
    say("still running: FAILED");
    return 1;
}
