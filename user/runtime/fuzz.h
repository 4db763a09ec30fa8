/**
 * @file user/runtime/fuzz.h
 * @brief What the fuzzing programs share: a seeded generator and their
 * "key=value" arguments.
 *
 * A fuzzer is only useful if a failure can be replayed, so everything random
 * comes from a fuzz::Rng seeded from the command line: the same seed, on the
 * same kernel, makes the same calls with the same arguments. Up to chapter
 * 06 the kernel's answers are deterministic too (one thread, no clock in
 * any result), so a run replays exactly; from chapter 07 on, threads take
 * turns at timer ticks, and a replay makes the same calls in each thread but
 * may interleave them differently.
 *
 * Arguments are words "key=value" after the program's name, which the boot
 * module's command line supplies ("fuzz-syscalls seed=7 count=20000").
 * Numbers are decimal or 0x hex; lists are comma-separated words.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/linux.h"
#include "common/abi/signal.h"
#include "common/str.h"
#include "runtime/print.h"
#include "runtime/syscall.h"

/// Helpers shared by the fuzzing programs (user/programs/fuzz-*.cpp).
namespace fuzz {

/// splitmix64: a small, fast generator whose whole state is one word, so a
/// run is described by its seed alone. Not for secrets; fine for arguments.
class Rng {
public:
    /// A generator started from @p seed (any value, 0 included).
    explicit Rng(uint64_t seed) : m_state(seed) {}

    /// The next 64 random bits.
    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    /// A value in [0, @p n); 0 if @p n is 0. (The tiny modulo bias does not matter here.)
    uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
    /// A value in [@p lo, @p hi], both included.
    uint64_t range(uint64_t lo, uint64_t hi) { return hi - lo == ~0ull ? next() : lo + below(hi - lo + 1); }
    /// True once in @p n times on average.
    bool one_in(uint64_t n) { return below(n) == 0; }
    /// An index into @p weights, each chosen in proportion to its weight.
    template <size_t N>
    size_t weighted(const uint32_t (&weights)[N]) {
        uint64_t total = 0;
        for (uint32_t w : weights) total += w;
        uint64_t pick = below(total);
        for (size_t i = 0; i < N; ++i) {
            if (pick < weights[i]) return i;
            pick -= weights[i];
        }
        return N - 1;
    }
    /// An index into @p table, each entry chosen in proportion to its `weight` member.
    template <typename T, size_t N>
    size_t weighted_entry(const T (&table)[N]) {
        uint64_t total = 0;
        for (const T& entry : table) total += entry.weight;
        uint64_t pick = below(total);
        for (size_t i = 0; i < N; ++i) {
            if (pick < table[i].weight) return i;
            pick -= table[i].weight;
        }
        return N - 1;
    }
    /// One element of @p values.
    template <typename T, size_t N>
    T pick(const T (&values)[N]) {
        return values[below(N)];
    }

private:
    uint64_t m_state;
};

/// Parse a decimal or 0x-prefixed hexadecimal number; false if @p text is not one.
inline bool parse_number(StringView text, uint64_t& out) {
    if (text.empty()) return false;
    uint64_t value = 0;
    const bool hex = text.starts_with("0x");
    for (size_t i = hex ? 2 : 0; i < text.size(); ++i) {
        const char c = text[i];
        uint64_t digit;
        if (c >= '0' && c <= '9') digit = static_cast<uint64_t>(c - '0');
        else if (hex && c >= 'a' && c <= 'f') digit = static_cast<uint64_t>(c - 'a' + 10);
        else return false;
        value = value * (hex ? 16 : 10) + digit;
    }
    out = value;
    return !(hex && text.size() == 2);
}

/// Does the comma-separated list @p list contain the word @p word?
inline bool list_has(StringView list, StringView word) {
    for (size_t at = 0; at <= list.size();) {
        size_t end = list.find(',', at);
        if (end == StringView::npos) end = list.size();
        if (list.substr(at, end - at) == word) return true;
        at = end + 1;
    }
    return false;
}

/// One "key=value" word of the command line: key and value apart.
struct Word {
    StringView key;    ///< before the '=' (the whole word if there is none)
    StringView value;  ///< after the '=' ("" if there is none)
};

/// Split @p arg at its first '='.
inline Word split_word(const char* arg) {
    const StringView word(arg);
    const size_t eq = word.find('=');
    if (eq == StringView::npos) return {word, StringView()};
    return {word.substr(0, eq), word.substr(eq + 1)};
}

/// The stack pointer now: a fuzzer keeps the kernel away from its own stack.
inline uint64_t stack_pointer() {
    uint64_t sp;
    asm volatile("mov %%rsp, %0" : "=r"(sp));
    return sp;
}

/// Does this kernel have threads? gettid answers from chapter 07 on (ENOSYS
/// before): from then on a pipe or an io_uring wait may sleep, and a fuzzer
/// must see to it that every sleep it starts can end.
inline bool kernel_has_threads() { return raw_syscall(abi::Sys::Gettid) > 0; }

/// Sleep about @p ms milliseconds: the fuzzers' own pacing, not a fuzzed call.
inline void nap_ms(int64_t ms) {
    const abi::TimeSpec t{ms / 1000, (ms % 1000) * 1000000};
    raw_syscall(abi::Sys::Nanosleep, reinterpret_cast<long>(&t), 0);
}

/// From chapter 07 a write into a pipe without a reader also raises
/// SIGPIPE, whose default action ends the program: the fuzzers write into
/// such pipes all the time, so they ignore it, as servers do. (Before
/// chapter 07 rt_sigaction is ENOSYS, and there is nothing to ignore.)
inline void ignore_sigpipe() {
    const abi::KernelSigaction ignore{abi::kSigIgn, 0, 0, 0};
    raw_syscall(abi::Sys::RtSigaction, static_cast<long>(abi::Signal::Pipe), reinterpret_cast<long>(&ignore), 0,
                sizeof(uint64_t));
}

/// Close every descriptor but the console's 1 and 2, and @p keep. A pipe
/// whose ends are all closed lets every sleeper go (end of file, EPIPE):
/// the fuzzers' way to end any pipe wait they started, whatever it was.
inline void close_all_but_console(int keep = -1) {
    for (int fd = 0; fd < 64; ++fd)
        if (fd != 1 && fd != 2 && fd != keep) raw_syscall(abi::Sys::Close, fd);
}

/// A lock between the threads of one fuzzer, for its own bookkeeping only.
/// A waiter yields the CPU (the holder may have been preempted), and the
/// holder never makes a call that may sleep, so a wait always ends.
class SpinLock {
public:
    /// Take the lock.
    void lock() {
        while (__atomic_exchange_n(&m_held, 1, __ATOMIC_ACQUIRE)) raw_syscall(abi::Sys::SchedYield);
    }
    /// Let it go.
    void unlock() { __atomic_store_n(&m_held, 0, __ATOMIC_RELEASE); }

private:
    int m_held = 0;
};

/// Holds a SpinLock for one scope.
class Locked {
public:
    /// Take @p lock until the end of the scope.
    explicit Locked(SpinLock& lock) : m_lock(lock) { m_lock.lock(); }
    ~Locked() { m_lock.unlock(); }
    Locked(const Locked&) = delete;
    Locked& operator=(const Locked&) = delete;

private:
    SpinLock& m_lock;
};

}  // namespace fuzz
