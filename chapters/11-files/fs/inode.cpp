/**
 * @file chapters/11-files/fs/inode.cpp
 * @brief Inodes: their lifetime, a regular file's pages, a directory's entries.
 *
 * A regular file's pages are frames of the frame allocator, reached through
 * the direct map, listed in m_pages by page index (a physical address, 0
 * for a hole). The list grows by doubling, so writing a file a page at a
 * time costs a copy of the list now and then, not at every page.
 */
#include "fs/inode.h"

#include "kernel/heap.h"
#include "mm/frame.h"

using abi::Errno;

namespace fs {

namespace {

uint64_t g_next_ino = 1;  // the root is inode 1, as on Linux's tmpfs

// A page of zeros for reading holes.
alignas(4096) const uint8_t kZeroPage[kPageSize] = {};

uint64_t pages_for(uint64_t bytes) { return (bytes + kPageSize - 1) / kPageSize; }
uint64_t min(uint64_t a, uint64_t b) { return a < b ? a : b; }
uint8_t* page_at(PhysAddr frame) { return phys_to_virt(frame).as<uint8_t>(); }

// Copy @p n bytes between @p kernel and the user buffers of @p iter (to
// them if @p out), up to the first byte that faults: a UserIter copy that
// faults counts nothing of its piece, so after a fault the rest is tried
// in halves, down to single bytes, as Linux's generic_perform_write does.
size_t copy_up_to_fault(UserIter& iter, uint8_t* kernel, size_t n, bool out) {
    size_t done = 0;
    size_t step = n;
    while (done < n) {
        const size_t want = min(step, n - done);
        const size_t got = out ? iter.copy_out(kernel + done, want) : iter.copy_in(kernel + done, want);
        done += got;
        if (got == want) continue;
        if (step == 1) break;  // the next byte faults
        step /= 2;
    }
    return done;
}

}  // namespace

Result<Inode*> Inode::create(Type type, uint32_t mode) {
    Inode* inode = TRY(make<Inode>(type, mode & abi::mode::Permissions, g_next_ino));
    ++g_next_ino;
    return inode;
}

Inode::Inode(Type type, uint32_t mode, uint64_t ino) : m_ino(ino), m_type(type), m_permissions(mode) {
    atime = mtime = ctime = now();
    if (type == Type::Directory) m_size = 2 * kBogoDirentSize;  // "." and ".."
}

Inode::~Inode() {
    free_pages_from(0);
    heap_free(m_pages);
    // Only an empty directory can lose its name (rmdir, rename over it),
    // and only a directory without a name can lose its last reference; the
    // root keeps its own for ever. So there are no entries left to drop.
    while (m_entries) unlink(m_entries);  // (in the host tests, a tree they throw away)
}

void Inode::unref() {
    if (--m_refs == 0) delete this;
}

uint32_t Inode::mode() const {
    switch (m_type) {
    case Type::Regular: return abi::mode::Regular | m_permissions;
    case Type::Directory: return abi::mode::Dir | m_permissions;
    case Type::CharDevice: return abi::mode::CharDev | m_permissions;
    }
    return m_permissions;
}

uint64_t Inode::blocks() const { return m_pages_used * (kPageSize / 512); }

void Inode::stat(abi::Stat& st, uint64_t dev) const {
    st = {};
    st.dev = dev;
    st.ino = m_ino;
    st.nlink = m_nlink;
    st.mode = mode();
    st.rdev = rdev;
    st.size = static_cast<int64_t>(m_size);
    st.blksize = kPageSize;
    st.blocks = static_cast<int64_t>(blocks());
    st.atime = atime;
    st.mtime = mtime;
    st.ctime = ctime;
}

void Inode::set_permissions(uint32_t mode) {
    m_permissions = mode & abi::mode::Permissions;
    ctime = now();
}

void Inode::touch_change() { mtime = ctime = now(); }

// ------------------------------------------------------------ regular files

const uint8_t* Inode::page_for_read(uint64_t index) const {
    if (index < m_slots && m_pages[index].value()) return page_at(m_pages[index]);
    return kZeroPage;
}

Result<void> Inode::grow_slots(uint64_t pages) {
    if (pages <= m_slots) return {};
    uint64_t slots = m_slots ? m_slots : 4;
    while (slots < pages) slots *= 2;
    auto* grown = static_cast<PhysAddr*>(heap_allocate(slots * sizeof(PhysAddr), alignof(PhysAddr)));
    if (!grown) return Err(Errno::NoSpc);  // tmpfs answers ENOSPC when memory runs out
    for (uint64_t i = 0; i < slots; ++i) grown[i] = i < m_slots ? m_pages[i] : PhysAddr();
    heap_free(m_pages);
    m_pages = grown;
    m_slots = slots;
    return {};
}

Result<uint8_t*> Inode::page_for_write(uint64_t index) {
    TRY(grow_slots(index + 1));
    if (!m_pages[index].value()) {
        const Result<PhysAddr> frame_or = frames().allocate();
        if (!frame_or) return Err(Errno::NoSpc);  // a full tmpfs answers ENOSPC, not ENOMEM
        const PhysAddr frame = *frame_or;
        mem::fill(page_at(frame), 0, kPageSize);
        m_pages[index] = frame;
        ++m_pages_used;
    }
    return page_at(m_pages[index]);
}

void Inode::free_pages_from(uint64_t index) {
    for (uint64_t i = index; i < m_slots; ++i)
        if (m_pages[i].value()) {
            frames().free(m_pages[i]);
            m_pages[i] = PhysAddr();
            --m_pages_used;
        }
}

Result<void> Inode::own_pages() {
    if (!m_image) return {};
    const uint8_t* image = m_image;
    for (uint64_t i = 0; i < pages_for(m_size); ++i) {
        const Result<uint8_t*> page = page_for_write(i);
        if (!page) {
            free_pages_from(0);  // all or nothing: the image is still there
            return Err(page.error());
        }
        mem::copy(*page, image + i * kPageSize, min(kPageSize, m_size - i * kPageSize));
    }
    m_image = nullptr;
    return {};
}

void Inode::set_image(const uint8_t* bytes, size_t size) {
    free_pages_from(0);
    m_image = bytes;
    m_size = size;
}

Result<size_t> Inode::read(uint64_t pos, UserIter& to) {
    if (pos >= m_size) return 0;
    uint64_t left = min(to.remaining(), m_size - pos);
    size_t done = 0;
    while (left > 0) {
        const uint64_t in_page = pos % kPageSize;
        const size_t chunk = min(left, kPageSize - in_page);
        const uint8_t* from = m_image ? m_image + pos : page_for_read(pos / kPageSize) + in_page;
        const size_t copied = copy_up_to_fault(to, const_cast<uint8_t*>(from), chunk, true);
        done += copied;
        if (copied < chunk) break;  // a fault: what came before it counts
        pos += chunk, left -= chunk;
    }
    atime = now();
    if (done == 0 && left > 0) return Err(Errno::Fault);
    return done;
}

Result<size_t> Inode::write(uint64_t pos, UserIter& from) {
    if (pos >= kMaxFileSize) return Err(Errno::FBig);
    if (from.remaining() == 0) return 0;
    TRY(own_pages());
    uint64_t left = min(from.remaining(), kMaxFileSize - pos);  // as Linux: cut at the limit
    size_t done = 0;
    Errno stopped = Errno::Fault;
    while (left > 0) {
        const uint64_t in_page = pos % kPageSize;
        const size_t chunk = min(left, kPageSize - in_page);
        const Result<uint8_t*> page = page_for_write(pos / kPageSize);
        if (!page) {
            stopped = page.error();
            break;
        }
        const size_t copied = copy_up_to_fault(from, *page + in_page, chunk, false);
        done += copied;
        pos += copied;
        if (copied < chunk) break;
        left -= chunk;
    }
    if (pos > m_size) m_size = pos;
    if (done == 0) return Err(stopped);
    touch_change();
    return done;
}

Result<void> Inode::truncate(uint64_t size) {
    if (size > kMaxFileSize) return Err(Errno::FBig);
    TRY(own_pages());
    if (size < m_size) {
        free_pages_from(pages_for(size));
        // The rest of the last page must read as zeros if the file grows again.
        const uint64_t tail = size % kPageSize;
        if (tail && size / kPageSize < m_slots && m_pages[size / kPageSize].value())
            mem::fill(page_at(m_pages[size / kPageSize]) + tail, 0, kPageSize - tail);
    }
    m_size = size;
    touch_change();
    return {};
}

void Inode::read_kernel(uint64_t pos, void* dst, size_t n) const {
    auto* to = static_cast<uint8_t*>(dst);
    if (m_image) {
        mem::copy(to, m_image + pos, n);
        return;
    }
    while (n > 0) {
        const uint64_t in_page = pos % kPageSize;
        const size_t chunk = min(n, kPageSize - in_page);
        mem::copy(to, page_for_read(pos / kPageSize) + in_page, chunk);
        to += chunk, pos += chunk, n -= chunk;
    }
}

// -------------------------------------------------------------- directories

DirEntry* Inode::find(StringView name) const {
    for (DirEntry* e = m_entries; e; e = e->next)
        if (StringView(e->name, e->length) == name) return e;
    return nullptr;
}

Result<void> Inode::link(StringView name, Inode* child) {
    DirEntry* entry = TRY(make<DirEntry>());
    mem::copy(entry->name, name.data(), name.size());
    entry->length = static_cast<uint8_t>(name.size());
    entry->inode = child;
    entry->cookie = m_next_cookie++;
    DirEntry** tail = &m_entries;  // at the end: getdents64 lists entries oldest first
    while (*tail) tail = &(*tail)->next;
    *tail = entry;
    child->ref();
    ++child->m_nlink;
    if (child->is_dir()) {
        ++child->m_nlink;  // its own "."
        ++m_nlink;         // its ".." names this directory
        child->m_parent = this;
    }
    m_size += kBogoDirentSize;
    touch_change();
    return {};
}

void Inode::unlink(DirEntry* entry) {
    for (DirEntry** e = &m_entries; *e; e = &(*e)->next)
        if (*e == entry) {
            *e = entry->next;
            break;
        }
    Inode* child = entry->inode;
    --child->m_nlink;
    if (child->is_dir()) {
        --child->m_nlink;  // its "." goes with it
        --m_nlink;
        child->m_parent = nullptr;
    }
    m_size -= kBogoDirentSize;
    touch_change();
    delete entry;
    child->ctime = now();
    child->unref();
}

void Inode::move_to(DirEntry* entry, Inode* to, StringView name) {
    for (DirEntry** e = &m_entries; *e; e = &(*e)->next)
        if (*e == entry) {
            *e = entry->next;
            break;
        }
    mem::copy(entry->name, name.data(), name.size());
    entry->name[name.size()] = 0;
    entry->length = static_cast<uint8_t>(name.size());
    entry->cookie = to->m_next_cookie++;
    entry->next = nullptr;
    DirEntry** tail = &to->m_entries;
    while (*tail) tail = &(*tail)->next;
    *tail = entry;
    adopt(entry->inode, to);
    m_size -= kBogoDirentSize;
    to->m_size += kBogoDirentSize;
    touch_change();
    to->touch_change();
    entry->inode->ctime = now();
}

void Inode::exchange(DirEntry* mine, Inode* other, DirEntry* theirs) {
    Inode* a = mine->inode;
    Inode* b = theirs->inode;
    mine->inode = b;
    theirs->inode = a;
    adopt(b, this);
    adopt(a, other);
    touch_change();
    other->touch_change();
    a->ctime = b->ctime = now();
}

void Inode::adopt(Inode* child, Inode* dir) {
    if (!child->is_dir() || child->m_parent == dir) return;
    --child->m_parent->m_nlink;  // the ".." that named the old parent
    ++dir->m_nlink;
    child->m_parent = dir;
}

DirEntry* Inode::entry_from(uint64_t pos) const {
    for (DirEntry* e = m_entries; e; e = e->next)
        if (e->cookie >= pos) return e;
    return nullptr;
}

bool Inode::contains(const Inode* dir) const {
    for (const Inode* d = dir; d; d = d->m_parent) {
        if (d == this) return true;
        if (d->m_parent == d) break;  // the root
    }
    return false;
}

}  // namespace fs
