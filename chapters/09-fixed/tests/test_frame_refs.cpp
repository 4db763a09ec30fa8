/**
 * @file chapters/09-fixed/tests/test_frame_refs.cpp
 * @brief Host tests of the frame allocator's references (chapter 09): a
 * pinned frame survives the free() of its first owner and goes back to the
 * pool with its last reference, never before and never twice.
 */
#include <criterion/criterion.h>

#include "mm/frame.cpp"
#include "../../03-memory/tests/fake_kernel.h"

namespace {

PhysAddr fresh_frame() {
    fake::reset_memory();
    const Result<PhysAddr> frame = frames().allocate();
    cr_assert(frame.has_value());
    return *frame;
}

}  // namespace

Test(frame_refs, the_last_reference_frees) {
    const PhysAddr f = fresh_frame();
    const size_t free_before = frames().free_count();
    cr_expect_eq(frames().references(f), 1u, "allocate() gives the caller's reference");
    cr_expect(frames().ref(f).has_value());  // a pin
    cr_expect(frames().ref(f).has_value());  // another
    cr_expect_eq(frames().references(f), 3u);
    frames().free(f);  // munmap: the page table's reference
    cr_expect(frames().in_use(f), "two pins hold it");
    cr_expect_eq(frames().free_count(), free_before);
    frames().free(f);
    cr_expect_eq(frames().references(f), 1u);
    frames().free(f);  // the last pin goes
    cr_expect(!frames().in_use(f));
    cr_expect_eq(frames().references(f), 0u);
    cr_expect_eq(frames().free_count(), free_before + 1);
    cr_expect_eq(*frames().allocate(), f, "and it is handed out again");
}

Test(frame_refs, a_frame_can_be_held_only_so_often) {
    const PhysAddr f = fresh_frame();
    for (uint32_t i = 0; i < FrameAllocator::kMaxExtraRefs; ++i) cr_assert(frames().ref(f).has_value());
    cr_expect_eq(frames().references(f), FrameAllocator::kMaxExtraRefs + 1);
    const Result<void> one_more = frames().ref(f);
    cr_expect(!one_more.has_value());
    cr_expect_eq(one_more.error(), abi::Errno::NoMem);
    cr_expect_eq(frames().references(f), FrameAllocator::kMaxExtraRefs + 1, "the failed ref took nothing");
    for (uint32_t i = 0; i <= FrameAllocator::kMaxExtraRefs; ++i) frames().free(f);
    cr_expect(!frames().in_use(f));
}

Test(frame_refs, init_forgets_old_references) {
    const PhysAddr f = fresh_frame();
    cr_expect(frames().ref(f).has_value());
    fake::reset_memory();
    cr_expect_eq(*frames().allocate(), f);
    cr_expect_eq(frames().references(f), 1u, "a new allocator's frames start with one reference");
}

Test(frame_refs, referencing_a_free_frame_panics, .exit_code = 101) {
    fake::reset_memory();
    (void)frames().ref(PhysAddr(0x5000));
}

Test(frame_refs, a_reference_too_many_is_a_double_free, .exit_code = 101) {
    const PhysAddr f = fresh_frame();
    cr_expect(frames().ref(f).has_value());
    frames().free(f);
    frames().free(f);
    frames().free(f);  // one more than it had
}
