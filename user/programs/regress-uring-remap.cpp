/**
 * @file user/programs/regress-uring-remap.cpp
 * @brief mmap on a ring fd after the rings were unmapped must map them again.
 *
 * On Linux the ring memory belongs to the ring, and every mmap of the ring
 * fd at IORING_OFF_SQ_RING or IORING_OFF_SQES maps it anew, so a program may
 * unmap its rings and map them back. Chapter 06's kernel places the rings
 * in the process at setup and answers mmap with where they were: after a
 * munmap, that address has nothing behind it, mmap still "succeeds", and
 * the first access kills the program with SIGSEGV.
 *
 * The program unmaps both regions, maps them again, and asks the kernel
 * whether the new addresses are readable (write(2) of one byte from each
 * into a pipe: -EFAULT if not, without faulting here). Only then does it
 * touch them: a NOP submitted through the remapped ring must complete.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

namespace ring = abi::io_uring;

bool mmap_failed(long r) { return r < 0 && r >= -4095; }

}  // namespace

/// Unmap the rings, map them again through the fd, use them: 0 if that works.
int main(int, char**, char**) {
    iou::Ring r;
    int fds[2];
    if (r.init(4) < 0 || sys::pipe2(fds, abi::open_flag::NonBlock) != 0) {
        print("regress-uring-remap: no ring or no pipe: FAILED\n");
        return 1;
    }
    const iou::Params p = r.params();
    const uint64_t rings_len = p.sq_off.array + p.sq_entries * 4ull > p.cq_off.cqes + p.cq_entries * 16ull
                                   ? p.sq_off.array + p.sq_entries * 4ull
                                   : p.cq_off.cqes + p.cq_entries * 16ull;
    const uint64_t sqes_len = p.sq_entries * sizeof(iou::Sqe);
    r.unmap();
    const int rw = abi::prot::Read | abi::prot::Write;
    const long rings = sys::mmap(nullptr, rings_len, rw, abi::map::Shared, r.fd(), ring::kOffSqRing);
    const long sqes = sys::mmap(nullptr, sqes_len, rw, abi::map::Shared, r.fd(), ring::kOffSqes);
    if (mmap_failed(rings) || mmap_failed(sqes)) {
        print("regress-uring-remap: mmap of the ring fd failed ({}, {}): FAILED\n", rings, sqes);
        return 1;
    }
    const long readable_rings = sys::write(fds[1], reinterpret_cast<void*>(rings), 1);
    const long readable_sqes = sys::write(fds[1], reinterpret_cast<void*>(sqes), 1);
    print("regress-uring-remap: the remapped regions are readable: {}\n",
          readable_rings == 1 && readable_sqes == 1 ? "yes" : "no (mmap returned memory that is not there)");
    if (readable_rings != 1 || readable_sqes != 1) {
        print("regress-uring-remap: FAILED\n");
        return 1;
    }
    // Use the ring through the new mappings: one NOP, one CQE.
    auto* base = reinterpret_cast<uint8_t*>(rings);
    auto* tail = reinterpret_cast<uint32_t*>(base + p.sq_off.tail);
    auto* array = reinterpret_cast<uint32_t*>(base + p.sq_off.array);
    auto* sqe = reinterpret_cast<iou::Sqe*>(sqes);
    const uint32_t slot = *tail & (p.sq_entries - 1);
    sqe[slot] = iou::Sqe{};
    iou::prep_nop(&sqe[slot]);
    iou::sqe_set_data(&sqe[slot], 42);
    array[slot] = slot;
    iou::store_release(tail, *tail + 1);
    const long submitted = iou::raw::io_uring_enter(r.fd(), 1, 1, ring::kEnterGetEvents);
    const uint32_t head = *reinterpret_cast<uint32_t*>(base + p.cq_off.head);
    const auto* cqe = reinterpret_cast<const iou::Cqe*>(base + p.cq_off.cqes) + (head & (p.cq_entries - 1));
    const bool ok = submitted == 1 && iou::load_acquire(reinterpret_cast<uint32_t*>(base + p.cq_off.tail)) != head &&
                    cqe->user_data == 42 && cqe->res == 0;
    print("regress-uring-remap: a NOP through the remapped ring: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
