/**
 * @file user/programs/sysret-top.cpp
 * @brief A syscall instruction in the last two bytes of user space.
 *
 * `syscall` saves the address of the next instruction in RCX; here that is
 * 0x0000800000000000, the first non-canonical address. If the kernel returns
 * with sysretq, an Intel CPU raises #GP in ring 0 with the user's RSP and GS:
 * a kernel crash, or worse (CVE-2012-0217). A correct kernel notices and
 * returns with iretq, which faults safely, and the program dies of SIGSEGV
 * (status 139), as it would on Linux.
 *
 * Linux itself never lets it get this far: it keeps the top page of user
 * space unmapped (TASK_SIZE ends at 0x7ffffffff000), so the mmap below
 * fails with -ENOMEM and the program says so and exits with status 0. The
 * course kernel does the same, unless booted with toppage=1 (chapter 05),
 * which allows the page so that the check in syscall_exit can be seen to work.
 */
#include "runtime/print.h"

/// Copy a `syscall` to the last two bytes of user space and jump there; the kernel must kill it with
/// SIGSEGV. If the page cannot be mapped (as on Linux), say so: status 0 for -ENOMEM.
int main(int, char**, char**) {
    constexpr uint64_t kTopPage = 0x00007ffffffff000;
    const long mapped = sys::mmap(reinterpret_cast<void*>(kTopPage), abi::kPageSize,
                                  abi::prot::Read | abi::prot::Write | abi::prot::Exec,
                                  abi::map::Private | abi::map::Anonymous | abi::map::Fixed, -1, 0);
    if (mapped != static_cast<long>(kTopPage)) {
        print("sysret-top: mmap(MAP_FIXED, the top page of user space) -> {}: it stays unmapped, as on Linux\n",
              mapped);
        return mapped == -abi::Errno::NoMem ? 0 : 2;
    }
    auto* code = reinterpret_cast<volatile uint8_t*>(kTopPage + abi::kPageSize - 2);
    code[0] = 0x0f;  // syscall
    code[1] = 0x05;
    print("sysret-top: calling getpid through a syscall at {}; it returns to 0x800000000000\n",
          const_cast<uint8_t*>(code));
    asm volatile("jmp *%0" ::"r"(code), "a"(static_cast<long>(abi::Sys::Getpid)) : "rcx", "r11", "memory");
    print("sysret-top: survived the return to a non-canonical address: FAILED\n");
    return 1;
}
