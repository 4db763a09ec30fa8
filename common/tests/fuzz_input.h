/**
 * @file common/tests/fuzz_input.h
 * @brief What the host fuzz targets (fuzz_*.cpp) share: reading a libFuzzer
 * input as a stream of numbers, and stopping loudly when a rule breaks.
 *
 * libFuzzer hands a target a byte string; a target that models a sequence
 * of actions reads its choices from it with FuzzInput, which never reads
 * past the end (an exhausted input reads as zeros, and done() says so).
 * FUZZ_CHECK prints which rule broke and aborts: libFuzzer then saves the
 * input as a crash file, and replaying that file reproduces the failure.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

/// Stop the run if @p cond is false, naming the rule and where it is checked.
#define FUZZ_CHECK(cond, what)                                                                \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                         what, #cond);                                                        \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)

/// A fuzz input read front to back as little-endian numbers and byte runs.
class FuzzInput {
public:
    FuzzInput(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}

    /// True once every byte has been read.
    [[nodiscard]] bool done() const { return m_at >= m_size; }
    /// The next byte (0 once the input is exhausted).
    uint8_t u8() { return m_at < m_size ? m_data[m_at++] : 0; }
    /// The next 2 bytes as a number.
    uint16_t u16() { return static_cast<uint16_t>(u8() | u8() << 8); }
    /// The next 4 bytes as a number.
    uint32_t u32() { return static_cast<uint32_t>(u16()) | static_cast<uint32_t>(u16()) << 16; }
    /// The next 8 bytes as a number.
    uint64_t u64() { return static_cast<uint64_t>(u32()) | static_cast<uint64_t>(u32()) << 32; }
    /// Copy up to @p n bytes into @p out (zeros past the end of the input).
    void bytes(void* out, size_t n) {
        auto* to = static_cast<uint8_t*>(out);
        for (size_t i = 0; i < n; ++i) to[i] = u8();
    }

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_at = 0;
};
