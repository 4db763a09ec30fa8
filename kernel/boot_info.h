/**
 * @file kernel/boot_info.h
 * @brief The Multiboot2 information, checked and copied into the kernel.
 *
 * GRUB leaves its tags in low memory, which later chapters stop mapping.
 * boot_info_init() copies the block into a kernel buffer and parses the
 * copy, so the strings it hands out stay valid for the kernel's lifetime.
 */
#pragma once

#include <cstdint>

#include "common/multiboot2.h"

/// Check the magic, copy and parse the block, log what it holds.
/// Panics with the parser's reason if the block is malformed.
void boot_info_init(uint32_t magic, uint32_t info_phys);

/// The parsed information (valid after boot_info_init).
const multiboot2::BootInfo& boot_info();
