/**
 * @file chapters/10-smp/mm/file_mappings.h
 * @brief Which files a process has mapped, and where.
 *
 * mmap of a file maps kernel memory the file owns (an io_uring instance's
 * rings) into the process as borrowed pages (mm/user_space.h). The file
 * must live as long as any of those pages stays mapped, even after its
 * last descriptor is closed, or the program could write into freed kernel
 * memory. So each mapping is recorded here with a reference on its file,
 * as Linux's VMAs hold theirs: munmap trims, splits or drops records, and
 * a record dropped gives its reference back.
 *
 * Chapter 10: munmap changes the records with the process's memory lock
 * held, and a file's last reference must not go then: its destructor may
 * sleep (an SQPOLL ring stops its thread), and nothing sleeps holding a
 * spin lock. So remove() hands the references it drops to a DroppedFiles,
 * which gives them back when it goes out of scope, after the lock.
 */
#pragma once

#include <cstdint>

#include "common/result.h"

class File;

/// File references a remove() took off its records, given back when this
/// goes out of scope (declare it before the lock guard, so it goes after).
class DroppedFiles {
public:
    DroppedFiles() = default;
    DroppedFiles(const DroppedFiles&) = delete;
    DroppedFiles& operator=(const DroppedFiles&) = delete;
    /// Drops each reference.
    ~DroppedFiles();
    /// Keep @p file's reference until then.
    void add(File* file);

private:
    static constexpr int kMax = 17;  // every mapping, and one split
    File* m_files[kMax] = {};
    int m_count = 0;
};

/// One mapped range of one file.
struct FileMapping {
    uint64_t start = 0;     ///< first byte (page-aligned)
    uint64_t end = 0;       ///< one past the last byte (page-aligned); start == end: a free slot
    File* file = nullptr;   ///< holds one reference
};

/// A process's file mappings.
class FileMappings {
public:
    static constexpr int kMax = 16;  ///< mappings per process

    FileMappings() = default;
    FileMappings(const FileMappings&) = delete;
    FileMappings& operator=(const FileMappings&) = delete;
    /// Drops every mapping's reference.
    ~FileMappings();

    /// Record [start, end) as mapped from @p file, taking a reference on it.
    /// Errno::NoMem if every slot is in use.
    Result<void> add(uint64_t start, uint64_t end, File* file);

    /// Can [start, end) be removed? Removing a piece from the middle of a
    /// mapping splits it in two, which needs a free slot: Errno::NoMem if none.
    [[nodiscard]] Result<void> check_remove(uint64_t start, uint64_t end) const;

    /// Forget [start, end) (after a successful check_remove, and after the
    /// pages are unmapped): trim, split or drop each record it touches. The
    /// references of dropped records go to @p dropped.
    void remove(uint64_t start, uint64_t end, DroppedFiles& dropped);

private:
    FileMapping m_slots[kMax];
};
