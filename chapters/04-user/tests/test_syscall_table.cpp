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

namespace {
long call(uint32_t number) {
    const SyscallHandler h = syscall_handler(number);
    return h ? *h(SyscallArgs{}) : -1;
}
}  // namespace

Test(syscall_table, linux_numbers_reach_their_handlers) {
    for (long nr : {0l, 1l, 9l, 10l, 11l, 12l, 19l, 20l, 39l, 60l, 158l}) cr_assert_eq(call(static_cast<uint32_t>(nr)), nr);
    cr_assert_eq(call(231), 60, "exit_group is exit: one thread per process");
}

Test(syscall_table, everything_else_is_empty) {
    int handled = 0;
    for (uint32_t nr = 0; nr < 1000; ++nr) handled += syscall_handler(nr) != nullptr;
    cr_assert_eq(handled, 12);
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
