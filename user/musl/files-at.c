/*
 * user/musl/files-at.c - the file calls that files.c does not make, each
 * with its errors: the *at calls relative to a directory descriptor
 * (openat, mkdirat, renameat, unlinkat, fchdir), renameat2's NOREPLACE and
 * EXCHANGE, creat and umask, truncate, dup and dup3, fsync and fdatasync, fadvise64,
 * chmod, fchmod and fchmodat, faccessat and faccessat2, newfstatat with
 * AT_EMPTY_PATH, statx, utimensat, readlinkat of a file that is no link,
 * lstat, getdents64's small buffer.
 *
 * Calls that musl 1.2.3 does not wrap, or wraps with work of its own
 * (faccessat with flags forks a child), are made with syscall(). Like
 * files.c it works in a directory of its own under /tmp and prints only
 * what is the same on any Linux: no inode numbers, no times it did not set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// struct statx's first fields (musl 1.2.3 has no statx); the constants
// are <linux/stat.h>'s, whose S_* macros would clash with the C library's.
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
#define RENAME_NOREPLACE  1
#define RENAME_EXCHANGE   2

static const char* err(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case ESPIPE: return "ESPIPE";
    default: return strerror(e);
    }
}

// A call's result as "ok" or its errno's name.
static const char* outcome(long result) { return result < 0 ? err(errno) : "ok"; }

// The permission bits of what @p path names from @p dir, or -1.
static int mode_of(int dir, const char* path) {
    struct stat st;
    return fstatat(dir, path, &st, 0) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static long size_of(int dir, const char* path) {
    struct stat st;
    return fstatat(dir, path, &st, 0) == 0 ? (long)st.st_size : -1;
}

int main(void) {
    char home[64];
    snprintf(home, sizeof home, "/tmp/files-at-%d", (int)getpid());
    mkdir(home, 0755);
    const int dir = open(home, O_RDONLY | O_DIRECTORY);
    printf("files-at: a descriptor for a fresh directory: %s\n", outcome(dir));

    // umask takes bits away from the modes creat and mkdirat ask for.
    umask(027);
    printf("files-at: umask(027) then umask(022) returns %03o\n", (unsigned)umask(022));
    umask(027);
    close(openat(dir, "a", O_CREAT | O_WRONLY, 0666));
    printf("files-at: openat(dir, \"a\", O_CREAT, 0666) under umask 027: mode %03o\n", mode_of(dir, "a"));
    const char* made = outcome(mkdirat(dir, "d", 0777));
    printf("files-at: mkdirat(dir, \"d\", 0777): %s, mode %03o\n", made, mode_of(dir, "d"));
    printf("files-at: mkdirat again: %s\n", outcome(mkdirat(dir, "d", 0777)));
    umask(022);

    // openat: relative to the descriptor, unless the path is absolute.
    int fd = openat(dir, "a", O_RDWR);
    printf("files-at: openat from a file's descriptor: %s\n", outcome(openat(fd, "x", O_RDONLY)));
    printf("files-at: mkdirat from a file's descriptor: %s\n", outcome(mkdirat(fd, "x", 0700)));
    printf("files-at: openat from a closed descriptor: %s\n", outcome(openat(99, "a", O_RDONLY)));
    const int abs = openat(99, home, O_RDONLY);
    printf("files-at: ...with an absolute path: %s\n", outcome(abs));
    close(abs);

    // creat truncates; truncate sets the size by path.
    write(fd, "12345", 5);
    close(fd);
    chdir(home);
    fd = (int)syscall(SYS_creat, "a", 0600);  // musl's creat() is an open(): the call itself
    printf("files-at: creat of a 5-byte file: %s, size %ld\n", outcome(fd), size_of(dir, "a"));
    printf("files-at: creat of a directory: %s\n", outcome(syscall(SYS_creat, "d", 0600)));
    const char* cut = outcome(truncate("a", 100));
    printf("files-at: truncate(a, 100): %s, size %ld\n", cut, size_of(dir, "a"));
    printf("files-at: truncate to -1: %s\n", outcome(truncate("a", -1)));
    printf("files-at: truncate a directory: %s\n", outcome(truncate("d", 0)));
    printf("files-at: truncate a missing file: %s\n", outcome(truncate("missing", 0)));

    // dup takes the lowest free descriptor and never copies FD_CLOEXEC; dup3 sets it.
    const int cloexec = open("a", O_RDONLY | O_CLOEXEC);
    const int low = dup(cloexec);
    printf("files-at: dup gives the next descriptor: %s, FD_CLOEXEC %d\n", low == cloexec + 1 ? "yes" : "no",
           fcntl(low, F_GETFD));
    // (musl's dup3 makes checks of its own and falls back to dup2: the kernel's answers need syscall().)
    const long thirty = syscall(SYS_dup3, low, 30, O_CLOEXEC);
    printf("files-at: dup3(fd, 30, O_CLOEXEC) = %ld, FD_CLOEXEC %d\n", thirty, fcntl(30, F_GETFD));
    printf("files-at: dup3 to itself: %s\n", outcome(syscall(SYS_dup3, low, low, 0)));
    printf("files-at: dup3 with a flag other than O_CLOEXEC: %s\n", outcome(syscall(SYS_dup3, low, 31, O_NONBLOCK)));
    printf("files-at: dup3 to descriptor 1 << 20: %s\n", outcome(syscall(SYS_dup3, low, 1 << 20, 0)));
    printf("files-at: dup2 to itself returns it: %s\n", dup2(low, low) == low ? "yes" : "no");
    printf("files-at: dup of a closed descriptor: %s\n", outcome(dup(99)));
    close(30);
    close(low);
    close(cloexec);

    // fsync and fdatasync: files and directories yes, pipes and devices no.
    const char* synced = outcome(fsync(fd));
    printf("files-at: fsync, fdatasync of a file: %s, %s\n", synced, outcome(fdatasync(fd)));
    printf("files-at: fsync of a directory: %s\n", outcome(fsync(dir)));
    int fds[2];
    pipe(fds);
    printf("files-at: fsync of a pipe: %s\n", outcome(fsync(fds[0])));
    const int null = open("/dev/null", O_WRONLY);
    printf("files-at: fsync of /dev/null: %s\n", outcome(fsync(null)));
    printf("files-at: fsync of a closed descriptor: %s\n", outcome(fsync(99)));
    // fadvise64, raw (posix_fadvise returns the error instead of setting errno):
    // any file takes the advice; a pipe, a negative length or an unknown advice do not.
    printf("files-at: fadvise DONTNEED, SEQUENTIAL of a file: %s, %s; of /dev/null: %s\n",
           outcome(syscall(SYS_fadvise64, fd, 0, 4096, POSIX_FADV_DONTNEED)),
           outcome(syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_SEQUENTIAL)),
           outcome(syscall(SYS_fadvise64, null, 0, 0, POSIX_FADV_NORMAL)));
    printf("files-at: fadvise of a pipe: %s; length -1: %s; advice 6: %s; of a closed descriptor: %s\n",
           outcome(syscall(SYS_fadvise64, fds[0], 0, 0, POSIX_FADV_NORMAL)),
           outcome(syscall(SYS_fadvise64, fd, 0, -1L, POSIX_FADV_NORMAL)),
           outcome(syscall(SYS_fadvise64, fd, 0, 0, 6)), outcome(syscall(SYS_fadvise64, 99, 0, 0, POSIX_FADV_NORMAL)));
    close(null);
    close(fds[0]);
    close(fds[1]);

    // Permission bits: chmod, fchmod, fchmodat; root may not execute a file
    // without any execute bit, and may do anything else.
    const char* changed = outcome(chmod("a", 02604));
    printf("files-at: chmod(a, 02604): %s, mode %04o\n", changed, mode_of(dir, "a"));
    changed = outcome(fchmod(fd, 0755));
    printf("files-at: fchmod(fd, 0755): %s, mode %04o\n", changed, mode_of(dir, "a"));
    changed = outcome(fchmodat(dir, "a", 0600, 0));
    printf("files-at: fchmodat(dir, a, 0600): %s, mode %04o\n", changed, mode_of(dir, "a"));
    printf("files-at: chmod of a missing file: %s\n", outcome(chmod("missing", 0600)));
    printf("files-at: faccessat(dir, a, X_OK) at 0600: %s\n", outcome(faccessat(dir, "a", X_OK, 0)));
    chmod("a", 0010);
    const char* runs = outcome(faccessat(dir, "a", X_OK, 0));
    printf("files-at: ...and at 0010: %s; R_OK|W_OK: %s\n", runs, outcome(faccessat(dir, "a", R_OK | W_OK, 0)));
    printf("files-at: faccessat2 with AT_EACCESS: %s\n", outcome(syscall(SYS_faccessat2, dir, "a", R_OK, AT_EACCESS)));
    printf("files-at: faccessat2 with AT_EMPTY_PATH on the descriptor: %s\n",
           outcome(syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH)));
    pipe(fds);
    printf("files-at: faccessat2 of a pipe, AT_EMPTY_PATH: R_OK %s", outcome(syscall(SYS_faccessat2, fds[0], "", R_OK, AT_EMPTY_PATH)));
    printf(", X_OK %s\n", outcome(syscall(SYS_faccessat2, fds[0], "", X_OK, AT_EMPTY_PATH)));
    close(fds[0]);
    close(fds[1]);
    printf("files-at: faccessat of \"\" without AT_EMPTY_PATH: %s\n", outcome(syscall(SYS_faccessat2, fd, "", R_OK, 0)));
    printf("files-at: faccessat2 with an unknown flag: %s\n", outcome(syscall(SYS_faccessat2, dir, "a", R_OK, 1)));
    printf("files-at: faccessat with mode 8: %s\n", outcome(syscall(SYS_faccessat, dir, "a", 8)));
    chmod("a", 0644);

    // newfstatat and statx of the descriptor itself, and by path.
    struct stat st;
    const long empty = syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH);
    printf("files-at: newfstatat(fd, \"\", AT_EMPTY_PATH): %s, size %ld\n", outcome(empty), (long)st.st_size);
    printf("files-at: newfstatat with an unknown flag: %s\n", outcome(syscall(SYS_newfstatat, dir, "a", &st, 1)));
    const char* looked = outcome(lstat("a", &st));
    printf("files-at: lstat(a): %s, size %ld\n", looked, (long)st.st_size);
    struct statx_fields sx;
    memset(&sx, 0, sizeof sx);
    const long got = syscall(SYS_statx, dir, "a", 0, STATX_BASIC_STATS, &sx);
    printf("files-at: statx(dir, a): %s, basic stats %s, size %llu, mode %o, links %u\n", outcome(got),
           (sx.mask & STATX_BASIC_STATS) == STATX_BASIC_STATS ? "all" : "not all", sx.size, sx.mode, sx.nlink);
    memset(&sx, 0, sizeof sx);
    syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx);
    printf("files-at: statx(fd, \"\", AT_EMPTY_PATH): size %llu\n", sx.size);
    printf("files-at: statx with both sync flags: %s\n",
           outcome(syscall(SYS_statx, dir, "a", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx)));
    printf("files-at: statx asking STATX__RESERVED: %s\n", outcome(syscall(SYS_statx, dir, "a", 0, STATX__RESERVED, &sx)));
    printf("files-at: statx of a missing file: %s\n", outcome(syscall(SYS_statx, dir, "missing", 0, STATX_BASIC_STATS, &sx)));

    // utimensat: times given, one left alone, bad ones refused.
    struct timespec times[2] = {{1000000000, 123456789}, {1500000000, 5}};
    printf("files-at: utimensat(dir, a, given times): %s\n", outcome(utimensat(dir, "a", times, 0)));
    stat("a", &st);
    printf("files-at: atime %ld.%09ld, mtime %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {7, 0}};
    printf("files-at: futimens(fd, {UTIME_OMIT, 7 s}): %s\n", outcome(futimens(fd, omit)));
    stat("a", &st);
    printf("files-at: atime %ld.%09ld, mtime %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    printf("files-at: utimensat with 10^9 ns: %s\n", outcome(utimensat(dir, "a", bad, 0)));
    printf("files-at: utimensat with an unknown flag: %s\n", outcome(utimensat(dir, "a", times, 1)));
    printf("files-at: utimensat of a missing file: %s\n", outcome(utimensat(dir, "missing", times, 0)));

    // readlinkat: a file that is no link, a size that is not positive.
    char buf[64];
    printf("files-at: readlinkat of a file: %s\n", outcome(readlinkat(dir, "a", buf, sizeof buf)));
    printf("files-at: readlinkat of a missing file: %s\n", outcome(readlinkat(dir, "missing", buf, sizeof buf)));
    printf("files-at: readlinkat with size 0: %s\n", outcome(syscall(SYS_readlinkat, dir, "a", buf, 0)));
    printf("files-at: readlinkat of the descriptor's own file (\"\"): %s\n", outcome(syscall(SYS_readlinkat, fd, "", buf, sizeof buf)));
    printf("files-at: ...of a closed descriptor's: %s\n", outcome(syscall(SYS_readlinkat, 99, "", buf, sizeof buf)));

    // getdents64: a buffer too small for one record, a descriptor of a file.
    const int listing = open(".", O_RDONLY | O_DIRECTORY);
    printf("files-at: getdents64 into 8 bytes: %s\n", outcome(syscall(SYS_getdents64, listing, buf, 8)));
    printf("files-at: getdents64 of a file: %s\n", outcome(syscall(SYS_getdents64, fd, buf, sizeof buf)));
    close(listing);
    close(fd);

    // renameat and renameat2 across descriptors.
    const int sub = open("d", O_RDONLY | O_DIRECTORY);
    printf("files-at: renameat(dir, a, sub, a): %s\n", outcome(renameat(dir, "a", sub, "a")));
    printf("files-at: a is now in d: %s\n", size_of(dir, "d/a") == 100 ? "yes" : "no");
    close(creat("b", 0600));
    printf("files-at: renameat2 NOREPLACE onto a name in use: %s\n",
           outcome(syscall(SYS_renameat2, dir, "b", sub, "a", RENAME_NOREPLACE)));
    printf("files-at: renameat2 NOREPLACE to a free name: %s\n",
           outcome(syscall(SYS_renameat2, dir, "b", dir, "c", RENAME_NOREPLACE)));
    printf("files-at: renameat2 EXCHANGE of file c and directory d: %s\n",
           outcome(syscall(SYS_renameat2, dir, "c", dir, "d", RENAME_EXCHANGE)));
    const int c_is_dir = stat("c", &st) == 0 && S_ISDIR(st.st_mode);
    printf("files-at: now c is a directory: %s, d a file: %s\n", c_is_dir ? "yes" : "no",
           stat("d", &st) == 0 && S_ISREG(st.st_mode) ? "yes" : "no");
    printf("files-at: the open descriptor follows the directory: %s\n", faccessat(sub, "a", F_OK, 0) == 0 ? "yes" : "no");
    printf("files-at: renameat2 EXCHANGE with a missing name: %s\n",
           outcome(syscall(SYS_renameat2, dir, "c", dir, "missing", RENAME_EXCHANGE)));
    printf("files-at: renameat2 NOREPLACE|EXCHANGE: %s\n",
           outcome(syscall(SYS_renameat2, dir, "c", dir, "d", RENAME_NOREPLACE | RENAME_EXCHANGE)));
    printf("files-at: renameat2 with an unknown flag: %s\n", outcome(syscall(SYS_renameat2, dir, "c", dir, "e", 8)));

    // fchdir, then unlinkat with and without AT_REMOVEDIR.
    chdir("/");
    printf("files-at: fchdir(sub): %s\n", outcome(fchdir(sub)));
    char cwd[128], expect[80];
    snprintf(expect, sizeof expect, "%s/c", home);
    printf("files-at: getcwd is the moved directory: %s\n", getcwd(cwd, sizeof cwd) && !strcmp(cwd, expect) ? "yes" : "no");
    fd = open("a", O_RDONLY);
    printf("files-at: fchdir to a file: %s\n", outcome(fchdir(fd)));
    printf("files-at: fchdir to a closed descriptor: %s\n", outcome(fchdir(99)));
    close(fd);
    printf("files-at: unlinkat(dir, c, AT_REMOVEDIR) while not empty: %s\n", outcome(unlinkat(dir, "c", AT_REMOVEDIR)));
    printf("files-at: unlinkat(dir, c, 0) of a directory: %s\n", outcome(unlinkat(dir, "c", 0)));
    printf("files-at: unlinkat with an unknown flag: %s\n", outcome(unlinkat(dir, "d", 1)));
    printf("files-at: unlinkat(sub, a, 0): %s\n", outcome(unlinkat(sub, "a", 0)));
    printf("files-at: unlinkat(dir, d, AT_REMOVEDIR) of a file: %s\n", outcome(unlinkat(dir, "d", AT_REMOVEDIR)));
    printf("files-at: unlinkat(dir, d, 0): %s\n", outcome(unlinkat(dir, "d", 0)));
    chdir("/");
    printf("files-at: unlinkat(dir, c, AT_REMOVEDIR): %s\n", outcome(unlinkat(dir, "c", AT_REMOVEDIR)));
    close(sub);
    close(dir);
    printf("files-at: rmdir the directory: %s\n", outcome(rmdir(home)));
    return 0;
}
