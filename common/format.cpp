/**
 * @file common/format.cpp
 * @brief vformat(): parse replacement fields and print each argument.
 */
#include "format.h"

namespace {

struct Spec {
    bool left = false;      // '<': pad on the right
    bool alternate = false; // '#': 0x before hex
    bool zero = false;      // '0': pad with zeros after any sign or 0x
    size_t width = 0;
    char type = 0;          // 0, 'x', 'X', 'd', 'c' or 's'
};

// Parse the text between ':' and '}'. Returns false on anything unexpected.
bool parse_spec(StringView text, Spec& spec) {
    size_t i = 0;
    if (i < text.size() && text[i] == '<') spec.left = true, ++i;
    if (i < text.size() && text[i] == '#') spec.alternate = true, ++i;
    if (i < text.size() && text[i] == '0') spec.zero = true, ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        spec.width = spec.width * 10 + static_cast<size_t>(text[i] - '0');
        if (spec.width > 64) return false;  // more is a typo, not a layout
        ++i;
    }
    if (i < text.size()) {
        const char t = text[i++];
        if (t != 'x' && t != 'X' && t != 'd' && t != 'c' && t != 's') return false;
        spec.type = t;
    }
    return i == text.size();
}

void pad(Sink& sink, char c, size_t n) {
    for (size_t i = 0; i < n; ++i) sink.write(&c, 1);
}

// Print prefix + digits within spec.width.
void emit(Sink& sink, const Spec& spec, StringView prefix, StringView digits) {
    const size_t used = prefix.size() + digits.size();
    const size_t fill = spec.width > used ? spec.width - used : 0;
    if (spec.zero && !spec.left) {
        sink.write(prefix.data(), prefix.size());
        pad(sink, '0', fill);
        sink.write(digits.data(), digits.size());
        return;
    }
    if (!spec.left) pad(sink, ' ', fill);
    sink.write(prefix.data(), prefix.size());
    sink.write(digits.data(), digits.size());
    if (spec.left) pad(sink, ' ', fill);
}

void emit_unsigned(Sink& sink, const Spec& spec, uint64_t value, bool negative, bool hex) {
    char digits[20];  // 2^64 has 20 decimal digits, 16 hex
    size_t n = 0;
    // EXERCISE 01.9 BEGIN stub: (void)value;
    const char* alphabet = spec.type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    const unsigned base = hex ? 16 : 10;
    do {
        digits[sizeof digits - 1 - n++] = alphabet[value % base];
        value /= base;
    } while (value != 0);
    // EXERCISE 01.9 END
    StringView prefix = negative ? "-" : "";
    if (hex && spec.alternate) prefix = "0x";
    emit(sink, spec, prefix, {digits + sizeof digits - n, n});
}

void emit_arg(Sink& sink, const Spec& spec, const FormatArg& arg) {
    const bool hex = spec.type == 'x' || spec.type == 'X';
    switch (arg.kind) {
    case FormatArg::Kind::Signed:
        if (spec.type == 'c') {
            const char c = static_cast<char>(arg.i);
            return emit(sink, spec, "", {&c, 1});
        }
        if (hex) {  // hex shows the two's-complement bits of the type, as printf's %x does
            uint64_t bits = static_cast<uint64_t>(arg.i);
            if (arg.bytes < 8) bits &= (uint64_t{1} << (arg.bytes * 8)) - 1;
            return emit_unsigned(sink, spec, bits, false, true);
        }
        // Negate in unsigned arithmetic: -INT64_MIN overflows int64_t.
        return emit_unsigned(sink, spec,
                             arg.i < 0 ? 0 - static_cast<uint64_t>(arg.i) : static_cast<uint64_t>(arg.i),
                             arg.i < 0, false);
    case FormatArg::Kind::Unsigned:
        if (spec.type == 'c') {
            const char c = static_cast<char>(arg.u);
            return emit(sink, spec, "", {&c, 1});
        }
        return emit_unsigned(sink, spec, arg.u, false, hex);
    case FormatArg::Kind::Bool:
        return emit(sink, spec, "", arg.b ? "true" : "false");
    case FormatArg::Kind::Char:
        if (hex || spec.type == 'd')
            return emit_unsigned(sink, spec, static_cast<unsigned char>(arg.c), false, hex);
        return emit(sink, spec, "", {&arg.c, 1});
    case FormatArg::Kind::String:
        return emit(sink, spec, "", arg.s);
    case FormatArg::Kind::Pointer: {
        Spec pointer = spec;
        pointer.alternate = true;  // a pointer always reads as 0x...
        return emit_unsigned(sink, pointer, reinterpret_cast<uintptr_t>(arg.p), false, true);
    }
    }
}

}  // namespace

void vformat(Sink& sink, StringView fmt, const FormatArg* args, size_t count) {
    size_t next = 0;
    size_t i = 0;
    while (i < fmt.size()) {
        // Copy the literal run up to the next brace in one write.
        size_t run = i;
        while (run < fmt.size() && fmt[run] != '{' && fmt[run] != '}') ++run;
        if (run > i) sink.write(fmt.data() + i, run - i);
        i = run;
        if (i == fmt.size()) break;
        if (i + 1 < fmt.size() && fmt[i + 1] == fmt[i]) {  // "{{" or "}}"
            sink.write(fmt.data() + i, 1);
            i += 2;
            continue;
        }
        if (fmt[i] == '}') {  // a lone '}' is printed as it is
            sink.write("}", 1);
            ++i;
            continue;
        }
        const size_t close = fmt.find('}', i);
        if (close == StringView::npos) {  // unterminated field: print the rest
            sink.write("{?}", 3);
            return;
        }
        StringView inside = fmt.substr(i + 1, close - i - 1);
        i = close + 1;
        Spec spec;
        const bool ok = inside.empty() ||
                        (inside[0] == ':' && parse_spec(inside.substr(1), spec));
        if (!ok || next >= count) {
            sink.write("{?}", 3);
            ++next;  // a bad spec still uses its argument: later fields keep theirs
            continue;
        }
        emit_arg(sink, spec, args[next++]);
    }
}

BufferSink::BufferSink(char* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity) {
    if (m_capacity > 0) m_buffer[0] = '\0';
}

void BufferSink::write(const char* text, size_t size) {
    if (m_capacity == 0) {
        m_truncated = m_truncated || size > 0;
        return;
    }
    const size_t room = m_capacity - 1 - m_length;  // keep one byte for the NUL
    const size_t take = size < room ? size : room;
    mem::copy(m_buffer + m_length, text, take);
    m_length += take;
    m_buffer[m_length] = '\0';
    if (take < size) m_truncated = true;
}
