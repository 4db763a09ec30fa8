/**
 * @file chapters/11-files/proc/user_string.h
 * @brief Copying a NUL-terminated string from user memory: a path, for
 * every call that takes one (Linux's getname and strncpy_from_user).
 *
 * The string's length is not known before it is read, so it is copied a
 * page at a time, each piece ending at a page boundary: a fault then means
 * that the page holding the string's next byte is not there (EFAULT), never
 * that the copy merely ran past the end of a good string into a bad page.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"
#include "common/str.h"

/// A path copied from user memory, in a buffer of the kernel heap.
class UserPath {
public:
    /// The string at user address @p addr: Errno::Fault, Errno::NameTooLong
    /// if it has no NUL in its first PATH_MAX (4096) bytes, Errno::NoMem.
    /// An empty string is Errno::NoEnt unless @p empty_ok (AT_EMPTY_PATH).
    static Result<UserPath> copy(uint64_t addr, bool empty_ok = false);

    /// Takes @p other's string; @p other is left empty.
    UserPath(UserPath&& other) : m_text(other.m_text), m_size(other.m_size) { other.m_text = nullptr; }
    UserPath(const UserPath&) = delete;
    UserPath& operator=(const UserPath&) = delete;
    ~UserPath();

    /// The path, without its NUL.
    [[nodiscard]] StringView view() const { return {m_text, m_size}; }

private:
    UserPath(char* text, size_t size) : m_text(text), m_size(size) {}
    char* m_text;
    size_t m_size;
};

/// Copy the NUL-terminated string at user address @p addr into @p dst
/// (@p capacity bytes), a page at a time: its length without the NUL, or
/// Errno::Fault, or Errno::NameTooLong if no NUL comes within @p capacity bytes.
Result<size_t> copy_string_from_user(char* dst, uint64_t addr, size_t capacity);
