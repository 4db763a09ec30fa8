/**
 * @file chapters/11-files/tests/test_tmpfs.cpp
 * @brief Host tests of the file system in memory, under ASan and UBSan:
 * a regular file's pages (holes, truncation, the size limit, running out
 * of memory, faults part way through a copy, boot images copied on first
 * write), directories (entries, link counts, sizes, parents), path lookup
 * and getdents64's records and positions.
 *
 * "Physical memory" is chapter 03's fake (16 MiB), so a test can count the
 * frames a file takes and see every one of them come back; "user memory"
 * is this program's own, copied by the kernel's arch/user_copy.S, with a
 * PROT_NONE page to fault on.
 */
// links: arch/user_copy.S
#include <criterion/criterion.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fs/dirent.cpp"
#include "fs/inode.cpp"
#include "fs/path.cpp"
#include "mm/frame.cpp"
#include "proc/uaccess.cpp"
#include "proc/user_iter.cpp"
#include "../../03-memory/tests/fake_kernel.h"
#include "../../04-user/tests/user_faults.h"
#include "../../09-fixed/tests/fake_cpu.h"

// ------------------------------------------------------------------ fakes

uint64_t g_user_top = abi::kTaskSize;
void* heap_allocate(size_t size, size_t align) { return std::aligned_alloc(align < 16 ? 16 : align, (size + 15) & ~size_t(15)); }
void heap_free(void* p) { std::free(p); }
void* operator new(size_t size) { return heap_allocate(size, 16); }
void operator delete(void* p) noexcept { heap_free(p); }
void operator delete(void* p, size_t) noexcept { heap_free(p); }

namespace {
int64_t g_clock = 1000;  // seconds; each call to now() is a second later
}  // namespace

abi::TimeSpec fs::now() { return {g_clock++, 0}; }

namespace {

using abi::Errno;
using fs::Inode;
using fs::Type;

uint64_t at(const void* p) { return reinterpret_cast<uint64_t>(p); }
StringView view(const std::string& s) { return {s.data(), s.size()}; }

void setup() {
    fake::reset_memory();
    fake_cpu::start();  // from chapter 10 the frame allocator takes a spin lock: GS at a PerCpu block
}

Inode* new_inode(Type type, uint32_t mode = 0644) {
    Result<Inode*> made = Inode::create(type, mode);
    cr_assert(made.has_value());
    return *made;
}

// Write @p text at @p pos of @p file; the count written.
size_t write_text(Inode* file, uint64_t pos, const std::string& text) {
    UserIter from = *UserIter::buffer(at(text.data()), text.size());
    const Result<size_t> n = file->write(pos, from);
    cr_assert(n.has_value(), "write failed with %d", static_cast<int>(n.error()));
    return *n;
}

// Read @p n bytes at @p pos of @p file.
std::string read_text(Inode* file, uint64_t pos, size_t n) {
    std::string buffer(n, '?');
    UserIter to = *UserIter::buffer(at(buffer.data()), n);
    const Result<size_t> got = file->read(pos, to);
    cr_assert(got.has_value());
    buffer.resize(*got);
    return buffer;
}

// A tree: / with "tmp" (a directory) and "tmp/file" (a regular file),
// freed whole (the root's last reference) at the end of the test.
struct Tree {
    Inode* root = new_inode(Type::Directory, 0755);
    Inode* tmp = new_inode(Type::Directory, 01777);
    Inode* file = new_inode(Type::Regular);

    Tree() {
        root->make_root();
        cr_assert(root->link("tmp", tmp).has_value());
        cr_assert(tmp->link("file", file).has_value());
        tmp->unref();  // the entries hold them now
        file->unref();
    }
    ~Tree() { root->unref(); }
};

}  // namespace

// ----------------------------------------------------------- regular files

Test(tmpfs, a_file_reads_back_what_was_written_across_pages, .init = setup) {
    const size_t free_before = fake::allocator.free_count();
    Inode* file = new_inode(Type::Regular);
    std::string text(10000, 'x');
    for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
    cr_assert_eq(write_text(file, 0, text), text.size());
    cr_assert_eq(file->size(), 10000u);
    cr_assert_eq(file->blocks(), 3u * 8, "three pages of 4 KiB, counted in 512-byte blocks");
    cr_assert_eq(read_text(file, 0, 20000), text, "a read stops at the end of the file");
    cr_assert_eq(read_text(file, 4090, 12), text.substr(4090, 12), "across a page boundary");
    cr_assert_eq(read_text(file, 10000, 5), "", "at the end: 0 bytes");
    cr_assert_eq(read_text(file, 1 << 20, 5), "", "past the end: 0 bytes");
    file->unref();
    cr_assert_eq(fake::allocator.free_count(), free_before, "every page goes back with the last reference");
}

Test(tmpfs, holes_read_as_zeros_and_take_no_page, .init = setup) {
    Inode* file = new_inode(Type::Regular);
    cr_assert_eq(write_text(file, 3 * 4096 + 10, "end"), 3u);
    cr_assert_eq(file->size(), 3u * 4096 + 13);
    cr_assert_eq(file->blocks(), 8u, "only the last page exists");
    cr_assert_eq(read_text(file, 4096, 4), std::string(4, '\0'));
    cr_assert_eq(read_text(file, 3 * 4096 + 8, 5), std::string("\0\0end", 5));
    file->unref();
}

Test(tmpfs, truncate_frees_pages_and_a_regrown_file_reads_zeros, .init = setup) {
    const size_t free_before = fake::allocator.free_count();
    Inode* file = new_inode(Type::Regular);
    write_text(file, 0, std::string(9000, 'y'));
    cr_assert(file->truncate(100).has_value());
    cr_assert_eq(file->size(), 100u);
    cr_assert_eq(file->blocks(), 8u, "the pages past the end are freed");
    cr_assert(file->truncate(9000).has_value());
    cr_assert_eq(read_text(file, 0, 100), std::string(100, 'y'));
    cr_assert_eq(read_text(file, 100, 200), std::string(200, '\0'), "the cut bytes do not come back");
    cr_assert_eq(read_text(file, 5000, 10), std::string(10, '\0'));
    cr_assert_eq(file->truncate(fs::kMaxFileSize + 1).error(), Errno::FBig);
    cr_assert(file->truncate(0).has_value());
    file->unref();
    cr_assert_eq(fake::allocator.free_count(), free_before);
}

Test(tmpfs, writes_stop_at_the_size_limit, .init = setup) {
    Inode* file = new_inode(Type::Regular);
    std::string text = "0123456789";
    UserIter from = *UserIter::buffer(at(text.data()), text.size());
    cr_assert_eq(file->write(fs::kMaxFileSize, from).error(), Errno::FBig);
    UserIter again = *UserIter::buffer(at(text.data()), text.size());
    cr_assert_eq(*file->write(fs::kMaxFileSize - 4, again), 4u, "cut at the limit, as Linux");
    cr_assert_eq(file->size(), fs::kMaxFileSize);
    file->unref();
}

Test(tmpfs, running_out_of_memory_is_enospc_and_keeps_what_was_written, .init = setup) {
    const size_t free_before = fake::allocator.free_count();
    Inode* file = new_inode(Type::Regular);
    std::vector<char> big(fake::kMemory + 8192, 'z');
    UserIter from = *UserIter::buffer(at(big.data()), big.size());
    const Result<size_t> n = file->write(0, from);
    cr_assert(n.has_value() && *n > 0 && *n < big.size(), "a short write: what fitted");
    cr_assert_eq(file->size(), *n);
    cr_assert_eq(fake::allocator.free_count(), 0u);
    std::string more = "more";
    UserIter next = *UserIter::buffer(at(more.data()), more.size());
    cr_assert_eq(file->write(file->size(), next).error(), Errno::NoSpc);
    file->unref();
    cr_assert_eq(fake::allocator.free_count(), free_before);
}

Test(tmpfs, a_fault_part_way_counts_the_bytes_before_it, .init = setup) {
    // Two pages: the first readable and writable, the second not accessible.
    auto* area = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    cr_assert_neq(area, MAP_FAILED);
    cr_assert_eq(mprotect(area + 4096, 4096, PROT_NONE), 0);
    Inode* file = new_inode(Type::Regular);
    std::memset(area, 'q', 4096);

    UserIter from = *UserIter::buffer(at(area + 4000), 200);  // 96 good bytes, then the fault
    cr_assert_eq(*file->write(0, from), 96u);
    cr_assert_eq(file->size(), 96u, "the file grew by what was copied, no more");
    UserIter bad = *UserIter::buffer(at(area + 4096), 10);
    cr_assert_eq(file->write(0, bad).error(), Errno::Fault, "nothing copied: EFAULT");
    cr_assert_eq(file->size(), 96u);

    UserIter to = *UserIter::buffer(at(area + 4090), 50);
    cr_assert_eq(*file->read(0, to), 6u, "a read into a half-bad buffer: the good part");
    UserIter to_bad = *UserIter::buffer(at(area + 4096), 50);
    cr_assert_eq(file->read(0, to_bad).error(), Errno::Fault);
    cr_assert_gt(user_faults::recovered, 0);
    file->unref();
    munmap(area, 8192);
}

Test(tmpfs, a_boot_image_is_read_in_place_and_copied_on_first_write, .init = setup) {
    static const uint8_t image[] = "ELF? no, just a boot module's bytes";
    Inode* file = new_inode(Type::Regular);
    file->set_image(image, sizeof image - 1);
    cr_assert_eq(file->image(), image);
    cr_assert_eq(file->size(), sizeof image - 1);
    cr_assert_eq(file->blocks(), 0u, "no page of its own yet");
    cr_assert_eq(read_text(file, 0, 4), "ELF?");
    char direct[6] = {};
    file->read_kernel(9, direct, 5);
    cr_assert_str_eq(direct, "just ");
    write_text(file, 0, "elf!");
    cr_assert_null(file->image(), "a write makes the file its own");
    cr_assert_eq(read_text(file, 0, 12), "elf! no, jus");
    cr_assert_eq(std::memcmp(image, "ELF?", 4), 0, "the image itself is never written");
    file->read_kernel(9, direct, 5);
    cr_assert_str_eq(direct, "just ", "read_kernel reads the pages now");
    file->unref();
}

// ------------------------------------------------------------- directories

Test(tmpfs, directories_count_links_and_size_as_linux, .init = setup) {
    Tree t;
    cr_assert_eq(t.root->nlink(), 3u, "root: its \".\", its \"..\" (itself) and tmp's \"..\"");
    cr_assert_eq(t.tmp->nlink(), 2u, "tmp: its name and its \".\"");
    cr_assert_eq(t.file->nlink(), 1u);
    cr_assert_eq(t.tmp->size(), 3 * fs::kBogoDirentSize, "\".\", \"..\" and one entry");
    cr_assert_eq(t.tmp->mode(), abi::mode::Dir | 01777);
    cr_assert_eq(t.file->mode(), abi::mode::Regular | 0644);
    cr_assert_eq(t.tmp->parent(), t.root);
    cr_assert_eq(t.root->parent(), t.root);
    cr_assert(t.root->contains(t.tmp));
    cr_assert_not(t.tmp->contains(t.root));

    Inode* sub = new_inode(Type::Directory, 0755);
    cr_assert(t.tmp->link("sub", sub).has_value());
    cr_assert_eq(t.tmp->nlink(), 3u, "sub's \"..\" adds one");
    // Its creator's reference keeps it past the unlink, as an open directory would.
    t.tmp->unlink(t.tmp->find("sub"));
    cr_assert_eq(t.tmp->nlink(), 2u);
    cr_assert_null(sub->parent(), "a removed directory has no \"..\"");
    cr_assert_eq(sub->nlink(), 0u);
    sub->unref();
}

Test(tmpfs, an_unlinked_file_lives_while_referenced, .init = setup) {
    Tree t;
    t.file->ref();  // an open file
    write_text(t.file, 0, "still here");
    t.tmp->unlink(t.tmp->find("file"));
    cr_assert_null(t.tmp->find("file"));
    cr_assert_eq(t.file->nlink(), 0u);
    cr_assert_eq(read_text(t.file, 0, 10), "still here");
    t.file->unref();  // the last reference: ASan would see a use after this
}

Test(tmpfs, a_moved_directory_changes_parent_and_link_counts, .init = setup) {
    Tree t;
    Inode* sub = new_inode(Type::Directory, 0755);
    cr_assert(t.tmp->link("sub", sub).has_value());
    sub->unref();
    cr_assert_eq(t.tmp->nlink(), 3u);
    t.tmp->move_to(t.tmp->find("sub"), t.root, "moved");  // rename("/tmp/sub", "/moved")
    cr_assert_null(t.tmp->find("sub"));
    cr_assert_eq(t.root->find("moved")->inode, sub);
    cr_assert_eq(sub->parent(), t.root);
    cr_assert_eq(t.tmp->nlink(), 2u, "tmp lost sub's \"..\"");
    cr_assert_eq(t.root->nlink(), 4u, "the root gained it");
    cr_assert_eq(sub->nlink(), 2u, "a move is not a new link");
    cr_assert_eq(t.tmp->size(), 3 * fs::kBogoDirentSize);
    cr_assert_eq(t.root->size(), 4 * fs::kBogoDirentSize);
    t.root->move_to(t.root->find("moved"), t.root, "again");  // within one directory
    cr_assert_eq(t.root->nlink(), 4u);
    cr_assert_eq(sub->parent(), t.root);
    cr_assert(t.root->find("again") && !t.root->find("moved"));
}

Test(tmpfs, exchange_swaps_two_names, .init = setup) {
    Tree t;
    Inode* sub = new_inode(Type::Directory, 0755);
    cr_assert(t.root->link("sub", sub).has_value());
    sub->unref();
    t.root->exchange(t.root->find("sub"), t.tmp, t.tmp->find("file"));  // RENAME_EXCHANGE /sub /tmp/file
    cr_assert_eq(t.root->find("sub")->inode, t.file);
    cr_assert_eq(t.tmp->find("file")->inode, sub);
    cr_assert_eq(sub->parent(), t.tmp);
    cr_assert_eq(t.root->nlink(), 3u, "/ has tmp only as a subdirectory now");
    cr_assert_eq(t.tmp->nlink(), 3u);
    cr_assert_eq(*fs::walk(t.root, t.root, "/tmp/file/.."), t.tmp);
}

// ---------------------------------------------------------------- lookup

Test(tmpfs, paths_walk_as_linux, .init = setup) {
    Tree t;
    cr_assert_eq(*fs::walk(t.root, t.root, "/tmp/file"), t.file);
    cr_assert_eq(*fs::walk(t.root, t.tmp, "file"), t.file, "relative to the start");
    cr_assert_eq(*fs::walk(t.root, t.tmp, "../tmp/./file"), t.file);
    cr_assert_eq(*fs::walk(t.root, t.tmp, "//tmp///file"), t.file, "runs of slashes are one");
    cr_assert_eq(*fs::walk(t.root, t.tmp, "/.."), t.root, "the root's \"..\" is the root");
    cr_assert_eq(*fs::walk(t.root, t.tmp, "/"), t.root);
    cr_assert_eq(*fs::walk(t.root, t.tmp, "."), t.tmp);
    cr_assert_eq(*fs::walk(t.root, t.tmp, "/tmp/"), t.tmp, "a trailing slash on a directory");

    cr_assert_eq(fs::walk(t.root, t.tmp, "").error(), Errno::NoEnt, "an empty path");
    cr_assert_eq(fs::walk(t.root, t.tmp, "/nothing").error(), Errno::NoEnt);
    cr_assert_eq(fs::walk(t.root, t.tmp, "/nothing/file").error(), Errno::NoEnt);
    cr_assert_eq(fs::walk(t.root, t.tmp, "/tmp/file/").error(), Errno::NotDir, "a trailing slash on a file");
    cr_assert_eq(fs::walk(t.root, t.tmp, "/tmp/file/x").error(), Errno::NotDir);
    cr_assert_eq(fs::walk(t.root, t.tmp, "/tmp/file/..").error(), Errno::NotDir, "no \"..\" through a file");
    const std::string too_long = "/tmp/" + std::string(256, 'n'), too_long_dir = "/" + std::string(256, 'n') + "/x";
    const std::string longest = "/tmp/" + std::string(255, 'n');
    cr_assert_eq(fs::walk(t.root, t.tmp, view(too_long)).error(), Errno::NameTooLong);
    cr_assert_eq(fs::walk(t.root, t.tmp, view(too_long_dir)).error(), Errno::NameTooLong);
    cr_assert_eq(fs::walk(t.root, t.tmp, view(longest)).error(), Errno::NoEnt, "255 bytes is a name");
}

Test(tmpfs, walk_parent_splits_off_the_last_name, .init = setup) {
    Tree t;
    fs::ParentAndName p = *fs::walk_parent(t.root, t.root, "/tmp/new/");
    cr_assert_eq(p.dir, t.tmp);
    cr_assert(p.name == "new");
    cr_assert(p.trailing_slash);
    p = *fs::walk_parent(t.root, t.tmp, "..");
    cr_assert_eq(p.dir, t.tmp);
    cr_assert(p.name == "..");
    cr_assert(fs::is_special(p.name));
    p = *fs::walk_parent(t.root, t.tmp, "///");
    cr_assert_eq(p.dir, t.root);
    cr_assert(p.name.empty(), "\"/\" has no last name: it is the root itself");
    cr_assert_eq(fs::walk_parent(t.root, t.root, "/tmp/file/new").error(), Errno::NotDir);
    cr_assert_eq(fs::walk_parent(t.root, t.root, "/none/new").error(), Errno::NoEnt);
}

Test(tmpfs, dotdot_of_a_removed_directory_is_gone, .init = setup) {
    Tree t;
    Inode* dead = new_inode(Type::Directory, 0755);
    cr_assert(t.tmp->link("dead", dead).has_value());
    t.tmp->unlink(t.tmp->find("dead"));  // rmdir while it is someone's working directory
    cr_assert_eq(fs::walk(t.root, dead, "..").error(), Errno::NoEnt);
    cr_assert_eq(*fs::walk(t.root, dead, "."), dead);
    fs::DirRecord record;
    cr_assert_eq(fs::read_dir(dead, 0, record).error(), Errno::NoEnt, "Linux lists nothing of a dead directory");
    dead->unref();
}

// ------------------------------------------------------------- getdents64

Test(tmpfs, records_are_linux_dirent64, .init = setup) {
    cr_assert_eq(fs::dirent_size(1), 24u, "19 bytes, a name of 1 and its NUL, rounded to 8");
    cr_assert_eq(fs::dirent_size(4), 24u);
    cr_assert_eq(fs::dirent_size(5), 32u);
    uint8_t out[32];
    std::memset(out, 0xee, sizeof out);
    const fs::DirRecord record{0x1122334455667788, abi::dirent_type::Regular, "hello", 7};
    cr_assert_eq(fs::encode_dirent(record, out), 32u);
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    std::memcpy(&ino, out, 8);
    std::memcpy(&off, out + 8, 8);
    std::memcpy(&reclen, out + 16, 2);
    cr_assert_eq(ino, 0x1122334455667788u);
    cr_assert_eq(off, 7);
    cr_assert_eq(reclen, 32u);
    cr_assert_eq(out[18], abi::dirent_type::Regular);
    cr_assert_eq(std::memcmp(out + 19, "hello", 6), 0, "the name and its NUL");
    for (size_t i = 25; i < 32; ++i) cr_assert_eq(out[i], 0, "padding byte %zu is zero", i);
}

Test(tmpfs, listing_gives_dot_dotdot_then_entries_oldest_first, .init = setup) {
    Tree t;
    for (const char* name : {"b", "a", "c"}) {
        Inode* f = new_inode(Type::Regular);
        cr_assert(t.tmp->link(name, f).has_value());
        f->unref();
    }
    std::vector<std::string> names;
    fs::DirRecord record;
    for (uint64_t pos = 0; *fs::read_dir(t.tmp, pos, record); pos = record.next_pos)
        names.emplace_back(record.name.data(), record.name.size());
    const std::vector<std::string> expected = {".", "..", "file", "b", "a", "c"};
    cr_assert(names == expected);
    cr_assert(*fs::read_dir(t.tmp, 1, record));
    cr_assert_eq(record.ino, t.root->ino(), "\"..\" is the parent");
    cr_assert_eq(record.type, abi::dirent_type::Dir);
}

Test(tmpfs, removing_entries_while_listing_skips_nothing_else, .init = setup) {
    Tree t;
    for (const char* name : {"a", "b", "c", "d"}) {
        Inode* f = new_inode(Type::Regular);
        cr_assert(t.tmp->link(name, f).has_value());
        f->unref();
    }
    // rm -r: read a name, remove it, read on.
    std::vector<std::string> seen;
    fs::DirRecord record;
    for (uint64_t pos = 2; *fs::read_dir(t.tmp, pos, record);) {
        const std::string name(record.name.data(), record.name.size());
        seen.push_back(name);
        pos = record.next_pos;
        t.tmp->unlink(t.tmp->find(StringView(name.data(), name.size())));
        if (name == "a") t.tmp->unlink(t.tmp->find("c"));  // and one not reached yet
    }
    const std::vector<std::string> expected = {"file", "a", "b", "d"};
    cr_assert(seen == expected);
    cr_assert(t.tmp->empty());
    cr_assert_eq(t.tmp->size(), 2 * fs::kBogoDirentSize);
}

Test(tmpfs, absolute_paths_climb_to_the_root, .init = setup) {
    Tree t;
    Inode* sub = new_inode(Type::Directory, 0755);
    cr_assert(t.tmp->link("sub", sub).has_value());
    char buf[64];
    cr_assert_str_eq(*fs::absolute_path(sub, buf, sizeof buf), "/tmp/sub");
    cr_assert_str_eq(*fs::absolute_path(t.tmp, buf, sizeof buf), "/tmp");
    cr_assert_str_eq(*fs::absolute_path(t.root, buf, sizeof buf), "/");
    cr_assert_eq(fs::absolute_path(sub, buf, 8).error(), Errno::NameTooLong, "\"/tmp/sub\" and its NUL need 9 bytes");
    cr_assert_str_eq(*fs::absolute_path(sub, buf, 9), "/tmp/sub");
    cr_assert_eq(fs::absolute_path(t.root, buf, 1).error(), Errno::NameTooLong);
    t.tmp->unlink(t.tmp->find("sub"));
    cr_assert_eq(fs::absolute_path(sub, buf, sizeof buf).error(), Errno::NoEnt, "a removed directory has no path");
    sub->unref();
}
