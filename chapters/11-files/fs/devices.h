/**
 * @file chapters/11-files/fs/devices.h
 * @brief The device numbers of /dev's character devices, Linux's own.
 */
#pragma once

#include <cstdint>

/// makedev(major, minor) for the small numbers used here: Linux's old
/// 16-bit encoding, which its 64-bit one keeps for numbers below 256.
constexpr uint32_t makedev(uint32_t major, uint32_t minor) { return (major << 8) | minor; }

inline constexpr uint32_t kDevNull = makedev(1, 3);     ///< /dev/null
inline constexpr uint32_t kDevZero = makedev(1, 5);     ///< /dev/zero
inline constexpr uint32_t kDevRandom = makedev(1, 8);   ///< /dev/random
inline constexpr uint32_t kDevUrandom = makedev(1, 9);  ///< /dev/urandom
inline constexpr uint32_t kDevConsole = makedev(5, 1);  ///< /dev/console
