/**
 * @file chapters/10-smp/acpi/firmware.h
 * @brief The MADT of the machine the kernel runs on: acpi::read_madt() with
 * the boot loader's RSDP copy and physical memory mapped on demand.
 */
#pragma once

#include "acpi/acpi.h"

/// Read this machine's MADT (boot time, CPU 0), or say why it cannot be read.
Result<acpi::Madt, const char*> firmware_madt();
