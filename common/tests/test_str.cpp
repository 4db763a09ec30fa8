/**
 * @file common/tests/test_str.cpp
 * @brief Host tests for common/str.*: mem::, cstr:: and StringView.
 *
 * These are the kernel's memcpy, memmove, memset and memcmp, so a bug
 * here corrupts everything above them. Buffers carry guard bytes around the
 * region under test, to catch a write one byte too far that ASan cannot see
 * (it stays inside the same array); reads past the end of a heap buffer are
 * ASan's to catch.
 */
#include <criterion/criterion.h>

#include <cstring>
#include <memory>

#include "common/str.h"

// ------------------------------------------------------------------ mem::copy

Test(mem_copy, copies_exactly_n_bytes_and_returns_dst) {
    char dst[8] = {'#', '#', '#', '#', '#', '#', '#', '#'};
    const char src[] = "abcdef";
    void* r = mem::copy(dst + 1, src, 4);
    cr_assert_eq(r, dst + 1);
    cr_assert_arr_eq(dst, "#abcd###", 8);
}

Test(mem_copy, zero_bytes_touches_nothing) {
    char dst[4] = {'x', 'y', 'z', 'w'};
    cr_assert_eq(mem::copy(dst, "abcd", 0), dst);
    cr_assert_arr_eq(dst, "xyzw", 4);
    cr_assert_eq(mem::copy(nullptr, nullptr, 0), nullptr);  // n = 0 never dereferences
}

Test(mem_copy, copies_every_byte_value) {
    unsigned char src[256], dst[256] = {};
    for (int i = 0; i < 256; ++i) src[i] = static_cast<unsigned char>(255 - i);
    mem::copy(dst, src, sizeof src);
    cr_assert_eq(std::memcmp(dst, src, sizeof src), 0);
}

// Eight bytes a step, then the rest: every length and alignment around the
// seams, with guard bytes on both sides of the destination.
Test(mem_copy, every_length_and_alignment_with_guards) {
    unsigned char src[64], dst[80];
    for (int i = 0; i < 64; ++i) src[i] = static_cast<unsigned char>(i + 1);
    for (size_t soff = 0; soff < 8; ++soff)
        for (size_t doff = 0; doff < 8; ++doff)
            for (size_t n = 0; n <= 40; ++n) {
                std::memset(dst, '#', sizeof dst);
                mem::copy(dst + 8 + doff, src + soff, n);
                for (size_t i = 0; i < sizeof dst; ++i) {
                    const bool inside = i >= 8 + doff && i < 8 + doff + n;
                    const unsigned char want = inside ? src[soff + i - 8 - doff] : '#';
                    cr_assert_eq(dst[i], want, "n=%zu src+%zu dst+%zu: byte %zu", n, soff, doff, i);
                }
            }
}

// ------------------------------------------------------------------ mem::move

Test(mem_move, overlap_destination_after_source) {
    // Copying forwards here would smear "ab" over the whole range.
    char buf[] = "abcdefgh";
    void* r = mem::move(buf + 2, buf, 5);
    cr_assert_eq(r, buf + 2);
    cr_assert_str_eq(buf, "ababcdeh");
}

Test(mem_move, overlap_destination_before_source) {
    // Copying backwards here would repeat "gh".
    char buf[] = "abcdefgh";
    void* r = mem::move(buf, buf + 2, 5);
    cr_assert_eq(r, buf);
    cr_assert_str_eq(buf, "cdefgfgh");
}

Test(mem_move, overlap_by_one_byte_both_ways) {
    char up[] = "12345";
    mem::move(up + 1, up, 4);
    cr_assert_str_eq(up, "11234");
    char down[] = "12345";
    mem::move(down, down + 1, 4);
    cr_assert_str_eq(down, "23455");
}

Test(mem_move, same_pointer_and_disjoint_ranges) {
    char buf[] = "abcdef";
    mem::move(buf, buf, 6);
    cr_assert_str_eq(buf, "abcdef");
    char dst[7] = "------";
    mem::move(dst, buf, 3);
    cr_assert_str_eq(dst, "abc---");
    cr_assert_eq(mem::move(dst, buf, 0), dst);
    cr_assert_str_eq(dst, "abc---");
}

// ------------------------------------------------------------------ mem::fill

Test(mem_fill, fills_n_bytes_with_the_low_byte_of_value) {
    unsigned char buf[6] = {1, 2, 3, 4, 5, 6};
    void* r = mem::fill(buf + 1, 0x1ab, 4);  // memset uses (unsigned char)value
    cr_assert_eq(r, buf + 1);
    const unsigned char want[6] = {1, 0xab, 0xab, 0xab, 0xab, 6};
    cr_assert_arr_eq(buf, want, 6);
}

Test(mem_fill, zero_value_zero_length_and_negative_value) {
    unsigned char buf[3] = {7, 7, 7};
    mem::fill(buf, 0, 0);
    cr_assert_eq(buf[0], 7);
    mem::fill(buf, 0, 2);  // the kernel's most common memset: zeroing
    cr_assert(buf[0] == 0 && buf[1] == 0 && buf[2] == 7);
    mem::fill(buf, -1, 3);
    cr_assert(buf[0] == 0xff && buf[1] == 0xff && buf[2] == 0xff);
}

Test(mem_fill, every_length_and_alignment_with_guards) {
    unsigned char buf[64];
    for (size_t off = 0; off < 8; ++off)
        for (size_t n = 0; n <= 40; ++n) {
            std::memset(buf, '#', sizeof buf);
            mem::fill(buf + 8 + off, 0x5a, n);
            for (size_t i = 0; i < sizeof buf; ++i) {
                const bool inside = i >= 8 + off && i < 8 + off + n;
                cr_assert_eq(buf[i], inside ? 0x5a : '#', "n=%zu +%zu: byte %zu", n, off, i);
            }
        }
}

// --------------------------------------------------------------- mem::compare

Test(mem_compare, equal_and_first_difference_decides) {
    cr_assert_eq(mem::compare("abcd", "abcd", 4), 0);
    cr_assert_lt(mem::compare("abcd", "abdA", 4), 0);  // 'c' < 'd'; 'A' never looked at
    cr_assert_gt(mem::compare("abd", "abc", 3), 0);
}

Test(mem_compare, only_the_first_n_bytes_count) {
    cr_assert_eq(mem::compare("abcX", "abcY", 3), 0);
    cr_assert_eq(mem::compare("X", "Y", 0), 0);
}

Test(mem_compare, bytes_compare_as_unsigned) {
    const unsigned char high[] = {0x80};
    const unsigned char low[] = {0x01};
    cr_assert_gt(mem::compare(high, low, 1), 0);  // a signed char compare would say <0
    cr_assert_lt(mem::compare(low, high, 1), 0);
}

// ----------------------------------------------------------------------- cstr

Test(cstr, length) {
    cr_assert_eq(cstr::length(""), 0);
    cr_assert_eq(cstr::length("abc"), 3);
    cr_assert_eq(cstr::length("ab\0cd"), 2);
}

Test(cstr, length_bounded_never_reads_past_max) {
    // Exactly four bytes on the heap, no terminator: ASan reports any fifth read.
    std::unique_ptr<char[]> s(new char[4]{'a', 'b', 'c', 'd'});
    cr_assert_eq(cstr::length_bounded(s.get(), 4), 4);
    cr_assert_eq(cstr::length_bounded(s.get(), 2), 2);
    cr_assert_eq(cstr::length_bounded(s.get(), 0), 0);
    cr_assert_eq(cstr::length_bounded("ab", 10), 2);
}

Test(cstr, compare) {
    cr_assert_eq(cstr::compare("", ""), 0);
    cr_assert_eq(cstr::compare("kernel", "kernel"), 0);
    cr_assert_lt(cstr::compare("ker", "kernel"), 0);  // a prefix sorts first
    cr_assert_gt(cstr::compare("kernel", "ker"), 0);
    cr_assert_lt(cstr::compare("abc", "abd"), 0);
    cr_assert_gt(cstr::compare("\x80", "a"), 0);      // unsigned, as strcmp
}

// ----------------------------------------------------------------- StringView

Test(string_view, construction) {
    StringView empty;
    cr_assert(empty.empty());
    cr_assert_not_null(empty.data());
    StringView null_view(static_cast<const char*>(nullptr));
    cr_assert(null_view.empty());
    StringView hello("hello");
    cr_assert_eq(hello.size(), 5);
    cr_assert_eq(hello[1], 'e');
    cr_assert_eq(hello.end() - hello.begin(), 5);
    StringView part("hello", 3);  // not NUL-terminated at its end
    cr_assert(part == StringView("hel"));
    cr_assert_not(part == StringView("hello"));
    cr_assert_not(StringView("abc") == StringView("abd"));
}

Test(string_view, find) {
    StringView s("a=b=c");
    cr_assert_eq(s.find('='), 1);
    cr_assert_eq(s.find('=', 2), 3);
    cr_assert_eq(s.find('=', 1), 1);
    cr_assert_eq(s.find('x'), StringView::npos);
    cr_assert_eq(s.find('a', 1), StringView::npos);
    cr_assert_eq(s.find('a', 99), StringView::npos);
    cr_assert_eq(StringView("abcdef", 3).find('d'), StringView::npos);  // stays inside the view
}

Test(string_view, substr_clamps_to_the_view) {
    StringView s("kernel");
    cr_assert(s.substr(0, 3) == StringView("ker"));
    cr_assert(s.substr(3) == StringView("nel"));
    cr_assert(s.substr(2, 100) == StringView("rnel"));
    cr_assert(s.substr(6).empty());
    cr_assert(s.substr(99, 2).empty());
    cr_assert_eq(s.substr(99).data(), s.data() + 6);  // clamped, not past the end
    cr_assert(s.substr(1, 0).empty());
}

Test(string_view, starts_with) {
    StringView s("trace=syscall");
    cr_assert(s.starts_with("trace"));
    cr_assert(s.starts_with(""));
    cr_assert(s.starts_with("trace=syscall"));
    cr_assert_not(s.starts_with("trace=syscalls"));
    cr_assert_not(s.starts_with("tracE"));
    cr_assert_not(StringView().starts_with("a"));
}

// The view is usable in constant expressions (the kernel relies on it).
static_assert(StringView("abc").size() == 3);
static_assert(StringView("a b").find(' ') == 1);
static_assert(StringView("abc").substr(1) == StringView("bc"));
