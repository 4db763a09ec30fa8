# Chapter 01 boots with no user programs and no kernel options.
PROGRAMS :=
CMDLINE :=
