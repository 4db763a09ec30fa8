/*
 * user/musl/sysinfo.c - what a program asks about itself and the machine:
 * uname, its user and group ids, its parent, its resource limits, its
 * working directory and random bytes, with the answers and the errors
 * Linux gives, bad arguments included.
 *
 * Raw system calls (syscall()), so that each line shows what the kernel
 * answered. Answers that depend on the machine (the host's name, the
 * kernel's release, the limits an administrator set) are printed as facts
 * about them; the test runs the program in "/" on both sides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define KERNEL_ADDRESS ((void*)0xffffffff80000000ul)

static const char* yes(int fact) { return fact ? "yes" : "no"; }

/* A raw call's result as "0", "2" or "-1 EFAULT". */
static const char* result(long r) {
    static char text[64];
    if (r >= 0) snprintf(text, sizeof text, "%ld", r);
    else snprintf(text, sizeof text, "-1 %s",
                  errno == EFAULT   ? "EFAULT"
                  : errno == EINVAL ? "EINVAL"
                  : errno == ERANGE ? "ERANGE"
                  : errno == ESRCH  ? "ESRCH"
                  : errno == EPERM  ? "EPERM"
                                    : strerror(errno));
    return text;
}

int main(void) {
    struct utsname u;
    long r = syscall(SYS_uname, &u);
    printf("sysinfo: uname = %s: sysname \"%s\", machine \"%s\"\n", result(r), u.sysname, u.machine);
    printf("sysinfo: the release starts with a version (\"6.1.0...\"): %s\n",
           yes(u.release[0] >= '1' && u.release[0] <= '9' && strchr(u.release, '.') != NULL));
    printf("sysinfo: every name is NUL-terminated within 65 bytes: %s\n",
           yes(memchr(u.nodename, 0, 65) && memchr(u.version, 0, 65) && memchr(u.domainname, 0, 65)));
    r = syscall(SYS_uname, NULL);
    printf("sysinfo: uname(NULL) = %s\n", result(r));
    r = syscall(SYS_uname, KERNEL_ADDRESS);
    printf("sysinfo: uname(kernel address) = %s\n", result(r));

    printf("sysinfo: getuid = geteuid = getgid = getegid: %s\n",
           yes(getuid() == geteuid() && getgid() == getegid() && getuid() == getgid()));
    uid_t ruid = 7, euid = 7, suid = 7;
    r = syscall(SYS_getresuid, &ruid, &euid, &suid);
    printf("sysinfo: getresuid = %s, all three are getuid(): %s\n", result(r),
           yes(ruid == getuid() && euid == getuid() && suid == getuid()));
    gid_t rgid = 7, egid = 7, sgid = 7;
    r = syscall(SYS_getresgid, &rgid, &egid, &sgid);
    printf("sysinfo: getresgid = %s, all three are getgid(): %s\n", result(r),
           yes(rgid == getgid() && egid == getgid() && sgid == getgid()));
    r = syscall(SYS_getresuid, &ruid, NULL, &suid);
    printf("sysinfo: getresuid(ok, NULL, ok) = %s\n", result(r));
    printf("sysinfo: getppid is not getpid: %s\n", yes(getppid() != getpid()));

    struct rlimit lim;
    r = syscall(SYS_getrlimit, RLIMIT_NOFILE, &lim);
    printf("sysinfo: getrlimit(RLIMIT_NOFILE) = %s, at least 3, soft <= hard: %s\n", result(r),
           yes(lim.rlim_cur >= 3 && lim.rlim_cur <= lim.rlim_max));
    r = syscall(SYS_getrlimit, RLIMIT_STACK, &lim);
    printf("sysinfo: getrlimit(RLIMIT_STACK) = %s, at least 64 KiB: %s\n", result(r), yes(lim.rlim_cur >= 65536));
    r = syscall(SYS_getrlimit, 16, &lim);
    printf("sysinfo: getrlimit(16) = %s\n", result(r));
    r = syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL);
    printf("sysinfo: getrlimit(RLIMIT_NOFILE, NULL) = %s\n", result(r));
    struct rlimit old, now;
    r = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old);
    printf("sysinfo: prlimit64(0, RLIMIT_NOFILE, NULL, old) = %s, as getrlimit: %s\n", result(r),
           yes(syscall(SYS_getrlimit, RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == old.rlim_cur &&
               now.rlim_max == old.rlim_max));
    r = syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, &old, &now);
    printf("sysinfo: prlimit64(getpid(), the same limit) = %s\n", result(r));
    r = syscall(SYS_setrlimit, RLIMIT_NOFILE, &old);
    printf("sysinfo: setrlimit(the same limit) = %s\n", result(r));
    struct rlimit upside_down = {old.rlim_max, old.rlim_cur - 1};
    r = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &upside_down, NULL);
    printf("sysinfo: prlimit64(soft above hard) = %s\n", result(r));
    r = syscall(SYS_prlimit64, 0, 99, NULL, &old);
    printf("sysinfo: prlimit64(resource 99) = %s\n", result(r));
    r = syscall(SYS_prlimit64, 0x7ffffff0, RLIMIT_NOFILE, NULL, &old);
    printf("sysinfo: prlimit64(no such pid) = %s\n", result(r));
    r = syscall(SYS_prlimit64, 0x7ffffff0, 99, NULL, &old);
    printf("sysinfo: prlimit64(no such pid, resource 99) = %s\n", result(r));
    r = syscall(SYS_prlimit64, 0x7ffffff0, RLIMIT_NOFILE, NULL + 8, &old);
    printf("sysinfo: prlimit64(no such pid, bad new limit) = %s\n", result(r));
    r = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, KERNEL_ADDRESS);
    printf("sysinfo: prlimit64(old at a kernel address) = %s\n", result(r));

    char cwd[64] = "unchanged";
    r = syscall(SYS_getcwd, cwd, sizeof cwd);
    printf("sysinfo: getcwd = %s \"%s\"\n", result(r), cwd);
    r = syscall(SYS_getcwd, cwd, 1);
    printf("sysinfo: getcwd(size 1) = %s\n", result(r));
    r = syscall(SYS_getcwd, cwd, 0);
    printf("sysinfo: getcwd(size 0) = %s\n", result(r));
    r = syscall(SYS_getcwd, NULL, 64);
    printf("sysinfo: getcwd(NULL) = %s\n", result(r));

    unsigned char a[32] = {0}, b[32] = {0};
    r = syscall(SYS_getrandom, a, sizeof a, 0);
    const long r2 = syscall(SYS_getrandom, b, sizeof b, 1 /* GRND_NONBLOCK */);
    printf("sysinfo: getrandom(32 bytes) = %s, again with GRND_NONBLOCK = %ld; the two differ: %s\n", result(r), r2,
           yes(memcmp(a, b, sizeof a) != 0));
    int zeros = 0;
    for (unsigned i = 0; i < sizeof a; ++i) zeros += a[i] == 0;
    printf("sysinfo: at most 8 of its 32 bytes are 0: %s\n", yes(zeros <= 8));
    static unsigned char big[100000];
    r = syscall(SYS_getrandom, big, sizeof big, 0);
    printf("sysinfo: getrandom(100000 bytes) = %s\n", result(r));
    r = syscall(SYS_getrandom, a, 0, 0);
    printf("sysinfo: getrandom(0 bytes) = %s\n", result(r));
    r = syscall(SYS_getrandom, a, sizeof a, 8);
    printf("sysinfo: getrandom(flags 8) = %s\n", result(r));
    r = syscall(SYS_getrandom, a, sizeof a, 2 | 4 /* GRND_RANDOM | GRND_INSECURE */);
    printf("sysinfo: getrandom(GRND_RANDOM | GRND_INSECURE) = %s\n", result(r));
    r = syscall(SYS_getrandom, a, sizeof a, 4 /* GRND_INSECURE */);
    printf("sysinfo: getrandom(GRND_INSECURE) = %s\n", result(r));
    r = syscall(SYS_getrandom, NULL, 16, 0);
    printf("sysinfo: getrandom(NULL, 16) = %s\n", result(r));
    r = syscall(SYS_getrandom, KERNEL_ADDRESS, 16, 0);
    printf("sysinfo: getrandom(kernel address, 16) = %s\n", result(r));
    return 0;
}
