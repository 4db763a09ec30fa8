/**
 * @file chapters/02-traps/arch/trap_frame.h
 * @brief The saved registers of an interrupted context. C++ and .S.
 *
 * The CPU pushes ss, rsp, rflags, cs, rip (and an error code for some
 * exceptions); our stub pushes a zero error code where the CPU does not,
 * then the vector; trap_common pushes the general registers. The result,
 * from the lowest address (where RSP points when C++ is called):
 *
 *     r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax
 *     vector error_code | rip cs rflags rsp ss   <- pushed by the CPU
 *
 * The offsets are written once, below, as constants the assembly uses; the
 * struct underneath is checked against each of them at compile time.
 */
#pragma once

/**
 * @name Byte offsets of the TrapFrame fields
 * Byte offset of each TrapFrame field from RSP after PUSH_GPRS, for the
 * assembly (the static_asserts below tie them to the struct).
 * @{
 */
#define TF_R15        0x00
#define TF_R14        0x08
#define TF_R13        0x10
#define TF_R12        0x18
#define TF_R11        0x20
#define TF_R10        0x28
#define TF_R9         0x30
#define TF_R8         0x38
#define TF_RBP        0x40
#define TF_RDI        0x48
#define TF_RSI        0x50
#define TF_RDX        0x58
#define TF_RCX        0x60
#define TF_RBX        0x68
#define TF_RAX        0x70
#define TF_VECTOR     0x78
#define TF_ERROR_CODE 0x80
#define TF_RIP        0x88
#define TF_CS         0x90
#define TF_RFLAGS     0x98
#define TF_RSP        0xa0
#define TF_SS         0xa8
#define TF_SIZE       0xb0  /**< sizeof(TrapFrame): 22 quadwords */
/** @} */

/* clang-format would read the assembly macros below as C++, and the
 * struct after them as their continuation: it leaves the rest alone. */
/* clang-format off */
#ifdef __ASSEMBLER__
/* Save the 15 general registers below the vector and error code, so that
 * RSP points at a TrapFrame: rax is pushed first (it lands at TF_RAX),
 * r15 last (TF_R15 = 0). Every entry path uses these two, so the order
 * exists once, here, beside the offsets it produces. */
        .macro PUSH_GPRS
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        .endm

/* Restore them: the exact reverse. RSP then points at TF_VECTOR. */
        .macro POP_GPRS
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        .endm
#endif

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

/// Registers of an interrupted context, as laid out on the kernel stack.
struct TrapFrame {
    /** @name General registers
     * @{ */
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;  ///< 0x00-0x38: saved by PUSH_GPRS
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;     ///< 0x40-0x70: saved by PUSH_GPRS; rax = a syscall's number, then its result
    /** @} */
    uint64_t vector;      ///< 0x78: interrupt vector, pushed by our stub (SYSCALL_VECTOR for a syscall)
    uint64_t error_code;  ///< 0x80: from the CPU, or 0 pushed by our stub
    uint64_t rip;         ///< 0x88: where the CPU was
    uint64_t cs;          ///< 0x90: its code segment; low 2 bits = ring
    uint64_t rflags;      ///< 0x98: its flags (IF, DF...)
    uint64_t rsp;         ///< 0xa0: its stack pointer
    uint64_t ss;          ///< 0xa8: its stack segment

    /// True if the interrupted code ran in ring 3.
    [[nodiscard]] bool from_user() const { return (cs & 3) == 3; }
};

static_assert(offsetof(TrapFrame, r15) == TF_R15);
static_assert(offsetof(TrapFrame, r14) == TF_R14);
static_assert(offsetof(TrapFrame, r13) == TF_R13);
static_assert(offsetof(TrapFrame, r12) == TF_R12);
static_assert(offsetof(TrapFrame, r11) == TF_R11);
static_assert(offsetof(TrapFrame, r10) == TF_R10);
static_assert(offsetof(TrapFrame, r9) == TF_R9);
static_assert(offsetof(TrapFrame, r8) == TF_R8);
static_assert(offsetof(TrapFrame, rbp) == TF_RBP);
static_assert(offsetof(TrapFrame, rdi) == TF_RDI);
static_assert(offsetof(TrapFrame, rsi) == TF_RSI);
static_assert(offsetof(TrapFrame, rdx) == TF_RDX);
static_assert(offsetof(TrapFrame, rcx) == TF_RCX);
static_assert(offsetof(TrapFrame, rbx) == TF_RBX);
static_assert(offsetof(TrapFrame, rax) == TF_RAX);
static_assert(offsetof(TrapFrame, vector) == TF_VECTOR);
static_assert(offsetof(TrapFrame, error_code) == TF_ERROR_CODE);
static_assert(offsetof(TrapFrame, rip) == TF_RIP);
static_assert(offsetof(TrapFrame, cs) == TF_CS);
static_assert(offsetof(TrapFrame, rflags) == TF_RFLAGS);
static_assert(offsetof(TrapFrame, rsp) == TF_RSP);
static_assert(offsetof(TrapFrame, ss) == TF_SS);
static_assert(sizeof(TrapFrame) == TF_SIZE);
#endif
