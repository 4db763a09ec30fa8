/**
 * @file chapters/11-files/proc/user_string.cpp
 * @brief Strings from user memory, a page at a time.
 */
#include "proc/user_string.h"

#include "common/abi/fs.h"
#include "kernel/heap.h"
#include "proc/uaccess.h"

using abi::Errno;

Result<size_t> copy_string_from_user(char* dst, uint64_t addr, size_t capacity) {
    size_t done = 0;
    while (done < capacity) {
        const uint64_t at = addr + done;
        size_t piece = abi::kPageSize - (at & (abi::kPageSize - 1));  // to the end of this page
        if (piece > capacity - done) piece = capacity - done;
        TRY(copy_from_user(dst + done, at, piece));
        for (size_t i = 0; i < piece; ++i)
            if (dst[done + i] == 0) return done + i;
        done += piece;
    }
    return Err(Errno::NameTooLong);
}

Result<UserPath> UserPath::copy(uint64_t addr, bool empty_ok) {
    auto* text = static_cast<char*>(heap_allocate(abi::kPathMax, 1));
    if (!text) return Err(Errno::NoMem);
    const Result<size_t> size = copy_string_from_user(text, addr, abi::kPathMax);
    if (!size || (*size == 0 && !empty_ok)) {
        heap_free(text);
        return Err(size ? Errno::NoEnt : size.error());
    }
    return UserPath(text, *size);
}

UserPath::~UserPath() { heap_free(m_text); }
