/**
 * @file common/tests/test_format.cpp
 * @brief Host tests for common/format.*: every spec, every argument kind,
 * the malformed cases that must print `{?}`, and BufferSink's edges.
 *
 * F("...", args) formats into a buffer and returns it as a C string, so each
 * expectation reads as one line: input on the left, exact text on the right.
 */
#include <criterion/criterion.h>

#include <cstdint>
#include <cstring>
#include <limits>

#include "common/format.h"

namespace {

struct Text {
    char s[256];
};

template <typename... Args>
Text F(StringView fmt, const Args&... args) {
    Text t;
    std::memset(t.s, '@', sizeof t.s);  // any byte not written stays visible
    format_to(t.s, sizeof t.s, fmt, args...);
    return t;
}

// Checks the text and names the format string in the failure message. The
// Text is a named local: Criterion reads its argument after the statement.
#define EXPECT_FORMAT(want, fmt, ...)                          \
    do {                                                       \
        const Text got_ = F(fmt, ##__VA_ARGS__);               \
        cr_assert_str_eq(got_.s, want, "format(\"%s\")", fmt); \
    } while (0)

enum class Small : uint8_t { Seven = 7 };
enum class Signed : int16_t { MinusThree = -3 };
enum Plain { kPlainTwo = 2 };

}  // namespace

// --------------------------------------------------------------- plain text

Test(format, literal_text_and_braces) {
    EXPECT_FORMAT("", "");
    EXPECT_FORMAT("hello, kernel", "hello, kernel");
    EXPECT_FORMAT("{", "{{");
    EXPECT_FORMAT("}", "}}");
    EXPECT_FORMAT("{}", "{{}}");
    EXPECT_FORMAT("{5}", "{{{}}}", 5);
    EXPECT_FORMAT("a}b", "a}b");  // a lone '}' prints as it is
}

// ----------------------------------------------------------------- integers

Test(format, decimal) {
    EXPECT_FORMAT("0", "{}", 0);
    EXPECT_FORMAT("42 -42", "{} {}", 42, -42);
    EXPECT_FORMAT("42", "{:d}", 42u);
    EXPECT_FORMAT("-1", "{:d}", static_cast<int8_t>(-1));
    EXPECT_FORMAT("65535", "{}", static_cast<uint16_t>(0xffff));
}

Test(format, signed_and_unsigned_limits) {
    EXPECT_FORMAT("-9223372036854775808", "{}", std::numeric_limits<int64_t>::min());
    EXPECT_FORMAT("9223372036854775807", "{}", std::numeric_limits<int64_t>::max());
    EXPECT_FORMAT("18446744073709551615", "{}", std::numeric_limits<uint64_t>::max());
    EXPECT_FORMAT("-2147483648", "{}", std::numeric_limits<int32_t>::min());
    EXPECT_FORMAT("-128 127", "{} {}", std::numeric_limits<int8_t>::min(), std::numeric_limits<int8_t>::max());
}

Test(format, hex) {
    EXPECT_FORMAT("ff", "{:x}", 255);
    EXPECT_FORMAT("FF", "{:X}", 255);
    EXPECT_FORMAT("0xff", "{:#x}", 255u);
    EXPECT_FORMAT("0xDEADBEEF", "{:#X}", 0xdeadbeefu);
    EXPECT_FORMAT("0x0", "{:#x}", 0);
    EXPECT_FORMAT("ffffffffffffffff", "{:x}", std::numeric_limits<uint64_t>::max());
    EXPECT_FORMAT("42", "{:#d}", 42);  // '#' only changes hex
}

Test(format, negative_hex_shows_the_bits_of_the_argument_type) {
    // As printf's %x (and Rust's {:x}): the two's complement of the type.
    EXPECT_FORMAT("ffffffffffffffff", "{:x}", int64_t{-1});
    EXPECT_FORMAT("8000000000000000", "{:x}", std::numeric_limits<int64_t>::min());
    EXPECT_FORMAT("ffffffff", "{:x}", -1);
    EXPECT_FORMAT("0xfffffffe", "{:#x}", -2);
    EXPECT_FORMAT("ff80", "{:x}", static_cast<int16_t>(-128));
    EXPECT_FORMAT("FF", "{:X}", static_cast<int8_t>(-1));
    EXPECT_FORMAT("7f", "{:x}", static_cast<int8_t>(127));
}

// ---------------------------------------------------- width, alignment, fill

Test(format, width_right_aligns_by_default) {
    EXPECT_FORMAT("   42", "{:5}", 42);
    EXPECT_FORMAT("  -42", "{:5}", -42);
    EXPECT_FORMAT("12345", "{:3}", 12345);  // never cut
    EXPECT_FORMAT("   ab", "{:5}", "ab");
    EXPECT_FORMAT(" 0x1f", "{:#5x}", 31);
}

Test(format, left_alignment) {
    EXPECT_FORMAT("42   |", "{:<5}|", 42);
    EXPECT_FORMAT("ab   |", "{:<5}|", "ab");
    EXPECT_FORMAT("true  |", "{:<6}|", true);
    EXPECT_FORMAT("42   |", "{:<05}|", 42);  // '<' wins over '0'
}

Test(format, zero_padding_goes_after_sign_and_prefix) {
    EXPECT_FORMAT("00042", "{:05}", 42);
    EXPECT_FORMAT("-0042", "{:05}", -42);
    EXPECT_FORMAT("0x0000000000001234", "{:#018x}", 0x1234);
    EXPECT_FORMAT("00ff", "{:04x}", 255);
}

Test(format, width_limit) {
    const Text t = F("{:64}", 1);
    cr_assert_eq(std::strlen(t.s), 64);
    cr_assert_eq(t.s[63], '1');
    EXPECT_FORMAT("{?}", "{:65}", 1);  // a typo, not a layout
    EXPECT_FORMAT("{?}", "{:99999999999999999999}", 1);  // no overflow either
}

// ------------------------------------------------------ the other kinds

Test(format, bool_and_char) {
    EXPECT_FORMAT("true false", "{} {}", true, false);
    EXPECT_FORMAT("A", "{}", 'A');
    EXPECT_FORMAT("65", "{:d}", 'A');
    EXPECT_FORMAT("41", "{:x}", 'A');
    EXPECT_FORMAT("255", "{:d}", static_cast<char>(0xff));  // the byte, not -1
    EXPECT_FORMAT("A", "{:c}", 65);
    EXPECT_FORMAT("z", "{:c}", 122u);
    EXPECT_FORMAT("  x", "{:3}", 'x');
}

Test(format, strings) {
    char mutable_text[] = "mutable";
    EXPECT_FORMAT("const mutable", "{} {}", "const", mutable_text);
    EXPECT_FORMAT("hel", "{}", StringView("hello", 3));
    EXPECT_FORMAT("[]", "[{}]", static_cast<const char*>(nullptr));
    EXPECT_FORMAT("name", "{:s}", "name");
    EXPECT_FORMAT("{}", "{}", "{}");  // an argument is never parsed as a format
}

Test(format, pointers) {
    EXPECT_FORMAT("0x1000", "{}", reinterpret_cast<void*>(0x1000));
    EXPECT_FORMAT("0xffffffff80100000", "{}", reinterpret_cast<const void*>(0xffffffff80100000ull));
    EXPECT_FORMAT("0x0", "{}", nullptr);
    EXPECT_FORMAT("0x0", "{}", static_cast<void*>(nullptr));
    EXPECT_FORMAT("0xABC", "{:X}", reinterpret_cast<void*>(0xabc));
    EXPECT_FORMAT("0x0000000000001000", "{:018}", reinterpret_cast<void*>(0x1000));
}

Test(format, enums_print_their_value) {
    EXPECT_FORMAT("7", "{}", Small::Seven);
    EXPECT_FORMAT("-3", "{}", Signed::MinusThree);
    EXPECT_FORMAT("2", "{}", kPlainTwo);
    EXPECT_FORMAT("0x7", "{:#x}", Small::Seven);
}

// ------------------------------------------------------------ malformed

Test(format, too_few_arguments) {
    EXPECT_FORMAT("{?}", "{}");
    EXPECT_FORMAT("1 {?} {?}", "{} {} {}", 1);
    EXPECT_FORMAT("1", "{}", 1, 2, 3);  // extra arguments are ignored
}

Test(format, bad_spec) {
    EXPECT_FORMAT("{?}", "{:q}", 1);
    EXPECT_FORMAT("{?}", "{:xx}", 1);
    EXPECT_FORMAT("{?}", "{:5q}", 1);
    EXPECT_FORMAT("{?}", "{:>5}", 1);   // only '<' is an alignment
    EXPECT_FORMAT("{?}", "{0}", 1);     // no positional fields
    EXPECT_FORMAT("{?}", "{x}", 1);
    EXPECT_FORMAT("1", "{:}", 1);       // an empty spec is the default
}

Test(format, bad_spec_still_uses_its_argument) {
    // Fields after a typo keep their own arguments.
    EXPECT_FORMAT("{?} 2", "{:q} {}", 1, 2);
    EXPECT_FORMAT("1 {?} 3", "{} {x} {}", 1, 2, 3);
}

Test(format, unterminated_field_stops_output) {
    EXPECT_FORMAT("a={?}", "a={:x", 1);
    EXPECT_FORMAT("1 {?}", "{} {", 1, 2);
    EXPECT_FORMAT("{?}", "{", 1);
}

// ------------------------------------------------------------ BufferSink

Test(buffer_sink, keeps_what_fits_and_always_terminates) {
    char buf[12];
    std::memset(buf, '@', sizeof buf);
    BufferSink sink(buf, 8);
    sink.write("hello", 5);
    cr_assert_str_eq(buf, "hello");
    cr_assert_not(sink.truncated());
    sink.write(" world", 6);
    cr_assert_str_eq(buf, "hello w");  // 7 characters and the NUL
    cr_assert_eq(sink.length(), 7);
    cr_assert(sink.truncated());
    cr_assert(sink.view() == StringView("hello w"));
    cr_assert_arr_eq(buf + 8, "@@@@", 4, "wrote past its capacity");
    sink.write("more", 4);  // full: nothing changes
    cr_assert_str_eq(buf, "hello w");
    cr_assert_eq(sink.length(), 7);
}

Test(buffer_sink, exact_fit_is_not_truncated) {
    char buf[6];
    BufferSink sink(buf, sizeof buf);
    sink.write("abcde", 5);
    cr_assert_str_eq(buf, "abcde");
    cr_assert_not(sink.truncated());
    sink.write("", 0);
    cr_assert_not(sink.truncated());
    sink.write("f", 1);
    cr_assert(sink.truncated());
}

Test(buffer_sink, capacity_one_holds_only_the_nul) {
    char buf[2] = {'@', '@'};
    BufferSink sink(buf, 1);
    cr_assert_eq(buf[0], '\0');
    sink.write("x", 1);
    cr_assert_eq(buf[0], '\0');
    cr_assert_eq(buf[1], '@');
    cr_assert_eq(sink.length(), 0);
    cr_assert(sink.truncated());
}

Test(buffer_sink, capacity_zero_writes_nothing) {
    char guard = '@';
    BufferSink sink(&guard, 0);
    sink.write("", 0);
    cr_assert_not(sink.truncated());
    sink.write("abc", 3);
    cr_assert_eq(guard, '@');
    cr_assert_eq(sink.length(), 0);
    cr_assert(sink.truncated());
    cr_assert(sink.view().empty());
}

Test(buffer_sink, format_to_returns_the_length_kept) {
    char buf[8];
    cr_assert_eq(format_to(buf, sizeof buf, "{}-{}", 12, 34), 5);
    cr_assert_str_eq(buf, "12-34");
    cr_assert_eq(format_to(buf, sizeof buf, "{:#x}", 0xdeadbeefu), 7);  // "0xdeadb" kept
    cr_assert_str_eq(buf, "0xdeadb");
    cr_assert_eq(format_to(buf, 4, "{:10}", 1), 3);  // cut in the middle of padding
    cr_assert_str_eq(buf, "   ");
}

Test(buffer_sink, pieces_are_appended_in_order) {
    // A Sink sees many small writes (literal runs, padding, digits).
    char buf[64];
    BufferSink sink(buf, sizeof buf);
    format(sink, "[{}]", 1);
    format(sink, "[{:<3}]", "ab");
    format(sink, "[{:03}]", 7);
    cr_assert_str_eq(buf, "[1][ab ][007]");
    cr_assert_eq(sink.length(), std::strlen("[1][ab ][007]"));
}
