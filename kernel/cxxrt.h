/**
 * @file kernel/cxxrt.h
 * @brief The pieces of the C++ runtime a freestanding kernel must supply itself.
 */
#pragma once

/// Call every global constructor listed in .init_array, in link order.
/// Must run once, before any global object with a constructor is used.
void run_global_constructors();
