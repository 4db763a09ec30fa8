# Chapter 06 runs everything chapter 05 ran (robust now with pipes), then
# the io_uring programs: a demo and the test of every rule.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top uring-demo uring-test uring-wait
CMDLINE := validate=1
# make bench: the benchmark programs, each run alone in this kernel and in Linux.
BENCH := uring-bench pipe-bench
