# Chapter 09 runs chapter 08's programs; its own rules run one program a
# boot, compared with Linux (test-fixed-*.expect).
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top uring-demo uring-test
CMDLINE := validate=1
# make bench: the benchmark programs, each run alone in this kernel and in Linux;
# fixed-bench: READ and WRITE beside READ_FIXED and WRITE_FIXED, with and without fixed files.
BENCH := uring-bench pipe-bench sqpoll-bench sqpoll-wake-bench fixed-bench
# make trace: as chapter 08 (chapter 07's, then bursts through an SQPOLL ring that need no system call).
TRACE_PROGRAMS := null-syscall thread-switch sqpoll-burst
