/**
 * @file common/abi/io_uring.h
 * @brief io_uring's user/kernel contract: structures and constants with Linux's layout.
 *
 * Our own definitions of what <linux/io_uring.h> (include/uapi/linux/io_uring.h)
 * describes: the setup parameters, the two ring offset tables, the 64-byte
 * submission entry (SQE) and the 16-byte completion entry (CQE), and every flag
 * and number the rings use. A Linux binary fills these bytes, so each size and
 * field offset must be exactly Linux's: the static_asserts at the bottom pin them
 * here, and common/tests/test_io_uring_abi.cpp compares every one of them with
 * the host's own header.
 *
 * Names never collide with Linux's macros (a host test includes both): types are
 * CamelCase in namespace abi::io_uring, constants are `kSetupCqSize` for
 * IORING_SETUP_CQSIZE, opcodes an `enum class Op`. Values and layouts only.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace abi::io_uring {

// ------------------------------------------------------------------ structures

/// Where the SQ ring's fields are, as byte offsets into the mapping at kOffSqRing.
struct SqRingOffsets {
    uint32_t head;          ///<  0: first SQE the kernel has not consumed (kernel writes)
    uint32_t tail;          ///<  4: one past the last SQE the user queued (user writes)
    uint32_t ring_mask;     ///<  8: sq_entries - 1
    uint32_t ring_entries;  ///< 12: sq_entries
    uint32_t flags;         ///< 16: kSqNeedWakeup, kSqCqOverflow, kSqTaskrun
    uint32_t dropped;       ///< 20: SQEs skipped because their index was out of range
    uint32_t array;         ///< 24: the index array: ring slot -> SQE number
    uint32_t resv1;         ///< 28: reserved
    uint64_t resv2;         ///< 32: reserved (user_addr in Linux >= 6.5)
};

/// Where the CQ ring's fields are, as byte offsets into the mapping at kOffCqRing.
struct CqRingOffsets {
    uint32_t head;          ///<  0: first CQE the user has not consumed (user writes)
    uint32_t tail;          ///<  4: one past the last CQE posted (kernel writes)
    uint32_t ring_mask;     ///<  8: cq_entries - 1
    uint32_t ring_entries;  ///< 12: cq_entries
    uint32_t overflow;      ///< 16: completions the kernel could not keep at all
    uint32_t cqes;          ///< 20: the array of Cqe
    uint32_t flags;         ///< 24: kCqEventfdDisabled
    uint32_t resv1;         ///< 28: reserved
    uint64_t resv2;         ///< 32: reserved (user_addr in Linux >= 6.5)
};

/// io_uring_setup's in/out argument (struct io_uring_params).
struct Params {
    uint32_t sq_entries;      ///<  0: out: SQ size after rounding
    uint32_t cq_entries;      ///<  4: in with kSetupCqSize, out: CQ size
    uint32_t flags;           ///<  8: in: kSetup* flags
    uint32_t sq_thread_cpu;   ///< 12: in: SQPOLL thread's CPU (kSetupSqAff)
    uint32_t sq_thread_idle;  ///< 16: in: SQPOLL idle time, ms
    uint32_t features;        ///< 20: out: kFeat* flags
    uint32_t wq_fd;           ///< 24: in: ring to share a work queue with (kSetupAttachWq)
    uint32_t resv[3];         ///< 28: must be zero
    SqRingOffsets sq_off;     ///< 40: out
    CqRingOffsets cq_off;     ///< 80: out
};

/// A submission queue entry (struct io_uring_sqe): one request, 64 bytes.
/// Unions give Linux's alternative names to the same bytes.
struct Sqe {
    uint8_t opcode;   ///<  0: an Op
    uint8_t flags;    ///<  1: kSqe* flags
    uint16_t ioprio;  ///<  2: I/O priority
    int32_t fd;       ///<  4: file descriptor the request works on
    union {
        uint64_t off;    ///<  8: file offset (-1: the current position)
        uint64_t addr2;  ///<  8: second address for some opcodes
    };
    union {
        uint64_t addr;           ///< 16: buffer, or iovec array for READV/WRITEV
        uint64_t splice_off_in;  ///< 16: SPLICE's input offset
    };
    uint32_t len;  ///< 24: bytes, or number of iovecs
    union {
        uint32_t rw_flags;         ///< 28: RWF_* for reads and writes
        uint32_t fsync_flags;      ///< 28: FSYNC
        uint32_t poll32_events;    ///< 28: POLL_ADD
        uint32_t timeout_flags;    ///< 28: TIMEOUT
        uint32_t open_flags;       ///< 28: OPENAT
        uint32_t statx_flags;      ///< 28: STATX
        uint32_t msg_flags;        ///< 28: SENDMSG/RECVMSG
        uint32_t cancel_flags;     ///< 28: ASYNC_CANCEL
        uint32_t uring_cmd_flags;  ///< 28: URING_CMD
    };
    uint64_t user_data;  ///< 32: returned unchanged in the request's CQE
    union {
        uint16_t buf_index;  ///< 40: registered buffer (READ_FIXED...)
        uint16_t buf_group;  ///< 40: buffer group (kSqeBufferSelect)
    };
    uint16_t personality;  ///< 42: registered credentials, 0 = the caller's
    union {
        int32_t splice_fd_in;  ///< 44: SPLICE's input fd
        uint32_t file_index;   ///< 44: direct descriptor slot
    };
    uint64_t addr3;    ///< 48: third address
    uint64_t pad2[1];  ///< 56: reserved
};

/// A completion queue entry (struct io_uring_cqe): one result, 16 bytes.
struct Cqe {
    uint64_t user_data;  ///< 0: the SQE's user_data
    int32_t res;         ///< 8: result: >= 0, or a negated errno
    uint32_t flags;      ///< 12: kCqeF* flags
};

/// One opcode's entry in a probe (struct io_uring_probe_op).
struct ProbeOp {
    uint8_t op;      ///< 0: the opcode
    uint8_t resv;    ///< 1: reserved
    uint16_t flags;  ///< 2: kOpSupported if the kernel implements it
    uint32_t resv2;  ///< 4: reserved
};

/// io_uring_register(IORING_REGISTER_PROBE)'s argument, followed in memory by
/// ops_len ProbeOp (struct io_uring_probe; Linux declares ops[] as a flexible array).
struct Probe {
    uint8_t last_op;    ///<  0: out: highest opcode the kernel knows
    uint8_t ops_len;    ///<  1: out: how many ProbeOp follow
    uint16_t resv;      ///<  2: reserved
    uint32_t resv2[3];  ///<  4: reserved
    /// The ProbeOp array right after this header.
    ProbeOp* ops() { return reinterpret_cast<ProbeOp*>(this + 1); }
};

/// IORING_REGISTER_BUFFERS2 / FILES2's argument (struct io_uring_rsrc_register):
/// a table of nr entries, from the array at data (iovecs or fds), or empty.
struct RsrcRegister {
    uint32_t nr;     ///<  0: entries in the table
    uint32_t flags;  ///<  4: kRsrcRegisterSparse: every slot empty (data must be 0)
    uint64_t resv2;  ///<  8: must be zero
    uint64_t data;   ///< 16: the iovec or fd array
    uint64_t tags;   ///< 24: a u64 tag per entry, or 0 (a CQE when the entry is released)
};

/// IORING_REGISTER_FILES_UPDATE's argument (struct io_uring_rsrc_update, also
/// spelled io_uring_files_update): replace nr_args slots from offset.
struct RsrcUpdate {
    uint32_t offset;  ///< 0: first slot to replace
    uint32_t resv;    ///< 4: must be zero
    uint64_t data;    ///< 8: the fd array
};

/// IORING_REGISTER_BUFFERS_UPDATE / FILES_UPDATE2's argument (struct io_uring_rsrc_update2).
struct RsrcUpdate2 {
    uint32_t offset;  ///<  0: first slot to replace
    uint32_t resv;    ///<  4: must be zero
    uint64_t data;    ///<  8: the iovec or fd array
    uint64_t tags;    ///< 16: a u64 tag per entry, or 0
    uint32_t nr;      ///< 24: how many slots
    uint32_t resv2;   ///< 28: must be zero
};

// ------------------------------------------------------------------- opcodes

/// Request opcodes (enum io_uring_op), in Linux's order up to 6.1's last one.
enum class Op : uint8_t {
    Nop = 0,
    Readv = 1,
    Writev = 2,
    Fsync = 3,
    ReadFixed = 4,
    WriteFixed = 5,
    PollAdd = 6,
    PollRemove = 7,
    SyncFileRange = 8,
    Sendmsg = 9,
    Recvmsg = 10,
    Timeout = 11,
    TimeoutRemove = 12,
    Accept = 13,
    AsyncCancel = 14,
    LinkTimeout = 15,
    Connect = 16,
    Fallocate = 17,
    Openat = 18,
    Close = 19,
    FilesUpdate = 20,
    Statx = 21,
    Read = 22,
    Write = 23,
    Fadvise = 24,
    Madvise = 25,
    Send = 26,
    Recv = 27,
    Openat2 = 28,
    EpollCtl = 29,
    Splice = 30,
    ProvideBuffers = 31,
    RemoveBuffers = 32,
    Tee = 33,
    Shutdown = 34,
    Renameat = 35,
    Unlinkat = 36,
    Mkdirat = 37,
    Symlinkat = 38,
    Linkat = 39,
    MsgRing = 40,
    Fsetxattr = 41,
    Setxattr = 42,
    Fgetxattr = 43,
    Getxattr = 44,
    Socket = 45,
    UringCmd = 46,
    SendZc = 47,
    SendmsgZc = 48,
    Last = 49,  ///< one past the last opcode of Linux 6.1 (newer kernels have more)
};

/// io_uring_register opcodes (the anonymous enum IORING_REGISTER_*).
enum class RegisterOp : uint32_t {
    RegisterBuffers = 0,
    UnregisterBuffers = 1,
    RegisterFiles = 2,
    UnregisterFiles = 3,
    RegisterEventfd = 4,
    UnregisterEventfd = 5,
    RegisterFilesUpdate = 6,
    RegisterEventfdAsync = 7,
    RegisterProbe = 8,
    RegisterPersonality = 9,
    UnregisterPersonality = 10,
    RegisterRestrictions = 11,
    RegisterEnableRings = 12,
    RegisterFiles2 = 13,
    RegisterFilesUpdate2 = 14,
    RegisterBuffers2 = 15,
    RegisterBuffersUpdate = 16,
    RegisterIowqAff = 17,
    UnregisterIowqAff = 18,
    RegisterIowqMaxWorkers = 19,
    RegisterRingFds = 20,
    UnregisterRingFds = 21,
    RegisterPbufRing = 22,
    UnregisterPbufRing = 23,
    RegisterSyncCancel = 24,
    RegisterFileAllocRange = 25,
    Last = 26,  ///< one past the last register opcode of Linux 6.1
};

// ----------------------------------------------------------------- constants

/// io_uring_setup flags (Params::flags).
inline constexpr uint32_t kSetupIoPoll = 1u << 0;          ///< busy-poll for completions
inline constexpr uint32_t kSetupSqPoll = 1u << 1;          ///< a kernel thread polls the SQ
inline constexpr uint32_t kSetupSqAff = 1u << 2;           ///< sq_thread_cpu is valid
inline constexpr uint32_t kSetupCqSize = 1u << 3;          ///< Params::cq_entries gives the CQ size
inline constexpr uint32_t kSetupClamp = 1u << 4;           ///< clamp sizes to the maximum instead of -EINVAL
inline constexpr uint32_t kSetupAttachWq = 1u << 5;        ///< share wq_fd's work queue
inline constexpr uint32_t kSetupRDisabled = 1u << 6;       ///< start disabled
inline constexpr uint32_t kSetupSubmitAll = 1u << 7;       ///< keep submitting after a failed SQE
inline constexpr uint32_t kSetupCoopTaskrun = 1u << 8;     ///< no IPI for completion work
inline constexpr uint32_t kSetupTaskrunFlag = 1u << 9;     ///< report pending work with kSqTaskrun
inline constexpr uint32_t kSetupSqe128 = 1u << 10;         ///< 128-byte SQEs
inline constexpr uint32_t kSetupCqe32 = 1u << 11;          ///< 32-byte CQEs
inline constexpr uint32_t kSetupSingleIssuer = 1u << 12;   ///< only one task submits
inline constexpr uint32_t kSetupDeferTaskrun = 1u << 13;   ///< run completion work only when waiting

/// io_uring_setup's feature report (Params::features).
inline constexpr uint32_t kFeatSingleMmap = 1u << 0;       ///< one mmap serves the SQ and CQ rings
inline constexpr uint32_t kFeatNodrop = 1u << 1;           ///< completions are never silently dropped
inline constexpr uint32_t kFeatSubmitStable = 1u << 2;     ///< an SQE may be reused once enter returns
inline constexpr uint32_t kFeatRwCurPos = 1u << 3;         ///< off == -1 means the current position
inline constexpr uint32_t kFeatCurPersonality = 1u << 4;   ///< requests run with the submitter's creds
inline constexpr uint32_t kFeatFastPoll = 1u << 5;         ///< internal poll instead of a worker
inline constexpr uint32_t kFeatPoll32Bits = 1u << 6;       ///< 32-bit poll events
inline constexpr uint32_t kFeatSqpollNonfixed = 1u << 7;   ///< SQPOLL without fixed files
inline constexpr uint32_t kFeatExtArg = 1u << 8;           ///< enter takes a getevents argument
inline constexpr uint32_t kFeatNativeWorkers = 1u << 9;    ///< workers are native threads
inline constexpr uint32_t kFeatRsrcTags = 1u << 10;        ///< tagged resources
inline constexpr uint32_t kFeatCqeSkip = 1u << 11;         ///< kSqeCqeSkipSuccess works
inline constexpr uint32_t kFeatLinkedFile = 1u << 12;      ///< linked requests resolve files late

/// io_uring_enter flags.
inline constexpr uint32_t kEnterGetEvents = 1u << 0;       ///< wait for min_complete completions
inline constexpr uint32_t kEnterSqWakeup = 1u << 1;        ///< wake the SQPOLL thread
inline constexpr uint32_t kEnterSqWait = 1u << 2;          ///< wait for SQ room (SQPOLL)
inline constexpr uint32_t kEnterExtArg = 1u << 3;          ///< arg is a getevents argument
inline constexpr uint32_t kEnterRegisteredRing = 1u << 4;  ///< fd is a registered ring index
inline constexpr uint32_t kEnterAbsTimer = 1u << 5;        ///< the ext arg's timeout is an absolute time
inline constexpr uint32_t kEnterExtArgReg = 1u << 6;       ///< the ext arg is in a registered wait region
inline constexpr uint32_t kEnterNoIowait = 1u << 7;        ///< do not count the wait as iowait

/// io_uring_enter's argument with kEnterExtArg (struct io_uring_getevents_arg).
struct GeteventsArg {
    uint64_t sigmask;        ///<  0: a sigset_t to wait under, or 0
    uint32_t sigmask_sz;     ///<  8: its size (8)
    uint32_t min_wait_usec;  ///< 12: wait at least this long for min_complete (FEAT_MIN_TIMEOUT)
    uint64_t ts;             ///< 16: a struct __kernel_timespec timeout, or 0
};

/// Sqe::timeout_flags of TIMEOUT, LINK_TIMEOUT and TIMEOUT_REMOVE.
inline constexpr uint32_t kTimeoutAbs = 1u << 0;            ///< the timespec is an absolute time
inline constexpr uint32_t kTimeoutUpdate = 1u << 1;         ///< TIMEOUT_REMOVE: re-arm a TIMEOUT
inline constexpr uint32_t kTimeoutBoottime = 1u << 2;       ///< on CLOCK_BOOTTIME
inline constexpr uint32_t kTimeoutRealtime = 1u << 3;       ///< on CLOCK_REALTIME
inline constexpr uint32_t kLinkTimeoutUpdate = 1u << 4;     ///< TIMEOUT_REMOVE: re-arm a LINK_TIMEOUT
inline constexpr uint32_t kTimeoutEtimeSuccess = 1u << 5;   ///< expiry is no failure (links go on)
inline constexpr uint32_t kTimeoutMultishot = 1u << 6;      ///< fire again and again
inline constexpr uint32_t kTimeoutClockMask = kTimeoutBoottime | kTimeoutRealtime;  ///< the clock bits
inline constexpr uint32_t kTimeoutUpdateMask = kTimeoutUpdate | kLinkTimeoutUpdate; ///< the update bits

/// Sqe::cancel_flags of ASYNC_CANCEL.
inline constexpr uint32_t kCancelAll = 1u << 0;       ///< every match, not only the first
inline constexpr uint32_t kCancelFd = 1u << 1;        ///< match on the request's fd
inline constexpr uint32_t kCancelAny = 1u << 2;       ///< match any request
inline constexpr uint32_t kCancelFdFixed = 1u << 3;   ///< the fd is a registered-file index
inline constexpr uint32_t kCancelUserdata = 1u << 4;  ///< match on user_data (the default)
inline constexpr uint32_t kCancelOp = 1u << 5;        ///< match on the opcode (in Sqe::len)

/// SQ ring flags (the word at SqRingOffsets::flags).
inline constexpr uint32_t kSqNeedWakeup = 1u << 0;  ///< the SQPOLL thread sleeps
inline constexpr uint32_t kSqCqOverflow = 1u << 1;  ///< completions wait in the overflow backlog
inline constexpr uint32_t kSqTaskrun = 1u << 2;     ///< completion work waits for an enter

/// CQ ring flags (the word at CqRingOffsets::flags).
inline constexpr uint32_t kCqEventfdDisabled = 1u << 0;  ///< no eventfd notifications

/// SQE flags (Sqe::flags).
inline constexpr uint8_t kSqeFixedFile = 1u << 0;        ///< fd is a registered-file index
inline constexpr uint8_t kSqeIoDrain = 1u << 1;          ///< start after all earlier requests end
inline constexpr uint8_t kSqeIoLink = 1u << 2;           ///< the next SQE waits for this one
inline constexpr uint8_t kSqeIoHardlink = 1u << 3;       ///< like kSqeIoLink, survives failure
inline constexpr uint8_t kSqeAsync = 1u << 4;            ///< go straight to a worker
inline constexpr uint8_t kSqeBufferSelect = 1u << 5;     ///< take a buffer from buf_group
inline constexpr uint8_t kSqeCqeSkipSuccess = 1u << 6;   ///< no CQE on success

/// CQE flags (Cqe::flags).
inline constexpr uint32_t kCqeFBuffer = 1u << 0;        ///< upper 16 bits hold a buffer id
inline constexpr uint32_t kCqeFMore = 1u << 1;          ///< more CQEs will follow for this SQE
inline constexpr uint32_t kCqeFSockNonempty = 1u << 2;  ///< more data to receive
inline constexpr uint32_t kCqeFNotif = 1u << 3;         ///< a zero-copy notification
inline constexpr uint32_t kCqeBufferShift = 16;         ///< where kCqeFBuffer's id starts

/// ProbeOp::flags.
inline constexpr uint16_t kOpSupported = 1u << 0;

/// RsrcRegister::flags: register a table of empty slots.
inline constexpr uint32_t kRsrcRegisterSparse = 1u << 0;
/// In a FILES_UPDATE fd array: leave this slot as it is.
inline constexpr int32_t kRegisterFilesSkip = -2;

/// mmap offsets on a ring fd: which region a mapping shows.
inline constexpr uint64_t kOffSqRing = 0ull;                ///< the SQ ring (and CQ with kFeatSingleMmap)
inline constexpr uint64_t kOffCqRing = 0x8000000ull;        ///< the CQ ring
inline constexpr uint64_t kOffSqes = 0x10000000ull;         ///< the SQE array
inline constexpr uint64_t kOffMmapMask = 0xf8000000ull;     ///< bits that select the region

/// Size limits of io_uring/io_uring.c (not in the uapi header).
inline constexpr uint32_t kMaxEntries = 32768;              ///< IORING_MAX_ENTRIES: SQ entries
inline constexpr uint32_t kMaxCqEntries = 2 * kMaxEntries;  ///< IORING_MAX_CQ_ENTRIES

/// UIO_MAXIOV: the most iovecs one READV/WRITEV takes (uapi/linux/uio.h).
inline constexpr uint32_t kMaxIovecs = 1024;

// ------------------------------------------------------- the layout, pinned

static_assert(sizeof(SqRingOffsets) == 40);
static_assert(offsetof(SqRingOffsets, array) == 24 && offsetof(SqRingOffsets, resv2) == 32);
static_assert(sizeof(CqRingOffsets) == 40);
static_assert(offsetof(CqRingOffsets, cqes) == 20 && offsetof(CqRingOffsets, resv2) == 32);
static_assert(sizeof(Params) == 120);
static_assert(offsetof(Params, resv) == 28 && offsetof(Params, sq_off) == 40 && offsetof(Params, cq_off) == 80);
static_assert(sizeof(Sqe) == 64);
static_assert(sizeof(GeteventsArg) == 24 && offsetof(GeteventsArg, ts) == 16);
static_assert(offsetof(Sqe, fd) == 4 && offsetof(Sqe, off) == 8 && offsetof(Sqe, addr) == 16);
static_assert(offsetof(Sqe, len) == 24 && offsetof(Sqe, rw_flags) == 28 && offsetof(Sqe, user_data) == 32);
static_assert(offsetof(Sqe, buf_index) == 40 && offsetof(Sqe, personality) == 42);
static_assert(offsetof(Sqe, file_index) == 44 && offsetof(Sqe, addr3) == 48 && offsetof(Sqe, pad2) == 56);
static_assert(sizeof(Cqe) == 16);
static_assert(offsetof(Cqe, res) == 8 && offsetof(Cqe, flags) == 12);
static_assert(sizeof(ProbeOp) == 8 && sizeof(Probe) == 16);
static_assert(sizeof(RsrcRegister) == 32 && offsetof(RsrcRegister, data) == 16 && offsetof(RsrcRegister, tags) == 24);
static_assert(sizeof(RsrcUpdate) == 16 && offsetof(RsrcUpdate, data) == 8);
static_assert(sizeof(RsrcUpdate2) == 32 && offsetof(RsrcUpdate2, tags) == 16 && offsetof(RsrcUpdate2, nr) == 24);

}  // namespace abi::io_uring
