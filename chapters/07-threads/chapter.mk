# Chapter 07 runs chapter 06's programs (but uring-wait, whose waits could
# never end before this chapter), then the thread programs.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top uring-demo uring-test
CMDLINE := validate=1
# make bench: the benchmark programs, each run alone in this kernel and in Linux.
BENCH := uring-bench pipe-bench
# make trace: after null-syscall, two threads taking turns: the per-CPU block follows them.
TRACE_PROGRAMS := null-syscall thread-switch
