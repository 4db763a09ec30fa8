/**
 * @file chapters/04-user/tests/test_user_iter.cpp
 * @brief Host tests of UserIter: Linux's import_iovec checks, copying in
 * order across iovecs, the MAX_RW_COUNT cap, and a fault part way.
 */
// links: arch/user_copy.S
#include <criterion/criterion.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

#include "mm/user_space.h"
#include "proc/uaccess.cpp"
#include "proc/user_iter.cpp"
#include "user_faults.h"

uint64_t g_user_top = abi::kTaskSize;
void* heap_allocate(size_t size, size_t align) { return std::aligned_alloc(align < 16 ? 16 : align, (size + 15) & ~size_t(15)); }
void heap_free(void* p) { std::free(p); }
Sink& console_sink() {
    struct Discard final : Sink {
        void write(const char*, size_t) override {}
    };
    static Discard sink;
    return sink;
}

namespace {
uint64_t at(const void* p) { return reinterpret_cast<uint64_t>(p); }
abi::Errno error_of(const Result<UserIter>& r) { return r.error(); }
}  // namespace

Test(user_iter, one_buffer_is_checked_and_capped) {
    cr_assert_eq(error_of(UserIter::buffer(0xffffffff80000000, 0)), abi::Errno::Fault);
    cr_assert(UserIter::buffer(0, 0).has_value(), "NULL with 0 bytes is in user space");
    cr_assert_eq(UserIter::buffer(0x1000, 1ull << 40)->remaining(), UserIter::kMaxRwCount, "capped as Linux");
}

Test(user_iter, iovec_arrays_follow_import_iovec) {
    user_faults::catch_them();
    char a[4] = "abc";
    abi::IoVec negative[2] = {{at(a), 3}, {at(a), ~0ull}};
    cr_assert_eq(error_of(UserIter::iovecs(at(negative), 2)), abi::Errno::Inval);
    abi::IoVec kernel[2] = {{at(a), 3}, {0xffff800000000000, 1}};
    cr_assert_eq(error_of(UserIter::iovecs(at(kernel), 2)), abi::Errno::Fault);
    cr_assert_eq(error_of(UserIter::iovecs(at(a), 1025)), abi::Errno::Inval);
    cr_assert_eq(error_of(UserIter::iovecs(0x10, 1)), abi::Errno::Fault, "the array itself unmapped");
    cr_assert_eq(user_faults::recovered, 1);
    cr_assert_eq(UserIter::iovecs(0x10, 0)->remaining(), 0u, "no iovecs: nothing to read, nothing read");
}

Test(user_iter, copies_flow_across_iovecs) {
    user_faults::catch_them();
    char one[3], two[1], three[5];
    abi::IoVec v[4] = {{at(one), 3}, {at(two), 0}, {at(two), 1}, {at(three), 5}};
    UserIter it = *UserIter::iovecs(at(v), 4);
    cr_assert_eq(it.remaining(), 9u);
    cr_assert_eq(it.copy_out("abcdefghij", 10), 9u, "only 9 bytes of room");
    cr_assert_eq(std::memcmp(one, "abc", 3), 0);
    cr_assert_eq(two[0], 'd');
    cr_assert_eq(std::memcmp(three, "efghi", 5), 0);
    cr_assert_eq(it.remaining(), 0u);
}

Test(user_iter, a_long_array_goes_on_the_heap_and_comes_back) {
    user_faults::catch_them();
    char bytes[20];
    abi::IoVec v[20];
    for (int i = 0; i < 20; ++i) v[i] = {at(bytes + i), 1};
    UserIter first = *UserIter::iovecs(at(v), 20);
    UserIter moved(std::move(first));  // ASan: freed once, by the one that owns it
    cr_assert_eq(moved.copy_in(bytes, 20), 20u);
}

Test(user_iter, a_fault_stops_the_copy_and_says_where) {
    user_faults::catch_them();
    auto* pages = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(pages + 4096, 4096, PROT_NONE);
    char good[4];
    abi::IoVec v[3] = {{at(good), 4}, {at(pages + 4096), 8}, {at(good), 4}};
    UserIter it = *UserIter::iovecs(at(v), 3);
    char out[16];
    cr_assert_eq(it.copy_in(out, 16), 4u, "the first iovec, then the fault");
    cr_assert_eq(user_faults::recovered, 1);
}
