/**
 * @file chapters/09-fixed/uring/registered.h
 * @brief Registered buffers and files: what io_uring_register checks once,
 * so that each request only names it by index (Linux's io_uring/rsrc.c).
 *
 * A READ or a WRITE pays on every request for things the program could
 * have told the kernel once: its buffer is checked to lie in user space
 * and wrapped in a UserIter, each copy goes through the program's page
 * tables and may fault, and the descriptor is looked up in the process's
 * table. Registering pays for them once:
 *   - a registered buffer (RegisteredBuffer) is checked, and its pages are
 *     pinned: each frame gets one more reference (mm/frame.h), so the memory
 *     stays even if the program unmaps it. READ_FIXED and WRITE_FIXED name
 *     it by buf_index, and copy through the kernel's direct map of the frames;
 *   - a registered file is a reference on the File, kept in the ring's
 *     table: an SQE with IOSQE_FIXED_FILE names it by index.
 *
 * Lifetimes, as Linux's resource nodes: a table holds one reference on
 * each entry. A request that has to wait (a READ parked on an empty pipe)
 * takes one of its own on its file and its buffer. Unregistering drops the
 * table's references only, so a parked request keeps its buffer and its
 * file, and the pages are unpinned when the last request lets go. Nobody
 * waits for anybody.
 *
 * Lookups take no lock, so that a registered file or buffer costs a
 * request less than a descriptor or a user buffer, even with several CPUs
 * (chapter 10). Two rules make that safe:
 *   - an installed table never changes: registering installs a new table,
 *     updating installs a changed copy, unregistering takes the table away.
 *     A lookup reads one table pointer, and then a table that stays as it is;
 *   - a table taken away is freed only when no lookup is running: each
 *     request that looks something up does so inside a Reading (it counts
 *     itself in m_readers), and a table retired while one runs waits on a
 *     list until the last Reading ends. This is the idea of Linux's RCU,
 *     with one count per ring for the grace period.
 * The writer (io_uring_register) takes the table away, then looks at the
 * count; a reader counts itself, then reads the table pointer. With a full
 * barrier on each side, at least one of them sees the other - the same
 * pairing as SQPOLL's NEED_WAKEUP (chapter 08). io_uring_register calls
 * take turns under the Registry's lock, as Linux's under its uring_lock.
 */
#pragma once

#include <atomic>
#include <cstdint>

#include "common/abi/io_uring.h"
#include "common/result.h"
#include "mm/address.h"
#include "proc/user_iter.h"
#include "sync/spinlock.h"

class AddressSpace;
class File;
struct FileTable;

namespace uring {

inline constexpr uint32_t kMaxBuffers = 16384;          ///< IORING_MAX_REG_BUFFERS
inline constexpr uint32_t kMaxFiles = 1u << 20;          ///< IORING_MAX_FIXED_FILES
inline constexpr uint64_t kMaxBufferBytes = 1ull << 30;  ///< one buffer's limit (Linux's SZ_1G)

/// One registered buffer (Linux's io_mapped_ubuf): the user range it was
/// registered as, and the frames behind its pages, pinned.
class RegisteredBuffer {
public:
    /// Check [addr, addr + len) as Linux's io_validate_user_buf_range, then pin
    /// its pages in @p space: Errno::Fault (0 bytes, over 1 GiB, or a page
    /// that is not the program's own writable memory), Errno::Overflow (the
    /// range wraps around), Errno::NoMem.
    static Result<RegisteredBuffer*> pin(const AddressSpace& space, uint64_t addr, uint64_t len);

    /// Take a reference (a table's, or a request's).
    void ref() { m_refs.fetch_add(1, std::memory_order_relaxed); }
    /// Drop a reference; the last one unpins the pages and frees the buffer.
    void unref();

    /// Linux's validate_fixed_range: Errno::Fault unless the bytes
    /// [addr, addr + len) lie inside this buffer and len is at most MAX_RW_COUNT.
    [[nodiscard]] Result<void> check(uint64_t addr, uint64_t len) const;
    /// The bytes [addr, addr + len), which check() accepted, as a UserIter
    /// over the pinned pages. (It cannot fail, so it is built where it is
    /// used: a Result would move it twice.)
    [[nodiscard]] UserIter slice(uint64_t addr, uint64_t len) const;

    /// The user address the buffer was registered at.
    [[nodiscard]] uint64_t address() const { return m_addr; }
    /// Its length in bytes.
    [[nodiscard]] uint64_t length() const { return m_len; }

    /// Use pin() (make<T>() needs the constructor public).
    RegisteredBuffer(uint64_t addr, uint64_t len, uint64_t pages, PhysAddr* frames)
        : m_addr(addr), m_len(len), m_pages(pages), m_frames(frames) {}

private:
    std::atomic<uint32_t> m_refs{1};  // the creator's
    uint64_t m_addr;       // as registered
    uint64_t m_len;
    uint64_t m_pages;      // frames pinned: the pages [addr, addr + len) touches
    PhysAddr* m_frames;    // one per page, from the page of addr on
};

/// What a Registry retires: a table, seen only as something to delete.
class RetiredTable {
public:
    virtual ~RetiredTable() = default;
    RetiredTable* retired_next = nullptr;  ///< the Registry's list of tables waiting for no Reading
};

/// A table of registered entries (RegisteredBuffer or File): a fixed number
/// of slots, each empty or holding one reference on its entry. Once
/// installed in a Registry it never changes.
template <typename T>
class Table final : public RetiredTable {
public:
    /// A table of @p size empty slots, or Errno::NoMem.
    static Result<Table*> create(uint32_t size);
    /// A new table with the same entries (each referenced once more), or Errno::NoMem.
    Result<Table*> clone() const;
    /// Drops every entry's reference.
    ~Table() override;

    /// Its number of slots.
    [[nodiscard]] uint32_t size() const { return m_size; }
    /// The entry in slot @p index; nullptr if the slot is empty or there is none.
    [[nodiscard]] T* get(uint32_t index) const { return index < m_size ? m_slots[index] : nullptr; }
    /// Before the table is installed: put @p entry (and its reference) in slot
    /// @p index (< size()), and return what was there (and its reference).
    T* exchange(uint32_t index, T* entry) {
        T* old = m_slots[index];
        m_slots[index] = entry;
        return old;
    }

    /// Use create().
    Table(uint32_t size, T** slots) : m_size(size), m_slots(slots) {}

private:
    uint32_t m_size;
    T** m_slots;
};

/// The buffers and files registered with one ring.
class Registry {
public:
    /// A stretch of code that looks entries up (a request being issued). What
    /// it finds stays valid until it ends: a table taken away meanwhile is
    /// freed only after the last Reading. A Reading of nullptr does nothing
    /// (a request that uses no registered file or buffer pays nothing).
    class Reading {
    public:
        /// Count this lookup in (a full barrier: see the file's comment).
        explicit Reading(Registry* registry) : m_registry(registry) {
            if (registry) registry->m_readers.fetch_add(1, std::memory_order_seq_cst);
        }
        /// Count it out; the last Reading frees what was retired meanwhile (if anything was).
        ~Reading() {
            if (m_registry && m_registry->m_readers.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
                m_registry->m_retired.load(std::memory_order_acquire))
                m_registry->reclaim();
        }
        Reading(const Reading&) = delete;
        Reading& operator=(const Reading&) = delete;

        /// The buffer in slot @p index, or nullptr (none: the request fails,
        /// -EFAULT). Valid during this Reading; a request that outlives it
        /// (a parked READ) takes a reference first.
        [[nodiscard]] RegisteredBuffer* buffer(uint32_t index) const {
            // seq_cst: this load comes after the count went up (see the file's comment).
            const Table<RegisteredBuffer>* table = m_registry->m_buffers.load(std::memory_order_seq_cst);
            return table ? table->get(index) : nullptr;
        }
        /// The file in slot @p index, or nullptr (none: -EBADF). As buffer().
        [[nodiscard]] File* file(uint32_t index) const {
            const Table<File>* table = m_registry->m_files.load(std::memory_order_seq_cst);
            return table ? table->get(index) : nullptr;
        }

    private:
        Registry* m_registry;
    };

    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;
    /// Both tables go, and what waits to be freed (no request is left).
    ~Registry();

    /// io_uring_register(ring, @p op, @p arg, @p nr_args) for the buffer and
    /// file operations (REGISTER_BUFFERS(2), BUFFERS_UPDATE, UNREGISTER_BUFFERS,
    /// REGISTER_FILES(2), FILES_UPDATE(2), UNREGISTER_FILES), with Linux's
    /// checks in Linux's order: what the call returns. Buffers are pinned in
    /// @p space, descriptors looked up in @p descriptors (the caller's).
    /// Errno::Inval for any other operation.
    Result<long> handle(abi::io_uring::RegisterOp op, uint64_t arg, uint32_t nr_args, const AddressSpace& space,
                        const FileTable& descriptors);

private:
    // Linux's io_sqe_buffers_register, __io_sqe_buffers_update, io_sqe_files_register,
    // __io_sqe_files_update; arrays are user addresses. With m_lock held.
    Result<long> register_buffers(const AddressSpace& space, uint64_t iovecs, uint32_t count, uint64_t tags);
    Result<long> update_buffers(const AddressSpace& space, uint32_t offset, uint64_t iovecs, uint32_t count,
                                uint64_t tags);
    Result<long> register_files(const FileTable& descriptors, uint64_t fds, uint32_t count, uint64_t tags);
    Result<long> update_files(const FileTable& descriptors, uint32_t offset, uint64_t fds, uint32_t count,
                              uint64_t tags);
    // The calls that take a struct (io_register_rsrc, io_register_rsrc_update).
    Result<long> register_rsrc(bool buffers, uint64_t arg, uint32_t size, const AddressSpace& space,
                               const FileTable& descriptors);
    Result<long> update_rsrc(bool buffers, uint64_t arg, uint32_t size, const AddressSpace& space,
                             const FileTable& descriptors);
    Result<long> dispatch(abi::io_uring::RegisterOp op, uint64_t arg, uint32_t nr_args, const AddressSpace& space,
                          const FileTable& descriptors);

    template <typename T>
    Result<long> unregister(std::atomic<Table<T>*>& slot);
    template <typename T>
    Result<Table<T>*> copy_for_update(const std::atomic<Table<T>*>& slot, uint32_t offset, uint32_t count);
    template <typename T>
    void replace(std::atomic<Table<T>*>& slot, Table<T>* table);
    void retire(RetiredTable* table);
    void reclaim();

    SpinLock m_lock;                                          // io_uring_register calls take turns under it
    std::atomic<Table<RegisteredBuffer>*> m_buffers{nullptr};  // nullptr: none registered
    std::atomic<Table<File>*> m_files{nullptr};
    std::atomic<uint32_t> m_readers{0};                       // Readings running now
    std::atomic<RetiredTable*> m_retired{nullptr};            // waiting for no Reading; changed under m_lock
    RetiredTable* m_release = nullptr;                        // retired while no Reading ran: freed after unlock
};

}  // namespace uring
