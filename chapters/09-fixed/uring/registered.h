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
 * Lifetimes, as Linux's resource nodes: a table holds one reference on each
 * entry, and a request takes one of its own for as long as it runs (a parked
 * READ included). Unregistering or replacing an entry drops the table's
 * reference only: a request in flight keeps its buffer and its file, and
 * the pages are unpinned when the last request lets go. Nobody waits.
 *
 * Locking: a table is installed or taken away, and an entry looked up and
 * referenced, under the Registry's lock; the slow work (reading the user's
 * arrays, pinning, unpinning) happens outside it, on a table nobody else
 * sees yet or no longer sees. So a registration that fails half-way has
 * changed nothing: no request ever sees a partial table.
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

    /// The bytes [addr, addr + len) as a UserIter over the pinned pages;
    /// Errno::Fault unless they lie inside this buffer and len is at most
    /// MAX_RW_COUNT (Linux's validate_fixed_range).
    [[nodiscard]] Result<UserIter> slice(uint64_t addr, uint64_t len) const;

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

/// A table of registered entries (RegisteredBuffer or File): a fixed number
/// of slots, each empty or holding one reference on its entry.
template <typename T>
class Table {
public:
    /// A table of @p size empty slots, or Errno::NoMem.
    static Result<Table*> create(uint32_t size);
    /// Drops every entry's reference.
    ~Table();

    /// Its number of slots.
    [[nodiscard]] uint32_t size() const { return m_size; }
    /// The entry in slot @p index; nullptr if the slot is empty or there is none.
    [[nodiscard]] T* get(uint32_t index) const { return index < m_size ? m_slots[index] : nullptr; }
    /// Put @p entry (and its reference) in slot @p index (< size()), and
    /// return what was there (and its reference), or nullptr.
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

/// The buffers and files registered with one ring, and the lock that
/// guards which tables it has and what their slots hold.
class Registry {
public:
    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;
    /// Both tables go (the ring is released; no request is left to use them).
    ~Registry();

    /// io_uring_register(ring, @p op, @p arg, @p nr_args) for the buffer and
    /// file operations (REGISTER_BUFFERS(2), BUFFERS_UPDATE, UNREGISTER_BUFFERS,
    /// REGISTER_FILES(2), FILES_UPDATE(2), UNREGISTER_FILES), with Linux's
    /// checks in Linux's order: what the call returns. Buffers are pinned in
    /// @p space, descriptors looked up in @p descriptors (the caller's).
    /// Errno::Inval for any other operation.
    Result<long> handle(abi::io_uring::RegisterOp op, uint64_t arg, uint32_t nr_args, const AddressSpace& space,
                        const FileTable& descriptors);

    /// For a request: the buffer in slot @p index, with a reference the
    /// request now owns; nullptr if there is none (the request fails, -EFAULT).
    RegisteredBuffer* buffer(uint32_t index);
    /// For a request: the file in slot @p index, with a reference the request
    /// now owns; nullptr if there is none (the request fails, -EBADF).
    File* file(uint32_t index);

private:
    // Linux's io_sqe_buffers_register, __io_sqe_buffers_update, io_sqe_files_register,
    // __io_sqe_files_update; arrays are user addresses, count > 0 is the caller's check.
    Result<long> register_buffers(const AddressSpace& space, uint64_t iovecs, uint32_t count, uint64_t tags);
    Result<long> update_buffers(const AddressSpace& space, uint32_t offset, uint64_t iovecs, uint32_t count,
                                uint64_t tags);
    Result<long> register_files(const FileTable& descriptors, uint64_t fds, uint32_t count, uint64_t tags);
    Result<long> update_files(const FileTable& descriptors, uint32_t offset, uint64_t fds, uint32_t count,
                              uint64_t tags);
    // The two calls that take a struct (io_register_rsrc, io_register_rsrc_update).
    Result<long> register_rsrc(bool buffers, uint64_t arg, uint32_t size, const AddressSpace& space,
                               const FileTable& descriptors);
    Result<long> update_rsrc(bool buffers, uint64_t arg, uint32_t size, const AddressSpace& space,
                             const FileTable& descriptors);

    template <typename T>
    bool registered(Table<T>* const& table);
    template <typename T>
    Result<long> install(Table<T>*& slot, Table<T>* table);
    template <typename T>
    Result<long> unregister(Table<T>*& slot);
    template <typename T>
    Result<void> check_update(Table<T>* const& table, uint32_t offset, uint32_t count);

    SpinLock m_lock;
    Table<RegisteredBuffer>* m_buffers = nullptr;  // nullptr: none registered
    Table<File>* m_files = nullptr;
};

}  // namespace uring
