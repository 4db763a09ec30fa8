# Chapter 08 runs chapter 07's programs, then SQPOLL's.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top uring-demo uring-test
CMDLINE := validate=1
# make bench: the benchmark programs, each run alone in this kernel and in Linux.
BENCH := uring-bench pipe-bench sqpoll-bench
# make trace: as chapter 07 (the SQPOLL burst trace is still to come).
TRACE_PROGRAMS := null-syscall thread-switch
