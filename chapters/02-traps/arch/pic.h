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
