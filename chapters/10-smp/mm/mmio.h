/**
 * @file chapters/10-smp/mm/mmio.h
 * @brief Reaching physical memory that is not RAM: a device's registers
 * (the local APIC) and the firmware's tables (ACPI).
 *
 * The direct map (mm/address.h) covers only the RAM the memory map calls
 * available. Registers and firmware tables lie elsewhere - the local APIC
 * at 0xfee00000, ACPI's tables in reserved memory - so they are mapped on
 * request, at the address the direct map would give them (kDirectMapBase +
 * physical), and phys_to_virt() then reaches them like RAM.
 *
 * Device registers must not be cached: a read must reach the device every
 * time (a timer's count changes on its own) and a write must leave at once
 * (an interrupt command). Their pages get PCD and PWT (cache disabled,
 * write-through), which the PAT's power-on setting makes "uncacheable".
 *
 * Boot-time only: called by CPU 0 before the other CPUs start, so nothing
 * else changes these page tables meanwhile.
 */
#pragma once

#include <cstddef>

#include "common/result.h"
#include "mm/address.h"

/// What is behind the physical range.
enum class PhysKind {
    Registers,  ///< a device's registers: writable, uncached
    Firmware,   ///< tables the firmware wrote: read-only, cached
};

/// Map [phys, phys + size) at phys_to_virt(phys), page by page (a page
/// already mapped, as RAM, stays as it is). Errno::Inval if the range wraps
/// or lies beyond the 512 GiB the direct map spans; Errno::NoMem if a page
/// table cannot be made.
Result<VirtAddr> map_physical(PhysAddr phys, size_t size, PhysKind kind);
