/**
 * @file user/programs/errno-mem.cpp
 * @brief Differential probes of the memory and process calls: syscall
 * numbers, getpid, mmap, munmap, arch_prctl and exit_group.
 *
 * One line per call, `errno-mem: CALL = RESULT`, compared line for line
 * with the same program on the host's Linux (chapters/04-user/test-errno-mem.expect
 * and its copies in chapters 05 and 06). Nothing here judges a result:
 * Linux's output is the reference, and a line that differs is a kernel bug
 * or a difference to document.
 *
 * What is probed, systematically: NULL, unmapped, kernel-half
 * (0xffffffff80000000, 0xffff800000000000) and non-canonical
 * (0x800000000000) addresses, the last user page 0x7ffffffff000 and ranges
 * that straddle the end of user space, zero and huge lengths, the upper 32
 * bits of the syscall number and of int arguments, bad flags, and which
 * error wins when two arguments are bad at once.
 *
 * Every line is the same on every run: an address the kernel chooses is
 * shown only as a fact about it ("page-aligned", "at the hint"), a pid as
 * "positive". Calls that crash or stall the course kernel today are kept
 * out (see the regress-*.cpp programs), so that this program always runs to
 * its last line. Ranges below 0x10000 are not probed: whether Linux maps
 * them depends on vm.mmap_min_addr and on the caller's privileges.
 */
#include "runtime/print.h"
#include "runtime/probe.h"

namespace {

using abi::ArchPrctl;
namespace map = abi::map;
namespace prot = abi::prot;

constexpr uint64_t kKernelImage = 0xffffffff80000000;  // where the kernel is linked
constexpr uint64_t kKernelLow = 0xffff800000000000;    // the first kernel-half address
constexpr uint64_t kNonCanonical = 0x0000800000000000;  // one past user space
constexpr uint64_t kLastPage = 0x00007ffffffff000;      // Linux never maps this page
constexpr uint64_t kUnmapped = 0x0000010000000000;      // user space, nothing there
// Scratch areas for MAP_FIXED and hints: user space that neither Linux
// (mmap_base is near the top, the program at 0x400000) nor the course kernel
// (mmaps go down from 0x7f0000000000) uses on its own.
constexpr uint64_t kScratch = 0x0000200000000000;
constexpr uint64_t kScratch2 = 0x0000300000000000;
constexpr uint64_t kHighHint = 0x00007f8000000000;  // free, between the kernel's mmap top and the stack
constexpr uint64_t kPage = 4096;
constexpr long kRw = prot::Read | prot::Write;
constexpr long kAnon = map::Private | map::Anonymous;

constinit probe::Probes g_probe("errno-mem");

long mmap(uint64_t addr, uint64_t len, long prot_bits, long flags, long fd, uint64_t off) {
    return raw_syscall(abi::Sys::Mmap, static_cast<long>(addr), static_cast<long>(len), prot_bits, flags, fd,
                       static_cast<long>(off));
}
long munmap(uint64_t addr, uint64_t len) {
    return raw_syscall(abi::Sys::Munmap, static_cast<long>(addr), static_cast<long>(len));
}
long arch_prctl(long code, uint64_t addr) { return raw_syscall(abi::Sys::ArchPrctl, code, static_cast<long>(addr)); }

/// Undo a successful mapping so the next probe starts from the same state.
void unmap_if_mapped(long r, uint64_t len) {
    if (r >= 0) (void)munmap(static_cast<uint64_t>(r), len);
}

/// An mmap whose address the kernel chooses: only success and alignment show.
void probe_anon(StringView call, uint64_t addr, uint64_t len, long prot_bits, long flags, uint64_t off = 0) {
    const long r = mmap(addr, len, prot_bits, flags, -1, off);
    g_probe.says(r, (r & (kPage - 1)) == 0 ? "page-aligned" : "NOT page-aligned", call);
    unmap_if_mapped(r, len);
}

/// An mmap with an address: where the mapping landed, relative to @p addr.
void probe_at(StringView call, uint64_t addr, uint64_t len, long prot_bits, long flags) {
    const long r = mmap(addr, len, prot_bits, flags, -1, 0);
    const auto got = static_cast<uint64_t>(r);
    g_probe.says(r,
                 got == addr                    ? "at the address asked for"
                 : got == (addr & ~(kPage - 1)) ? "at the page of the address asked for"
                                                : "elsewhere",
                 call);
    unmap_if_mapped(r, len);
}

void syscall_numbers() {
    const long pid = sys::getpid();
    g_probe.says(pid, pid > 0 ? "positive" : "NOT positive", "getpid()");
    auto same_pid = [&](long nr, StringView call) {
        const long r = raw_syscall(nr);
        g_probe.says(r, r == pid ? "same as getpid()" : "NOT getpid()'s pid", call);
    };
    // Linux takes the number from eax, sign-extended: the upper half of rax is ignored.
    same_pid(0x100000027, "syscall(0x100000027)");
    same_pid(static_cast<long>(0xffffffff00000027), "syscall(0xffffffff00000027)");
    same_pid(0x7fffffff00000027, "syscall(0x7fffffff00000027)");
    g_probe.value(raw_syscall(static_cast<long>(0x80000027)), "syscall(0x80000027)");
    g_probe.value(raw_syscall(-1), "syscall(-1)");
    g_probe.value(raw_syscall(0x7fffffffffffffff), "syscall(0x7fffffffffffffff)");
    g_probe.value(raw_syscall(400), "syscall(400)");
    g_probe.value(raw_syscall(100000), "syscall(100000)");
    g_probe.value(raw_syscall(0x1000001f4), "syscall(0x1000001f4)");
    // An upper-half number that reaches arch_prctl(ARCH_GET_FS): a real call.
    uint64_t fs = 1;
    const long r = raw_syscall(0x10000009e, static_cast<long>(ArchPrctl::GetFs), reinterpret_cast<long>(&fs));
    g_probe.says(r, fs == 0 ? "0, FS base 0" : "0, FS base NOT 0", "syscall(0x10000009e, ARCH_GET_FS, &fs)");
}

void mmap_lengths_and_types() {
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON, -1, 0)", 0, kPage, kRw, kAnon);
    probe_anon("mmap(NULL, 1, RW, PRIVATE|ANON, -1, 0)", 0, 1, kRw, kAnon);
    probe_anon("mmap(NULL, 0, RW, PRIVATE|ANON, -1, 0)", 0, 0, kRw, kAnon);
    probe_anon("mmap(NULL, -1, RW, PRIVATE|ANON, -1, 0)", 0, ~0ull, kRw, kAnon);
    probe_anon("mmap(NULL, -4096, RW, PRIVATE|ANON, -1, 0)", 0, -kPage, kRw, kAnon);
    probe_anon("mmap(NULL, 1<<47, RW, PRIVATE|ANON, -1, 0)", 0, 1ull << 47, kRw, kAnon);
    probe_anon("mmap(NULL, 0x7ffffffff000, RW, PRIVATE|ANON, -1, 0)", 0, kLastPage, kRw, kAnon);
    probe_anon("mmap(NULL, 4096, RW, SHARED|ANON, -1, 0)", 0, kPage, kRw, map::Shared | map::Anonymous);
    probe_anon("mmap(NULL, 4096, RW, ANON, -1, 0)", 0, kPage, kRw, map::Anonymous);
    probe_anon("mmap(NULL, 4096, RW, SHARED|PRIVATE|ANON, -1, 0)", 0, kPage, kRw, map::Shared | map::Private | map::Anonymous);
    probe_anon("mmap(NULL, 4096, RW, 0x4|ANON, -1, 0)", 0, kPage, kRw, 0x4 | map::Anonymous);
    probe_anon("mmap(NULL, 4096, RW, 0x8|PRIVATE|ANON, -1, 0)", 0, kPage, kRw, 0x8 | kAnon);
    probe_anon("mmap(NULL, 4096, RW, 0x100000000|PRIVATE|ANON, -1, 0)", 0, kPage, kRw, 0x100000000 | kAnon);
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON|POPULATE, -1, 0)", 0, kPage, kRw, kAnon | map::Populate);
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON|NORESERVE, -1, 0)", 0, kPage, kRw, kAnon | 0x4000);
    // Two bad arguments: which error wins.
    probe_anon("mmap(NULL, 0, RW, ANON, -1, 0)", 0, 0, kRw, map::Anonymous);
    probe_anon("mmap(NULL, -1, RW, ANON, -1, 0)", 0, ~0ull, kRw, map::Anonymous);
    probe_anon("mmap(NULL, 0, RW, PRIVATE|ANON, -1, 1)", 0, 0, kRw, kAnon, 1);
    probe_anon("mmap(NULL, -1, RW, ANON, -1, 1)", 0, ~0ull, kRw, map::Anonymous, 1);
}

void mmap_prot_and_offset() {
    probe_anon("mmap(NULL, 4096, NONE, PRIVATE|ANON, -1, 0)", 0, kPage, prot::None, kAnon);
    probe_anon("mmap(NULL, 4096, RWX, PRIVATE|ANON, -1, 0)", 0, kPage, kRw | prot::Exec, kAnon);
    probe_anon("mmap(NULL, 4096, 0x10, PRIVATE|ANON, -1, 0)", 0, kPage, 0x10, kAnon);
    probe_anon("mmap(NULL, 4096, 0x100000003, PRIVATE|ANON, -1, 0)", 0, kPage, 0x100000003, kAnon);
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON, -1, 1)", 0, kPage, kRw, kAnon, 1);
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON, -1, 0x800)", 0, kPage, kRw, kAnon, 0x800);
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON, -1, 4096)", 0, kPage, kRw, kAnon, kPage);
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON, -1, 1<<62)", 0, kPage, kRw, kAnon, 1ull << 62);
    probe_anon("mmap(NULL, 4096, RW, PRIVATE|ANON, -1, -4096)", 0, kPage, kRw, kAnon, -kPage);
    probe_anon("mmap(NULL, 8192, RW, PRIVATE|ANON, -1, -4096)", 0, 2 * kPage, kRw, kAnon, -kPage);
    // Not anonymous: the descriptor is checked (no file here is mappable).
    g_probe.value(mmap(0, kPage, prot::Read, map::Private, -1, 0), "mmap(NULL, 4096, R, PRIVATE, -1, 0)");
    g_probe.value(mmap(0, kPage, prot::Read, map::Private, 99, 0), "mmap(NULL, 4096, R, PRIVATE, 99, 0)");
    g_probe.value(mmap(0, kPage, prot::Read, map::Private, 0x100000063, 0),
                  "mmap(NULL, 4096, R, PRIVATE, 0x100000063, 0)");
    g_probe.value(mmap(0, kPage, prot::Read, map::Private, 99, 1), "mmap(NULL, 4096, R, PRIVATE, 99, 1)");
    g_probe.value(mmap(0, 0, prot::Read, map::Private, 99, 0), "mmap(NULL, 0, R, PRIVATE, 99, 0)");
    g_probe.value(mmap(0, ~0ull, prot::Read, map::Private, 99, 0), "mmap(NULL, -1, R, PRIVATE, 99, 0)");
    g_probe.value(mmap(0, kPage, prot::Read, 0, 99, 0), "mmap(NULL, 4096, R, 0, 99, 0)");
    g_probe.value(mmap(0, kPage, prot::Read, map::Shared | map::Private, 99, 0),
                  "mmap(NULL, 4096, R, SHARED|PRIVATE, 99, 0)");
}

void mmap_fixed_and_hints() {
    const long fixed = map::Fixed | kAnon;
    const long noreplace = map::FixedNoReplace | kAnon;
    probe_at("mmap(0x200000000000, 4096, RW, FIXED|PRIVATE|ANON)", kScratch, kPage, kRw, fixed);
    probe_at("mmap(0x200000000001, 4096, RW, FIXED|PRIVATE|ANON)", kScratch + 1, kPage, kRw, fixed);
    probe_at("mmap(0x200000000000, 0, RW, FIXED|PRIVATE|ANON)", kScratch, 0, kRw, fixed);
    probe_at("mmap(0x200000000000, -4096, RW, FIXED|PRIVATE|ANON)", kScratch, -kPage, kRw, fixed);
    probe_at("mmap(0x200000000000, 4096, RW, FIXED|ANON)", kScratch, kPage, kRw, map::Fixed | map::Anonymous);
    // The top of user space. NOREPLACE, so that a stack placed at the very top
    // (ASLR off) is reported rather than replaced.
    probe_at("mmap(0x7ffffffff000, 4096, RW, FIXED_NOREPLACE|PRIVATE|ANON)", kLastPage, kPage, kRw, noreplace);
    probe_at("mmap(0x7fffffffe000, 8192, RW, FIXED_NOREPLACE|PRIVATE|ANON)", kLastPage - kPage, 2 * kPage, kRw,
             noreplace);
    probe_at("mmap(0x7fffffffe000, 4096, RW, FIXED_NOREPLACE|PRIVATE|ANON)", kLastPage - kPage, kPage, kRw,
             noreplace);
    probe_at("mmap(0x7ffffffff000, 4096, RW, FIXED|PRIVATE|ANON)", kLastPage, kPage, kRw, fixed);
    probe_at("mmap(0x800000000000, 4096, RW, FIXED|PRIVATE|ANON)", kNonCanonical, kPage, kRw, fixed);
    probe_at("mmap(0xffff800000000000, 4096, RW, FIXED|PRIVATE|ANON)", kKernelLow, kPage, kRw, fixed);
    probe_at("mmap(0xffffffff80000000, 4096, RW, FIXED|PRIVATE|ANON)", kKernelImage, kPage, kRw, fixed);
    probe_at("mmap(0xffffffff80000001, 4096, RW, FIXED|PRIVATE|ANON)", kKernelImage + 1, kPage, kRw, fixed);
    probe_at("mmap(0x800000000001, 0, RW, FIXED|PRIVATE|ANON)", kNonCanonical + 1, 0, kRw, fixed);
    probe_at("mmap(0xfffffffffffff000, 8192, RW, FIXED|PRIVATE|ANON)", ~0ull - kPage + 1, 2 * kPage, kRw, fixed);

    // Replacing and refusing to replace.
    const long r = mmap(kScratch, 2 * kPage, kRw, fixed, -1, 0);
    g_probe.says(r, static_cast<uint64_t>(r) == kScratch ? "at the address asked for" : "elsewhere",
                 "mmap(0x200000000000, 8192, RW, FIXED|PRIVATE|ANON)");
    if (r >= 0) *reinterpret_cast<volatile char*>(kScratch + kPage) = 'x';
    g_probe.value(mmap(kScratch + kPage, kPage, kRw, noreplace, -1, 0),
                  "mmap(0x200000001000, 4096, RW, FIXED_NOREPLACE|PRIVATE|ANON) over a mapping");
    g_probe.value(mmap(kScratch - kPage, 2 * kPage, kRw, noreplace, -1, 0),
                  "mmap(0x1ffffffff000, 8192, RW, FIXED_NOREPLACE|PRIVATE|ANON) half over a mapping");
    const long again = mmap(kScratch + kPage, kPage, kRw, fixed, -1, 0);
    g_probe.says(again, static_cast<uint64_t>(again) == kScratch + kPage ? "at the address asked for" : "elsewhere",
                 "mmap(0x200000001000, 4096, RW, FIXED|PRIVATE|ANON) over a mapping");
    if (r >= 0 && again >= 0)
        g_probe.note("the replaced page reads {}", static_cast<int>(*reinterpret_cast<volatile char*>(kScratch + kPage)));
    else
        g_probe.note("the replaced page was not replaced");

    // Hints (no MAP_FIXED): taken when free and valid, else ignored.
    probe_at("mmap(hint 0x300000000000, 4096, RW, PRIVATE|ANON)", kScratch2, kPage, kRw, kAnon);
    probe_at("mmap(hint 0x300000000123, 4096, RW, PRIVATE|ANON)", kScratch2 + 0x123, kPage, kRw, kAnon);
    probe_at("mmap(hint 0x200000001000 (mapped), 4096, RW, PRIVATE|ANON)", kScratch + kPage, kPage, kRw, kAnon);
    probe_at("mmap(hint 0x7f8000000000, 4096, RW, PRIVATE|ANON)", kHighHint, kPage, kRw, kAnon);
    probe_at("mmap(hint 0x7ffffffff000, 4096, RW, PRIVATE|ANON)", kLastPage, kPage, kRw, kAnon);
    probe_at("mmap(hint 0x800000000000, 4096, RW, PRIVATE|ANON)", kNonCanonical, kPage, kRw, kAnon);
    probe_at("mmap(hint 0xffffffff80000000, 4096, RW, PRIVATE|ANON)", kKernelImage, kPage, kRw, kAnon);
    (void)munmap(kScratch, 2 * kPage);
}

void munmap_ranges() {
    const long r = mmap(kScratch, 4 * kPage, kRw, map::Fixed | kAnon, -1, 0);
    g_probe.says(r, static_cast<uint64_t>(r) == kScratch ? "at the address asked for" : "elsewhere",
                 "mmap(0x200000000000, 16384, RW, FIXED|PRIVATE|ANON)");
    g_probe.value(munmap(kScratch, kPage), "munmap(0x200000000000, 4096)");
    g_probe.value(munmap(kScratch, kPage), "munmap(0x200000000000, 4096) again");
    g_probe.value(munmap(kScratch + kPage, 1), "munmap(0x200000001000, 1)");
    g_probe.value(munmap(kScratch + 1, kPage), "munmap(0x200000000001, 4096)");
    g_probe.value(munmap(kScratch, 0), "munmap(0x200000000000, 0)");
    g_probe.value(munmap(kScratch, ~0ull), "munmap(0x200000000000, -1)");
    g_probe.value(munmap(kScratch, -kPage), "munmap(0x200000000000, -4096)");
    g_probe.value(munmap(kScratch, kNonCanonical), "munmap(0x200000000000, 0x800000000000)");
    g_probe.value(munmap(kScratch + 1, 0), "munmap(0x200000000001, 0)");
    g_probe.value(munmap(kUnmapped, kPage), "munmap(0x10000000000, 4096)");
    g_probe.value(munmap(0, kPage), "munmap(NULL, 4096)");
    // The page below the last one, only if it is ours: with ASLR off, Linux
    // puts the stack there, and unmapping it would end this program.
    const long top = mmap(kLastPage - kPage, kPage, kRw, map::FixedNoReplace | kAnon, -1, 0);
    g_probe.says(top, static_cast<uint64_t>(top) == kLastPage - kPage ? "at the address asked for" : "elsewhere",
                 "mmap(0x7fffffffe000, 4096, RW, FIXED_NOREPLACE|PRIVATE|ANON)");
    if (static_cast<uint64_t>(top) == kLastPage - kPage) {
        g_probe.value(munmap(kLastPage - kPage, 2 * kPage), "munmap(0x7fffffffe000, 8192)");
        g_probe.value(munmap(kLastPage - kPage, kPage), "munmap(0x7fffffffe000, 4096)");
    } else {
        g_probe.note("munmap(0x7fffffffe000, 8192) skipped: the page is not ours");
        g_probe.note("munmap(0x7fffffffe000, 4096) skipped: the page is not ours");
    }
    g_probe.value(munmap(kLastPage, kPage), "munmap(0x7ffffffff000, 4096)");
    g_probe.value(munmap(kLastPage, 1), "munmap(0x7ffffffff000, 1)");
    g_probe.value(munmap(kNonCanonical, kPage), "munmap(0x800000000000, 4096)");
    g_probe.value(munmap(kKernelLow, kPage), "munmap(0xffff800000000000, 4096)");
    g_probe.value(munmap(kKernelImage, kPage), "munmap(0xffffffff80000000, 4096)");
    g_probe.value(munmap(~0ull - kPage + 1, kPage), "munmap(0xfffffffffffff000, 4096)");
    (void)munmap(kScratch, 4 * kPage);
}

/// Print the FS or GS base as the next line's text.
void show_base(ArchPrctl get, StringView call) {
    uint64_t base = 0x5a5a;
    const long r = arch_prctl(static_cast<long>(get), reinterpret_cast<uint64_t>(&base));
    char text[40];
    format_to(text, sizeof text, "0, base {:#x}", base);
    g_probe.says(r, text, call);
}

void arch_prctl_calls(uint64_t readonly_page, uint64_t edge) {
    const long set_fs = static_cast<long>(ArchPrctl::SetFs), set_gs = static_cast<long>(ArchPrctl::SetGs);
    const long get_fs = static_cast<long>(ArchPrctl::GetFs), get_gs = static_cast<long>(ArchPrctl::GetGs);
    show_base(ArchPrctl::GetFs, "arch_prctl(ARCH_GET_FS, &base) at start");
    g_probe.value(arch_prctl(set_fs, 0x7fffffffefff), "arch_prctl(ARCH_SET_FS, 0x7fffffffefff)");
    show_base(ArchPrctl::GetFs, "arch_prctl(ARCH_GET_FS, &base)");
    g_probe.value(arch_prctl(set_fs, kLastPage), "arch_prctl(ARCH_SET_FS, 0x7ffffffff000)");
    show_base(ArchPrctl::GetFs, "arch_prctl(ARCH_GET_FS, &base)");
    g_probe.value(arch_prctl(set_fs, 0x7fffffffffff), "arch_prctl(ARCH_SET_FS, 0x7fffffffffff)");
    g_probe.value(arch_prctl(set_fs, kNonCanonical), "arch_prctl(ARCH_SET_FS, 0x800000000000)");
    g_probe.value(arch_prctl(set_fs, kKernelLow), "arch_prctl(ARCH_SET_FS, 0xffff800000000000)");
    g_probe.value(arch_prctl(set_fs, kKernelImage), "arch_prctl(ARCH_SET_FS, 0xffffffff80000000)");
    g_probe.value(arch_prctl(set_fs, ~0ull), "arch_prctl(ARCH_SET_FS, -1)");
    show_base(ArchPrctl::GetFs, "arch_prctl(ARCH_GET_FS, &base)");
    g_probe.value(arch_prctl(set_fs | 0x100000000, 0x1000), "arch_prctl(0x100001002 (ARCH_SET_FS), 0x1000)");
    show_base(ArchPrctl::GetFs, "arch_prctl(ARCH_GET_FS, &base)");
    g_probe.value(arch_prctl(set_fs, 0), "arch_prctl(ARCH_SET_FS, 0)");

    show_base(ArchPrctl::GetGs, "arch_prctl(ARCH_GET_GS, &base) at start");
    g_probe.value(arch_prctl(set_gs, 0x7fffffffefff), "arch_prctl(ARCH_SET_GS, 0x7fffffffefff)");
    g_probe.value(arch_prctl(set_gs, kLastPage), "arch_prctl(ARCH_SET_GS, 0x7ffffffff000)");
    show_base(ArchPrctl::GetGs, "arch_prctl(ARCH_GET_GS, &base)");
    g_probe.value(arch_prctl(set_gs, kNonCanonical), "arch_prctl(ARCH_SET_GS, 0x800000000000)");
    g_probe.value(arch_prctl(set_gs, kKernelImage), "arch_prctl(ARCH_SET_GS, 0xffffffff80000000)");
    show_base(ArchPrctl::GetGs, "arch_prctl(ARCH_GET_GS, &base)");
    g_probe.value(arch_prctl(set_gs, 0), "arch_prctl(ARCH_SET_GS, 0)");

    g_probe.value(arch_prctl(get_fs, 0), "arch_prctl(ARCH_GET_FS, NULL)");
    g_probe.value(arch_prctl(get_fs, kKernelImage), "arch_prctl(ARCH_GET_FS, 0xffffffff80000000)");
    g_probe.value(arch_prctl(get_fs, kNonCanonical), "arch_prctl(ARCH_GET_FS, 0x800000000000)");
    g_probe.value(arch_prctl(get_fs, kLastPage), "arch_prctl(ARCH_GET_FS, 0x7ffffffff000)");
    g_probe.value(arch_prctl(get_fs, kLastPage + kPage - 4), "arch_prctl(ARCH_GET_FS, 0x7ffffffffffc)");
    g_probe.value(arch_prctl(get_fs, kUnmapped), "arch_prctl(ARCH_GET_FS, 0x10000000000)");
    g_probe.value(arch_prctl(get_fs, readonly_page), "arch_prctl(ARCH_GET_FS, read-only page)");
    g_probe.value(arch_prctl(get_fs, edge), "arch_prctl(ARCH_GET_FS, 4 bytes before an unmapped page)");
    g_probe.value(arch_prctl(get_fs, reinterpret_cast<uint64_t>(&syscall_numbers)),
                  "arch_prctl(ARCH_GET_FS, the program's code)");
    g_probe.value(arch_prctl(get_gs, 0), "arch_prctl(ARCH_GET_GS, NULL)");
    g_probe.value(arch_prctl(get_gs, kKernelImage), "arch_prctl(ARCH_GET_GS, 0xffffffff80000000)");
    g_probe.value(arch_prctl(get_gs, readonly_page), "arch_prctl(ARCH_GET_GS, read-only page)");

    g_probe.value(arch_prctl(0, 0), "arch_prctl(0, 0)");
    g_probe.value(arch_prctl(0x1000, 0), "arch_prctl(0x1000, 0)");
    g_probe.value(arch_prctl(0x1005, 0), "arch_prctl(0x1005, 0)");
    g_probe.value(arch_prctl(-1, 0), "arch_prctl(-1, 0)");
    g_probe.value(arch_prctl(0x9999, 0), "arch_prctl(0x9999, NULL)");
    g_probe.value(arch_prctl(0x100000000, 0), "arch_prctl(0x100000000, 0)");
}

}  // namespace

/// Run every probe family in order, then exit_group with an upper half that Linux ignores.
int main(int, char**, char**) {
    syscall_numbers();
    mmap_lengths_and_types();
    mmap_prot_and_offset();
    mmap_fixed_and_hints();
    munmap_ranges();

    // A read-only page, and a page whose next page is unmapped.
    const long ro = mmap(0, kPage, prot::Read, kAnon, -1, 0);
    g_probe.ok(ro, "mmap(NULL, 4096, R, PRIVATE|ANON, -1, 0)");
    const long edge = probe::map_edge_page();
    g_probe.says(edge, static_cast<uint64_t>(edge) == probe::kEdgePage ? "at the address asked for" : "elsewhere",
                 "mmap(0x500000000000, 4096, RW, FIXED_NOREPLACE|PRIVATE|ANON)");
    arch_prctl_calls(ro >= 0 ? static_cast<uint64_t>(ro) : kUnmapped,
                     static_cast<uint64_t>(edge) == probe::kEdgePage ? probe::kEdgePage + kPage - 4 : kUnmapped);
    g_probe.end();
    // exit_group takes an int: the upper half is ignored, and 0x100 & 0xff is 0.
    raw_syscall(abi::Sys::ExitGroup, static_cast<long>(0xffffffff00000100));
    return 1;  // not reached
}
