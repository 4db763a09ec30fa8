/**
 * @file chapters/04-user/tests/test_uaccess.cpp
 * @brief Host tests of the user copies: the range rule, and a real fault
 * inside a copy recovered through the fixup table, as the kernel's
 * page-fault handler does it.
 *
 * The copy routine is the kernel's own arch/user_copy.S, assembled for the
 * host. Faults are made real by copying from a page mapped PROT_NONE: the
 * host's SIGSEGV handler plays the kernel's trap handler (user_faults.h).
 * Host addresses of this test lie below 0x7ffffffff000, like a user
 * program's.
 */
// links: arch/user_copy.S
#include <criterion/criterion.h>
#include <sys/mman.h>

#include <cstring>

#include "mm/user_space.h"
#include "proc/uaccess.cpp"
#include "user_faults.h"

uint64_t g_user_top = abi::kTaskSize;

// uaccess_init() logs; its console goes nowhere here.
Sink& console_sink() {
    struct Discard final : Sink {
        void write(const char*, size_t) override {}
    };
    static Discard sink;
    return sink;
}

namespace {

void catch_faults() { user_faults::catch_them(); }

// Two pages: the first readable and writable, the second not accessible.
uint8_t* half_mapped() {
    void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    mprotect(static_cast<uint8_t*>(p) + 4096, 4096, PROT_NONE);
    return static_cast<uint8_t*>(p);
}

uint64_t at(const void* p) { return reinterpret_cast<uint64_t>(p); }

}  // namespace

Test(uaccess, copies_both_ways) {
    catch_faults();
    char from[16] = "hello, kernel";
    char to[16] = {};
    cr_assert(copy_from_user(to, at(from), sizeof from).has_value());
    cr_assert_str_eq(to, "hello, kernel");
    cr_assert(copy_to_user(at(to), "written", 8).has_value());
    cr_assert_str_eq(to, "written");
    cr_assert_eq(user_faults::recovered, 0);
}

Test(uaccess, a_fault_inside_the_copy_is_efault_not_a_crash) {
    catch_faults();
    uint8_t* pages = half_mapped();
    char buffer[64];
    const Result<void> r = copy_from_user(buffer, at(pages + 4096 - 32), 64);  // runs into the PROT_NONE page
    cr_assert(!r.has_value());
    cr_assert_eq(r.error(), abi::Errno::Fault);
    cr_assert_eq(user_faults::recovered, 1, "the copy really faulted, and the fixup table brought it back");
    cr_assert_eq(copy_to_user(at(pages + 4096), buffer, 1).error(), abi::Errno::Fault);
    cr_assert_eq(user_faults::recovered, 2);
    cr_assert(copy_to_user(at(pages), buffer, 64).has_value(), "after a fault, copies work as before");
}

Test(uaccess, the_range_must_be_user_space) {
    catch_faults();
    char buffer[16];
    cr_assert(check_user_range(0, 0).has_value());
    cr_assert(check_user_range(0x7ffffffff000 - 16, 16).has_value(), "ends exactly at the end of user space");
    cr_assert(!check_user_range(0x7ffffffff000 - 16, 17).has_value(), "one byte past it");
    cr_assert(check_user_range(0x7ffffffff000, 0).has_value(), "an empty range at the very end, as Linux");
    cr_assert(!check_user_range(0x7ffffffff001, 0).has_value(), "past the end, even empty");
    cr_assert(!check_user_range(0xffffffff80000000, 0).has_value(), "a kernel address, even for 0 bytes");
    cr_assert(!check_user_range(0x0000800000000000, 1).has_value(), "the first non-canonical address");
    cr_assert(!check_user_range(0xfffffffffffffff0, 0x20).has_value(), "wraps around zero");
    cr_assert(!check_user_range(0x1000, ~0ull).has_value(), "a huge length");
    // A kernel address is refused before the copy touches it: no fault at all.
    cr_assert_eq(copy_from_user(buffer, 0xffffffff80000000, 16).error(), abi::Errno::Fault);
    cr_assert_eq(copy_to_user(0xffff800000000000, buffer, 16).error(), abi::Errno::Fault);
    cr_assert_eq(user_faults::recovered, 0);
}

Test(uaccess, typed_reads_and_writes) {
    catch_faults();
    uint64_t value = 0x1122334455667788;
    const Result<uint64_t> got = read_user<uint64_t>(at(&value));
    cr_assert(got.has_value() && *got == 0x1122334455667788);
    cr_assert(write_user(at(&value), uint64_t{7}).has_value());
    cr_assert_eq(value, 7u);
    cr_assert_eq(read_user<uint64_t>(0).error(), abi::Errno::Fault);  // NULL: in range, not mapped
    cr_assert_eq(user_faults::recovered, 1);
}

Test(uaccess, only_the_copy_instruction_is_fixed_up) {
    TrapFrame frame{};
    frame.rip = at(reinterpret_cast<const void*>(&copy_from_user));
    cr_assert(!user_copy_fixup(frame), "any other RIP is a kernel bug, not a user's bad pointer");
    cr_assert_eq(frame.rip, at(reinterpret_cast<const void*>(&copy_from_user)));
}
