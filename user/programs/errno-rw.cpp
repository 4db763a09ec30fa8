/**
 * @file user/programs/errno-rw.cpp
 * @brief Differential probes of read and write on the standard descriptors,
 * the calls every chapter from 04 on has.
 *
 * One line per call, `errno-rw: CALL = RESULT`, compared line for line with
 * the same program on the host's Linux (chapters/04-user/test-errno-rw.expect
 * and its copies in 05 and 06). Linux's output is the reference.
 *
 * Writes go to fd 2: in the test (tools/same_as_linux.py) it is a pipe on
 * Linux and the console in the course kernel, and both read the buffer, so
 * a bad one is -EFAULT in both. (Run by hand with 2>/dev/null, Linux gives
 * different answers: /dev/null never reads the buffer.) Nothing here reads fd 0-2 (on
 * Linux, stdin is whatever the test runner has), so reads are probed only
 * with descriptors that are not open. Every successful write sends a whole
 * line ("\n"), so that nothing is glued to the start of the next probe line
 * on the kernel's console. The pipe calls are in errno-fd.cpp.
 */
#include "runtime/print.h"
#include "runtime/probe.h"

namespace {

namespace map = abi::map;
namespace prot = abi::prot;

constexpr uint64_t kKernelImage = 0xffffffff80000000;
constexpr uint64_t kKernelLow = 0xffff800000000000;
constexpr uint64_t kNonCanonical = 0x0000800000000000;
constexpr uint64_t kLastPage = 0x00007ffffffff000;
constexpr uint64_t kUnmapped = 0x0000010000000000;
constexpr uint64_t kPage = 4096;

constinit probe::Probes g_probe("errno-rw");

long write(long fd, uint64_t buf, uint64_t n) {
    return raw_syscall(abi::Sys::Write, fd, static_cast<long>(buf), static_cast<long>(n));
}
long read(long fd, uint64_t buf, uint64_t n) {
    return raw_syscall(abi::Sys::Read, fd, static_cast<long>(buf), static_cast<long>(n));
}

const char kNewline[] = "\n";  // in read-only data
char g_line[2] = {'\n', 0};    // in writable data

uint64_t nl() { return reinterpret_cast<uint64_t>(kNewline); }

void descriptors() {
    g_probe.value(write(2, nl(), 1), "write(2, \"\\n\", 1)");
    g_probe.value(write(2, reinterpret_cast<uint64_t>(g_line), 1), "write(2, \"\\n\" in writable data, 1)");
    g_probe.value(write(2, nl(), 0), "write(2, \"\\n\", 0)");
    // write takes an unsigned int fd: Linux ignores the upper half.
    g_probe.value(write(0x100000002, nl(), 1), "write(0x100000002, \"\\n\", 1)");
    g_probe.value(write(static_cast<long>(0xffffffff00000002), nl(), 1), "write(0xffffffff00000002, \"\\n\", 1)");
    g_probe.value(write(3, nl(), 1), "write(3, \"\\n\", 1)");
    g_probe.value(write(99, nl(), 1), "write(99, \"\\n\", 1)");
    g_probe.value(write(-1, nl(), 1), "write(-1, \"\\n\", 1)");
    g_probe.value(write(0x7fffffff, nl(), 1), "write(0x7fffffff, \"\\n\", 1)");
    g_probe.value(write(0x80000000, nl(), 1), "write(0x80000000, \"\\n\", 1)");
    g_probe.value(write(0x100000063, nl(), 1), "write(0x100000063, \"\\n\", 1)");
    g_probe.value(read(3, reinterpret_cast<uint64_t>(g_line), 1), "read(3, buf, 1)");
    g_probe.value(read(99, reinterpret_cast<uint64_t>(g_line), 1), "read(99, buf, 1)");
    g_probe.value(read(-1, reinterpret_cast<uint64_t>(g_line), 1), "read(-1, buf, 1)");
    g_probe.value(read(0x100000063, reinterpret_cast<uint64_t>(g_line), 1), "read(0x100000063, buf, 1)");
    // Two bad arguments: the descriptor is checked first.
    g_probe.value(write(99, 0, 1), "write(99, NULL, 1)");
    g_probe.value(write(99, kKernelImage, 0), "write(99, 0xffffffff80000000, 0)");
    g_probe.value(write(-1, kNonCanonical, ~0ull), "write(-1, 0x800000000000, -1)");
    g_probe.value(read(99, 0, 1), "read(99, NULL, 1)");
    g_probe.value(read(99, kKernelImage, 0), "read(99, 0xffffffff80000000, 0)");
    g_probe.value(read(-1, kNonCanonical, ~0ull), "read(-1, 0x800000000000, -1)");
    // The syscall number's upper half is ignored too: on Linux this is write(2, "\n", 1).
    g_probe.value(raw_syscall(0x100000001, 2, static_cast<long>(nl()), 1), "syscall(0x100000001, 2, \"\\n\", 1)");
}

void buffers(uint64_t none_page, uint64_t edge) {
    g_probe.value(write(2, 0, 1), "write(2, NULL, 1)");
    g_probe.value(write(2, 0, 0), "write(2, NULL, 0)");
    g_probe.value(write(2, 0, ~0ull), "write(2, NULL, -1)");
    g_probe.value(write(2, kKernelImage, 1), "write(2, 0xffffffff80000000, 1)");
    g_probe.value(write(2, kKernelImage, 0), "write(2, 0xffffffff80000000, 0)");
    g_probe.value(write(2, kKernelLow, 1), "write(2, 0xffff800000000000, 1)");
    g_probe.value(write(2, kKernelLow, 0), "write(2, 0xffff800000000000, 0)");
    g_probe.value(write(2, kNonCanonical, 1), "write(2, 0x800000000000, 1)");
    g_probe.value(write(2, kNonCanonical, 0), "write(2, 0x800000000000, 0)");
    g_probe.value(write(2, kLastPage, 1), "write(2, 0x7ffffffff000, 1)");
    g_probe.value(write(2, kLastPage, 0), "write(2, 0x7ffffffff000, 0)");
    g_probe.value(write(2, kLastPage + kPage - 1, 1), "write(2, 0x7fffffffffff, 1)");
    g_probe.value(write(2, kLastPage + kPage - 1, 0), "write(2, 0x7fffffffffff, 0)");
    g_probe.value(write(2, kLastPage, 2 * kPage), "write(2, 0x7ffffffff000, 8192)");
    g_probe.value(write(2, kUnmapped, 1), "write(2, 0x10000000000, 1)");
    g_probe.value(write(2, kUnmapped, 0), "write(2, 0x10000000000, 0)");
    g_probe.value(write(2, kUnmapped, 1ull << 40), "write(2, 0x10000000000, 1<<40)");
    g_probe.value(write(2, ~0ull, 1), "write(2, -1, 1)");
    g_probe.value(write(2, ~0ull, 0), "write(2, -1, 0)");
    g_probe.value(write(2, nl(), ~0ull), "write(2, \"\\n\", -1)");
    g_probe.value(write(2, nl(), 1ull << 63), "write(2, \"\\n\", 1<<63)");
    g_probe.value(write(2, none_page, 1), "write(2, PROT_NONE page, 1)");
    g_probe.value(write(2, none_page, 0), "write(2, PROT_NONE page, 0)");
    g_probe.value(write(2, edge, 8), "write(2, 4 bytes before an unmapped page, 8)");
    g_probe.value(write(2, edge + 3, 1), "write(2, \"\\n\" as the last byte before an unmapped page, 1)");
}

}  // namespace

/// Probe the descriptors, then the buffers; exit 0.
int main(int, char**, char**) {
    descriptors();
    const long none = sys::mmap(nullptr, kPage, prot::None, map::Private | map::Anonymous, -1, 0);
    g_probe.ok(none, "mmap(NULL, 4096, NONE, PRIVATE|ANON, -1, 0)");
    const long page = probe::map_edge_page();
    g_probe.says(page, static_cast<uint64_t>(page) == probe::kEdgePage ? "at the address asked for" : "elsewhere",
                 "mmap(0x500000000000, 4096, RW, FIXED_NOREPLACE|PRIVATE|ANON)");
    uint64_t edge = kUnmapped;
    if (static_cast<uint64_t>(page) == probe::kEdgePage) {
        edge = probe::kEdgePage + kPage - 4;
        reinterpret_cast<char*>(edge)[3] = '\n';
    }
    buffers(none >= 0 ? static_cast<uint64_t>(none) : kUnmapped, edge);
    g_probe.end();
    return 0;
}
