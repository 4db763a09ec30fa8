# Chapter 13 runs io_uring programs whose requests depend on each other
# and on time: user/musl/uring-links.c.
PROGRAMS := hello uring-links
CMDLINE := validate=1
# The machine's processors: QEMU's -smp and Bochs' cpu: count (make run,
# make bochs, the boot tests; a test's cpus: line or CPUS=N overrides it).
CPUS := 2
# make bench: the benchmark programs, each run alone in this kernel and in Linux.
BENCH := uring-bench pipe-bench sqpoll-bench sqpoll-wake-bench fixed-bench
# make trace: chapter 07's programs (chapter 08's SQPOLL bursts are left to
# chapter 08's trace).
TRACE_PROGRAMS := null-syscall thread-switch
# The trace on one CPU: this chapter changes no entry path, and which CPU
# runs null-syscall's getpids varies with the layout on two.
TRACE_CPUS := 1
