/*
 * user/musl/signals.c - signals caught by handlers, as a static musl
 * program uses them: sigaction with and without SA_SIGINFO, the siginfo of
 * raise, kill and of faults (SIGSEGV, SIGILL, SIGFPE), masks (blocked
 * until unblocked, the handler's own mask, SA_NODEFER, SA_RESETHAND),
 * handlers that nest, ignored signals, every register kept across a
 * handler that changes the context it returns to, a blocking read that a
 * signal cuts short (EINTR) or restarts (SA_RESTART), and the errors of
 * kill, tgkill, rt_sigaction and rt_sigprocmask.
 *
 * Handlers only note what they saw (note(), into a buffer); main prints
 * it, so nothing is printed from inside a handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static char notes[4096];
static size_t noted;

static void note(const char* format, ...) {
    va_list args;
    va_start(args, format);
    noted += (size_t)vsnprintf(notes + noted, sizeof notes - noted, format, args);
    va_end(args);
}

static void flush_notes(const char* what) {
    printf("signals: %s: %s\n", what, notes);
    noted = 0;
    notes[0] = 0;
}

static const char* err(long r) {
    static char text[32];
    if (r >= 0) snprintf(text, sizeof text, "%ld", r);
    else snprintf(text, sizeof text, "-1 %s",
                  errno == EINVAL   ? "EINVAL"
                  : errno == ESRCH  ? "ESRCH"
                  : errno == EFAULT ? "EFAULT"
                  : errno == EINTR  ? "EINTR"
                  : errno == EPIPE  ? "EPIPE"
                                    : strerror(errno));
    return text;
}

static const char* code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "?";
    }
}

static void install(int sig, void (*action)(int, siginfo_t*, void*), int flags, const sigset_t* mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = action;
    sa.sa_flags = SA_SIGINFO | flags;
    if (mask) sa.sa_mask = *mask;
    sigaction(sig, &sa, NULL);
}

static int blocked_now(int sig) {
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, sig);
}

/* ------------------------------------------------------------ the handlers */

static void on_info(int sig, siginfo_t* info, void* context) {
    (void)context;
    note("[%s signo %d, %s, from this process: %s, %s blocked in the handler: %s, SIGUSR2 blocked: %s]",
         strsignal(sig), info->si_signo, code_name(info->si_code), info->si_pid == getpid() ? "yes" : "no",
         strsignal(sig), blocked_now(sig) ? "yes" : "no", blocked_now(SIGUSR2) ? "yes" : "no");
}

static void on_plain(int sig) { note("[plain handler, signal %d]", sig); }

static void on_outer(int sig, siginfo_t* info, void* context) {
    (void)info, (void)context;
    note("[outer %d begins]", sig);
    raise(SIGUSR2);
    note("[outer %d ends]", sig);
}

static void on_inner(int sig, siginfo_t* info, void* context) {
    (void)info, (void)context;
    note("[inner %d]", sig);
}

static sigjmp_buf recover;

static void on_fault(int sig, siginfo_t* info, void* context) {
    (void)context;
    note("[%s, si_code %d, si_addr %s]", strsignal(sig), info->si_code,
         info->si_addr == NULL ? "NULL" : "not NULL");
    siglongjmp(recover, sig);
}

static volatile uintptr_t expected_addr;

static void on_fault_at(int sig, siginfo_t* info, void* context) {
    (void)context;
    note("[%s, si_code %d, si_addr is the address: %s]", strsignal(sig), info->si_code,
         (uintptr_t)info->si_addr == expected_addr ? "yes" : "no");
    siglongjmp(recover, sig);
}

/* SIGILL from a ud2: note where, then go on after it (ud2 is 2 bytes) by
 * changing the context the handler returns to; clobber what C code may. */
static void on_ill(int sig, siginfo_t* info, void* context) {
    ucontext_t* uc = context;
    note("[%s at the ud2: %s]", strsignal(sig),
         (uintptr_t)info->si_addr == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP] ? "yes" : "no");
    uc->uc_mcontext.gregs[REG_RIP] += 2;
    volatile double x = 1.5;
    for (int i = 0; i < 10; ++i) x = x * 3.25 + 0.5;  /* the handler's own use of the SSE registers */
    (void)x;
}

static void on_usr1_quiet(int sig) { (void)sig; }

/* --------------------------------------------------------------- the checks */

static void check_registers_kept(void) {
    install(SIGILL, on_ill, 0, NULL);
    uint64_t rbx, rcx, r11, r12, r15, xmm;
    __asm__ volatile(
        "mov $0x1111111111111111, %%rbx\n\t"
        "mov $0x2222222222222222, %%rcx\n\t"
        "mov $0x3333333333333333, %%r11\n\t"
        "mov $0x4444444444444444, %%r12\n\t"
        "mov $0x5555555555555555, %%r15\n\t"
        "movq %%r15, %%xmm7\n\t"
        "ud2\n\t"
        "mov %%rbx, %0\n\t"
        "mov %%rcx, %1\n\t"
        "mov %%r11, %2\n\t"
        "mov %%r12, %3\n\t"
        "mov %%r15, %4\n\t"
        "movq %%xmm7, %5\n\t"
        : "=m"(rbx), "=m"(rcx), "=m"(r11), "=m"(r12), "=m"(r15), "=m"(xmm)
        :
        : "rbx", "rcx", "r11", "r12", "r15", "xmm7", "memory");
    flush_notes("ud2 with a SIGILL handler that skips it");
    printf("signals: rbx, rcx, r11, r12, r15 and xmm7 kept across the handler: %s\n",
           rbx == 0x1111111111111111 && rcx == 0x2222222222222222 && r11 == 0x3333333333333333 &&
                   r12 == 0x4444444444444444 && r15 == 0x5555555555555555 && xmm == 0x5555555555555555
               ? "yes"
               : "no");
}

static void check_faults(void) {
    install(SIGSEGV, on_fault, 0, NULL);
    install(SIGFPE, on_fault, 0, NULL);
    if (sigsetjmp(recover, 1) == 0) *(volatile int*)0 = 1;
    flush_notes("write to NULL");
    char* page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expected_addr = (uintptr_t)(page + 100);
    install(SIGSEGV, on_fault_at, 0, NULL);
    if (sigsetjmp(recover, 1) == 0) page[100] = 1;
    flush_notes("write to a read-only page");
    printf("signals: SIGSEGV is unblocked again after siglongjmp: %s\n", blocked_now(SIGSEGV) ? "no" : "yes");
    volatile int zero = 0;
    if (sigsetjmp(recover, 1) == 0) zero = 10 / zero;
    flush_notes("divide by zero");
}

static int pipe_fds[2];

static void* reader(void* arg) {
    (void)arg;
    char c = 0;
    const long n = read(pipe_fds[0], &c, 1);
    note("[read = %s%s%c]", err(n), n == 1 ? ", byte " : "", n == 1 ? c : ' ');
    return NULL;
}

static void nap(long ms) {
    struct timespec t = {0, ms * 1000000};
    nanosleep(&t, NULL);
}

static void check_interrupted_read(int flags, const char* what) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1_quiet;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    pipe(pipe_fds);
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    nap(50);  /* the reader is asleep in read() by now */
    pthread_kill(t, SIGUSR1);
    nap(50);
    write(pipe_fds[1], "x", 1);
    pthread_join(t, NULL);
    flush_notes(what);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static void check_errors(void) {
    printf("signals: kill(getpid(), 0) = %s\n", err(kill(getpid(), 0)));
    printf("signals: kill(getpid(), 65) = %s\n", err(kill(getpid(), 65)));
    printf("signals: kill(getpid(), -1) = %s\n", err(kill(getpid(), -1)));
    printf("signals: kill(0x7ffffff0, 0) = %s\n", err(kill(0x7ffffff0, 0)));
    printf("signals: kill(0x7ffffff0, 65) = %s\n", err(kill(0x7ffffff0, 65)));
    printf("signals: tgkill(getpid(), gettid(), 0) = %s\n", err(syscall(SYS_tgkill, getpid(), gettid(), 0)));
    printf("signals: tgkill(getpid(), 0x7ffffff0, SIGUSR1) = %s\n", err(syscall(SYS_tgkill, getpid(), 0x7ffffff0, SIGUSR1)));
    printf("signals: tgkill(0, gettid(), SIGUSR1) = %s\n", err(syscall(SYS_tgkill, 0, gettid(), SIGUSR1)));
    printf("signals: tgkill(getpid(), gettid(), 99) = %s\n", err(syscall(SYS_tgkill, getpid(), gettid(), 99)));
    printf("signals: tkill(-1, SIGUSR1) = %s\n", err(syscall(SYS_tkill, -1, SIGUSR1)));
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    printf("signals: sigaction(SIGKILL, SIG_IGN) = %s\n", err(sigaction(SIGKILL, &sa, NULL)));
    printf("signals: sigaction(SIGSTOP, SIG_IGN) = %s\n", err(sigaction(SIGSTOP, &sa, NULL)));
    memset(&old, 0xff, sizeof old);
    const long r = sigaction(SIGKILL, NULL, &old);  /* before the printf: its arguments have no order */
    printf("signals: sigaction(SIGKILL, read only) = %s, SIG_DFL: %s\n", err(r), old.sa_handler == SIG_DFL ? "yes" : "no");
    uint64_t kact[4] = {(uint64_t)SIG_IGN, 0, 0, 0};
    printf("signals: rt_sigaction(0) = %s\n", err(syscall(SYS_rt_sigaction, 0, kact, NULL, 8)));
    printf("signals: rt_sigaction(65) = %s\n", err(syscall(SYS_rt_sigaction, 65, kact, NULL, 8)));
    printf("signals: rt_sigaction(SIGUSR2, sigsetsize 4) = %s\n", err(syscall(SYS_rt_sigaction, SIGUSR2, kact, NULL, 4)));
    printf("signals: rt_sigaction(SIGUSR2, act NULL+8) = %s\n", err(syscall(SYS_rt_sigaction, SIGUSR2, (void*)8, NULL, 8)));
    printf("signals: rt_sigaction(99, act NULL+8) = %s\n", err(syscall(SYS_rt_sigaction, 99, (void*)8, NULL, 8)));
    uint64_t probe[4] = {(uint64_t)on_plain, SA_RESTART | 0x400 /* SA_UNSUPPORTED */ | 0x1000000 /* unknown */, 0, 0}, back[4];
    syscall(SYS_rt_sigaction, SIGUSR2, probe, NULL, 8);
    syscall(SYS_rt_sigaction, SIGUSR2, NULL, back, 8);
    printf("signals: flags SA_RESTART|SA_UNSUPPORTED|0x1000000 read back as %#lx\n", (unsigned long)back[1]);
    uint64_t set = ~0ull, now = 0;
    printf("signals: rt_sigprocmask(99) = %s\n", err(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8)));
    printf("signals: rt_sigprocmask(sigsetsize 16) = %s\n", err(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16)));
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &now, 8);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &now, &set, 8);
    printf("signals: blocking all 64: SIGKILL and SIGSTOP stay unblocked: %s\n",
           (set & (1ull << 8)) == 0 && (set & (1ull << 18)) == 0 && (set & (1ull << 9)) != 0 ? "yes" : "no");
}

int main(void) {
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);

    install(SIGUSR1, on_info, 0, &usr2);
    raise(SIGUSR1);
    flush_notes("raise(SIGUSR1)");
    kill(getpid(), SIGUSR1);
    flush_notes("kill(getpid(), SIGUSR1)");
    install(SIGUSR1, on_info, SA_NODEFER, NULL);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    flush_notes("tgkill with SA_NODEFER");

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    note("(blocked: nothing yet)");
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    flush_notes("raised while blocked, then unblocked");

    install(SIGUSR1, on_outer, 0, NULL);
    install(SIGUSR2, on_inner, 0, NULL);
    raise(SIGUSR1);
    flush_notes("a handler raising another signal");

    struct sigaction once, after;
    memset(&once, 0, sizeof once);
    once.sa_handler = on_plain;
    once.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR2, &once, NULL);
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &after);
    flush_notes("SA_RESETHAND");
    printf("signals: after SA_RESETHAND the action is SIG_DFL: %s\n", after.sa_handler == SIG_DFL ? "yes" : "no");

    signal(SIGTERM, SIG_IGN);
    raise(SIGTERM);
    raise(SIGCHLD);
    raise(SIGWINCH);
    raise(SIGURG);
    printf("signals: SIGTERM ignored, SIGCHLD, SIGWINCH and SIGURG by default: still here\n");

    check_faults();
    check_registers_kept();
    check_interrupted_read(0, "a read cut short by a signal");
    check_interrupted_read(SA_RESTART, "a read cut short by a signal with SA_RESTART");

    int p[2];
    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    printf("signals: write to a pipe with no reader, SIGPIPE ignored = %s\n", err(write(p[1], "x", 1)));
    signal(SIGPIPE, on_plain);
    const long w = write(p[1], "x", 1);
    flush_notes("write to a pipe with no reader, SIGPIPE caught");
    printf("signals: ...and the write = %s\n", err(w));
    close(p[1]);

    check_errors();
    return 0;
}
