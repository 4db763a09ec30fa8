/**
 * @file kernel/options.cpp
 * @brief The option list and the command-line parser.
 */
#include "kernel/options.h"

#include "kernel/console.h"

namespace {
KernelOption* g_first = nullptr;  // in registration order
KernelOption** g_tail = &g_first;

}  // namespace

KernelOption::KernelOption(const char* name, const char* values, Handler handler)
    : m_name(name), m_values(values), m_handler(handler) {
    *g_tail = this;
    g_tail = &m_next;
}

int KernelOption::parse_command_line(StringView cmdline) {
    int rejected = 0;
    size_t i = 0;
    while (i < cmdline.size()) {
        if (cmdline[i] == ' ') {
            ++i;
            continue;
        }
        size_t end = cmdline.find(' ', i);
        if (end == StringView::npos) end = cmdline.size();
        const StringView word = cmdline.substr(i, end - i);
        i = end;

        const size_t eq = word.find('=');
        const StringView name = word.substr(0, eq);
        const StringView value = eq == StringView::npos ? StringView() : word.substr(eq + 1);

        KernelOption* option = g_first;
        while (option && !(StringView(option->m_name) == name)) option = option->m_next;
        if (!option) {
            kprint("[Boot] unknown option '{}'; known options:", word);
            if (!g_first) kprint(" none");
            for (KernelOption* o = g_first; o; o = o->m_next) kprint(" {}={}", o->m_name, o->m_values);
            kprint("\n");
            ++rejected;
        } else if (!option->m_handler(value)) {
            kprint("[Boot] option '{}': allowed values are {}\n", word, option->m_values);
            ++rejected;
        } else {
            kprint("[Boot] option {}\n", word);
        }
    }
    return rejected;
}
