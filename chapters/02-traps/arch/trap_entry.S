/*
 * chapters/02-traps/arch/trap_entry.S - the common path of every interrupt
 * and exception, after its stub (arch/trap_stubs.S).
 *
 * State on entry to trap_common: the CPU's frame (ss, rsp, rflags, cs,
 * rip), then the error code and the vector the stub made uniform.
 * Interrupts are off. We save the general registers so that RSP points at a
 * TrapFrame (arch/trap_frame.h), call trap_dispatch(TrapFrame*), restore
 * them and return with iretq.
 */
#include "arch/trap_frame.h"

        .text
        .global trap_common
trap_common:
        cld                             /* the C++ ABI expects DF clear */
        PUSH_GPRS                       /* rax ... r15: rsp -> TrapFrame */

        mov %rsp, %rdi                  /* trap_dispatch(TrapFrame*) */
        call trap_dispatch

        .global trap_return
trap_return:
        POP_GPRS                        /* r15 ... rax */
        add $16, %rsp                   /* drop vector and error_code */
        iretq
