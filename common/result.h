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
    E error;
    constexpr explicit Err(E e) : error(e) {}
};

/// A value of type T, or an error of type E.
template <typename T, typename E>
class [[nodiscard]] Result {
public:
    constexpr Result(T value) : m_value(std::move(value)), m_ok(true) {}
    template <typename F>
    constexpr Result(Err<F> err) : m_error(err.error), m_ok(false) {}

    [[nodiscard]] constexpr bool ok() const { return m_ok; }
    constexpr explicit operator bool() const { return m_ok; }
    /// The value; only meaningful when ok().
    constexpr T& value() { return m_value; }
    constexpr const T& value() const { return m_value; }
    /// The error; only meaningful when !ok().
    constexpr const E& error() const { return m_error; }

private:
    T m_value{};
    E m_error{};
    bool m_ok;
};
