/**
 * @file common/abi/fs.h
 * @brief The Linux x86-64 ABI of files and directories: open's flags, the
 * *at() calls' AT_ values, struct stat, struct statx, getdents64's records,
 * file types and modes.
 *
 * Named as common/abi/linux.h names things (no libc macro spelling, so a
 * host file may include both this and <fcntl.h>): O_CREAT is
 * abi::open_flag::Creat, AT_FDCWD abi::at::FdCwd, S_IFDIR abi::mode::Dir,
 * struct stat abi::Stat. common/tests/test_abi.cpp checks every value and
 * every field's offset against the host's own headers.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/linux.h"

namespace abi {

/// open's flags (asm-generic/fcntl.h), besides linux.h's (the access
/// mode, O_APPEND, O_NONBLOCK, O_CLOEXEC...).
namespace open_flag {
inline constexpr int Creat = 0100;          ///< O_CREAT: create the file if it is not there
inline constexpr int Excl = 0200;           ///< O_EXCL: with O_CREAT, fail with EEXIST if it is
inline constexpr int NoCtty = 0400;         ///< O_NOCTTY
inline constexpr int Trunc = 01000;         ///< O_TRUNC: cut a regular file to 0 bytes
inline constexpr int DSync = 010000;        ///< O_DSYNC
inline constexpr int Directory = 0200000;   ///< O_DIRECTORY: fail with ENOTDIR unless it is one
inline constexpr int NoFollow = 0400000;    ///< O_NOFOLLOW
inline constexpr int Sync = 04010000;       ///< O_SYNC (__O_SYNC | O_DSYNC)
inline constexpr int Path = 010000000;      ///< O_PATH
inline constexpr int TmpFile = 020200000;   ///< O_TMPFILE (__O_TMPFILE | O_DIRECTORY)
}  // namespace open_flag

/// The *at() calls' special descriptor and flags (uapi/linux/fcntl.h).
namespace at {
inline constexpr int FdCwd = -100;             ///< AT_FDCWD: relative paths start at the working directory
inline constexpr int SymlinkNoFollow = 0x100;  ///< AT_SYMLINK_NOFOLLOW
inline constexpr int RemoveDir = 0x200;        ///< AT_REMOVEDIR: unlinkat removes a directory
inline constexpr int EAccess = 0x200;          ///< AT_EACCESS: faccessat checks the effective ids
inline constexpr int SymlinkFollow = 0x400;    ///< AT_SYMLINK_FOLLOW
inline constexpr int NoAutomount = 0x800;      ///< AT_NO_AUTOMOUNT
inline constexpr int EmptyPath = 0x1000;       ///< AT_EMPTY_PATH: an empty path names the descriptor itself
inline constexpr int StatxSyncType = 0x6000;   ///< AT_STATX_SYNC_TYPE: the two bits of statx's sync choice
}  // namespace at

/// renameat2's flags (uapi/linux/fs.h).
namespace rename_flag {
inline constexpr unsigned NoReplace = 1;  ///< RENAME_NOREPLACE: fail with EEXIST if the target exists
inline constexpr unsigned Exchange = 2;   ///< RENAME_EXCHANGE: swap the two names
inline constexpr unsigned Whiteout = 4;   ///< RENAME_WHITEOUT
}  // namespace rename_flag

/// lseek's whence (uapi/linux/fs.h).
namespace seek {
inline constexpr int Set = 0;   ///< SEEK_SET: from the start
inline constexpr int Cur = 1;   ///< SEEK_CUR: from the current position
inline constexpr int End = 2;   ///< SEEK_END: from the end
inline constexpr int Data = 3;  ///< SEEK_DATA: the next byte of data
inline constexpr int Hole = 4;  ///< SEEK_HOLE: the next hole
}  // namespace seek

/// access modes (unistd.h).
namespace access_mode {
inline constexpr int Exists = 0;  ///< F_OK
inline constexpr int Exec = 1;    ///< X_OK
inline constexpr int Write = 2;   ///< W_OK
inline constexpr int Read = 4;    ///< R_OK
}  // namespace access_mode

/// st_mode's file types and permission bits (uapi/linux/stat.h).
namespace mode {
inline constexpr uint32_t TypeMask = 0170000;  ///< S_IFMT
inline constexpr uint32_t Fifo = 0010000;      ///< S_IFIFO: a pipe
inline constexpr uint32_t CharDev = 0020000;   ///< S_IFCHR: a character device
inline constexpr uint32_t Dir = 0040000;       ///< S_IFDIR
inline constexpr uint32_t Regular = 0100000;   ///< S_IFREG
inline constexpr uint32_t Symlink = 0120000;   ///< S_IFLNK
inline constexpr uint32_t Permissions = 07777; ///< the permission, set-id and sticky bits
inline constexpr uint32_t AnyExec = 0111;      ///< S_IXUSR | S_IXGRP | S_IXOTH
}  // namespace mode

/// getdents64's d_type (the DT_ values: the type bits of st_mode, shifted).
namespace dirent_type {
inline constexpr uint8_t Unknown = 0;  ///< DT_UNKNOWN
inline constexpr uint8_t Fifo = 1;     ///< DT_FIFO
inline constexpr uint8_t CharDev = 2;  ///< DT_CHR
inline constexpr uint8_t Dir = 4;      ///< DT_DIR
inline constexpr uint8_t Regular = 8;  ///< DT_REG
inline constexpr uint8_t Symlink = 10; ///< DT_LNK
}  // namespace dirent_type

/// What stat, fstat, lstat and newfstatat fill (struct stat of asm/stat.h on x86-64).
struct Stat {
    uint64_t dev;         ///<   0: the device of the file system
    uint64_t ino;         ///<   8: the inode number
    uint64_t nlink;       ///<  16: names that lead to it
    uint32_t mode;        ///<  24: type and permissions
    uint32_t uid;         ///<  28
    uint32_t gid;         ///<  32
    uint32_t pad0;        ///<  36
    uint64_t rdev;        ///<  40: the device it is, for a device file
    int64_t size;         ///<  48: bytes
    int64_t blksize;      ///<  56: the best size for a read or write
    int64_t blocks;       ///<  64: 512-byte blocks allocated
    TimeSpec atime;       ///<  72: last access
    TimeSpec mtime;       ///<  88: last change of the contents
    TimeSpec ctime;       ///< 104: last change of the inode
    int64_t unused[3];    ///< 120
};
static_assert(sizeof(Stat) == 144);

/// A statx time (struct statx_timestamp).
struct StatxTime {
    int64_t sec;        ///< 0
    uint32_t nsec;      ///< 8
    int32_t reserved;   ///< 12
};

/// What statx fills (struct statx of uapi/linux/stat.h).
struct Statx {
    uint32_t mask;              ///<   0: which fields hold values (statx_mask bits)
    uint32_t blksize;           ///<   4
    uint64_t attributes;        ///<   8
    uint32_t nlink;             ///<  16
    uint32_t uid;               ///<  20
    uint32_t gid;               ///<  24
    uint16_t mode;              ///<  28
    uint16_t spare0;            ///<  30
    uint64_t ino;               ///<  32
    uint64_t size;              ///<  40
    uint64_t blocks;            ///<  48
    uint64_t attributes_mask;   ///<  56
    StatxTime atime;            ///<  64
    StatxTime btime;            ///<  80: birth
    StatxTime ctime;            ///<  96
    StatxTime mtime;            ///< 112
    uint32_t rdev_major;        ///< 128
    uint32_t rdev_minor;        ///< 132
    uint32_t dev_major;         ///< 136
    uint32_t dev_minor;         ///< 140
    uint64_t mnt_id;            ///< 144
    uint32_t dio_mem_align;     ///< 152
    uint32_t dio_offset_align;  ///< 156
    uint64_t spare3[12];        ///< 160
};
static_assert(sizeof(Statx) == 256);

/// statx's mask bits (STATX_*).
namespace statx_mask {
inline constexpr uint32_t Type = 0x1;         ///< STATX_TYPE
inline constexpr uint32_t Mode = 0x2;         ///< STATX_MODE
inline constexpr uint32_t NLink = 0x4;        ///< STATX_NLINK
inline constexpr uint32_t Uid = 0x8;          ///< STATX_UID
inline constexpr uint32_t Gid = 0x10;         ///< STATX_GID
inline constexpr uint32_t Atime = 0x20;       ///< STATX_ATIME
inline constexpr uint32_t Mtime = 0x40;       ///< STATX_MTIME
inline constexpr uint32_t Ctime = 0x80;       ///< STATX_CTIME
inline constexpr uint32_t Ino = 0x100;        ///< STATX_INO
inline constexpr uint32_t Size = 0x200;       ///< STATX_SIZE
inline constexpr uint32_t Blocks = 0x400;     ///< STATX_BLOCKS
inline constexpr uint32_t BasicStats = 0x7ff; ///< STATX_BASIC_STATS: all of the above
inline constexpr uint32_t Btime = 0x800;      ///< STATX_BTIME
inline constexpr uint32_t Reserved = 0x80000000u;  ///< STATX__RESERVED: a mask with it is EINVAL
}  // namespace statx_mask

/// The fixed part of one getdents64 record (struct linux_dirent64); the
/// name follows, NUL-terminated, and the record is padded to 8 bytes.
struct Dirent64 {
    uint64_t ino;      ///< 0
    int64_t off;       ///< 8: the position after this record (lseek there to resume)
    uint16_t reclen;   ///< 16: this record's size, padding included
    uint8_t type;      ///< 18: a dirent_type
    char name[5];      ///< 19: the name starts here (the struct is padded to 24)
};
static_assert(offsetof(Dirent64, name) == 19);

/// Longest name of one directory entry, without its NUL (NAME_MAX).
inline constexpr size_t kNameMax = 255;
/// Longest path, with its NUL (PATH_MAX).
inline constexpr size_t kPathMax = 4096;

}  // namespace abi
