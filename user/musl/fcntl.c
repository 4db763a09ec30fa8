/*
 * user/musl/fcntl.c - descriptor flags and file status flags through
 * fcntl and ioctl, on pipes and an io_uring instance, with the answers and
 * the errors Linux gives.
 *
 * Linux keeps FD_CLOEXEC with the descriptor and O_NONBLOCK (and the other
 * status flags) with the open file: a copy made by F_DUPFD has its own
 * FD_CLOEXEC but shares the status flags. Each line is one call and what
 * came back; only the program's own pipes and ring are used, so the output
 * does not depend on where its standard descriptors lead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/* Each answer in a buffer of its own: a printf may show several. */
static char* next_buffer(void) {
    static char buffers[8][128];
    static unsigned n;
    return buffers[n++ % 8];
}

static const char* result(long r) {
    char* text = next_buffer();
    if (r >= 0) snprintf(text, 128, "%ld", r);
    else snprintf(text, 128, "-1 %s",
                  errno == EBADF    ? "EBADF"
                  : errno == EINVAL ? "EINVAL"
                  : errno == EFAULT ? "EFAULT"
                  : errno == ENOTTY ? "ENOTTY"
                  : errno == EMFILE ? "EMFILE"
                  : errno == EAGAIN ? "EAGAIN"
                                    : strerror(errno));
    return text;
}

static const char* flags(long f) {
    char* text = next_buffer();
    if (f < 0) return result(f);
    snprintf(text, 128, "%s%s%s%s%s (%#lo)", (f & O_ACCMODE) == O_RDWR ? "O_RDWR" : ((f & O_ACCMODE) == O_WRONLY ? "O_WRONLY" : "O_RDONLY"),
             f & O_NONBLOCK ? "|O_NONBLOCK" : "", f & O_APPEND ? "|O_APPEND" : "", f & O_ASYNC ? "|O_ASYNC" : "",
             f & O_NOATIME ? "|O_NOATIME" : "", f);
    return text;
}

int main(void) {
    int p[2], q[2];
    pipe2(p, 0);
    printf("fcntl: pipe2(0): F_GETFL %s, %s\n", flags(fcntl(p[0], F_GETFL)), flags(fcntl(p[1], F_GETFL)));
    printf("fcntl: pipe2(0): F_GETFD %s, %ld\n", result(fcntl(p[0], F_GETFD)), (long)fcntl(p[1], F_GETFD));
    pipe2(q, O_NONBLOCK | O_CLOEXEC);
    printf("fcntl: pipe2(O_NONBLOCK|O_CLOEXEC): F_GETFL %s, %s\n", flags(fcntl(q[0], F_GETFL)), flags(fcntl(q[1], F_GETFL)));
    printf("fcntl: pipe2(O_NONBLOCK|O_CLOEXEC): F_GETFD %s, %ld\n", result(fcntl(q[0], F_GETFD)), (long)fcntl(q[1], F_GETFD));

    long r = fcntl(p[0], F_SETFL, O_NONBLOCK);
    printf("fcntl: F_SETFL(O_NONBLOCK) on the read end = %s; its flags %s, the write end's %s\n", result(r),
           flags(fcntl(p[0], F_GETFL)), flags(fcntl(p[1], F_GETFL)));
    char c;
    r = read(p[0], &c, 1);
    printf("fcntl: read of the empty pipe = %s\n", result(r));
    r = fcntl(p[0], F_SETFL, O_APPEND | O_ASYNC | O_NOATIME | O_RDWR | O_CREAT | O_TRUNC);
    printf("fcntl: F_SETFL(O_APPEND|O_ASYNC|O_NOATIME and O_RDWR|O_CREAT|O_TRUNC) = %s; flags %s\n", result(r),
           flags(fcntl(p[0], F_GETFL)));
    r = fcntl(p[0], F_SETFL, 0);
    printf("fcntl: F_SETFL(0) = %s; flags %s\n", result(r), flags(fcntl(p[0], F_GETFL)));

    r = fcntl(p[1], F_SETFD, FD_CLOEXEC);
    printf("fcntl: F_SETFD(FD_CLOEXEC) = %s; F_GETFD %ld\n", result(r), (long)fcntl(p[1], F_GETFD));
    r = fcntl(p[1], F_SETFD, 2);
    printf("fcntl: F_SETFD(2) = %s; F_GETFD %ld\n", result(r), (long)fcntl(p[1], F_GETFD));
    r = fcntl(p[1], F_SETFD, 3);
    printf("fcntl: F_SETFD(3) = %s; F_GETFD %ld\n", result(r), (long)fcntl(p[1], F_GETFD));

    const int copy = fcntl(p[1], F_DUPFD, 40);
    printf("fcntl: F_DUPFD(40) of the write end (FD_CLOEXEC set) = %s; its F_GETFD %ld\n", result(copy),
           (long)fcntl(copy, F_GETFD));
    const int copy2 = fcntl(p[1], F_DUPFD, 40);
    printf("fcntl: F_DUPFD(40) again = %s (the next free one)\n", result(copy2));
    const int copy3 = fcntl(p[0], F_DUPFD_CLOEXEC, 0);
    printf("fcntl: F_DUPFD_CLOEXEC(0) of the read end = %s (the lowest free one); its F_GETFD %ld\n",
           result(copy3), (long)fcntl(copy3, F_GETFD));
    fcntl(copy, F_SETFL, O_NONBLOCK);
    printf("fcntl: F_SETFL(O_NONBLOCK) on the copy: the original's flags %s (one open file)\n",
           flags(fcntl(p[1], F_GETFL)));
    close(p[1]);
    r = write(copy, "hello", 5);
    printf("fcntl: original closed, write through the copy = %s\n", result(r));
    int ready = -1;
    r = ioctl(p[0], FIONREAD, &ready);
    printf("fcntl: FIONREAD on the read end = %s, %d bytes\n", result(r), ready);
    ready = -1;
    r = ioctl(copy, FIONREAD, &ready);
    printf("fcntl: FIONREAD on the write end = %s, %d bytes\n", result(r), ready);
    char buf[8] = {0};
    r = read(copy3, buf, sizeof buf);
    printf("fcntl: read through the read end's copy = %s \"%s\"\n", result(r), buf);

    r = fcntl(p[0], F_DUPFD, 0x7fffffff);
    printf("fcntl: F_DUPFD(0x7fffffff) = %s\n", result(r));
    r = fcntl(p[0], F_DUPFD, -1);
    printf("fcntl: F_DUPFD(-1) = %s\n", result(r));
    r = syscall(SYS_fcntl, p[0], F_DUPFD, 0x100000000ul + 20);
    printf("fcntl: F_DUPFD(2^32 + 20) = %s (an int: 20)\n", result(r));
    r = fcntl(99, F_GETFD);
    printf("fcntl: F_GETFD on fd 99 = %s\n", result(r));
    r = fcntl(99, 12345);
    printf("fcntl: command 12345 on fd 99 = %s\n", result(r));
    r = fcntl(p[0], 12345);
    printf("fcntl: command 12345 on a pipe = %s\n", result(r));
    r = syscall(SYS_fcntl, 0x100000000ul + p[0], F_GETFL);
    printf("fcntl: F_GETFL on fd 2^32 + the read end = %s\n", flags(r));

    int on = 1;
    r = ioctl(p[0], FIONBIO, &on);
    printf("fcntl: FIONBIO(1) = %s; flags %s\n", result(r), flags(fcntl(p[0], F_GETFL)));
    on = 0;
    r = ioctl(p[0], FIONBIO, &on);
    printf("fcntl: FIONBIO(0) = %s; flags %s\n", result(r), flags(fcntl(p[0], F_GETFL)));
    r = ioctl(p[0], FIOCLEX);
    printf("fcntl: FIOCLEX = %s; F_GETFD %ld\n", result(r), (long)fcntl(p[0], F_GETFD));
    r = ioctl(p[0], FIONCLEX);
    printf("fcntl: FIONCLEX = %s; F_GETFD %ld\n", result(r), (long)fcntl(p[0], F_GETFD));
    r = ioctl(p[0], FIONBIO, NULL);
    printf("fcntl: FIONBIO(NULL) = %s\n", result(r));
    r = ioctl(p[0], FIONREAD, NULL);
    printf("fcntl: FIONREAD(NULL) = %s\n", result(r));
    struct termios t;
    r = ioctl(p[0], TCGETS, &t);
    printf("fcntl: TCGETS on a pipe = %s; isatty %d\n", result(r), isatty(p[0]));
    struct winsize w;
    r = ioctl(p[0], TIOCGWINSZ, &w);
    printf("fcntl: TIOCGWINSZ on a pipe = %s\n", result(r));
    r = ioctl(p[0], 0x12345678, NULL);
    printf("fcntl: ioctl 0x12345678 on a pipe = %s\n", result(r));
    r = ioctl(99, FIONREAD, &ready);
    printf("fcntl: FIONREAD on fd 99 = %s\n", result(r));
    r = ioctl(99, FIOCLEX);
    printf("fcntl: FIOCLEX on fd 99 = %s\n", result(r));

    unsigned char params[120] = {0};  /* struct io_uring_params */
    const int ring = (int)syscall(SYS_io_uring_setup, 4, params);
    printf("fcntl: io_uring_setup: F_GETFL %s, F_GETFD %ld (always close-on-exec)\n", flags(fcntl(ring, F_GETFL)),
           (long)fcntl(ring, F_GETFD));
    r = fcntl(ring, F_SETFL, O_DIRECT);
    printf("fcntl: F_SETFL(O_DIRECT) on the ring = %s\n", result(r));
    r = ioctl(ring, FIONREAD, &ready);
    printf("fcntl: FIONREAD on the ring = %s\n", result(r));
    return 0;
}
