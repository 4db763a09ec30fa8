/**
 * @file chapters/02-traps/arch/trap_dump.cpp
 * @brief Exception names, the register dump, and what a trap in the kernel
 * means - shared by every chapter's trap policy (arch/trap.cpp).
 */
#include "arch/trap.h"

#include "kernel/console.h"
#include "kernel/panic.h"
#include "debug/symbols.h"
#include "kernel/x86.h"

const char* vector_name(uint64_t vector) {
    static const char* const names[32] = {
        "#DE Divide error", "#DB Debug", "NMI Non-maskable interrupt", "#BP Breakpoint",
        "#OF Overflow", "#BR BOUND range exceeded", "#UD Invalid opcode", "#NM Device not available",
        "#DF Double fault", "Coprocessor segment overrun", "#TS Invalid TSS", "#NP Segment not present",
        "#SS Stack-segment fault", "#GP General protection", "#PF Page fault", "Reserved (15)",
        "#MF x87 floating-point error", "#AC Alignment check", "#MC Machine check",
        "#XM SIMD floating-point exception", "#VE Virtualization exception", "#CP Control protection",
        "Reserved (22)", "Reserved (23)", "Reserved (24)", "Reserved (25)", "Reserved (26)",
        "Reserved (27)", "#HV Hypervisor injection", "#VC VMM communication", "#SX Security exception",
        "Reserved (31)"};
    return vector < 32 ? names[vector] : "IRQ";
}

void dump_frame(const TrapFrame& f) {
    const SymbolHit at = symbolize(f.rip);
    kprint("  RIP {:#018x} <{}+{:#x}>  CS {:#x}  RFLAGS {:#x}\n", f.rip,
           at.name.empty() ? StringView("?") : at.name, at.offset, f.cs, f.rflags);
    kprint("  RSP {:#018x}  SS {:#x}  CR2 {:#018x}  CR3 {:#x}\n", f.rsp, f.ss, read_cr2(), read_cr3());
    kprint("  RAX {:#018x}  RBX {:#018x}  RCX {:#018x}\n", f.rax, f.rbx, f.rcx);
    kprint("  RDX {:#018x}  RSI {:#018x}  RDI {:#018x}\n", f.rdx, f.rsi, f.rdi);
    kprint("  RBP {:#018x}  R8  {:#018x}  R9  {:#018x}\n", f.rbp, f.r8, f.r9);
    kprint("  R10 {:#018x}  R11 {:#018x}  R12 {:#018x}\n", f.r10, f.r11, f.r12);
    kprint("  R13 {:#018x}  R14 {:#018x}  R15 {:#018x}\n", f.r13, f.r14, f.r15);
}

void kernel_trap(const TrapFrame& frame) {
    if (frame.vector == kBreakpoint) {
        // int3 leaves RIP after itself, so returning simply carries on.
        const SymbolHit at = symbolize(frame.rip);
        kprint("[Trap] {} at {:#x} <{}+{:#x}>, resuming\n", vector_name(frame.vector), frame.rip, at.name,
               at.offset);
        return;
    }
    kprint("[Trap] Unexpected {} (vector {}) in {} mode, error code {:#x}\n", vector_name(frame.vector),
           frame.vector, frame.from_user() ? "user" : "kernel", frame.error_code);
    dump_frame(frame);
    panic("unhandled {} in the kernel", vector_name(frame.vector));
}
