/**
 * @file chapters/11-files/fs/root.cpp
 * @brief The tree the kernel starts with, its lock, and its clock.
 *
 *     /             0755
 *     /bin/NAME     0755, one per boot module, its bytes read in place
 *     /dev/console  char 5:1, 0600
 *     /dev/null     char 1:3, 0666
 *     /dev/zero     char 1:5, 0666
 *     /dev/random   char 1:8, 0666
 *     /dev/urandom  char 1:9, 0666
 *     /tmp          1777 (anyone may create; the sticky bit)
 *
 * Everything lives in memory: nothing survives a reboot, as with Linux's tmpfs.
 */
#include "arch/timer.h"
#include "fs/devices.h"
#include "fs/fs_context.h"
#include "fs/fs_lock.h"
#include "fs/path.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "sched/thread.h"

namespace {

SpinLock g_lock;
fs::Inode* g_root = nullptr;

// Make @p name in @p dir, of @p type and @p mode: the new inode (the
// directory's entry holds it). Boot-time: without memory there is no tree.
fs::Inode* add(fs::Inode* dir, StringView name, fs::Type type, uint32_t mode) {
    Result<fs::Inode*> made = fs::Inode::create(type, mode);
    if (!made || !dir->link(name, *made)) panic("no memory for the file system's {}", name);
    (*made)->unref();
    return *made;
}

fs::Inode* add_device(fs::Inode* dev, StringView name, uint32_t mode, uint32_t number) {
    fs::Inode* inode = add(dev, name, fs::Type::CharDevice, mode);
    inode->rdev = number;
    return inode;
}

}  // namespace

SpinLock& fs_lock() { return g_lock; }

fs::Inode* fs_root() { return g_root; }

abi::TimeSpec fs::now() {
    const auto ms = static_cast<int64_t>(now_ms());
    return {boot_epoch_seconds() + ms / 1000, (ms % 1000) * 1000000};
}

/// Build the tree above; each boot module becomes /bin/NAME (NAME: the
/// first word of its command line; a second module of the same name is left out).
void fs_init() {
    IrqLock guard(g_lock);
    Result<fs::Inode*> root = fs::Inode::create(fs::Type::Directory, 0755);
    if (!root) panic("no memory for the root directory");
    g_root = *root;  // its creation reference is the tree's: the root never goes
    g_root->make_root();
    fs::Inode* bin = add(g_root, "bin", fs::Type::Directory, 0755);
    fs::Inode* dev = add(g_root, "dev", fs::Type::Directory, 0755);
    add(g_root, "tmp", fs::Type::Directory, 01777);
    add_device(dev, "console", 0600, kDevConsole);
    add_device(dev, "null", 0666, kDevNull);
    add_device(dev, "zero", 0666, kDevZero);
    add_device(dev, "random", 0666, kDevRandom);
    add_device(dev, "urandom", 0666, kDevUrandom);

    const multiboot2::BootInfo& boot = boot_info();
    size_t programs = 0;
    for (size_t i = 0; i < boot.module_count; ++i) {
        const multiboot2::Module& m = boot.modules[i];
        const StringView cmdline(m.cmdline);
        const size_t space = cmdline.find(' ');
        const StringView name = cmdline.substr(0, space == StringView::npos ? cmdline.size() : space);
        if (fs::is_special(name) || !fs::check_new_name(name) || name.find('/') != StringView::npos ||
            bin->find(name))
            continue;
        fs::Inode* program = add(bin, name, fs::Type::Regular, 0755);
        program->set_image(phys_to_virt(PhysAddr(m.start)).as<const uint8_t>(), m.end - m.start);
        ++programs;
    }
    kprint("[FS] tmpfs at /: /bin ({} programs), /dev/console, /dev/null, /dev/random, /dev/urandom, /dev/zero, /tmp\n", programs);
}

// ------------------------------------------------------------ FsContext

FsContext::~FsContext() {
    if (!m_cwd) return;
    IrqLock guard(g_lock);
    m_cwd->unref();
}

fs::Inode* FsContext::cwd() const { return m_cwd ? m_cwd : g_root; }

void FsContext::set_cwd(fs::Inode* dir) {
    dir->ref();
    if (m_cwd) m_cwd->unref();
    m_cwd = dir;
}
