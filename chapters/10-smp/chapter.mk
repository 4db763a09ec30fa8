# Chapter 10 runs chapter 09's programs on every CPU.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top uring-demo uring-test
CMDLINE := validate=1
# The machine's processors: QEMU's -smp and Bochs' cpu: count (make run,
# make bochs, the boot tests; a test's cpus: line or CPUS=N overrides it).
CPUS := 2
# make bench: the benchmark programs, each run alone in this kernel and in Linux.
BENCH := uring-bench pipe-bench sqpoll-bench sqpoll-wake-bench fixed-bench
# make trace: chapter 07's programs; on two CPUs the trace follows a getpid
# on CPU 1 (chapter 08's SQPOLL bursts are left to chapter 08's trace).
TRACE_PROGRAMS := null-syscall thread-switch
