/**
 * @file chapters/11-files/fs/inode.h
 * @brief The file system in memory (Linux's tmpfs): inodes, the pages of a
 * regular file, the entries of a directory.
 *
 * An Inode is a file as the file system knows it, apart from any name: its
 * type, permissions, size, times, and its contents - a regular file's bytes,
 * a directory's entries, a device's number. A name is a DirEntry in a
 * directory, pointing at an inode; one inode may have several (hard links
 * are not implemented, but nlink counts as Linux counts).
 *
 * Lifetime: an inode is reference-counted. Each directory entry naming it
 * holds one reference, and so does each open file, each process whose
 * working directory it is, each program running from it. Unlinking drops
 * the entry's reference; the inode and its pages go with the last one, so
 * a file unlinked while open can still be read and written, as on Linux.
 *
 * A regular file's bytes live in whole pages, one frame each (Linux's page
 * cache, with nothing behind it: in tmpfs the cache *is* the file). A page
 * never written is a hole and reads as zeros. A file can also start out as
 * bytes the kernel already has - a boot module - read in place until the
 * first change copies them into pages of its own (Inode::set_image).
 *
 * Nothing here sleeps, touches a device or knows about processes; the
 * same code runs in the host tests (tests/test_tmpfs.cpp). The caller
 * holds the file system's lock (fs/fs_lock.h) across every call.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/fs.h"
#include "common/result.h"
#include "common/str.h"
#include "mm/address.h"
#include "proc/user_iter.h"

namespace fs {

/// What an inode is.
enum class Type : uint8_t {
    Regular,     ///< bytes in pages
    Directory,   ///< named entries
    CharDevice,  ///< a device: opening it opens the device (fs/devices.h)
};

/// The largest regular file (Linux's tmpfs allows 2^63 - 1 bytes: see the
/// chapter's differences). A write past it is Errno::FBig.
inline constexpr uint64_t kMaxFileSize = 1ull << 30;

/// Linux's tmpfs gives a directory a size of 20 bytes per entry, "." and
/// ".." included (BOGO_DIRENT_SIZE): programs only print it.
inline constexpr uint64_t kBogoDirentSize = 20;

class Inode;

/// One name in a directory.
struct DirEntry {
    DirEntry* next = nullptr;    ///< the directory's next entry, in the order they were made
    Inode* inode = nullptr;      ///< what the name leads to; holds one reference
    uint64_t cookie = 0;         ///< its getdents64 position, fixed for its life (2, 3, ...)
    uint8_t length = 0;          ///< bytes of name
    char name[abi::kNameMax + 1] = {};  ///< NUL-terminated
};

/// A file of the file system.
class Inode {
public:
    /// A new inode of @p type with permission bits @p mode (07777), no name
    /// yet and one reference, the caller's; Errno::NoMem.
    static Result<Inode*> create(Type type, uint32_t mode);

    Inode(const Inode&) = delete;
    Inode& operator=(const Inode&) = delete;

    /// Take a reference.
    void ref() { ++m_refs; }
    /// Drop a reference; the last one frees the inode and its contents.
    void unref();

    /// @name What stat reports
    /// @{
    [[nodiscard]] uint64_t ino() const { return m_ino; }        ///< inode number, unique while it lives
    [[nodiscard]] Type type() const { return m_type; }           ///< what it is
    [[nodiscard]] bool is_dir() const { return m_type == Type::Directory; }  ///< a directory?
    [[nodiscard]] uint32_t mode() const;                         ///< st_mode: type bits and permissions
    [[nodiscard]] uint32_t nlink() const { return m_nlink; }     ///< names, plus "." and subdirectories' ".."
    [[nodiscard]] uint64_t size() const { return m_size; }       ///< bytes (a directory: kBogoDirentSize each)
    [[nodiscard]] uint64_t blocks() const;                       ///< 512-byte blocks its pages take
    /// Fill @p st as stat() does; @p dev is the file system's device number.
    void stat(abi::Stat& st, uint64_t dev) const;
    /// @}

    /// Permission bits (07777) after chmod; stat's ctime moves.
    void set_permissions(uint32_t mode);
    /// The device number of a Type::CharDevice (makedev(major, minor)).
    uint32_t rdev = 0;
    abi::TimeSpec atime{};  ///< last access, as stat reports it (CLOCK_REALTIME)
    abi::TimeSpec mtime{};  ///< last change of the contents
    abi::TimeSpec ctime{};  ///< last change of the inode (contents, mode, links)

    // ------------------------------------------------------- regular files

    /// Copy up to to.remaining() bytes from offset @p pos into @p to: how
    /// many (0 at or past the end), or Errno::Fault if the first byte could
    /// not be written to the user.
    Result<size_t> read(uint64_t pos, UserIter& to);
    /// Copy the bytes of @p from into the file at @p pos, growing it: how
    /// many (fewer if a fault stopped the copy, or memory ran out), or
    /// Errno::Fault, Errno::NoSpc (no page for the first byte),
    /// Errno::FBig (@p pos at or past kMaxFileSize).
    Result<size_t> write(uint64_t pos, UserIter& from);
    /// Cut or extend the file to @p size bytes (ftruncate): pages past the
    /// end are freed, and bytes past the old end read as zeros.
    /// Errno::FBig past kMaxFileSize, Errno::NoSpc if copying a boot
    /// image into pages finds no memory.
    Result<void> truncate(uint64_t size);
    /// Copy @p n bytes at @p pos (which must lie inside the file) to the
    /// kernel buffer @p dst: how exec reads a program.
    void read_kernel(uint64_t pos, void* dst, size_t n) const;
    /// Make the file's contents the @p size bytes at @p bytes, which the
    /// caller keeps alive and unchanged for as long as the inode may need
    /// them (a boot module: forever). Read in place; copied on first write.
    void set_image(const uint8_t* bytes, size_t size);
    /// The contents as one run of bytes, if they are still a boot image
    /// (exec can then use them without a copy); nullptr otherwise.
    [[nodiscard]] const uint8_t* image() const { return m_image; }

    // --------------------------------------------------------- directories

    /// The entry called @p name, or nullptr. @p name is one component.
    [[nodiscard]] DirEntry* find(StringView name) const;
    /// Add the entry @p name -> @p child (which gains a reference and a
    /// link; a directory child also gets this one as its parent).
    /// Errno::NoMem. The caller has checked that @p name is free and valid.
    Result<void> link(StringView name, Inode* child);
    /// Remove @p entry (which must be one of this directory's) and drop
    /// its reference on its inode; a directory child loses its parent.
    void unlink(DirEntry* entry);
    /// Move @p entry from this directory to @p to, renamed @p name (which
    /// is free there): rename. The entry gets a new getdents64 position.
    void move_to(DirEntry* entry, Inode* to, StringView name);
    /// Swap the inodes that @p mine (here) and @p theirs (in @p other)
    /// name: rename with RENAME_EXCHANGE.
    void exchange(DirEntry* mine, Inode* other, DirEntry* theirs);
    /// The first entry at or after getdents64 position @p pos (>= 2), or nullptr.
    [[nodiscard]] DirEntry* entry_from(uint64_t pos) const;
    /// True if the directory has no entries ("." and ".." are not entries).
    [[nodiscard]] bool empty() const { return m_entries == nullptr; }
    /// The directory ".." leads to: itself for the root, nullptr once
    /// this directory has been removed (its ".." is then gone, ENOENT).
    [[nodiscard]] Inode* parent() const { return m_parent; }
    /// Make this directory the root of the tree: its ".." is itself.
    void make_root() {
        m_parent = this;
        m_nlink = 2;  // its "." and its own "..", as Linux counts a root
    }
    /// True if @p dir is this directory or lies below it (rename must not
    /// move a directory into itself).
    [[nodiscard]] bool contains(const Inode* dir) const;

    /// For create() (through make<T>()): use create().
    Inode(Type type, uint32_t mode, uint64_t ino);

private:
    ~Inode();
    Result<void> own_pages();       // copy a boot image into pages of the file's own
    Result<void> grow_slots(uint64_t pages);
    Result<uint8_t*> page_for_write(uint64_t index);
    [[nodiscard]] const uint8_t* page_for_read(uint64_t index) const;
    void free_pages_from(uint64_t index);
    static void adopt(Inode* child, Inode* dir);  // a moved directory's ".." now names dir
    void touch_change();            // mtime and ctime = now

    uint64_t m_ino;
    Type m_type;
    uint32_t m_permissions;
    uint32_t m_nlink = 0;
    int m_refs = 1;
    uint64_t m_size = 0;

    // A regular file: m_slots physical page addresses (0: a hole), or the
    // boot image m_image while it is untouched.
    PhysAddr* m_pages = nullptr;
    uint64_t m_slots = 0;
    uint64_t m_pages_used = 0;
    const uint8_t* m_image = nullptr;

    // A directory: entries in creation order; the next cookie to give.
    DirEntry* m_entries = nullptr;
    uint64_t m_next_cookie = 2;
    Inode* m_parent = nullptr;
};

/// The current time for inode timestamps (CLOCK_REALTIME); the kernel's
/// is in fs/root.cpp, the host tests bring their own.
abi::TimeSpec now();

}  // namespace fs
