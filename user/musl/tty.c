/*
 * user/musl/tty.c - the console as a terminal: what a program learns with
 * the terminal ioctls on its standard descriptors (isatty, tcgetattr, the
 * window size), and that it cannot change the console's modes.
 *
 * Linux's answers here would be a serial console's, which the test host
 * does not have (its runs give the program pipes), so this program is
 * checked against the lines its test expects, not against a run on Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static const char* err(int r) {
    return r == 0            ? "0"
           : errno == ENOTTY ? "-1 ENOTTY"
           : errno == EINVAL ? "-1 EINVAL"
           : errno == EFAULT ? "-1 EFAULT"
                             : "-1 other";
}

int main(void) {
    printf("tty: isatty(0, 1, 2) = %d %d %d\n", isatty(0), isatty(1), isatty(2));
    printf("tty: F_GETFL(1) = %#o (O_RDWR | O_LARGEFILE, as init's /dev/console)\n", fcntl(1, F_GETFL));
    struct termios t;
    int r = tcgetattr(1, &t);
    printf("tty: tcgetattr = %s: iflag %#o oflag %#o cflag %#o lflag %#o, VEOF %d VMIN %d VTIME %d\n", err(r),
           t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, t.c_cc[VEOF], t.c_cc[VMIN], t.c_cc[VTIME]);
    printf("tty: speed %s, ICRNL %s, ONLCR %s, ECHO %s, ICANON %s\n", cfgetospeed(&t) == B115200 ? "115200" : "other",
           t.c_iflag & ICRNL ? "on" : "off", t.c_oflag & ONLCR ? "on" : "off", t.c_lflag & ECHO ? "on" : "off",
           t.c_lflag & ICANON ? "on" : "off");
    r = tcsetattr(1, TCSANOW, &t);
    printf("tty: tcsetattr(the same modes) = %s\n", err(r));
    struct termios raw = t;
    raw.c_lflag |= ECHO;
    r = tcsetattr(1, TCSANOW, &raw);
    printf("tty: tcsetattr(with ECHO) = %s (the console's modes are fixed)\n", err(r));
    struct winsize w = {1, 2, 3, 4};
    r = ioctl(1, TIOCGWINSZ, &w);
    printf("tty: TIOCGWINSZ = %s: %d rows, %d columns (a serial line does not know)\n", err(r), w.ws_row, w.ws_col);
    struct winsize set = {24, 80, 0, 0};
    r = ioctl(1, TIOCSWINSZ, &set);
    w.ws_row = w.ws_col = 0;
    ioctl(0, TIOCGWINSZ, &w);
    printf("tty: TIOCSWINSZ(24x80) = %s; fd 0 then says %d rows, %d columns\n", err(r), w.ws_row, w.ws_col);
    r = ioctl(1, TIOCGWINSZ, NULL);
    printf("tty: TIOCGWINSZ(NULL) = %s\n", err(r));
    pid_t group;
    r = ioctl(1, TIOCGPGRP, &group);
    printf("tty: TIOCGPGRP = %s (not the program's controlling terminal)\n", err(r));
    int ready;
    r = ioctl(0, FIONREAD, &ready);
    printf("tty: FIONREAD = %s\n", err(r));
    return 0;
}
