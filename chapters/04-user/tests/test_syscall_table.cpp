/**
 * @file chapters/04-user/tests/test_syscall_table.cpp
 * @brief Host tests of the syscall table: Linux's numbers reach the right
 * handler, and no number, however large or negative, reaches anything else.
 */
#include <criterion/criterion.h>

#include "sys/table.cpp"

// Stand-ins for the handlers: each returns its own syscall number.
Result<long> sys_read(const SyscallArgs&) { return 0; }
Result<long> sys_write(const SyscallArgs&) { return 1; }
Result<long> sys_readv(const SyscallArgs&) { return 19; }
Result<long> sys_writev(const SyscallArgs&) { return 20; }
Result<long> sys_mmap(const SyscallArgs&) { return 9; }
Result<long> sys_munmap(const SyscallArgs&) { return 11; }
Result<long> sys_getpid(const SyscallArgs&) { return 39; }
Result<long> sys_exit(const SyscallArgs&) { return 60; }
Result<long> sys_arch_prctl(const SyscallArgs&) { return 158; }
Result<long> sys_mprotect(const SyscallArgs&) { return 10; }
Result<long> sys_brk(const SyscallArgs&) { return 12; }
Result<long> sys_uname(const SyscallArgs&) { return 63; }
Result<long> sys_get_id(const SyscallArgs&) { return 102; }
Result<long> sys_getres_id(const SyscallArgs&) { return 118; }
Result<long> sys_getppid(const SyscallArgs&) { return 110; }
Result<long> sys_getrlimit(const SyscallArgs&) { return 97; }
Result<long> sys_setrlimit(const SyscallArgs&) { return 160; }
Result<long> sys_prlimit64(const SyscallArgs&) { return 302; }
Result<long> sys_getcwd(const SyscallArgs&) { return 79; }
Result<long> sys_getrandom(const SyscallArgs&) { return 318; }

namespace {
long call(uint32_t number) {
    const SyscallHandler h = syscall_handler(number);
    return h ? *h(SyscallArgs{}) : -1;
}
}  // namespace

Test(syscall_table, linux_numbers_reach_their_handlers) {
    for (long nr : {0l, 1l, 9l, 10l, 11l, 12l, 19l, 20l, 39l, 60l, 158l, 63l, 102l, 118l, 110l, 97l, 160l, 302l, 79l, 318l})
        cr_assert_eq(call(static_cast<uint32_t>(nr)), nr);
    cr_assert_eq(call(231), 60, "exit_group is exit: one thread per process");
    for (long nr : {104l, 107l, 108l}) cr_assert_eq(call(static_cast<uint32_t>(nr)), 102, "getgid, geteuid, getegid: 0 as getuid");
    cr_assert_eq(call(120), 118, "getresgid: zeros as getresuid");
}

Test(syscall_table, everything_else_is_empty) {
    int handled = 0;
    for (uint32_t nr = 0; nr < 1000; ++nr) handled += syscall_handler(nr) != nullptr;
    cr_assert_eq(handled, 25);
    cr_assert_null(syscall_handler(425), "io_uring is chapter 06");
}

Test(syscall_table, negative_and_huge_numbers) {
    // The dispatcher passes rax's low 32 bits, as Linux reads the number as an int.
    cr_assert_null(syscall_handler(static_cast<uint32_t>(-1)));
    cr_assert_null(syscall_handler(static_cast<uint32_t>(-60)), "not exit, even modulo anything");
    cr_assert_null(syscall_handler(0x7fffffff));
    cr_assert_null(syscall_handler(kSyscallSlots));
    cr_assert_eq(call(static_cast<uint32_t>(0x100000027ull)), 39, "rax = 0x100000027 is getpid, as on Linux");
}
