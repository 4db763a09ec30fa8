/**
 * @file user/runtime/probe.h
 * @brief Probe lines for the differential errno programs (user/programs/errno-*.cpp).
 *
 * A probe program makes one system call per line and prints what came back,
 * `PROGRAM: CALL = RESULT`, so that its output on the host's Linux and in the
 * course kernel can be compared line for line (tools/same_as_linux.py). The
 * program does not judge the results: Linux's output is the reference.
 *
 * For that comparison to mean anything, every line must be the same on every
 * run and every machine that runs the same kernel: an error prints as its
 * Linux name (`EFAULT`), a count as a number, and anything that legitimately
 * varies (addresses chosen by the kernel, pids) as a fact about it that does
 * not (`ok`, `page-aligned`, `same as getpid()`). A Probes object counts its
 * lines; the last line says how many there were.
 */
#pragma once

#include "runtime/print.h"

namespace probe {

/// A page placed where neither kernel puts a mapping on its own (Linux fills
/// holes from the top down, near the stack; the course kernel searches down
/// from 0x7f0000000000), so the page after it stays unmapped for the whole
/// run. Its last bytes are the probes' "right before an unmapped page".
inline constexpr uint64_t kEdgePage = 0x0000500000000000;

/// Map kEdgePage (read-write, MAP_FIXED_NOREPLACE): returns mmap's result.
inline long map_edge_page() {
    return sys::mmap(reinterpret_cast<void*>(kEdgePage), 4096, abi::prot::Read | abi::prot::Write,
                     abi::map::Private | abi::map::Anonymous | abi::map::FixedNoReplace, -1, 0);
}

/// The Linux name of errno @p e ("EFAULT"), or "errno N" for the rare ones
/// not listed here. The table covers asm-generic/errno-base.h and the
/// errno.h values a system call on pipes, memory or io_uring can return.
inline void errno_text(BufferSink& out, long e) {
    static constexpr const char* kBase[] = {
        // Laid out by hand as a table: clang-format would put one entry on each line.
        // clang-format off
        nullptr,   "EPERM",   "ENOENT", "ESRCH",  "EINTR",   "EIO",     "ENXIO",   "E2BIG",        "ENOEXEC",
        "EBADF",   "ECHILD",  "EAGAIN", "ENOMEM", "EACCES",  "EFAULT",  "ENOTBLK", "EBUSY",        "EEXIST",
        "EXDEV",   "ENODEV",  "ENOTDIR", "EISDIR", "EINVAL", "ENFILE",  "EMFILE",  "ENOTTY",       "ETXTBSY",
        "EFBIG",   "ENOSPC",  "ESPIPE", "EROFS",  "EMLINK",  "EPIPE",   "EDOM",    "ERANGE",       "EDEADLK",
        "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
        // clang-format on
    };
    const char* name = nullptr;
    if (e > 0 && e < static_cast<long>(sizeof kBase / sizeof kBase[0])) name = kBase[e];
    switch (e) {
    case 53: name = "EBADR"; break;
    case 61: name = "ENODATA"; break;
    case 62: name = "ETIME"; break;
    case 75: name = "EOVERFLOW"; break;
    case 77: name = "EBADFD"; break;
    case 95: name = "EOPNOTSUPP"; break;
    case 105: name = "ENOBUFS"; break;
    case 110: name = "ETIMEDOUT"; break;
    case 125: name = "ECANCELED"; break;
    default: break;
    }
    if (name) format(out, "{}", name);
    else format(out, "errno {}", e);
}

/// A raw result as a probe shows it: an errno name if it is one (-1..-4095),
/// else the number itself.
inline void result_text(BufferSink& out, long r) {
    if (r < 0 && r >= -4095) errno_text(out, -r);
    else format(out, "{}", r);
}

/// The lines of one probe program: `PROGRAM: CALL = RESULT`, counted.
class Probes {
public:
    /// @p program: the line prefix (the program's name, as tools/same_as_linux.py expects).
    /// constexpr, so a global Probes needs no constructor call (the runtime runs none).
    constexpr explicit Probes(const char* program) : m_program(program) {}

    /// A result shown as it is: an errno name, or the number.
    template <typename... Args>
    void value(long r, StringView call, const Args&... args) {
        emit(r, Show::Value, "", call, args...);
    }
    /// A result where only success matters: `ok` for >= 0 (an address, an fd
    /// whose number is not the point...), else the errno name.
    template <typename... Args>
    void ok(long r, StringView call, const Args&... args) {
        emit(r, Show::Ok, "", call, args...);
    }
    /// A result described by the caller: @p text for >= 0, else the errno name.
    template <typename... Args>
    void says(long r, StringView text, StringView call, const Args&... args) {
        emit(r, Show::Text, text, call, args...);
    }
    /// A line that is not a system call's result: `PROGRAM: WHAT` (a fact
    /// observed after a probe, such as what a pipe holds).
    template <typename... Args>
    void note(StringView what, const Args&... args) {
        char line[400];
        BufferSink out(line, sizeof line);
        format(out, "{}: ", m_program);
        format(out, what, args...);
        format(out, "\n");
        sys::write(1, out.view().data(), out.length());
        ++m_lines;
    }
    /// The closing line: how many lines came before it.
    void end() { print("{}: {} probes\n", m_program, m_lines); }

private:
    enum class Show {
        Value,
        Ok,
        Text
    };

    template <typename... Args>
    void emit(long r, Show show, StringView text, StringView call, const Args&... args) {
        char line[400];
        BufferSink out(line, sizeof line);
        format(out, "{}: ", m_program);
        format(out, call, args...);
        format(out, " = ");
        if (r < 0 && r >= -4095) errno_text(out, -r);
        else if (show == Show::Ok) format(out, "ok");
        else if (show == Show::Text) format(out, "{}", text);
        else format(out, "{}", r);
        format(out, "\n");
        sys::write(1, out.view().data(), out.length());
        ++m_lines;
    }

    const char* m_program;
    int m_lines = 0;
};

}  // namespace probe
