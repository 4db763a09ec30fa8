# Chapter 11 runs a C program that uses files (user/musl/files.c)
# among its own modules, which it also finds in /bin.
PROGRAMS := hello files
CMDLINE := validate=1
# make bench: the benchmark programs, each run alone in this kernel and in Linux;
# fixed-bench: READ and WRITE beside READ_FIXED and WRITE_FIXED, with and without fixed files.
BENCH := uring-bench pipe-bench sqpoll-bench sqpoll-wake-bench fixed-bench
# make trace: as chapter 08 (chapter 07's, then bursts through an SQPOLL ring that need no system call).
TRACE_PROGRAMS := null-syscall thread-switch sqpoll-burst
