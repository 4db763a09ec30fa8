# Chapter 05 runs chapter 04's programs through the swapgs entry, plus two
# that target it: gs-keep (the user's GS base survives the kernel) and
# sysret-top (a syscall whose return address is not canonical).
# validate=1 checks both GS bases on every syscall.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf gs-keep sysret-top
CMDLINE := validate=1
