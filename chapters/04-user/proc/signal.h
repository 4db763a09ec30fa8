/**
 * @file chapters/04-user/proc/signal.h
 * @brief What a fault in user mode does to the process: what Linux does,
 * minus the handlers - the process is killed by the signal.
 */
#pragma once

#include "arch/trap_frame.h"
#include "common/abi/linux.h"

/// The signal Linux sends for exception @p vector raised by user code.
abi::Signal signal_for_vector(uint64_t vector);

/// Log why, then end the current process with status 128 + signal.
[[noreturn]] void kill_current_process(const TrapFrame& frame);
