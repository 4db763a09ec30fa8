/**
 * @file user/runtime/bench.h
 * @brief What every benchmark program shares: the clock, repetitions, the
 *        median and its spread, and one output format.
 *
 * A benchmark measures each of its rows `kRepetitions` times, each time over
 * the same number of operations, and prints the median cost per operation
 * with the smallest and largest of the repetitions, so a reader sees at once
 * whether the figure is steady. The clock is the time-stamp counter (rdtsc):
 * on hardware it ticks at a fixed rate; under QEMU with `-icount shift=0` it
 * advances by one per guest instruction, so the figures count instructions
 * and are the same on every run (tools/bench.py runs the programs that way,
 * in our kernel and in Linux).
 *
 * The output, every line starting with the program's name, is read back by
 * tools/bench.py and the book, so its shape is a contract:
 *
 *     NAME: cpu BRAND
 *     NAME: OPS operations x REPS repetitions per row; per operation: tsc ticks (median, min, max)
 *     NAME: row                  calls/op   median      min      max
 *     NAME: ROW NAME                1.000      127      127      128
 *     NAME: ROW NAME FAILED after N operations: WHAT
 */
#pragma once

#include <cstdint>

#include "runtime/print.h"

namespace bench {

/// How many times each row is measured; odd, so the median is one of them.
constexpr int kRepetitions = 9;

/// The time-stamp counter (rdtsc: edx:eax).
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

/// One repetition of a row: what it did and what it cost, or why it stopped.
struct Run {
    uint64_t ops = 0;         ///< operations completed
    uint64_t syscalls = 0;    ///< system calls made for them
    uint64_t ticks = 0;       ///< rdtsc ticks they took
    const char* failed = nullptr;  ///< what went wrong, or nullptr
    uint64_t own_ticks = 0;   ///< of ticks, the measuring thread's own (when a program splits them, else 0)
};

/// The figures of one row over its repetitions, per operation.
struct Figures {
    uint64_t median = 0;  ///< the median repetition's ticks per operation
    uint64_t min = 0;     ///< the cheapest repetition's
    uint64_t max = 0;     ///< the dearest repetition's
};

/// Median, min and max of @p runs' ticks per operation (all runs succeeded).
inline Figures figures(const Run (&runs)[kRepetitions]) {
    uint64_t per_op[kRepetitions];
    for (int i = 0; i < kRepetitions; ++i) per_op[i] = runs[i].ticks / runs[i].ops;
    for (int i = 1; i < kRepetitions; ++i)  // insertion sort: nine values
        for (int j = i; j > 0 && per_op[j - 1] > per_op[j]; --j) {
            const uint64_t t = per_op[j];
            per_op[j] = per_op[j - 1];
            per_op[j - 1] = t;
        }
    return {per_op[kRepetitions / 2], per_op[0], per_op[kRepetitions - 1]};
}

/// The processor's brand string (cpuid leaves 0x80000002-4), spaces trimmed,
/// into @p out (at least 49 bytes). Both runs of a comparison print it, so
/// tools/bench.py can check they saw the same CPU model.
inline StringView cpu_brand(char* out) {
    uint32_t max_leaf, b, c, d;
    asm volatile("cpuid" : "=a"(max_leaf), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0u));
    if (max_leaf < 0x80000004u) return "unknown";
    auto* words = reinterpret_cast<uint32_t*>(out);
    for (uint32_t leaf = 0; leaf < 3; ++leaf)
        asm volatile("cpuid"
                     : "=a"(words[leaf * 4]), "=b"(words[leaf * 4 + 1]), "=c"(words[leaf * 4 + 2]),
                       "=d"(words[leaf * 4 + 3])
                     : "a"(0x80000002u + leaf), "c"(0u));
    out[48] = '\0';
    size_t start = 0, end = 0;
    while (out[start] == ' ') ++start;
    for (size_t i = start; out[i]; ++i)
        if (out[i] != ' ') end = i + 1;
    return StringView(out + start, end > start ? end - start : 0);
}

/// The lines before the rows: the CPU, the repetitions, the column heads.
inline void print_header(StringView program, uint64_t ops) {
    char brand[52];
    print("{}: cpu {}\n", program, cpu_brand(brand));
    print("{}: {} operations x {} repetitions per row; per operation: tsc ticks (median, min, max)\n", program, ops,
          kRepetitions);
    print("{}: {:<20} calls/op   median      min      max\n", program, "row");
}

/// Print one row: @p syscalls made for @p ops operations, and @p f.
inline void print_row(StringView program, StringView name, uint64_t syscalls, uint64_t ops, const Figures& f) {
    const uint64_t milli = (syscalls * 1000 + ops / 2) / ops;  // rounded
    print("{}: {:<20} {:4}.{:03} {:8} {:8} {:8}\n", program, name, milli / 1000, milli % 1000, f.median, f.min, f.max);
}

/// Measure @p runs: @p measure(ops) returns a Run; it is called once to warm
/// up (page in the code and data it touches), then kRepetitions times.
/// Prints a FAILED line for @p name and returns false if any call failed.
template <typename Measure>
bool repeat(StringView program, StringView name, uint64_t ops, Measure measure, Run (&runs)[kRepetitions]) {
    Run warm = measure(ops);
    for (int i = 0; i < kRepetitions && !warm.failed; ++i) {
        runs[i] = measure(ops);
        if (runs[i].failed) warm = runs[i];
    }
    if (warm.failed) print("{}: {:<20} FAILED after {} operations: {}\n", program, name, warm.ops, warm.failed);
    return !warm.failed;
}

/// Measure one row (see repeat()) and print it; returns false if any call failed.
template <typename Measure>
bool row(StringView program, StringView name, uint64_t ops, Measure measure) {
    Run runs[kRepetitions];
    if (!repeat(program, name, ops, measure, runs)) return false;
    print_row(program, name, runs[0].syscalls, ops, figures(runs));
    return true;
}

/// Parse "n=COUNT" or "COUNT"; 0 if it is neither.
inline uint64_t parse_count(StringView arg) {
    if (arg.starts_with("n=")) arg = arg.substr(2);
    uint64_t n = 0;
    for (char c : arg) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
}

}  // namespace bench
