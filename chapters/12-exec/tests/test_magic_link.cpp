/**
 * @file chapters/12-exec/tests/test_magic_link.cpp
 * @brief Host tests of magic links (/proc/self/exe) in path lookup, under
 * ASan and UBSan: followed in the middle and at the end of a path, not at
 * the end when the caller wants the link itself, listed as DT_LNK, and a
 * link that leads nowhere (a process with no program file) is ENOENT.
 */
// links: arch/user_copy.S
#include <criterion/criterion.h>

#include <cstdlib>

#include "fs/dirent.cpp"
#include "fs/inode.cpp"
#include "fs/path.cpp"
#include "mm/frame.cpp"
#include "proc/uaccess.cpp"
#include "proc/user_iter.cpp"
#include "../../03-memory/tests/fake_kernel.h"

uint64_t g_user_top = abi::kTaskSize;
void* heap_allocate(size_t size, size_t align) { return std::aligned_alloc(align < 16 ? 16 : align, (size + 15) & ~size_t(15)); }
void heap_free(void* p) { std::free(p); }
void* operator new(size_t size) { return heap_allocate(size, 16); }
void operator delete(void* p) noexcept { heap_free(p); }
void operator delete(void* p, size_t) noexcept { heap_free(p); }
abi::TimeSpec fs::now() { return {1000, 0}; }

namespace {

using abi::Errno;
using fs::Inode;
using fs::Type;

Inode* g_target = nullptr;  // where the link leads "for the running process"; nullptr: nowhere

Result<fs::LinkTarget> resolve_exe() {
    if (!g_target) return Err(Errno::NoEnt);
    return fs::LinkTarget{g_target, "/bin/prog"};
}

Inode* add(Inode* dir, const char* name, Type type, uint32_t mode) {
    Inode* inode = *Inode::create(type, mode);
    cr_assert(dir->link(name, inode).has_value());
    inode->unref();
    return inode;
}

// /bin/prog, /bin/sub (a directory), /proc/self/exe -> (whatever g_target is)
struct Tree {
    Inode* root = *Inode::create(Type::Directory, 0755);
    Inode* bin;
    Inode* prog;
    Inode* sub;
    Inode* exe;
    Tree() {
        fake::reset_memory();
        root->make_root();
        bin = add(root, "bin", Type::Directory, 0755);
        prog = add(bin, "prog", Type::Regular, 0755);
        sub = add(bin, "sub", Type::Directory, 0755);
        exe = add(add(add(root, "proc", Type::Directory, 0555), "self", Type::Directory, 0555), "exe",
                  Type::MagicLink, 0777);
        exe->resolve = resolve_exe;
        g_target = prog;
    }
    ~Tree() { root->unref(); }
};

}  // namespace

Test(magic_link, followed_at_the_end_unless_the_link_is_wanted) {
    Tree t;
    cr_assert_eq(*fs::walk(t.root, t.root, "/proc/self/exe"), t.prog);
    cr_assert_eq(*fs::walk(t.root, t.root, "/proc/self/exe", false), t.exe, "lstat, readlink: the link itself");
    cr_assert_eq(t.exe->mode(), abi::mode::Symlink | 0777);
    g_target = t.sub;
    cr_assert_eq(*fs::walk(t.root, t.root, "/proc/self/exe/"), t.sub, "a trailing slash always follows");
}

Test(magic_link, followed_in_the_middle_of_a_path) {
    Tree t;
    g_target = t.bin;
    cr_assert_eq(*fs::walk(t.root, t.root, "/proc/self/exe/prog"), t.prog);
    cr_assert_eq(*fs::walk(t.root, t.root, "/proc/self/exe/sub/.."), t.bin);
    g_target = t.prog;
    cr_assert_eq(fs::walk(t.root, t.root, "/proc/self/exe/x").error(), Errno::NotDir, "through a file");
}

Test(magic_link, leading_nowhere_is_enoent) {
    Tree t;
    g_target = nullptr;
    cr_assert_eq(fs::walk(t.root, t.root, "/proc/self/exe").error(), Errno::NoEnt);
    cr_assert_eq(*fs::walk(t.root, t.root, "/proc/self/exe", false), t.exe, "the link itself is still there");
}

Test(magic_link, listed_as_a_symbolic_link) {
    Tree t;
    const Inode* self = *fs::walk(t.root, t.root, "/proc/self");
    fs::DirRecord record;
    cr_assert(*fs::read_dir(self, 2, record));
    cr_assert(record.name == "exe");
    cr_assert_eq(record.type, abi::dirent_type::Symlink);
}
