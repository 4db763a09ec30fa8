/**
 * @file chapters/12-exec/fs/path.cpp
 * @brief walk_parent(), walk() and lookup_in(): path lookup in the tree of
 * inodes. (Chapter 12: magic links are followed.)
 */
#include "fs/path.h"

using abi::Errno;

namespace fs {

bool is_special(StringView name) { return name.empty() || name == "." || name == ".."; }

Result<void> check_new_name(StringView name) {
    if (name.size() > abi::kNameMax) return Err(Errno::NameTooLong);
    return {};
}

Result<Inode*> lookup_in(Inode* dir, StringView name) {
    if (!dir->is_dir()) return Err(Errno::NotDir);
    if (name.empty() || name == ".") return dir;
    if (name == "..") {
        if (!dir->parent()) return Err(Errno::NoEnt);  // the directory was removed
        return dir->parent();
    }
    TRY(check_new_name(name));
    const DirEntry* entry = dir->find(name);
    if (!entry) return Err(Errno::NoEnt);
    return entry->inode;
}

Result<Inode*> follow(Inode* inode) {
    if (inode->type() != Type::MagicLink) return inode;
    return TRY(inode->resolve()).inode;
}

Result<char*> absolute_path(const Inode* dir, char* buf, size_t size) {
    char* at = buf + size;
    *--at = 0;
    if (!dir->parent()) return Err(Errno::NoEnt);
    for (const Inode* d = dir; d->parent() != d; d = d->parent()) {
        const DirEntry* entry = d->parent()->entry_from(2);  // its name: the parent's entry for it
        while (entry && entry->inode != d) entry = entry->next;
        if (!entry || static_cast<size_t>(at - buf) < entry->length + 1u) return Err(Errno::NameTooLong);
        at -= entry->length;
        mem::copy(at, entry->name, entry->length);
        *--at = '/';
    }
    if (*at == 0) {  // the root itself
        if (at == buf) return Err(Errno::NameTooLong);
        *--at = '/';
    }
    return at;
}

Result<ParentAndName> walk_parent(Inode* root, Inode* start, StringView path) {
    if (path.empty()) return Err(Errno::NoEnt);
    ParentAndName result;
    Inode* dir = path[0] == '/' ? root : start;
    size_t i = 0;
    for (;;) {
        while (i < path.size() && path[i] == '/') ++i;
        if (i == path.size()) break;  // only slashes were left: "/" names dir itself
        size_t end = path.find('/', i);
        if (end == StringView::npos) end = path.size();
        const StringView component = path.substr(i, end - i);
        size_t next = end;
        while (next < path.size() && path[next] == '/') ++next;
        if (next == path.size()) {  // the last component: the caller looks it up
            result.name = component;
            result.trailing_slash = end < path.size();
            break;
        }
        dir = TRY(follow(TRY(lookup_in(dir, component))));
        i = next;
    }
    if (!dir->is_dir()) return Err(Errno::NotDir);
    result.dir = dir;
    return result;
}

Result<Inode*> walk(Inode* root, Inode* start, StringView path, bool follow_last) {
    const ParentAndName at = TRY(walk_parent(root, start, path));
    Inode* inode = TRY(lookup_in(at.dir, at.name));
    if (follow_last || at.trailing_slash) inode = TRY(follow(inode));
    if (at.trailing_slash && !inode->is_dir()) return Err(Errno::NotDir);
    return inode;
}

}  // namespace fs
