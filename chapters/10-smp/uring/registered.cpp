/**
 * @file chapters/10-smp/uring/registered.cpp
 * @brief Registering buffers and files: Linux's checks in Linux's order
 * (io_uring/register.c and rsrc.c of Linux 6.18), a table built aside and
 * installed whole, and references for the requests that use an entry.
 *
 * Tags (IORING_FEAT_RSRC_TAGS, a CQE when a tagged entry is released) are
 * not offered: the tag arrays are read as Linux reads them, and any tag
 * but 0 is refused with EINVAL.
 *
 * (Chapter 10: a registered file's reference is taken under the descriptor
 * table's lock, in the lookup itself: another thread may close the
 * descriptor on another CPU at any moment.)
 */
#include "uring/registered.h"

#include "common/str.h"
#include "kernel/heap.h"
#include "mm/user_space.h"
#include "proc/file.h"
#include "proc/uaccess.h"

namespace uring {

using abi::Errno;
namespace ring_abi = abi::io_uring;

namespace {

constexpr uint64_t page_of(uint64_t addr) { return addr & ~(kPageSize - 1); }

// Entry @p i of a tag array (0: no array, every tag 0). We offer no tags,
// so the caller refuses any but 0, once it has read the entry itself.
Result<uint64_t> read_tag(uint64_t tags, uint32_t i) {
    if (tags == 0) return uint64_t{0};
    return read_user<uint64_t>(tags + uint64_t{i} * sizeof(uint64_t));
}

// Entry @p i of an iovec array, as Linux's iovec_from_user reads one.
Result<abi::IoVec> read_iovec(uint64_t iovecs, uint32_t i) {
    const abi::IoVec v = TRY(read_user<abi::IoVec>(iovecs + uint64_t{i} * sizeof(abi::IoVec)));
    if (static_cast<int64_t>(v.len) < 0) return Err(Errno::Inval);
    return v;
}

// Entry @p i of an fd array.
Result<int32_t> read_fd(uint64_t fds, uint32_t i) { return read_user<int32_t>(fds + uint64_t{i} * sizeof(int32_t)); }

// What a slot will hold for iovec @p v (Linux's io_sqe_buffer_register): the
// buffer, pinned, or nullptr for {NULL, 0}, an empty slot.
Result<RegisteredBuffer*> buffer_for(const AddressSpace& space, const abi::IoVec& v, uint64_t tag) {
    if (tag != 0) return Err(Errno::Inval);
    if (v.base == 0) {
        if (v.len != 0) return Err(Errno::Fault);
        return static_cast<RegisteredBuffer*>(nullptr);
    }
    return RegisteredBuffer::pin(space, v.base, v.len);
}

// What a slot will hold for @p fd: its file, with a reference for the
// table, or nullptr for -1, an empty slot.
Result<File*> file_for(const FileTable& descriptors, int32_t fd, uint64_t tag) {
    if (tag != 0) return Err(Errno::Inval);
    if (fd == -1) return static_cast<File*>(nullptr);
    // Looked up and counted in one step: a close on another CPU between a
    // lookup and a ref() could free the file in between. A ring is refused
    // there too (it could hold itself open forever: Linux refuses it).
    return descriptors.ref_unless_ring(static_cast<uint32_t>(fd));
}

}  // namespace

// ------------------------------------------------------- registered buffer

Result<RegisteredBuffer*> RegisteredBuffer::pin(const AddressSpace& space, uint64_t addr, uint64_t len) {
    // io_validate_user_buf_range: an arbitrary limit (Linux's), and no range
    // that wraps past 2^64, whole pages counted; then io_pin_pages' own check.
    if (len == 0 || len > kMaxBufferBytes) return Err(Errno::Fault);
    if (addr + page_of(len + kPageSize - 1) < addr) return Err(Errno::Overflow);
    if (addr + len + (kPageSize - 1) < addr) return Err(Errno::Overflow);
    const uint64_t first = page_of(addr);
    const uint64_t pages = (page_of(addr + len + kPageSize - 1) - first) / kPageSize;

    auto* frames = static_cast<PhysAddr*>(heap_allocate(pages * sizeof(PhysAddr), alignof(PhysAddr)));
    if (!frames) return Err(Errno::NoMem);
    if (const Result<void> pinned = pin_user_pages(space, first, pages, frames); !pinned) {
        heap_free(frames);
        return Err(pinned.error());
    }
    const Result<RegisteredBuffer*> buffer = make<RegisteredBuffer>(addr, len, pages, frames);
    if (!buffer) {
        unpin_pages(frames, pages);
        heap_free(frames);
    }
    return buffer;
}

void RegisteredBuffer::unref() {
    // acq_rel: whatever the other holders did with the pages happens before they are unpinned.
    if (m_refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    unpin_pages(m_frames, m_pages);
    heap_free(m_frames);
    delete this;
}

Result<void> RegisteredBuffer::check(uint64_t addr, uint64_t len) const {
    // All of it inside the buffer, without wrapping, and no more than one
    // read or write may move.
    if (addr + len < addr || addr < m_addr || addr + len > m_addr + m_len) return Err(Errno::Fault);
    if (len > UserIter::kMaxRwCount) return Err(Errno::Fault);
    return {};
}

UserIter RegisteredBuffer::slice(uint64_t addr, uint64_t len) const {
    return UserIter::pinned(m_frames, addr - page_of(m_addr), len);
}

// ------------------------------------------------------------------ tables

template <typename T>
Result<Table<T>*> Table<T>::create(uint32_t size) {
    auto** slots = static_cast<T**>(heap_allocate(size_t{size} * sizeof(T*), alignof(T*)));
    if (!slots) return Err(Errno::NoMem);
    mem::fill(slots, 0, size_t{size} * sizeof(T*));
    const Result<Table*> table = make<Table>(size, slots);
    if (!table) heap_free(slots);
    return table;
}

template <typename T>
Result<Table<T>*> Table<T>::clone() const {
    Table* copy = TRY(create(m_size));
    for (uint32_t i = 0; i < m_size; ++i)
        if (T* entry = m_slots[i]) {
            entry->ref();
            copy->m_slots[i] = entry;
        }
    return copy;
}

template <typename T>
Table<T>::~Table() {
    for (uint32_t i = 0; i < m_size; ++i)
        if (m_slots[i]) m_slots[i]->unref();
    heap_free(m_slots);
}

// ---------------------------------------------------------------- registry

Registry::~Registry() {
    delete m_buffers.load();
    delete m_files.load();
    for (RetiredTable* t = m_retired.load(); t;) {
        RetiredTable* next = t->retired_next;
        delete t;
        t = next;
    }
}

void Registry::retire(RetiredTable* table) {
    // The table is no longer installed (a seq_cst store took it away), so
    // no Reading that starts from now on can find it: if none runs now, it
    // can go (once the lock is dropped); else it waits for the last one.
    if (m_readers.load(std::memory_order_seq_cst) == 0) {
        table->retired_next = m_release;
        m_release = table;
    } else {
        table->retired_next = m_retired.load(std::memory_order_relaxed);
        m_retired.store(table, std::memory_order_release);
    }
}

void Registry::reclaim() {
    RetiredTable* list;
    {
        IrqLock guard(m_lock);
        if (m_readers.load(std::memory_order_seq_cst) != 0) return;  // a new Reading began: it will do this
        list = m_retired.exchange(nullptr, std::memory_order_relaxed);
    }
    while (list) {  // outside the lock: unpinning, or a file's last reference, takes time
        RetiredTable* next = list->retired_next;
        delete list;
        list = next;
    }
}

template <typename T>
void Registry::replace(std::atomic<Table<T>*>& slot, Table<T>* table) {
    if (Table<T>* old = slot.exchange(table, std::memory_order_seq_cst)) retire(old);
}

template <typename T>
Result<long> Registry::unregister(std::atomic<Table<T>*>& slot) {
    if (!slot.load(std::memory_order_relaxed)) return Err(Errno::NxIo);
    replace(slot, static_cast<Table<T>*>(nullptr));  // requests that parked keep their own references
    return 0;
}

template <typename T>
Result<Table<T>*> Registry::copy_for_update(const std::atomic<Table<T>*>& slot, uint32_t offset, uint32_t count) {
    const Table<T>* table = slot.load(std::memory_order_relaxed);
    if (!table) return Err(Errno::NxIo);
    if (uint64_t{offset} + count > table->size()) return Err(Errno::Inval);
    return table->clone();  // installed tables never change: the update is made on a copy
}

Result<long> Registry::register_buffers(const AddressSpace& space, uint64_t iovecs, uint32_t count, uint64_t tags) {
    if (m_buffers.load(std::memory_order_relaxed)) return Err(Errno::Busy);
    if (count == 0 || count > kMaxBuffers) return Err(Errno::Inval);
    // Buffer i: iovec i (none: every slot empty), then tag i, as Linux reads them.
    auto entry = [&](uint32_t i) -> Result<RegisteredBuffer*> {
        const abi::IoVec v = iovecs ? TRY(read_iovec(iovecs, i)) : abi::IoVec{0, 0};
        return buffer_for(space, v, TRY(read_tag(tags, i)));
    };
    Table<RegisteredBuffer>* table = TRY(Table<RegisteredBuffer>::create(count));
    for (uint32_t i = 0; i < count; ++i) {
        const Result<RegisteredBuffer*> buffer = entry(i);
        if (!buffer) {
            delete table;  // no partial table: what was pinned so far is unpinned
            return Err(buffer.error());
        }
        table->exchange(i, *buffer);
    }
    replace(m_buffers, table);
    return 0;
}

Result<long> Registry::update_buffers(const AddressSpace& space, uint32_t offset, uint64_t iovecs, uint32_t count,
                                      uint64_t tags) {
    Table<RegisteredBuffer>* copy = TRY(copy_for_update(m_buffers, offset, count));
    auto entry = [&](uint32_t i) -> Result<RegisteredBuffer*> {
        const abi::IoVec v = TRY(read_iovec(iovecs, i));
        return buffer_for(space, v, TRY(read_tag(tags, i)));
    };
    uint32_t done = 0;
    Errno failed = Errno::Inval;
    for (; done < count; ++done) {
        // As Linux: the new buffer is pinned first, and only then replaces the old one.
        const Result<RegisteredBuffer*> buffer = entry(done);
        if (!buffer) {
            failed = buffer.error();
            break;
        }
        if (RegisteredBuffer* old = copy->exchange(offset + done, *buffer)) old->unref();  // the copy's reference
    }
    if (done == 0) {
        delete copy;  // nothing changed
        return Err(failed);
    }
    replace(m_buffers, copy);
    return done;
}

Result<long> Registry::register_files(const FileTable& descriptors, uint64_t fds, uint32_t count, uint64_t tags) {
    if (m_files.load(std::memory_order_relaxed)) return Err(Errno::Busy);
    if (count == 0) return Err(Errno::Inval);
    if (count > kMaxFiles) return Err(Errno::MFile);
    // File i: tag i, then fd i (none: every slot empty), as Linux reads them.
    auto entry = [&](uint32_t i) -> Result<File*> {
        const uint64_t tag = TRY(read_tag(tags, i));
        const int32_t fd = fds ? TRY(read_fd(fds, i)) : -1;
        return file_for(descriptors, fd, tag);
    };
    Table<File>* table = TRY(Table<File>::create(count));
    for (uint32_t i = 0; i < count; ++i) {
        const Result<File*> file = entry(i);
        if (!file) {
            delete table;  // no partial table: the files taken so far are let go
            return Err(file.error());
        }
        table->exchange(i, *file);
    }
    replace(m_files, table);
    return 0;
}

Result<long> Registry::update_files(const FileTable& descriptors, uint32_t offset, uint64_t fds, uint32_t count,
                                    uint64_t tags) {
    Table<File>* copy = TRY(copy_for_update(m_files, offset, count));
    uint32_t done = 0;
    bool changed = false;
    Errno failed = Errno::Inval;
    for (; done < count; ++done) {
        const Result<uint64_t> tag = read_tag(tags, done);
        const Result<int32_t> fd = tag ? read_fd(fds, done) : Err(tag.error());
        if (!fd) {
            failed = fd.error();
            break;
        }
        if (*fd == ring_abi::kRegisterFilesSkip && *tag == 0) continue;
        if (*tag == 0) {
            // As Linux: the slot is emptied first, and stays empty if the fd is bad.
            if (File* old = copy->exchange(offset + done, nullptr)) old->unref();
            changed = true;
        }
        const Result<File*> file = file_for(descriptors, *fd, *tag);
        if (!file) {
            failed = file.error();
            break;
        }
        copy->exchange(offset + done, *file);
    }
    if (!changed) {
        delete copy;
        return done > 0 ? Result<long>(done) : Err(failed);
    }
    replace(m_files, copy);
    return done > 0 ? Result<long>(done) : Err(failed);
}

Result<long> Registry::register_rsrc(bool buffers, uint64_t arg, uint32_t size, const AddressSpace& space,
                                     const FileTable& descriptors) {
    if (size != sizeof(ring_abi::RsrcRegister)) return Err(Errno::Inval);  // "keep it extendible"
    const auto rr = TRY(read_user<ring_abi::RsrcRegister>(arg));
    if (rr.nr == 0 || rr.resv2 != 0) return Err(Errno::Inval);
    if (rr.flags & ~ring_abi::kRsrcRegisterSparse) return Err(Errno::Inval);
    if ((rr.flags & ring_abi::kRsrcRegisterSparse) && rr.data != 0) return Err(Errno::Inval);
    if (buffers) return register_buffers(space, rr.data, rr.nr, rr.tags);
    return register_files(descriptors, rr.data, rr.nr, rr.tags);
}

Result<long> Registry::update_rsrc(bool buffers, uint64_t arg, uint32_t size, const AddressSpace& space,
                                   const FileTable& descriptors) {
    if (size != sizeof(ring_abi::RsrcUpdate2)) return Err(Errno::Inval);
    const auto up = TRY(read_user<ring_abi::RsrcUpdate2>(arg));
    if (up.nr == 0 || up.resv != 0 || up.resv2 != 0) return Err(Errno::Inval);
    if (uint64_t{up.offset} + up.nr > UINT32_MAX) return Err(Errno::Overflow);
    if (buffers) return update_buffers(space, up.offset, up.data, up.nr, up.tags);
    return update_files(descriptors, up.offset, up.data, up.nr, up.tags);
}

Result<long> Registry::dispatch(ring_abi::RegisterOp op, uint64_t arg, uint32_t nr_args, const AddressSpace& space,
                                const FileTable& descriptors) {
    using ring_abi::RegisterOp;
    switch (op) {
    case RegisterOp::RegisterBuffers:
        if (arg == 0) return Err(Errno::Fault);
        return register_buffers(space, arg, nr_args, 0);
    case RegisterOp::UnregisterBuffers:
        if (arg != 0 || nr_args != 0) return Err(Errno::Inval);
        return unregister(m_buffers);
    case RegisterOp::RegisterFiles:
        if (arg == 0) return Err(Errno::Fault);
        return register_files(descriptors, arg, nr_args, 0);
    case RegisterOp::UnregisterFiles:
        if (arg != 0 || nr_args != 0) return Err(Errno::Inval);
        return unregister(m_files);
    case RegisterOp::RegisterFilesUpdate: {
        // io_register_files_update: the older, smaller struct; nr_args is the count.
        if (nr_args == 0) return Err(Errno::Inval);
        const auto up = TRY(read_user<ring_abi::RsrcUpdate>(arg));
        if (up.resv != 0) return Err(Errno::Inval);
        if (uint64_t{up.offset} + nr_args > UINT32_MAX) return Err(Errno::Overflow);
        return update_files(descriptors, up.offset, up.data, nr_args, 0);
    }
    case RegisterOp::RegisterFiles2: return register_rsrc(false, arg, nr_args, space, descriptors);
    case RegisterOp::RegisterFilesUpdate2: return update_rsrc(false, arg, nr_args, space, descriptors);
    case RegisterOp::RegisterBuffers2: return register_rsrc(true, arg, nr_args, space, descriptors);
    case RegisterOp::RegisterBuffersUpdate: return update_rsrc(true, arg, nr_args, space, descriptors);
    default: return Err(Errno::Inval);
    }
}

Result<long> Registry::handle(ring_abi::RegisterOp op, uint64_t arg, uint32_t nr_args, const AddressSpace& space,
                              const FileTable& descriptors) {
    Result<long> result = 0;
    RetiredTable* release;
    {
        // One registration at a time, from start to end (Linux's uring_lock): a
        // copy for an update is made of the table that is still installed at
        // the end. Pinning and reading the user's arrays happen with it held
        // (and interrupts off): registration is rare, and lookups never wait for it.
        IrqLock guard(m_lock);
        result = dispatch(op, arg, nr_args, space, descriptors);
        release = m_release;
        m_release = nullptr;
    }
    while (release) {  // tables no Reading can see: freed now, outside the lock
        RetiredTable* next = release->retired_next;
        delete release;
        release = next;
    }
    return result;
}

}  // namespace uring
