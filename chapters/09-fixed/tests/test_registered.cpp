/**
 * @file chapters/09-fixed/tests/test_registered.cpp
 * @brief Host tests of registered buffers and files (uring/registered.cpp)
 * and of the UserIter over pinned pages, under ASan and UBSan.
 *
 * The registry is driven through Registry::handle() with the raw ABI, as
 * io_uring_register calls it: "user memory" is this test's own memory (its
 * addresses lie below the end of user space, as a program's do), read by
 * the kernel's real arch/user_copy.S. Pinning is faked: eight pages of the
 * test's memory play the program's pages (page 6 is unmapped, page 7
 * read-only), a "frame" is a page's own address (phys_to_virt is the
 * identity), and every pin and unpin is counted, so each test can check
 * that what was pinned is unpinned exactly once, and when. Files are fakes
 * that count their references and their deletion. The expected answers
 * are what Linux 6.18 gave (user/programs/errno-fixed.cpp runs them too).
 */
// links: arch/user_copy.S
#include <criterion/criterion.h>

#include <cstdlib>
#include <cstring>
#include <map>

#include "proc/uaccess.cpp"
#include "proc/user_iter.cpp"
#include "uring/registered.cpp"
#include "../../04-user/tests/user_faults.h"
#include "fake_cpu.h"

// ------------------------------------------------------------------ fakes

uint64_t g_user_top = abi::kTaskSize;
void* heap_allocate(size_t size, size_t align) { return std::aligned_alloc(align < 16 ? 16 : align, (size + 15) & ~size_t(15)); }
void heap_free(void* p) { std::free(p); }
void* operator new(size_t size) { return heap_allocate(size, 16); }
void operator delete(void* p) noexcept { heap_free(p); }
void operator delete(void* p, size_t) noexcept { heap_free(p); }
Sink& console_sink() {
    struct Discard final : Sink {
        void write(const char*, size_t) override {}
    };
    static Discard sink;
    return sink;
}
VirtAddr phys_to_virt(PhysAddr p) { return VirtAddr(p.value()); }

namespace {

constexpr uint64_t kPage = 4096;
constexpr int kPages = 8;
constexpr int kUnmappedPage = 6;
constexpr int kReadOnlyPage = 7;
alignas(4096) uint8_t g_memory[kPages * kPage];  // the program's pages
std::map<uint64_t, int> g_pins;                  // frame -> pins held
int g_pin_calls = 0;

uint64_t at(const void* p) { return reinterpret_cast<uint64_t>(p); }
uint64_t page(int i) { return at(g_memory) + uint64_t(i) * kPage; }
int pins(int i) { return g_pins.count(page(i)) ? g_pins[page(i)] : 0; }
int total_pins() {
    int n = 0;
    for (const auto& [frame, count] : g_pins) n += count;
    return n;
}

}  // namespace

Result<void> pin_user_pages(const AddressSpace&, uint64_t start, uint64_t pages, PhysAddr* pinned) {
    ++g_pin_calls;
    for (uint64_t i = 0; i < pages; ++i) {
        const uint64_t p = start + i * kPage;
        const bool ours = p >= page(0) && p < page(kPages);
        if (!ours || p == page(kUnmappedPage) || p == page(kReadOnlyPage)) {
            unpin_pages(pinned, i);
            return Err(abi::Errno::Fault);
        }
        ++g_pins[p];
        pinned[i] = PhysAddr(p);
    }
    return {};
}

void unpin_pages(const PhysAddr* pinned, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
        cr_assert_gt(g_pins[pinned[i].value()], 0, "unpinning a frame that is not pinned");
        --g_pins[pinned[i].value()];
    }
}

// The File members the registry does not need, and the descriptor table.
Result<long> File::read(UserIter&, Blocking) { return Err(abi::Errno::Inval); }
Result<long> File::write(UserIter&, Blocking) { return Err(abi::Errno::Inval); }
Result<FileMemory> File::mmap(uint64_t, uint64_t) { return Err(abi::Errno::NoDev); }
bool File::wait_for_data(uring::Request&) { return false; }
void File::cancel_wait(uring::Request&) {}
Result<long> File::ioctl(uint32_t, uint64_t) { return Err(abi::Errno::NoTty); }
void File::unref() {
    if (--m_refs == 0) delete this;
}
FileTable::~FileTable() {
    for (File*& file : files)
        if (file) file->unref(), file = nullptr;
}
Result<File*> FileTable::get(uint32_t fd) const {
    if (fd >= kMaxFiles || !files[fd]) return Err(abi::Errno::BadF);
    return files[fd];
}

namespace {

int g_deleted = 0;  // FakeFiles deleted

/// A file that says when it is deleted; @p ring makes it an io_uring.
class FakeFile final : public File {
public:
    explicit FakeFile(bool ring = false) : File(kReadable | kWritable), m_ring(ring) {}
    ~FakeFile() override { ++g_deleted; }
    RingFile* as_ring() override { return m_ring ? reinterpret_cast<RingFile*>(this) : nullptr; }

private:
    bool m_ring;
};

namespace iu = abi::io_uring;
using abi::Errno;
using abi::IoVec;
using iu::RegisterOp;
using uring::Registry;

/// Everything a test needs, fresh: the fake CPU, unpinned pages, and a
/// descriptor table with 0 and 1 two files, 2 an io_uring.
struct Fresh {
    AddressSpace space{PhysAddr(0)};
    FileTable fds;
    Registry registry;
    Fresh() {
        fake_cpu::start();
        g_pins.clear();
        g_pin_calls = 0;
        g_deleted = 0;
        fds.files[0] = new FakeFile();
        fds.files[1] = new FakeFile();
        fds.files[2] = new FakeFile(true);
    }
    long call(RegisterOp op, const void* arg, uint32_t nr) {
        const Result<long> r = registry.handle(op, at(arg), nr, space, fds);
        cr_expect_eq(fake_cpu::locks_held(), 0u, "a lock was left held");
        return r ? *r : -r.error();
    }
    long call(RegisterOp op, uint64_t arg, uint32_t nr) { return call(op, reinterpret_cast<const void*>(arg), nr); }
};

long raw(const Result<void>& r) { return r ? 0 : -r.error(); }

/// What a request would find in slot @p index (looked up in a Reading of its own).
uring::RegisteredBuffer* buffer_at(Registry& registry, uint32_t index) {
    const Registry::Reading reading(&registry);
    return reading.buffer(index);
}
File* file_at(Registry& registry, uint32_t index) {
    const Registry::Reading reading(&registry);
    return reading.file(index);
}

}  // namespace

// ---------------------------------------------------------------- buffers

Test(registered, a_buffer_is_checked_then_pinned_whole) {
    Fresh f;
    auto pin = [&](uint64_t addr, uint64_t len) -> long {
        const Result<uring::RegisteredBuffer*> b = uring::RegisteredBuffer::pin(f.space, addr, len);
        if (!b) return -b.error();
        (*b)->unref();
        return 0;
    };
    cr_expect_eq(pin(page(0), 0), -Errno::Fault, "empty");
    cr_expect_eq(pin(page(0), (1ull << 30) + 1), -Errno::Fault, "over 1 GiB");
    cr_expect_eq(pin(0xfffffffffffff000, 4096), -Errno::Overflow, "wraps past 2^64");
    cr_expect_eq(pin(0xfffffffffffff000, 1), -Errno::Overflow, "its page wraps");
    cr_expect_eq(pin(0xffffffffffffe001, 4096), -Errno::Overflow, "its last page wraps");
    cr_expect_eq(g_pin_calls, 0, "none of those reached the page tables");
    cr_expect_eq(pin(page(4), 3 * kPage), -Errno::Fault, "page 6 is not mapped");
    cr_expect_eq(pin(page(7) + 10, 1), -Errno::Fault, "page 7 is read-only");
    cr_expect_eq(total_pins(), 0, "a failed pin leaves nothing pinned");
    cr_expect_eq(pin(page(1) + 4095, 2), 0, "two bytes, two pages");
    cr_expect_eq(total_pins(), 0, "the last reference unpins");
}

Test(registered, registration_follows_linux) {
    Fresh f;
    const IoVec three[3] = {{page(0) + 10, 100}, {0, 0}, {page(1) + 4000, 2 * kPage}};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, nullptr, 1), -Errno::Fault);
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, three, 0), -Errno::Inval);
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, three, 16385), -Errno::Inval);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), -Errno::NxIo);
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, three, 3), 0);
    cr_expect_eq(pins(0), 1);
    cr_expect_eq(pins(1), 1);
    cr_expect_eq(pins(2), 1);
    cr_expect_eq(pins(3), 1, "4000 + 8192 bytes from page 1 reach into page 4");
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, three, 3), -Errno::Busy);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, three, 0), -Errno::Inval);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 1), -Errno::Inval);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), 0);
    cr_expect_eq(total_pins(), 0);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), -Errno::NxIo);
    cr_expect_gt(fake_cpu::skipped, 0, "the IrqLocks really ran");
}

Test(registered, a_failure_part_way_leaves_no_table) {
    Fresh f;
    const IoVec bad[4] = {{page(0), 10}, {page(1), 10}, {page(5), 2 * kPage}, {page(0), 10}};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, bad, 4), -Errno::Fault, "page 6 is not mapped");
    cr_expect_eq(total_pins(), 0, "buffers 0 and 1 were unpinned again");
    cr_expect_eq(buffer_at(f.registry, 0), nullptr);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), -Errno::NxIo);
    const IoVec null_five[1] = {{0, 5}};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, null_five, 1), -Errno::Fault);
    const IoVec negative[1] = {{page(0), 1ull << 63}};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, negative, 1), -Errno::Inval);
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, 0x10000000000, 1), -Errno::Fault, "the array is unreadable");
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, bad, 2), 0, "then a good one is taken");
}

Test(registered, the_struct_forms_and_sparse_tables) {
    Fresh f;
    const IoVec two[2] = {{page(0), 10}, {page(1), 10}};
    iu::RsrcRegister rr{2, 0, 0, at(two), 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers2, &rr, 16), -Errno::Inval, "size");
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers2, 0x10000000000, sizeof rr), -Errno::Fault);
    rr.resv2 = 1;
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers2, &rr, sizeof rr), -Errno::Inval);
    rr = {2, 2, 0, at(two), 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers2, &rr, sizeof rr), -Errno::Inval, "unknown flag");
    rr = {2, iu::kRsrcRegisterSparse, 0, at(two), 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers2, &rr, sizeof rr), -Errno::Inval, "SPARSE with data");
    const uint64_t tags[2] = {0, 7};
    rr = {2, 0, 0, at(two), at(tags)};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers2, &rr, sizeof rr), -Errno::Inval, "no tags are offered");
    cr_expect_eq(total_pins(), 0, "buffer 0 was pinned, and unpinned again");
    g_pin_calls = 0;
    rr = {16384, iu::kRsrcRegisterSparse, 0, 0, 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers2, &rr, sizeof rr), 0);
    cr_expect_eq(buffer_at(f.registry, 0), nullptr, "every slot empty");
    cr_expect_eq(buffer_at(f.registry, 16383), nullptr);
    cr_expect_eq(g_pin_calls, 0, "a sparse table pins nothing");
}

Test(registered, a_slice_must_lie_inside_the_buffer) {
    Fresh f;
    const IoVec one[1] = {{page(0) + 10, 100}};
    cr_assert_eq(f.call(RegisterOp::RegisterBuffers, one, 1), 0);
    const Registry::Reading reading(&f.registry);
    uring::RegisteredBuffer* b = reading.buffer(0);
    cr_assert_not_null(b);
    cr_expect_eq(raw(b->check(page(0) + 10, 100)), 0);
    cr_expect_eq(raw(b->check(page(0) + 110, 0)), 0, "0 bytes at its end");
    cr_expect_eq(raw(b->check(page(0) + 9, 8)), -Errno::Fault, "one byte before");
    cr_expect_eq(raw(b->check(page(0) + 103, 8)), -Errno::Fault, "one byte past");
    cr_expect_eq(raw(b->check(0, 0)), -Errno::Fault);
    cr_expect_eq(raw(b->check(0xfffffffffffffff0, 32)), -Errno::Fault, "wraps");
    cr_expect_eq(buffer_at(f.registry, 1), nullptr, "past the table");
    cr_expect_eq(buffer_at(f.registry, 65535), nullptr);
}

Test(registered, pinned_copies_cross_pages_from_an_unaligned_start) {
    Fresh f;
    for (int i = 0; i < 3 * static_cast<int>(kPage); ++i) g_memory[i] = static_cast<uint8_t>(i % 251);
    const IoVec one[1] = {{page(0) + 4000, 2 * kPage}};
    cr_assert_eq(f.call(RegisterOp::RegisterBuffers, one, 1), 0);
    const Registry::Reading reading(&f.registry);
    uring::RegisteredBuffer* b = reading.buffer(0);
    cr_assert_eq(raw(b->check(page(0) + 4090, 4200)), 0);
    UserIter it = b->slice(page(0) + 4090, 4200);  // the end of page 0, all of page 1, into page 2
    static uint8_t out[5000];
    cr_expect_eq(it.remaining(), 4200u);
    cr_expect_eq(it.copy_in(out, 6), 6u);
    cr_expect_eq(it.copy_in(out + 6, 5000), 4194u, "only what the slice holds");
    cr_expect_eq(it.remaining(), 0u);
    cr_expect_eq(std::memcmp(out, g_memory + 4090, 4200), 0);
    static uint8_t in[100];
    for (int i = 0; i < 100; ++i) in[i] = static_cast<uint8_t>(200 + i % 50);
    UserIter dst = b->slice(page(1) + 4050, 100);  // across pages 1 and 2
    cr_expect_eq(dst.copy_out(in, 100), 100u);
    cr_expect_eq(std::memcmp(g_memory + kPage + 4050, in, 100), 0);
}

Test(registered, parked_requests_keep_buffers_past_unregister) {
    Fresh f;
    const IoVec one[1] = {{page(2), 2 * kPage}};
    cr_assert_eq(f.call(RegisterOp::RegisterBuffers, one, 1), 0);
    uring::RegisteredBuffer* parked = buffer_at(f.registry, 0);
    parked->ref();  // a READ_FIXED that parks takes a reference of its own
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), 0, "no waiting");
    cr_expect_eq(pins(2), 1, "the parked request keeps the pages pinned");
    cr_expect_eq(pins(3), 1);
    cr_expect_eq(buffer_at(f.registry, 0), nullptr, "new requests find no table");
    cr_expect_eq(f.call(RegisterOp::RegisterBuffers, one, 1), 0, "a new table can come");
    cr_expect_eq(pins(2), 2, "the old and the new registration");
    parked->unref();  // the request completes
    cr_expect_eq(pins(2), 1);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), 0);
    cr_expect_eq(total_pins(), 0);
}

Test(registered, a_table_taken_away_waits_for_the_readings) {
    Fresh f;
    const IoVec one[1] = {{page(2), 10}};
    cr_assert_eq(f.call(RegisterOp::RegisterBuffers, one, 1), 0);
    {
        const Registry::Reading issuing(&f.registry);  // a request being issued, on another CPU
        uring::RegisteredBuffer* b = issuing.buffer(0);
        cr_assert_not_null(b);
        cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), 0);
        cr_expect_eq(pins(2), 1, "the table waits: the request may still copy through it");
        cr_expect_eq(buffer_at(f.registry, 0), nullptr, "a lookup that starts now finds nothing");
        cr_expect_eq(pins(2), 1, "that lookup's end freed nothing: the first still runs");
        cr_expect_eq(raw(b->check(page(2), 10)), 0, "what it found is still good");
        cr_expect_eq(f.call(RegisterOp::RegisterBuffers, one, 1), 0);
        cr_expect_eq(pins(2), 2);
    }
    cr_expect_eq(pins(2), 1, "the last Reading let the old table go");
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), 0);
    cr_expect_eq(pins(2), 0, "no Reading runs: freed at once");
}

Test(registered, buffer_updates_follow_linux) {
    Fresh f;
    iu::RsrcUpdate2 up{0, 0, 0, 0, 1, 0};
    const IoVec fresh[2] = {{page(3), 64}, {0x10000000000, 64}};
    up.data = at(fresh);
    cr_expect_eq(f.call(RegisterOp::RegisterBuffersUpdate, &up, sizeof up), -Errno::NxIo, "no table");
    const IoVec two[2] = {{page(0), 64}, {page(1), 64}};
    cr_assert_eq(f.call(RegisterOp::RegisterBuffers, two, 2), 0);
    cr_expect_eq(f.call(RegisterOp::RegisterBuffersUpdate, &up, 24), -Errno::Inval, "size");
    up.nr = 0;
    cr_expect_eq(f.call(RegisterOp::RegisterBuffersUpdate, &up, sizeof up), -Errno::Inval);
    up = {0xffffffff, 0, at(fresh), 0, 2, 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffersUpdate, &up, sizeof up), -Errno::Overflow);
    up = {1, 0, at(fresh), 0, 2, 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffersUpdate, &up, sizeof up), -Errno::Inval, "past the table");
    uring::RegisteredBuffer* in_flight = buffer_at(f.registry, 0);
    in_flight->ref();  // a parked request's
    up = {0, 0, at(fresh), 0, 2, 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffersUpdate, &up, sizeof up), 1, "the second iovec fails: 1 done");
    cr_expect_eq(pins(3), 1, "slot 0 is page 3 now");
    cr_expect_eq(pins(0), 1, "the old buffer is held by the request");
    cr_expect_eq(pins(1), 1, "slot 1 kept its buffer");
    in_flight->unref();
    cr_expect_eq(pins(0), 0);
    const IoVec empty[1] = {{0, 0}};
    up = {1, 0, at(empty), 0, 1, 0};
    cr_expect_eq(f.call(RegisterOp::RegisterBuffersUpdate, &up, sizeof up), 1, "{NULL, 0} empties the slot");
    cr_expect_eq(pins(1), 0);
    cr_expect_eq(buffer_at(f.registry, 1), nullptr);
    cr_expect_eq(f.call(RegisterOp::UnregisterBuffers, nullptr, 0), 0);
    cr_expect_eq(total_pins(), 0);
}

// ------------------------------------------------------------------ files

Test(registered, files_hold_references) {
    Fresh f;
    File* zero = *f.fds.get(0);
    const int32_t fds[3] = {0, -1, 1};
    cr_expect_eq(f.call(RegisterOp::UnregisterFiles, nullptr, 0), -Errno::NxIo);
    cr_expect_eq(f.call(RegisterOp::RegisterFiles, nullptr, 1), -Errno::Fault);
    cr_expect_eq(f.call(RegisterOp::RegisterFiles, fds, 0), -Errno::Inval);
    cr_expect_eq(f.call(RegisterOp::RegisterFiles, fds, (1u << 20) + 1), -Errno::MFile);
    const int32_t with_ring[3] = {0, 1, 2};
    cr_expect_eq(f.call(RegisterOp::RegisterFiles, with_ring, 3), -Errno::BadF, "an io_uring");
    const int32_t with_hole[3] = {0, 1, 9};
    cr_expect_eq(f.call(RegisterOp::RegisterFiles, with_hole, 3), -Errno::BadF, "not open");
    cr_expect_eq(file_at(f.registry, 0), nullptr, "no partial table");
    cr_expect_eq(f.call(RegisterOp::RegisterFiles, fds, 3), 0);
    cr_expect_eq(f.call(RegisterOp::RegisterFiles, fds, 3), -Errno::Busy);
    File* in_flight = file_at(f.registry, 0);
    cr_expect_eq(in_flight, zero);
    in_flight->ref();  // a parked request's
    cr_expect_eq(file_at(f.registry, 1), nullptr, "-1: an empty slot");
    cr_expect_eq(file_at(f.registry, 3), nullptr, "past the table");
    f.fds.files[0]->unref();  // close(0): the table and the request still hold it
    f.fds.files[0] = nullptr;
    cr_expect_eq(f.call(RegisterOp::UnregisterFiles, nullptr, 0), 0);
    cr_expect_eq(g_deleted, 0, "the request still holds file 0");
    in_flight->unref();
    cr_expect_eq(g_deleted, 1, "its last reference deletes it");
}

Test(registered, file_updates_follow_linux) {
    Fresh f;
    const int32_t fds[3] = {0, -1, 1};
    cr_assert_eq(f.call(RegisterOp::RegisterFiles, fds, 3), 0);
    iu::RsrcUpdate up{0, 0, 0};
    const int32_t skip_bad_one[3] = {iu::kRegisterFilesSkip, 9, 1};
    up = {0, 0, at(skip_bad_one)};
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate, &up, 0), -Errno::Inval);
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate, &up, 3), 1, "the skip counts; fd 9 stops it");
    cr_expect_eq(file_at(f.registry, 0), *f.fds.get(0), "skipped: unchanged");
    cr_expect_eq(file_at(f.registry, 1), nullptr, "the bad fd's slot is left empty");
    const int32_t bad_first[1] = {9};
    up = {2, 0, at(bad_first)};
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate, &up, 1), -Errno::BadF);
    cr_expect_eq(file_at(f.registry, 2), nullptr, "emptied first, as Linux");
    const int32_t ring[1] = {2};
    up = {0, 0, at(ring)};
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate, &up, 1), -Errno::BadF);
    up = {0xffffffff, 0, at(ring)};
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate, &up, 2), -Errno::Overflow);
    up = {2, 0, at(ring)};
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate, &up, 2), -Errno::Inval);
    up = {0, 1, at(ring)};
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate, &up, 1), -Errno::Inval, "resv");
    const int32_t one[1] = {1};
    iu::RsrcUpdate2 up2{2, 0, at(one), 0, 1, 0};
    cr_expect_eq(f.call(RegisterOp::RegisterFilesUpdate2, &up2, sizeof up2), 1);
    cr_expect_eq(file_at(f.registry, 2), *f.fds.get(1));
    cr_expect_eq(f.call(RegisterOp::UnregisterFiles, nullptr, 0), 0);
    cr_expect_eq(g_deleted, 0, "the descriptors still hold every file");
}
