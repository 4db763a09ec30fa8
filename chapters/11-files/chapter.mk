# Chapter 11 runs a C program that uses files (user/musl/files.c)
# among its own modules, which it also finds in /bin.
PROGRAMS := hello files
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
# runs null-syscall's getpids varies with the kernel's layout on two
# (chapter 10's trace is the one that follows CPU 1).
TRACE_CPUS := 1
