/**
 * @file chapters/10-smp/arch/flat_entry.h
 * @brief The option entry=flat: chapter 04's global-stack syscall entry on
 * every CPU, to watch it fail (arch/flat_entry.S says how it fails).
 *
 * With entry=percpu (the default) every CPU's LSTAR is syscall_entry.
 * With entry=flat it is syscall_entry_flat, until the first time that
 * entry finds itself on another thread's kernel stack: then the program is
 * stopped, the kernel says what it saw, and every CPU goes back to the
 * per-CPU entry (a cross-call, arch/smp.h), so the boot carries on.
 */
#pragma once

#include <cstdint>

struct Thread;

/// What this CPU's LSTAR should hold now.
uint64_t syscall_entry_address();

/// True while the flat entry is in use.
bool flat_entry_on();

/// For arch_switch_threads(): a thread of a program runs on this CPU from
/// now on; the flat entry's one global kernel stack becomes its stack, as
/// chapter 04's arch_enter_process() set it.
void flat_entry_switched_to(const Thread* next);
