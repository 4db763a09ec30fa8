/*
 * user/musl/exec.c - execve: a child runs this same program again through
 * /proc/self/exe with arguments and an environment of its choosing; what
 * a new program keeps (descriptors without FD_CLOEXEC, the working
 * directory, ignored signals) and loses (close-on-exec descriptors,
 * handlers, its memory); execve's errors; exit codes through wait.
 *
 * The child's lines go through a pipe to the parent, which prints them, so
 * the order is the same on Linux and in the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static void on_usr1(int sig) { (void)sig; }

static const char* err(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case EFAULT: return "EFAULT";
    case EBADF: return "EBADF";
    default: return strerror(e);
    }
}

// The program run again: report on fd 1 (the parent's pipe) what it finds.
static int child(int argc, char** argv) {
    printf("exec:   argc %d:", argc);
    for (int i = 0; i < argc; ++i) printf(" [%s]", argv[i]);
    printf("\n");
    printf("exec:   GREETING=%s, environment of %d entries\n", getenv("GREETING") ? getenv("GREETING") : "(none)",
           (int)({ int n = 0; while (environ[n]) ++n; n; }));
    printf("exec:   fd 5 (kept): %s\n", fcntl(5, F_GETFD) >= 0 ? "open" : err(errno));
    printf("exec:   fd 6 (FD_CLOEXEC): %s\n", fcntl(6, F_GETFD) >= 0 ? "open" : err(errno));
    char cwd[64];
    printf("exec:   working directory: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
    struct sigaction sa;
    sigaction(SIGUSR1, 0, &sa);
    printf("exec:   SIGUSR1's handler is back to the default: %s\n", sa.sa_handler == SIG_DFL ? "yes" : "no");
    sigaction(SIGUSR2, 0, &sa);
    printf("exec:   SIGUSR2 stays ignored: %s\n", sa.sa_handler == SIG_IGN ? "yes" : "no");
    fflush(stdout);
    return 42;
}

static void run(const char* what, const char* path, char* const args[]) {
    errno = 0;
    const int r = execve(path, args, environ);
    printf("exec: execve %s: %d %s\n", what, r, err(errno));
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "child")) return child(argc, argv);

    char* const none[] = {"x", 0};
    run("of a missing file", "/tmp/no/such/program", none);
    run("of a directory", "/tmp", none);
    run("through a file", "/proc/self/exe/x", none);
    char path[64];
    snprintf(path, sizeof path, "/tmp/exec-%d.sh", (int)getpid());
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "not a program\n", 14);
    close(fd);
    run("of a file without an execute bit", path, none);
    chmod(path, 0755);
    run("of a text file with one", path, none);
    unlink(path);
    errno = 0;
    char* const* volatile bad = (char* const*)8;  // an address no program maps
    const int bad_argv = execve("/proc/self/exe", bad, environ);
    printf("exec: execve with a bad argv: %d %s\n", bad_argv, err(errno));

    int up[2];
    pipe(up);
    const int keep = open("/dev/null", O_RDONLY), drop = open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup2(keep, 5);
    dup2(drop, 6);
    fcntl(6, F_SETFD, FD_CLOEXEC);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    chdir("/tmp");
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(up[1], 1);
        close(up[0]);
        char* const args[] = {"exec", "child", "two words", "", "last", 0};
        char* const env[] = {"GREETING=hello", "PATH=/bin", 0};
        execve("/proc/self/exe", args, env);
        _exit(99);  // not reached
    }
    close(up[1]);
    printf("exec: the child exec'd this program again, which says:\n");
    char buffer[1024];
    ssize_t n, total = 0;
    while ((n = read(up[0], buffer + total, sizeof buffer - 1 - total)) > 0) total += n;
    buffer[total] = 0;
    fputs(buffer, stdout);
    int status;
    waitpid(pid, &status, 0);
    printf("exec: and exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
