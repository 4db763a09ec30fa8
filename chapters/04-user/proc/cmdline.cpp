/**
 * @file chapters/04-user/proc/cmdline.cpp
 * @brief GRUB's quoting undone, and the words sorted into argv and envp.
 */
#include "proc/cmdline.h"

namespace {

constexpr bool is_space(char c) { return c == ' ' || c == '\t'; }

// The name part of NAME=VALUE (the whole word if it has no '=').
StringView name_of(StringView variable) {
    const size_t equals = variable.find('=');
    return variable.substr(0, equals);
}

}  // namespace

Result<size_t, const char*> split_words(StringView line, CommandLine& out, StringView* words, size_t max_words) {
    size_t count = 0, used = 0, i = 0;
    for (;;) {
        while (i < line.size() && is_space(line[i])) ++i;
        if (i == line.size()) return count;
        if (count == max_words) return Err("too many words on the command line");
        const size_t start = used;
        bool quoted = false;
        for (; i < line.size() && (quoted || !is_space(line[i])); ++i) {
            char c = line[i];
            if (c == '"') {
                quoted = !quoted;
                continue;
            }
            if (c == '\\' && i + 1 < line.size()) c = line[++i];  // GRUB's escape: the next character as it is
            if (used + 1 >= CommandLine::kMaxBytes) return Err("command line too long");
            out.bytes[used++] = c;
        }
        if (quoted) return Err("a quote is not closed on the command line");
        out.bytes[used++] = '\0';
        words[count++] = StringView(out.bytes + start, used - 1 - start);
    }
}

Result<void, const char*> parse_command_line(StringView line, CommandLine& out) {
    StringView words[CommandLine::kMaxWords];
    const size_t count = TRY(split_words(line, out, words, CommandLine::kMaxWords));

    out.envc = 0;
    for (StringView variable : kDefaultEnvironment) out.envp[out.envc++] = variable;
    size_t w = 0;
    for (; w < count && words[w].find('=') != StringView::npos; ++w) {
        size_t slot = 0;
        while (slot < out.envc && !(name_of(out.envp[slot]) == name_of(words[w]))) ++slot;
        if (slot == out.envc) ++out.envc;  // a new name goes at the end
        out.envp[slot] = words[w];
    }
    if (w == count) return Err("no program name on the command line");
    out.argc = 0;
    for (; w < count; ++w) out.argv[out.argc++] = words[w];
    return {};
}
