/**
 * @file chapters/04-user/proc/cmdline.h
 * @brief A boot module's command line as a program's argv and environment.
 *
 * GRUB reads `module2 /boot/echo NAME=v echo 'a b' c` with shell-like
 * quoting, then joins the words it found into the module's command line
 * with spaces, re-quoting each one: a word holding a space goes between
 * double quotes, and `\`, `'` and `"` get a backslash. What reaches the
 * kernel is `NAME=v echo "a b" c`. split_words() undoes exactly that, so a
 * word survives the trip whatever it holds (only an empty word is lost:
 * GRUB writes nothing for it).
 *
 * The words before the first one without a `=` are environment variables
 * for the program, as `env NAME=v echo ...` would give them; they add to
 * or replace the kernel's defaults, kDefaultEnvironment. The first word
 * without a `=` is the program's name, argv[0]; the rest are its arguments.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"
#include "common/str.h"

/// The environment every program starts with: what Linux gives init
/// (HOME=/ TERM=linux), and a PATH.
inline constexpr StringView kDefaultEnvironment[] = {"PATH=/bin", "HOME=/", "TERM=linux"};

/// A command line taken apart: its words' bytes, unquoted and each ended by
/// a NUL, and views of them as the program's environment and arguments.
struct CommandLine {
    static constexpr size_t kMaxWords = 64;    ///< arguments and environment variables together
    static constexpr size_t kMaxBytes = 4096;  ///< their bytes, NULs included

    char bytes[kMaxBytes];        ///< the words, one after another
    StringView argv[kMaxWords];   ///< argv[0] (the program's name) ... argv[argc - 1]
    size_t argc = 0;              ///< how many arguments, the name included (at least 1)
    StringView envp[kMaxWords + sizeof kDefaultEnvironment / sizeof kDefaultEnvironment[0]];  ///< the environment
    size_t envc = 0;              ///< how many environment variables
};

/// Split @p line into words as GRUB quoted them (see above), into @p out's
/// bytes; @p out.argv and @p out.envp are not touched. The number of words,
/// or why the line was refused (too many words, too long, a quote not closed).
Result<size_t, const char*> split_words(StringView line, CommandLine& out, StringView* words, size_t max_words);

/// Parse @p line into @p out: the environment (defaults first, then the
/// leading NAME=VALUE words, a repeated NAME replacing the earlier value in
/// place) and the arguments. Fails as split_words(), or if no word names a program.
Result<void, const char*> parse_command_line(StringView line, CommandLine& out);
