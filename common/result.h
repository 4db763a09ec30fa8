/**
 * @file common/result.h
 * @brief Result<T, E>: a value or the reason there is none.
 *
 * Fallible kernel paths return one of these instead of panicking, so the
 * caller decides what a failure means (reject a module, return -EFAULT...).
 * Kept deliberately simple: both members are always constructed, so T and E
 * must be default-constructible and cheap to copy.
 */
#pragma once

#include <utility>

/// Marks the error side when building a Result: `return Err("truncated");`.
template <typename E>
struct Err {
    E error;  ///< why there is no value
    /// Wrap @p e; Result's constructor takes it from here.
    constexpr explicit Err(E e) : error(e) {}
};

/// A value of type T, or an error of type E.
template <typename T, typename E>
class [[nodiscard]] Result {
public:
    /// A success holding @p value: `return info;`.
    constexpr Result(T value) : m_value(std::move(value)), m_ok(true) {}
    /// A failure: `return Err("reason");` (F converts to E).
    template <typename F>
    constexpr Result(Err<F> err) : m_error(err.error), m_ok(false) {}

    /// True if there is a value.
    [[nodiscard]] constexpr bool ok() const { return m_ok; }
    /// Same as ok(), for `if (auto r = f())`.
    constexpr explicit operator bool() const { return m_ok; }
    /// The value; only meaningful when ok().
    constexpr T& value() { return m_value; }
    /// The value, read-only; only meaningful when ok().
    constexpr const T& value() const { return m_value; }
    /// The error; only meaningful when !ok().
    constexpr const E& error() const { return m_error; }

private:
    T m_value{};
    E m_error{};
    bool m_ok;
};
