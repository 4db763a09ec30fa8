# Chapter 05 runs chapter 04's programs through the swapgs entry, plus two
# that target it: gs-keep (the user's GS base survives the kernel) and
# sysret-top (the top page stays unmapped: test-sysret.expect boots it with
# toppage=1, to see a syscall return to a non-canonical address).
# validate=1 checks the kernel's GS bookkeeping on every syscall.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top
CMDLINE := validate=1
