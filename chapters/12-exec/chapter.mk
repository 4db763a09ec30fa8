# Chapter 12 runs programs that make processes: user/musl/fork-wait.c.
PROGRAMS := hello fork-wait
CMDLINE := validate=1
# make bench: the benchmark programs, each run alone in this kernel and in Linux.
BENCH := uring-bench pipe-bench sqpoll-bench
# make trace: as chapter 07.
TRACE_PROGRAMS := null-syscall thread-switch
