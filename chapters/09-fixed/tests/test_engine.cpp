/**
 * @file chapters/09-fixed/tests/test_engine.cpp
 * @brief Chapter 09's engine (uring/engine.cpp): every test of chapter 06
 * still holds - they are included here, and run against this chapter's
 * engine - and READ_FIXED, WRITE_FIXED and IOSQE_FIXED_FILE go where Linux
 * 6.18 sends them: a bad buffer or file is found when the request is
 * issued (the batch goes on), not when it is prepared.
 */
#include "../../06-io_uring/tests/test_engine.cpp"

namespace {

constexpr uint64_t kKernelAddress = 0xffffffff80000000;

}  // namespace

Test(fixed_engine, the_probe_reports_the_fixed_opcodes) {
    struct {
        iu::Probe header;
        iu::ProbeOp ops[64];
    } probe{};
    cr_assert_eq(raw(uring::fill_probe(&probe.header, 64)), 0);
    cr_expect_eq(probe.ops[static_cast<int>(Op::ReadFixed)].flags, iu::kOpSupported);
    cr_expect_eq(probe.ops[static_cast<int>(Op::WriteFixed)].flags, iu::kOpSupported);
    cr_expect_eq(probe.ops[static_cast<int>(Op::Fsync)].flags, 0);
    cr_expect_eq(probe.ops[static_cast<int>(Op::FilesUpdate)].flags, 0);
}

Test(fixed_engine, fixed_addresses_are_the_executors_to_check) {
    TestRing<> t(8);
    t.queue(rw(Op::ReadFixed, 1, kKernelAddress, 8, 1));  // READ would fail at prepare: -EFAULT, batch over
    t.queue(rw(Op::WriteFixed, 1, 0, 0x80000000u, 2));
    t.queue(nop(3));
    cr_expect_eq(t.enter(3), 3, "nothing ended the batch");
    cr_expect_eq(t.executor.issued, (std::vector<uint64_t>{1, 2}));
    cr_expect_eq(t.executor.seen_addr[0], kKernelAddress, "the address reaches the executor untouched");
    cr_expect_eq(t.reap().size(), 3u);
}

Test(fixed_engine, prepare_errors_still_end_the_batch) {
    TestRing<> t(8);
    Sqe padded = rw(Op::WriteFixed, 1, 0x10000, 8, 1);
    padded.pad2[0] = 1;
    Sqe prio = rw(Op::ReadFixed, 1, 0x10000, 8, 3);
    prio.ioprio = 1;
    t.queue(padded);
    t.queue(nop(2));
    cr_expect_eq(t.enter(2), 1);
    t.queue(prio);
    cr_expect_eq(t.enter(2), 2, "the NOP left behind, then the READ_FIXED");
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 3u);
    cr_expect_eq(cqes[0].res, -Errno::Inval);
    cr_expect_eq(cqes[1].res, 0);
    cr_expect_eq(cqes[2].res, -Errno::Inval, "ioprio");
    cr_expect(t.executor.issued.empty());
}

Test(fixed_engine, rw_flags_are_refused_before_the_executor) {
    TestRing<> t(8);
    Sqe flagged = rw(Op::ReadFixed, 1, 0x10000, 8, 1);
    flagged.rw_flags = 1u << 31;
    t.queue(flagged);
    t.queue(nop(2));
    cr_expect_eq(t.enter(2), 2);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 2u);
    cr_expect_eq(cqes[0].res, -Errno::OpNotSupp);
    cr_expect(t.executor.issued.empty());
}

Test(fixed_engine, a_fixed_file_is_the_executors_to_look_up) {
    TestRing<> t(8);
    Sqe w = rw(Op::Write, 1, 0x10000, 4, 1);  // index 1: the fake writes anything to fd 1
    w.flags = iu::kSqeFixedFile;
    Sqe c = rw(Op::Close, 1, 0, 0, 2);
    c.off = 0;
    c.flags = iu::kSqeFixedFile;
    t.queue(w);
    t.queue(c);
    cr_expect_eq(t.enter(2), 2);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 2u);
    cr_expect_eq(cqes[0].res, 4, "issued, not answered -EBADF by the engine");
    cr_expect_eq(cqes[1].res, -Errno::BadF, "CLOSE with FIXED_FILE: refused when prepared, as before");
    cr_expect_eq(t.executor.issued, (std::vector<uint64_t>{1}));
}
