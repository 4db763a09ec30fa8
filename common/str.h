/**
 * @file common/str.h
 * @brief Byte and C-string routines, and a non-owning string view.
 *
 * Shared by the kernel, user programs and host tests. Nothing here allocates
 * or touches hardware. The kernel exports the C names the compiler expects
 * (memcpy, memset, memmove, memcmp) by forwarding to these functions; see
 * kernel/libc.cpp. Invariant: every function is defined for length 0 and
 * never reads past the bytes it was given.
 */
#pragma once

#include <cstddef>

/// Byte-level helpers: the bodies of memcpy, memset, memmove and memcmp.
namespace mem {
/// Copy @p n bytes; the ranges must not overlap. Returns @p dst.
void* copy(void* dst, const void* src, size_t n);
/// Copy @p n bytes; the ranges may overlap. Returns @p dst.
void* move(void* dst, const void* src, size_t n);
/// Set @p n bytes to @p value. Returns @p dst.
void* fill(void* dst, int value, size_t n);
/// Compare @p n bytes: <0, 0 or >0 as memcmp.
int compare(const void* a, const void* b, size_t n);
}  // namespace mem

/// C-string helpers.
namespace cstr {
/// Length of a NUL-terminated string.
size_t length(const char* s);
/// Length, but never reads past @p max bytes.
size_t length_bounded(const char* s, size_t max);
/// Compare two NUL-terminated strings as strcmp.
int compare(const char* a, const char* b);
}  // namespace cstr

/// A non-owning view of @c m_size characters, not necessarily NUL-terminated.
class StringView {
public:
    constexpr StringView() = default;
    /// View of @p size characters at @p data (which may hold no NUL).
    constexpr StringView(const char* data, size_t size) : m_data(data), m_size(size) {}
    /// View of a NUL-terminated string (a null pointer gives the empty view).
    constexpr StringView(const char* s) : m_data(s), m_size(s ? constexpr_length(s) : 0) {}

    /// The first character (not NUL-terminated in general).
    [[nodiscard]] constexpr const char* data() const { return m_data; }
    /// Number of characters.
    [[nodiscard]] constexpr size_t size() const { return m_size; }
    /// True if the view has no characters.
    [[nodiscard]] constexpr bool empty() const { return m_size == 0; }
    /// Character @p i; no bounds check, as for an array.
    constexpr char operator[](size_t i) const { return m_data[i]; }
    /// Start, for range-for.
    constexpr const char* begin() const { return m_data; }
    /// One past the last character, for range-for.
    constexpr const char* end() const { return m_data + m_size; }

    /// Characters [from, from+count), clamped to the view.
    [[nodiscard]] constexpr StringView substr(size_t from, size_t count = static_cast<size_t>(-1)) const {
        if (from > m_size) from = m_size;
        if (count > m_size - from) count = m_size - from;
        return {m_data + from, count};
    }
    /// Index of the first @p c at or after @p from, or npos.
    [[nodiscard]] constexpr size_t find(char c, size_t from = 0) const {
        for (size_t i = from; i < m_size; ++i)
            if (m_data[i] == c) return i;
        return npos;
    }
    /// True if the view begins with @p prefix (always true for an empty one).
    [[nodiscard]] constexpr bool starts_with(StringView prefix) const {
        return prefix.m_size <= m_size && substr(0, prefix.m_size) == prefix;
    }
    /// Same characters, same length (the data pointers may differ).
    constexpr bool operator==(StringView other) const {
        if (m_size != other.m_size) return false;
        for (size_t i = 0; i < m_size; ++i)
            if (m_data[i] != other.m_data[i]) return false;
        return true;
    }

    /// "Not found", as returned by find().
    static constexpr size_t npos = static_cast<size_t>(-1);

private:
    static constexpr size_t constexpr_length(const char* s) {
        size_t n = 0;
        while (s[n]) ++n;
        return n;
    }
    const char* m_data = "";
    size_t m_size = 0;
};
