/**
 * @file common/tests/test_io_uring_abi.cpp
 * @brief common/abi/io_uring.h against the host's <linux/io_uring.h>.
 *
 * A Linux program writes SQEs byte by byte into memory the kernel reads, so
 * every size, every field offset and every constant of our definitions must
 * be Linux's. Each is compared here with the host header's struct or macro;
 * including both in one file also proves that none of our names is rewritten
 * by one of Linux's macros. Rows carry the Linux spelling, so a failure
 * names the exact field or constant.
 */
#include <criterion/criterion.h>

#include <linux/io_uring.h>
#include <linux/uio.h>

#include <cstddef>
#include <type_traits>

#include "common/abi/io_uring.h"

namespace {

namespace iu = abi::io_uring;

/// One number: the Linux spelling, our value and the host's.
struct Row {
    const char* linux_name;
    long long ours;
    long long host;
};

// clang-format would break this braced list from its macro's name.
// clang-format off
#define ROW(ours, HOST) Row{#HOST, static_cast<long long>(ours), static_cast<long long>(HOST)}
/// Offset of our field OURS and of Linux's field THEIRS.
#define FIELD(OurType, ours, HostType, theirs) \
    Row{#HostType "." #theirs, static_cast<long long>(offsetof(OurType, ours)), \
        static_cast<long long>(offsetof(HostType, theirs))}
// clang-format on

template <size_t N>
void check_rows(const Row (&rows)[N]) {
    for (const Row& row : rows)
        cr_expect_eq(row.ours, row.host, "%s: common/abi/io_uring.h says %lld, <linux/io_uring.h> says %lld",
                     row.linux_name, row.ours, row.host);
}

}  // namespace

Test(io_uring_abi, struct_sizes) {
    const Row rows[] = {
        ROW(sizeof(iu::SqRingOffsets), sizeof(io_sqring_offsets)),
        ROW(sizeof(iu::CqRingOffsets), sizeof(io_cqring_offsets)),
        ROW(sizeof(iu::Params), sizeof(io_uring_params)),
        ROW(sizeof(iu::Sqe), sizeof(io_uring_sqe)),
        ROW(sizeof(iu::Cqe), sizeof(io_uring_cqe)),
        ROW(sizeof(iu::ProbeOp), sizeof(io_uring_probe_op)),
        ROW(sizeof(iu::Probe), sizeof(io_uring_probe)),
        ROW(sizeof(iu::RsrcRegister), sizeof(io_uring_rsrc_register)),
        ROW(sizeof(iu::RsrcUpdate), sizeof(io_uring_rsrc_update)),
        ROW(sizeof(iu::RsrcUpdate), sizeof(io_uring_files_update)),
        ROW(sizeof(iu::RsrcUpdate2), sizeof(io_uring_rsrc_update2)),
        ROW(alignof(iu::Params), alignof(io_uring_params)),
        ROW(alignof(iu::Sqe), alignof(io_uring_sqe)),
        ROW(alignof(iu::Cqe), alignof(io_uring_cqe)),
    };
    check_rows(rows);
}

Test(io_uring_abi, structs_are_plain_bytes) {
    // The kernel copies these to and from user memory as bytes.
    cr_expect(std::is_trivially_copyable_v<iu::Sqe> && std::is_standard_layout_v<iu::Sqe>);
    cr_expect(std::is_trivially_copyable_v<iu::Cqe> && std::is_standard_layout_v<iu::Cqe>);
    cr_expect(std::is_trivially_copyable_v<iu::Params> && std::is_standard_layout_v<iu::Params>);
    cr_expect(std::is_trivially_copyable_v<iu::Probe> && std::is_standard_layout_v<iu::Probe>);
}

Test(io_uring_abi, sqring_offsets_fields) {
    const Row rows[] = {
        FIELD(iu::SqRingOffsets, head, io_sqring_offsets, head),
        FIELD(iu::SqRingOffsets, tail, io_sqring_offsets, tail),
        FIELD(iu::SqRingOffsets, ring_mask, io_sqring_offsets, ring_mask),
        FIELD(iu::SqRingOffsets, ring_entries, io_sqring_offsets, ring_entries),
        FIELD(iu::SqRingOffsets, flags, io_sqring_offsets, flags),
        FIELD(iu::SqRingOffsets, dropped, io_sqring_offsets, dropped),
        FIELD(iu::SqRingOffsets, array, io_sqring_offsets, array),
        FIELD(iu::SqRingOffsets, resv1, io_sqring_offsets, resv1),
        FIELD(iu::SqRingOffsets, resv2, io_sqring_offsets, resv2),
    };
    check_rows(rows);
}

Test(io_uring_abi, cqring_offsets_fields) {
    const Row rows[] = {
        FIELD(iu::CqRingOffsets, head, io_cqring_offsets, head),
        FIELD(iu::CqRingOffsets, tail, io_cqring_offsets, tail),
        FIELD(iu::CqRingOffsets, ring_mask, io_cqring_offsets, ring_mask),
        FIELD(iu::CqRingOffsets, ring_entries, io_cqring_offsets, ring_entries),
        FIELD(iu::CqRingOffsets, overflow, io_cqring_offsets, overflow),
        FIELD(iu::CqRingOffsets, cqes, io_cqring_offsets, cqes),
        FIELD(iu::CqRingOffsets, flags, io_cqring_offsets, flags),
        FIELD(iu::CqRingOffsets, resv1, io_cqring_offsets, resv1),
        FIELD(iu::CqRingOffsets, resv2, io_cqring_offsets, resv2),
    };
    check_rows(rows);
}

Test(io_uring_abi, params_fields) {
    const Row rows[] = {
        FIELD(iu::Params, sq_entries, io_uring_params, sq_entries),
        FIELD(iu::Params, cq_entries, io_uring_params, cq_entries),
        FIELD(iu::Params, flags, io_uring_params, flags),
        FIELD(iu::Params, sq_thread_cpu, io_uring_params, sq_thread_cpu),
        FIELD(iu::Params, sq_thread_idle, io_uring_params, sq_thread_idle),
        FIELD(iu::Params, features, io_uring_params, features),
        FIELD(iu::Params, wq_fd, io_uring_params, wq_fd),
        FIELD(iu::Params, resv, io_uring_params, resv),
        FIELD(iu::Params, sq_off, io_uring_params, sq_off),
        FIELD(iu::Params, cq_off, io_uring_params, cq_off),
        ROW(sizeof(iu::Params::resv), sizeof(io_uring_params::resv)),
    };
    check_rows(rows);
}

Test(io_uring_abi, sqe_fields) {
    const Row rows[] = {
        FIELD(iu::Sqe, opcode, io_uring_sqe, opcode),
        FIELD(iu::Sqe, flags, io_uring_sqe, flags),
        FIELD(iu::Sqe, ioprio, io_uring_sqe, ioprio),
        FIELD(iu::Sqe, fd, io_uring_sqe, fd),
        FIELD(iu::Sqe, off, io_uring_sqe, off),
        FIELD(iu::Sqe, addr2, io_uring_sqe, addr2),
        FIELD(iu::Sqe, off, io_uring_sqe, cmd_op),  // Linux's other names for those bytes
        FIELD(iu::Sqe, addr, io_uring_sqe, addr),
        FIELD(iu::Sqe, splice_off_in, io_uring_sqe, splice_off_in),
        FIELD(iu::Sqe, len, io_uring_sqe, len),
        FIELD(iu::Sqe, rw_flags, io_uring_sqe, rw_flags),
        FIELD(iu::Sqe, fsync_flags, io_uring_sqe, fsync_flags),
        FIELD(iu::Sqe, poll32_events, io_uring_sqe, poll32_events),
        FIELD(iu::Sqe, timeout_flags, io_uring_sqe, timeout_flags),
        FIELD(iu::Sqe, open_flags, io_uring_sqe, open_flags),
        FIELD(iu::Sqe, msg_flags, io_uring_sqe, msg_flags),
        FIELD(iu::Sqe, cancel_flags, io_uring_sqe, cancel_flags),
        FIELD(iu::Sqe, uring_cmd_flags, io_uring_sqe, uring_cmd_flags),
        FIELD(iu::Sqe, user_data, io_uring_sqe, user_data),
        FIELD(iu::Sqe, buf_index, io_uring_sqe, buf_index),
        FIELD(iu::Sqe, buf_group, io_uring_sqe, buf_group),
        FIELD(iu::Sqe, personality, io_uring_sqe, personality),
        FIELD(iu::Sqe, splice_fd_in, io_uring_sqe, splice_fd_in),
        FIELD(iu::Sqe, file_index, io_uring_sqe, file_index),
        FIELD(iu::Sqe, file_index, io_uring_sqe, addr_len),
        FIELD(iu::Sqe, addr3, io_uring_sqe, addr3),
        FIELD(iu::Sqe, pad2, io_uring_sqe, __pad2),
        FIELD(iu::Sqe, addr3, io_uring_sqe, cmd),
        ROW(sizeof(iu::Sqe::rw_flags), sizeof(io_uring_sqe::rw_flags)),
        ROW(sizeof(iu::Sqe::buf_index), sizeof(io_uring_sqe::buf_index)),
        ROW(sizeof(iu::Sqe::file_index), sizeof(io_uring_sqe::file_index)),
        ROW(sizeof(iu::Sqe::pad2), sizeof(io_uring_sqe::__pad2)),
    };
    check_rows(rows);
}

Test(io_uring_abi, cqe_and_probe_fields) {
    const Row rows[] = {
        FIELD(iu::Cqe, user_data, io_uring_cqe, user_data),
        FIELD(iu::Cqe, res, io_uring_cqe, res),
        FIELD(iu::Cqe, flags, io_uring_cqe, flags),
        FIELD(iu::ProbeOp, op, io_uring_probe_op, op),
        FIELD(iu::ProbeOp, resv, io_uring_probe_op, resv),
        FIELD(iu::ProbeOp, flags, io_uring_probe_op, flags),
        FIELD(iu::ProbeOp, resv2, io_uring_probe_op, resv2),
        FIELD(iu::Probe, last_op, io_uring_probe, last_op),
        FIELD(iu::Probe, ops_len, io_uring_probe, ops_len),
        FIELD(iu::Probe, resv, io_uring_probe, resv),
        FIELD(iu::Probe, resv2, io_uring_probe, resv2),
        ROW(sizeof(iu::Probe), offsetof(io_uring_probe, ops)),  // ops() starts right after the header
    };
    check_rows(rows);
}

Test(io_uring_abi, rsrc_fields) {
    const Row rows[] = {
        FIELD(iu::RsrcRegister, nr, io_uring_rsrc_register, nr),
        FIELD(iu::RsrcRegister, flags, io_uring_rsrc_register, flags),
        FIELD(iu::RsrcRegister, resv2, io_uring_rsrc_register, resv2),
        FIELD(iu::RsrcRegister, data, io_uring_rsrc_register, data),
        FIELD(iu::RsrcRegister, tags, io_uring_rsrc_register, tags),
        FIELD(iu::RsrcUpdate, offset, io_uring_rsrc_update, offset),
        FIELD(iu::RsrcUpdate, resv, io_uring_rsrc_update, resv),
        FIELD(iu::RsrcUpdate, data, io_uring_rsrc_update, data),
        FIELD(iu::RsrcUpdate, data, io_uring_files_update, fds),
        FIELD(iu::RsrcUpdate2, offset, io_uring_rsrc_update2, offset),
        FIELD(iu::RsrcUpdate2, resv, io_uring_rsrc_update2, resv),
        FIELD(iu::RsrcUpdate2, data, io_uring_rsrc_update2, data),
        FIELD(iu::RsrcUpdate2, tags, io_uring_rsrc_update2, tags),
        FIELD(iu::RsrcUpdate2, nr, io_uring_rsrc_update2, nr),
        FIELD(iu::RsrcUpdate2, resv2, io_uring_rsrc_update2, resv2),
        ROW(iu::kRsrcRegisterSparse, IORING_RSRC_REGISTER_SPARSE),
        ROW(iu::kRegisterFilesSkip, IORING_REGISTER_FILES_SKIP),
    };
    check_rows(rows);
}

Test(io_uring_abi, opcodes) {
    using iu::Op;
    const Row rows[] = {
        ROW(Op::Nop, IORING_OP_NOP),
        ROW(Op::Readv, IORING_OP_READV),
        ROW(Op::Writev, IORING_OP_WRITEV),
        ROW(Op::Fsync, IORING_OP_FSYNC),
        ROW(Op::ReadFixed, IORING_OP_READ_FIXED),
        ROW(Op::WriteFixed, IORING_OP_WRITE_FIXED),
        ROW(Op::PollAdd, IORING_OP_POLL_ADD),
        ROW(Op::PollRemove, IORING_OP_POLL_REMOVE),
        ROW(Op::SyncFileRange, IORING_OP_SYNC_FILE_RANGE),
        ROW(Op::Sendmsg, IORING_OP_SENDMSG),
        ROW(Op::Recvmsg, IORING_OP_RECVMSG),
        ROW(Op::Timeout, IORING_OP_TIMEOUT),
        ROW(Op::TimeoutRemove, IORING_OP_TIMEOUT_REMOVE),
        ROW(Op::Accept, IORING_OP_ACCEPT),
        ROW(Op::AsyncCancel, IORING_OP_ASYNC_CANCEL),
        ROW(Op::LinkTimeout, IORING_OP_LINK_TIMEOUT),
        ROW(Op::Connect, IORING_OP_CONNECT),
        ROW(Op::Fallocate, IORING_OP_FALLOCATE),
        ROW(Op::Openat, IORING_OP_OPENAT),
        ROW(Op::Close, IORING_OP_CLOSE),
        ROW(Op::FilesUpdate, IORING_OP_FILES_UPDATE),
        ROW(Op::Statx, IORING_OP_STATX),
        ROW(Op::Read, IORING_OP_READ),
        ROW(Op::Write, IORING_OP_WRITE),
        ROW(Op::Fadvise, IORING_OP_FADVISE),
        ROW(Op::Madvise, IORING_OP_MADVISE),
        ROW(Op::Send, IORING_OP_SEND),
        ROW(Op::Recv, IORING_OP_RECV),
        ROW(Op::Openat2, IORING_OP_OPENAT2),
        ROW(Op::EpollCtl, IORING_OP_EPOLL_CTL),
        ROW(Op::Splice, IORING_OP_SPLICE),
        ROW(Op::ProvideBuffers, IORING_OP_PROVIDE_BUFFERS),
        ROW(Op::RemoveBuffers, IORING_OP_REMOVE_BUFFERS),
        ROW(Op::Tee, IORING_OP_TEE),
        ROW(Op::Shutdown, IORING_OP_SHUTDOWN),
        ROW(Op::Renameat, IORING_OP_RENAMEAT),
        ROW(Op::Unlinkat, IORING_OP_UNLINKAT),
        ROW(Op::Mkdirat, IORING_OP_MKDIRAT),
        ROW(Op::Symlinkat, IORING_OP_SYMLINKAT),
        ROW(Op::Linkat, IORING_OP_LINKAT),
        ROW(Op::MsgRing, IORING_OP_MSG_RING),
        ROW(Op::Fsetxattr, IORING_OP_FSETXATTR),
        ROW(Op::Setxattr, IORING_OP_SETXATTR),
        ROW(Op::Fgetxattr, IORING_OP_FGETXATTR),
        ROW(Op::Getxattr, IORING_OP_GETXATTR),
        ROW(Op::Socket, IORING_OP_SOCKET),
        ROW(Op::UringCmd, IORING_OP_URING_CMD),
        ROW(Op::SendZc, IORING_OP_SEND_ZC),
        ROW(Op::SendmsgZc, IORING_OP_SENDMSG_ZC),
        ROW(Op::Last, IORING_OP_LAST),
    };
    check_rows(rows);
}

Test(io_uring_abi, register_opcodes) {
    using iu::RegisterOp;
    const Row rows[] = {
        ROW(RegisterOp::RegisterBuffers, IORING_REGISTER_BUFFERS),
        ROW(RegisterOp::UnregisterBuffers, IORING_UNREGISTER_BUFFERS),
        ROW(RegisterOp::RegisterFiles, IORING_REGISTER_FILES),
        ROW(RegisterOp::UnregisterFiles, IORING_UNREGISTER_FILES),
        ROW(RegisterOp::RegisterEventfd, IORING_REGISTER_EVENTFD),
        ROW(RegisterOp::UnregisterEventfd, IORING_UNREGISTER_EVENTFD),
        ROW(RegisterOp::RegisterFilesUpdate, IORING_REGISTER_FILES_UPDATE),
        ROW(RegisterOp::RegisterEventfdAsync, IORING_REGISTER_EVENTFD_ASYNC),
        ROW(RegisterOp::RegisterProbe, IORING_REGISTER_PROBE),
        ROW(RegisterOp::RegisterPersonality, IORING_REGISTER_PERSONALITY),
        ROW(RegisterOp::UnregisterPersonality, IORING_UNREGISTER_PERSONALITY),
        ROW(RegisterOp::RegisterRestrictions, IORING_REGISTER_RESTRICTIONS),
        ROW(RegisterOp::RegisterEnableRings, IORING_REGISTER_ENABLE_RINGS),
        ROW(RegisterOp::RegisterFiles2, IORING_REGISTER_FILES2),
        ROW(RegisterOp::RegisterFilesUpdate2, IORING_REGISTER_FILES_UPDATE2),
        ROW(RegisterOp::RegisterBuffers2, IORING_REGISTER_BUFFERS2),
        ROW(RegisterOp::RegisterBuffersUpdate, IORING_REGISTER_BUFFERS_UPDATE),
        ROW(RegisterOp::RegisterIowqAff, IORING_REGISTER_IOWQ_AFF),
        ROW(RegisterOp::UnregisterIowqAff, IORING_UNREGISTER_IOWQ_AFF),
        ROW(RegisterOp::RegisterIowqMaxWorkers, IORING_REGISTER_IOWQ_MAX_WORKERS),
        ROW(RegisterOp::RegisterRingFds, IORING_REGISTER_RING_FDS),
        ROW(RegisterOp::UnregisterRingFds, IORING_UNREGISTER_RING_FDS),
        ROW(RegisterOp::RegisterPbufRing, IORING_REGISTER_PBUF_RING),
        ROW(RegisterOp::UnregisterPbufRing, IORING_UNREGISTER_PBUF_RING),
        ROW(RegisterOp::RegisterSyncCancel, IORING_REGISTER_SYNC_CANCEL),
        ROW(RegisterOp::RegisterFileAllocRange, IORING_REGISTER_FILE_ALLOC_RANGE),
        ROW(RegisterOp::Last, IORING_REGISTER_LAST),
    };
    check_rows(rows);
}

Test(io_uring_abi, setup_flags) {
    const Row rows[] = {
        ROW(iu::kSetupIoPoll, IORING_SETUP_IOPOLL),
        ROW(iu::kSetupSqPoll, IORING_SETUP_SQPOLL),
        ROW(iu::kSetupSqAff, IORING_SETUP_SQ_AFF),
        ROW(iu::kSetupCqSize, IORING_SETUP_CQSIZE),
        ROW(iu::kSetupClamp, IORING_SETUP_CLAMP),
        ROW(iu::kSetupAttachWq, IORING_SETUP_ATTACH_WQ),
        ROW(iu::kSetupRDisabled, IORING_SETUP_R_DISABLED),
        ROW(iu::kSetupSubmitAll, IORING_SETUP_SUBMIT_ALL),
        ROW(iu::kSetupCoopTaskrun, IORING_SETUP_COOP_TASKRUN),
        ROW(iu::kSetupTaskrunFlag, IORING_SETUP_TASKRUN_FLAG),
        ROW(iu::kSetupSqe128, IORING_SETUP_SQE128),
        ROW(iu::kSetupCqe32, IORING_SETUP_CQE32),
        ROW(iu::kSetupSingleIssuer, IORING_SETUP_SINGLE_ISSUER),
        ROW(iu::kSetupDeferTaskrun, IORING_SETUP_DEFER_TASKRUN),
    };
    check_rows(rows);
}

Test(io_uring_abi, feature_flags) {
    const Row rows[] = {
        ROW(iu::kFeatSingleMmap, IORING_FEAT_SINGLE_MMAP),
        ROW(iu::kFeatNodrop, IORING_FEAT_NODROP),
        ROW(iu::kFeatSubmitStable, IORING_FEAT_SUBMIT_STABLE),
        ROW(iu::kFeatRwCurPos, IORING_FEAT_RW_CUR_POS),
        ROW(iu::kFeatCurPersonality, IORING_FEAT_CUR_PERSONALITY),
        ROW(iu::kFeatFastPoll, IORING_FEAT_FAST_POLL),
        ROW(iu::kFeatPoll32Bits, IORING_FEAT_POLL_32BITS),
        ROW(iu::kFeatSqpollNonfixed, IORING_FEAT_SQPOLL_NONFIXED),
        ROW(iu::kFeatExtArg, IORING_FEAT_EXT_ARG),
        ROW(iu::kFeatNativeWorkers, IORING_FEAT_NATIVE_WORKERS),
        ROW(iu::kFeatRsrcTags, IORING_FEAT_RSRC_TAGS),
        ROW(iu::kFeatCqeSkip, IORING_FEAT_CQE_SKIP),
        ROW(iu::kFeatLinkedFile, IORING_FEAT_LINKED_FILE),
    };
    check_rows(rows);
}

Test(io_uring_abi, enter_and_ring_flags) {
    const Row rows[] = {
        ROW(iu::kEnterGetEvents, IORING_ENTER_GETEVENTS),
        ROW(iu::kEnterSqWakeup, IORING_ENTER_SQ_WAKEUP),
        ROW(iu::kEnterSqWait, IORING_ENTER_SQ_WAIT),
        ROW(iu::kEnterExtArg, IORING_ENTER_EXT_ARG),
        ROW(iu::kEnterRegisteredRing, IORING_ENTER_REGISTERED_RING),
        ROW(iu::kSqNeedWakeup, IORING_SQ_NEED_WAKEUP),
        ROW(iu::kSqCqOverflow, IORING_SQ_CQ_OVERFLOW),
        ROW(iu::kSqTaskrun, IORING_SQ_TASKRUN),
        ROW(iu::kCqEventfdDisabled, IORING_CQ_EVENTFD_DISABLED),
    };
    check_rows(rows);
}

Test(io_uring_abi, sqe_and_cqe_flags) {
    const Row rows[] = {
        ROW(iu::kSqeFixedFile, IOSQE_FIXED_FILE),
        ROW(iu::kSqeIoDrain, IOSQE_IO_DRAIN),
        ROW(iu::kSqeIoLink, IOSQE_IO_LINK),
        ROW(iu::kSqeIoHardlink, IOSQE_IO_HARDLINK),
        ROW(iu::kSqeAsync, IOSQE_ASYNC),
        ROW(iu::kSqeBufferSelect, IOSQE_BUFFER_SELECT),
        ROW(iu::kSqeCqeSkipSuccess, IOSQE_CQE_SKIP_SUCCESS),
        ROW(iu::kCqeFBuffer, IORING_CQE_F_BUFFER),
        ROW(iu::kCqeFMore, IORING_CQE_F_MORE),
        ROW(iu::kCqeFSockNonempty, IORING_CQE_F_SOCK_NONEMPTY),
        ROW(iu::kCqeFNotif, IORING_CQE_F_NOTIF),
        ROW(iu::kCqeBufferShift, IORING_CQE_BUFFER_SHIFT),
        ROW(iu::kOpSupported, IO_URING_OP_SUPPORTED),
    };
    check_rows(rows);
}

Test(io_uring_abi, mmap_offsets_and_limits) {
    const Row rows[] = {
        ROW(iu::kOffSqRing, IORING_OFF_SQ_RING),
        ROW(iu::kOffCqRing, IORING_OFF_CQ_RING),
        ROW(iu::kOffSqes, IORING_OFF_SQES),
        ROW(iu::kOffMmapMask, IORING_OFF_MMAP_MASK),
        ROW(iu::kMaxIovecs, UIO_MAXIOV),
    };
    check_rows(rows);
    // Not in the uapi header (io_uring/io_uring.c); uring-test checks them on the running kernel.
    cr_expect_eq(iu::kMaxEntries, 32768u);
    cr_expect_eq(iu::kMaxCqEntries, 65536u);
    // Each region offset is a multiple of the page size and inside the mask.
    cr_expect_eq(iu::kOffCqRing & ~iu::kOffMmapMask, 0u);
    cr_expect_eq(iu::kOffSqes & ~iu::kOffMmapMask, 0u);
}
