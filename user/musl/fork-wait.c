/*
 * user/musl/fork-wait.c - processes: fork copies memory and shares open
 * files, wait4 collects exit codes and signals, WNOHANG, ECHILD, vfork,
 * a pipe between parent and child, many children reaped in any order.
 *
 * Only the parent prints (a child reports through its exit code or a
 * pipe), and stdout is flushed before every fork, so the lines come out in
 * one order on Linux and in the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int counter = 1;

static const char* how(int status) {
    static char text[48];
    if (WIFEXITED(status)) snprintf(text, sizeof text, "exited with %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(text, sizeof text, "killed by signal %d", WTERMSIG(status));
    else snprintf(text, sizeof text, "status %#x", status);
    return text;
}

static pid_t spawn(int code) {
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) _exit(code);
    return pid;
}

int main(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        counter = 100;  // the child's own copy
        _exit(counter + 7);
    }
    printf("fork-wait: fork returned a pid in the parent: %s\n", pid > 0 ? "yes" : "no");
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    printf("fork-wait: waitpid got that child: %s, %s\n", got == pid ? "yes" : "no", how(status));
    printf("fork-wait: the parent's counter is still %d\n", counter);
    errno = 0;
    const int none = (int)waitpid(-1, &status, 0);
    printf("fork-wait: waitpid with no child left: %d (%s)\n", none, errno == ECHILD ? "ECHILD" : "?");

    // A child killed by a fault.
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        volatile int* nowhere = 0;
        *nowhere = 1;
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("fork-wait: a child that writes to address 0: %s\n", how(status));

    // WNOHANG while the child still runs: it waits for a byte on a pipe.
    int go[2];
    pipe(go);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        _exit(read(go[0], &c, 1) == 1 ? c : 99);
    }
    close(go[0]);
    printf("fork-wait: WNOHANG while it runs: %d\n", (int)waitpid(pid, &status, WNOHANG));
    write(go[1], "\x05", 1);
    waitpid(pid, &status, 0);
    printf("fork-wait: after the byte: %s\n", how(status));
    close(go[1]);

    // A pipe from child to parent, and files shared through fork.
    int up[2];
    pipe(up);
    char path[64];
    snprintf(path, sizeof path, "/tmp/fork-wait-%d", (int)getpid());
    const int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(up[0]);
        const char* message = "hello from the child";
        write(up[1], message, strlen(message));
        write(fd, "child", 5);  // moves the position the parent shares
        _exit(0);
    }
    close(up[1]);
    char buffer[64] = {0};
    ssize_t n, total = 0;
    while ((n = read(up[0], buffer + total, sizeof buffer - 1 - total)) > 0) total += n;
    printf("fork-wait: read from the child's pipe until its end: \"%s\"\n", buffer);
    waitpid(pid, &status, 0);
    printf("fork-wait: the shared file position is now %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    close(up[0]);
    unlink(path);

    // vfork: the parent goes on only once the child has ended (or exec'd).
    int after[2];
    pipe(after);
    fcntl(after[0], F_SETFL, O_NONBLOCK);
    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        write(after[1], "v", 1);
        _exit(3);
    }
    char v = 0;
    const ssize_t ready = read(after[0], &v, 1);
    printf("fork-wait: when vfork returns, the child has written: %s\n", ready == 1 && v == 'v' ? "yes" : "no");
    waitpid(pid, &status, 0);
    printf("fork-wait: vfork's child %s\n", how(status));
    close(after[0]);
    close(after[1]);

    // Five children, reaped as they end, each once.
    int seen = 0;
    pid_t pids[5];
    for (int i = 0; i < 5; ++i) pids[i] = spawn(10 + i);
    for (int i = 0; i < 5; ++i) {
        got = wait(&status);
        for (int j = 0; j < 5; ++j)
            if (pids[j] == got && WEXITSTATUS(status) == 10 + j) seen |= 1 << j;
    }
    printf("fork-wait: five children, each reaped once with its own code: %s\n", seen == 31 ? "yes" : "no");
    errno = 0;
    printf("fork-wait: wait4 with an unknown option: %s\n",
           waitpid(-1, &status, 0x1000) < 0 && errno == EINVAL ? "EINVAL" : "?");
    return 0;
}
