# Chapter 04 boots with the user programs below, each a Multiboot2 module.
# A PROGRAMS= on the make command line replaces this list.
PROGRAMS := hello robust fault-pf fault-gp fault-ud fault-de fault-stack hello-linux bad-truncated bad-class32 bad-notelf
CMDLINE :=
