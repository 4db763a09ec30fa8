/**
 * @file chapters/10-smp/mm/file_mappings.cpp
 * @brief The record of mapped files: add, trim, split, drop (and give the
 * dropped references back later).
 */
#include "mm/file_mappings.h"

#include "proc/file.h"

DroppedFiles::~DroppedFiles() {
    for (int i = 0; i < m_count; ++i) m_files[i]->unref();
}

void DroppedFiles::add(File* file) { m_files[m_count++] = file; }

FileMappings::~FileMappings() {
    DroppedFiles dropped;
    remove(0, ~0ull, dropped);
}

Result<void> FileMappings::add(uint64_t start, uint64_t end, File* file) {
    for (FileMapping& m : m_slots)
        if (m.start == m.end) {
            file->ref();
            m = {start, end, file};
            return {};
        }
    return Err(abi::Errno::NoMem);
}

Result<void> FileMappings::check_remove(uint64_t start, uint64_t end) const {
    bool splits = false, free_slot = false;
    for (const FileMapping& m : m_slots) {
        if (m.start == m.end) free_slot = true;
        else if (m.start < start && end < m.end) splits = true;
    }
    if (splits && !free_slot) return Err(abi::Errno::NoMem);
    return {};
}

void FileMappings::remove(uint64_t start, uint64_t end, DroppedFiles& dropped) {
    for (FileMapping& m : m_slots) {
        if (m.start == m.end || end <= m.start || m.end <= start) continue;  // free, or not touched
        if (m.start < start && end < m.end) {         // a hole in the middle: split in two
            const FileMapping tail{end, m.end, m.file};
            m.end = start;
            (void)add(tail.start, tail.end, tail.file);  // check_remove made sure there is a slot
        } else if (m.start < start) {                 // the range covers its tail
            m.end = start;
        } else if (end < m.end) {                     // ... its head
            m.start = end;
        } else {                                      // all of it
            dropped.add(m.file);
            m = {};
        }
    }
}
