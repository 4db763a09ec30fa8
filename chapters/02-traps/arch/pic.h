/**
 * @file chapters/02-traps/arch/pic.h
 * @brief The legacy 8259 PICs: moved off the exception vectors, then masked.
 */
#pragma once

#include <cstdint>

/// Remap IRQ 0-15 to vectors 32-47 and mask them all. Until this runs, a
/// stray IRQ 0 (the timer) would arrive as vector 8 and look like a #DF.
void pic_init();

/// Allow IRQ @p irq (0-15) through.
void pic_unmask(int irq);

/// Tell the PIC(s) the handler for @p irq is done.
void pic_end_of_interrupt(int irq);

/// Is this IRQ @p irq (7 or 15) a spurious one? When a request goes away
/// before the CPU acknowledges it, the 8259 still answers the
/// acknowledgement, with its lowest-priority line, masked or not, and
/// without setting that line's in-service bit. Such an interrupt wants no
/// handling and no end of interrupt; a spurious 15 came through the
/// master's cascade line, and the master gets one (sent here).
bool pic_spurious(int irq);
