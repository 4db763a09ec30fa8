/**
 * @file chapters/10-smp/mm/tlb.h
 * @brief TLB shootdown: when a program's page tables lose a page or change
 * its permissions, every CPU that may still hold the old translation drops it.
 *
 * Each CPU caches translations in its TLB, and `invlpg` drops an entry of
 * the CPU that executes it only. When a thread of a program unmaps a page
 * while another thread of the same program runs on another CPU, that CPU
 * may go on reaching the page through its cached entry - writing into a
 * frame the kernel has already given to someone else. So the CPU that
 * changes the tables sends an inter-processor interrupt to every other
 * CPU that has those tables loaded, waits until each has flushed, and
 * only then lets the frames go (mm/user_space.cpp frees them last).
 *
 * Which CPUs: those whose per-CPU block names the PML4 in page_tables.
 * A CPU writes page_tables before it loads CR3 (arch/process_switch.cpp),
 * and the CPU shooting down writes the page tables, then fences, then
 * reads every page_tables. So a CPU it does not see as a user of the
 * tables loads CR3 after the change, and its TLB starts empty of them.
 */
#pragma once

#include <cstdint>

#include "mm/paging.h"

/// [start, end) of @p space changed: make every other CPU that has @p
/// space loaded forget its translations of it; returns when each has.
/// This CPU's own entries are the caller's (tlb_flush_page as it goes).
void tlb_shootdown(const AddressSpace& space, uint64_t start, uint64_t end);

/// Wait until no CPU has @p space loaded, before its tables are freed (a
/// CPU that switched away from a program's last thread may not have loaded
/// other tables yet).
void tlb_wait_unused(const AddressSpace& space);

/// How many shootdowns this CPU started, and how many CPUs they interrupted.
struct TlbCounts {
    uint64_t shootdowns;  ///< calls that found another CPU to interrupt
    uint64_t cpus;        ///< CPUs interrupted, all calls together
};

/// The counts so far, all CPUs together.
TlbCounts tlb_counts();
