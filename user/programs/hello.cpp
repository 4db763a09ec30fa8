/**
 * @file user/programs/hello.cpp
 * @brief The first user program: print a line and its PID, exit 0.
 */
#include "runtime/print.h"

/// Print a greeting with the program's name, PID and argument count; exit 0.
int main(int argc, char** argv, char**) {
    print("Hello from user space! I am {} (pid {}), with {} argument(s).\n",
          argc > 0 ? argv[0] : "?", sys::getpid(), argc);
    return 0;
}
