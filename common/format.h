/**
 * @file common/format.h
 * @brief Type-safe formatted output: `format(sink, "pid={} at {:#x}", pid, addr)`.
 *
 * Each argument is turned into a FormatArg (a small tagged value) by its
 * static type, so a wrong type is a compile error rather than garbage on the
 * console, as with printf's %d given a pointer. One non-template function,
 * vformat(), does the work, so each call site costs only a little code.
 *
 * Replacement fields: `{}` or `{:SPEC}`, SPEC = [<][#][0][width][x|X|d|c|s].
 * `<` left-aligns, `#` adds 0x to hex, `0` pads with zeros. `{{` and `}}`
 * print braces. A field with no argument left, or a SPEC it cannot parse,
 * prints `{?}` (and still uses up its argument, so later fields keep theirs):
 * formatting never fails and never reads past its arguments. Hex of a
 * negative number shows the two's complement in the width of its type.
 */
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "str.h"

/// Where formatted text goes: a console, a buffer, a test's capture.
class Sink {
public:
    /// Take @p size bytes of @p text (not NUL-terminated); never fails.
    virtual void write(const char* text, size_t size) = 0;

protected:
    ~Sink() = default;  // not deleted through a Sink*: no heap needed
};

/// One argument of a format call, with its type recorded.
struct FormatArg {
    /// Which member of the union holds the value.
    enum class Kind : uint8_t {
        Signed,
        Unsigned,
        Bool,
        Char,
        String,
        Pointer
    };
    Kind kind;  ///< the argument's type, chosen by the constructor
    uint8_t bytes = 8;  ///< sizeof the signed type: `{:x}` of int -1 is ffffffff
    union {
        int64_t i;
        uint64_t u;
        bool b;
        char c;
        StringView s;
        const void* p;
    };

    // One implicit constructor per argument type, so format()'s arguments
    // convert by their static type.
    /// Any signed integer (int8_t ... int64_t), remembering its size.
    template <std::signed_integral T>
    FormatArg(T v) : kind(Kind::Signed), bytes(sizeof(T)), i(v) {}
    /// Any unsigned integer.
    template <std::unsigned_integral T>
    FormatArg(T v) : kind(Kind::Unsigned), u(v) {}
    /// An enum prints as its underlying integer.
    template <typename E>
        requires std::is_enum_v<E>
    FormatArg(E v) : FormatArg(static_cast<std::underlying_type_t<E>>(v)) {}
    /// Prints "true" or "false".
    FormatArg(bool v) : kind(Kind::Bool), b(v) {}
    /// Prints the character (`{:d}` / `{:x}`: its byte value).
    FormatArg(char v) : kind(Kind::Char), c(v) {}
    /// A NUL-terminated string; a null pointer prints as "".
    FormatArg(const char* v) : kind(Kind::String), s(v) {}
    /// A NUL-terminated string; a null pointer prints as "".
    FormatArg(char* v) : kind(Kind::String), s(v) {}
    /// A view: exactly its characters.
    FormatArg(StringView v) : kind(Kind::String), s(v) {}
    /// A pointer prints as 0x... in hex.
    FormatArg(const void* v) : kind(Kind::Pointer), p(v) {}
    /// A pointer prints as 0x... in hex.
    FormatArg(void* v) : kind(Kind::Pointer), p(v) {}
    /// nullptr prints as the pointer 0x0.
    FormatArg(std::nullptr_t) : kind(Kind::Pointer), p(nullptr) {}
};

/// Format @p fmt with @p count arguments into @p sink.
void vformat(Sink& sink, StringView fmt, const FormatArg* args, size_t count);

/// Format into @p sink; each argument's type picks how it prints.
template <typename... Args>
void format(Sink& sink, StringView fmt, const Args&... args) {
    const FormatArg list[sizeof...(Args) + 1] = {FormatArg(args)..., FormatArg(0)};
    vformat(sink, fmt, list, sizeof...(Args));
}

/// A Sink into a fixed buffer. Text past the end is cut, the buffer is always
/// NUL-terminated, and length() tells how much was kept.
class BufferSink final : public Sink {
public:
    /// Write into @p buffer, which holds @p capacity bytes (0 is allowed).
    BufferSink(char* buffer, size_t capacity);
    /// Append what fits, keeping one byte for the NUL.
    void write(const char* text, size_t size) override;
    /// Characters kept so far (the NUL not counted).
    [[nodiscard]] size_t length() const { return m_length; }
    /// True once any text did not fit.
    [[nodiscard]] bool truncated() const { return m_truncated; }
    /// The text kept so far.
    [[nodiscard]] StringView view() const { return {m_buffer, m_length}; }

private:
    char* m_buffer;
    size_t m_capacity;
    size_t m_length = 0;
    bool m_truncated = false;
};

/// snprintf's safe cousin: format into @p buffer, return the length kept.
template <typename... Args>
size_t format_to(char* buffer, size_t capacity, StringView fmt, const Args&... args) {
    BufferSink sink(buffer, capacity);
    format(sink, fmt, args...);
    return sink.length();
}
