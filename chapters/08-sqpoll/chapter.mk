# Chapter 08 runs chapter 07's programs, then SQPOLL's.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top uring-demo uring-test
CMDLINE := validate=1
# make bench: the benchmark programs, each run alone in this kernel and in Linux.
BENCH := uring-bench pipe-bench sqpoll-bench sqpoll-wake-bench
# make trace: chapter 07's, then bursts through an SQPOLL ring that need no system call.
TRACE_PROGRAMS := null-syscall thread-switch sqpoll-burst
