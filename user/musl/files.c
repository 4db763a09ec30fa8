/*
 * user/musl/files.c - files and directories through a C library: stdio on
 * a file, open's flags, positions (lseek, pread, pwrite, O_APPEND), stat,
 * truncation, directories read with opendir/readdir, rename, unlink of an
 * open file, dup2, the working directory, and the errors of each.
 *
 * It works in a directory of its own under /tmp, made and removed by it,
 * and prints only what is the same on any Linux: names, sizes, counts and
 * errno names, never inode numbers, times or its pid. The same source is
 * built with glibc as user/glibc/glibc-files.c (PROGRAM names the lines).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PROGRAM
#define PROGRAM "files"
#endif

static int failures;

static const char* err(int e) {
    switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ESPIPE: return "ESPIPE";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return strerror(e);
    }
}

// A call's result as "ok" or its errno's name.
static const char* outcome(int result) { return result < 0 ? err(errno) : "ok"; }

static int compare(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

// The names in @p path, sorted, on one line (readdir's order is the file system's own).
static void list(const char* path) {
    DIR* dir = opendir(path);
    if (!dir) {
        printf(PROGRAM ": opendir(%s): %s\n", path, err(errno));
        ++failures;
        return;
    }
    char* names[64];
    int n = 0;
    struct dirent* e;
    while ((e = readdir(dir)) && n < 64) names[n++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, n, sizeof names[0], compare);
    printf(PROGRAM ": ls %s:", path);
    for (int i = 0; i < n; ++i) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static long size_of(const char* path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int main(void) {
    char home[64];
    snprintf(home, sizeof home, "/tmp/" PROGRAM "-%d", (int)getpid());
    printf(PROGRAM ": mkdir a fresh directory in /tmp: %s\n", outcome(mkdir(home, 0755)));
    printf(PROGRAM ": chdir into it: %s\n", outcome(chdir(home)));
    char cwd[128];
    printf(PROGRAM ": getcwd is that directory: %s\n", getcwd(cwd, sizeof cwd) && !strcmp(cwd, home) ? "yes" : "no");

    // stdio on a file.
    FILE* f = fopen("notes.txt", "w");
    fprintf(f, "line one\nline two\n");
    fclose(f);
    printf(PROGRAM ": fopen, fprintf, fclose: size %ld\n", size_of("notes.txt"));
    f = fopen("notes.txt", "r");
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, f)) ++lines;
    fclose(f);
    printf(PROGRAM ": fgets read %d lines\n", lines);

    // open's flags.
    printf(PROGRAM ": O_CREAT|O_EXCL on an existing file: %s\n", outcome(open("notes.txt", O_CREAT | O_EXCL | O_WRONLY, 0644)));
    printf(PROGRAM ": open a missing file: %s\n", outcome(open("missing", O_RDONLY)));
    printf(PROGRAM ": open through a file: %s\n", outcome(open("notes.txt/x", O_RDONLY)));
    printf(PROGRAM ": open a directory for writing: %s\n", outcome(open(".", O_WRONLY)));
    printf(PROGRAM ": O_DIRECTORY on a file: %s\n", outcome(open("notes.txt", O_RDONLY | O_DIRECTORY)));
    int fd = open("notes.txt", O_RDWR | O_TRUNC);
    printf(PROGRAM ": O_TRUNC: size %ld\n", size_of("notes.txt"));

    // Positions.
    printf(PROGRAM ": write 10 bytes: %zd\n", write(fd, "0123456789", 10));
    printf(PROGRAM ": lseek(SEEK_CUR, 0) = %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    printf(PROGRAM ": lseek(SEEK_SET, 2) = %ld\n", (long)lseek(fd, 2, SEEK_SET));
    char buf[32] = {0};
    printf(PROGRAM ": read 3 = %zd \"%.3s\"\n", read(fd, buf, 3), buf);
    memset(buf, 0, sizeof buf);
    const ssize_t got = pread(fd, buf, 4, 6);
    printf(PROGRAM ": pread(4 at 6) = %zd \"%.4s\", position still %ld\n", got, buf, (long)lseek(fd, 0, SEEK_CUR));
    printf(PROGRAM ": pwrite(\"AB\" at 0) = %zd\n", pwrite(fd, "AB", 2, 0));
    const long end = (long)lseek(fd, 5, SEEK_END);
    printf(PROGRAM ": lseek(SEEK_END, 5) = %ld, then write 1: %zd\n", end, write(fd, "!", 1));
    memset(buf, 0, sizeof buf);
    const ssize_t whole = pread(fd, buf, sizeof buf, 0);
    printf(PROGRAM ": the file is now %zd bytes: \"%.10s\", then %s, then \"%.1s\"\n", whole, buf,
           memcmp(buf + 10, "\0\0\0\0\0", 5) == 0 ? "5 zeros" : "not zeros", buf + 15);
    printf(PROGRAM ": lseek(SEEK_SET, -1): %s\n", outcome((int)lseek(fd, -1, SEEK_SET)));
    printf(PROGRAM ": lseek with whence 9: %s\n", outcome((int)lseek(fd, 0, 9)));
    const char* cut = outcome(ftruncate(fd, 4));
    printf(PROGRAM ": ftruncate to 4: %s, size %ld\n", cut, size_of("notes.txt"));
    printf(PROGRAM ": ftruncate to -1: %s\n", outcome(ftruncate(fd, -1)));
    struct stat st;
    fstat(fd, &st);
    printf(PROGRAM ": fstat: regular file %s, mode %o, links %ld\n", S_ISREG(st.st_mode) ? "yes" : "no",
           (unsigned)(st.st_mode & 07777), (long)st.st_nlink);
    close(fd);

    // O_APPEND: every write goes to the end.
    fd = open("notes.txt", O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "+end", 4);
    close(fd);
    fd = open("notes.txt", O_RDONLY);
    memset(buf, 0, sizeof buf);
    printf(PROGRAM ": after an O_APPEND write: %zd bytes \"%s\"\n", read(fd, buf, sizeof buf), buf);
    close(fd);

    // Directories.
    printf(PROGRAM ": mkdir sub: %s\n", outcome(mkdir("sub", 0700)));
    printf(PROGRAM ": mkdir sub again: %s\n", outcome(mkdir("sub", 0700)));
    stat("sub", &st);
    printf(PROGRAM ": sub is a directory: %s, mode %o, links %ld\n", S_ISDIR(st.st_mode) ? "yes" : "no",
           (unsigned)(st.st_mode & 07777), (long)st.st_nlink);
    stat(".", &st);
    printf(PROGRAM ": . has %ld links (its name, itself, sub's ..)\n", (long)st.st_nlink);
    printf(PROGRAM ": rename notes.txt to sub/notes: %s\n", outcome(rename("notes.txt", "sub/notes")));
    printf(PROGRAM ": rmdir a directory that is not empty: %s\n", outcome(rmdir("sub")));
    printf(PROGRAM ": unlink a directory: %s\n", outcome(unlink("sub")));
    printf(PROGRAM ": rename a directory into itself: %s\n", outcome(rename("sub", "sub/deeper")));
    printf(PROGRAM ": rename a file over a directory: %s\n", outcome(rename("sub/notes", ".")));
    list(".");
    list("sub");
    for (int i = 0; i < 5; ++i) {
        char name[16];
        snprintf(name, sizeof name, "sub/f%d", i);
        close(open(name, O_CREAT | O_WRONLY, 0600));
    }
    list("sub");
    const char* rw = outcome(access("sub/f0", R_OK | W_OK));
    printf(PROGRAM ": access(sub/f0, R_OK|W_OK): %s, X_OK: %s\n", rw, outcome(access("sub/f0", X_OK)));
    printf(PROGRAM ": access(missing, F_OK): %s\n", outcome(access("missing", F_OK)));

    // A file lives on while it is open, after its name is gone.
    fd = open("sub/notes", O_RDONLY);
    printf(PROGRAM ": unlink an open file: %s\n", outcome(unlink("sub/notes")));
    memset(buf, 0, sizeof buf);
    printf(PROGRAM ": and read it still: %zd \"%s\"\n", read(fd, buf, sizeof buf), buf);
    fstat(fd, &st);
    printf(PROGRAM ": its links now: %ld\n", (long)st.st_nlink);

    // dup2 shares the position.
    const int copy = dup2(fd, 20);
    printf(PROGRAM ": dup2 to 20 = %d; the copy's position: %ld\n", copy, (long)lseek(copy, 0, SEEK_CUR));
    close(fd);
    close(copy);
    int fds[2];
    pipe(fds);
    printf(PROGRAM ": lseek on a pipe: %s\n", outcome((int)lseek(fds[0], 0, SEEK_SET)));
    fstat(fds[0], &st);
    printf(PROGRAM ": fstat of a pipe: FIFO %s\n", S_ISFIFO(st.st_mode) ? "yes" : "no");
    close(fds[0]);
    close(fds[1]);

    // /dev.
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 1, sizeof buf);
    const ssize_t zeros = read(fd, buf, 8);
    printf(PROGRAM ": /dev/zero gives %zd bytes, all zero: %s\n", zeros, memcmp(buf, "\0\0\0\0\0\0\0\0", 8) ? "no" : "yes");
    close(fd);
    fd = open("/dev/null", O_RDWR);
    const ssize_t taken = write(fd, "gone", 4);
    printf(PROGRAM ": /dev/null takes %zd and gives %zd\n", taken, read(fd, buf, 8));
    fstat(fd, &st);
    printf(PROGRAM ": /dev/null is a character device: %s\n", S_ISCHR(st.st_mode) ? "yes" : "no");
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    unsigned char one[32], two[32];
    const ssize_t random_bytes = read(fd, one, sizeof one) + read(fd, two, sizeof two);
    fstat(fd, &st);
    printf(PROGRAM ": /dev/urandom gives %zd bytes, two reads differ: %s, device 1:%u\n", random_bytes,
           memcmp(one, two, sizeof one) ? "yes" : "no", (unsigned)(st.st_rdev & 0xff));
    close(fd);

    // Clean up, the way rm -r does: read a directory, remove its names.
    DIR* dir = opendir("sub");
    struct dirent* e;
    int removed = 0;
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) removed += unlinkat(dirfd(dir), e->d_name, 0) == 0;
    closedir(dir);
    printf(PROGRAM ": removed %d files while reading the directory\n", removed);
    printf(PROGRAM ": rmdir sub: %s\n", outcome(rmdir("sub")));
    const char* back = outcome(chdir("/"));
    printf(PROGRAM ": chdir / and rmdir the directory: %s, %s\n", back, outcome(rmdir(home)));
    printf(PROGRAM ": it is gone: %s\n", access(home, F_OK) < 0 && errno == ENOENT ? "yes" : "no");
    return failures;
}
