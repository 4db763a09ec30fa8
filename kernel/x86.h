/**
 * @file kernel/x86.h
 * @brief One tiny inline function per special x86-64 instruction the kernel uses.
 *
 * Inline assembly appears here and in .S files only; the rest of the kernel
 * calls these by name. Each has a one-line comment saying what it does.
 */
#pragma once

#include <cstdint>

/// Model-specific registers used by the course (Intel SDM vol. 4).
enum class Msr : uint32_t {
    Efer = 0xC0000080,          ///< SCE (bit 0): syscall on; LME (8): long mode; NXE (11): NX bit
    Star = 0xC0000081,          ///< segment selectors loaded by syscall (47:32) and sysret (63:48)
    Lstar = 0xC0000082,         ///< RIP of the 64-bit syscall entry point
    Fmask = 0xC0000084,         ///< RFLAGS bits cleared on syscall
    FsBase = 0xC0000100,        ///< base of FS (user TLS)
    GsBase = 0xC0000101,        ///< base of GS as used now
    KernelGsBase = 0xC0000102,  ///< the GS base that `swapgs` brings in
    TscAux = 0xC0000103,        ///< value rdtscp returns in ECX
};

inline constexpr uint64_t kEferSce = 1u << 0;   ///< EFER.SCE: syscall/sysret enabled
inline constexpr uint64_t kEferLme = 1u << 8;   ///< EFER.LME: long mode enabled
inline constexpr uint64_t kEferNxe = 1u << 11;  ///< EFER.NXE: the NX bit in page tables is honoured

/// Read a model-specific register.
inline uint64_t rdmsr(Msr msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(static_cast<uint32_t>(msr)));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

/// Write a model-specific register.
inline void wrmsr(Msr msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(static_cast<uint32_t>(msr)), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32)));
}

/// Write a byte to an I/O port.
inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" ::"a"(value), "Nd"(port)); }

/// Write a 16-bit word to an I/O port.
inline void outw(uint16_t port, uint16_t value) { asm volatile("outw %0, %1" ::"a"(value), "Nd"(port)); }

/// Write a 32-bit word to an I/O port.
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" ::"a"(value), "Nd"(port)); }

/// Read a byte from an I/O port.
inline uint8_t inb(uint16_t port) {
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

/// Disable maskable interrupts.
inline void cli() { asm volatile("cli" ::: "memory"); }

/// Enable maskable interrupts.
inline void sti() { asm volatile("sti" ::: "memory"); }

/// Stop until the next interrupt.
inline void hlt() { asm volatile("hlt" ::: "memory"); }

/// Tell the CPU we are in a spin loop.
inline void cpu_relax() { asm volatile("pause" ::: "memory"); }

/// Read the time-stamp counter.
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

/// Read CR0 (PG, WP, EM, MP...).
inline uint64_t read_cr0() {
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

/// Read CR2: the address of the last page fault.
inline uint64_t read_cr2() {
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/// Read CR3: the physical address of the top page table.
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

/// Load CR3, switching address space and flushing non-global TLB entries.
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }

/// Read CR4 (PAE, OSFXSR, SMEP...).
inline uint64_t read_cr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

/// Load CR4.
inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

inline constexpr uint64_t kCr4Smep = 1u << 20;  ///< CR4.SMEP: ring 0 may not execute user pages
inline constexpr uint64_t kCr4Smap = 1u << 21;  ///< CR4.SMAP: ring 0 may not touch user pages unless RFLAGS.AC

/// Clear RFLAGS.AC: user pages are out of the kernel's reach again (with SMAP).
inline void clac() { asm volatile("clac" ::: "memory", "cc"); }

/// The four registers CPUID returns.
struct CpuidLeaf {
    uint32_t eax;  ///< as the instruction leaves it
    uint32_t ebx;  ///< as the instruction leaves it
    uint32_t ecx;  ///< as the instruction leaves it
    uint32_t edx;  ///< as the instruction leaves it
};

/// Ask the CPU what it has: leaf @p leaf, subleaf @p subleaf.
inline CpuidLeaf cpuid(uint32_t leaf, uint32_t subleaf) {
    CpuidLeaf r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

/// Drop the TLB entry for one virtual address.
inline void invlpg(uint64_t address) { asm volatile("invlpg (%0)" ::"r"(address) : "memory"); }

/// Read RFLAGS.
inline uint64_t read_rflags() {
    uint64_t v;
    asm volatile("pushfq; popq %0" : "=r"(v));
    return v;
}

/// Bochs' magic breakpoint: stops the debugger here when magic_break is on;
/// a no-op everywhere else.
inline void bochs_break() { asm volatile("xchgw %%bx, %%bx" ::: "memory"); }
