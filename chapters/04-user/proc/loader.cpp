/**
 * @file chapters/04-user/proc/loader.cpp
 * @brief process_create(): an ELF image becomes an address space with a
 * Linux-style initial stack.
 *
 * The initial stack, from the top down (what _start finds, as on Linux):
 *
 *     [strings: argv[0] ... argv[n-1], 16 random bytes]
 *     padding to 16 bytes
 *     auxv: (AT_PHDR, v) (AT_PHENT, v) ... (AT_NULL, 0)
 *     envp: NULL                      (no environment)
 *     argv: argv[0] ... argv[n-1], NULL
 *     argc                            <- RSP, 16-byte aligned
 */
#include "common/abi/linux.h"
#include "kernel/heap.h"
#include "kernel/x86.h"
#include "mm/mm.h"
#include "mm/user_space.h"
#include "proc/elf.h"
#include "proc/process.h"

namespace {

int g_next_id = 1;
constexpr size_t kMaxArgs = 16;

int segment_prot(const elf::ElfSegment& s) {
    return (s.read ? abi::prot::Read : 0) | (s.write ? abi::prot::Write : 0) | (s.exec ? abi::prot::Exec : 0);
}

// Write @p n bytes at user address @p dst of @p space (not the current
// one), through the direct map, page by page. The pages were just mapped
// by this file, writable by the kernel (the leaf's W bit aside, the
// direct map is writable), so each translate() succeeds.
void poke(AddressSpace& space, uint64_t dst, const void* src, size_t n) {
    const auto* from = static_cast<const uint8_t*>(src);
    while (n > 0) {
        const Result<Translation> t = space.translate(VirtAddr(dst));
        const size_t chunk = kPageSize - (dst & (kPageSize - 1)) < n ? kPageSize - (dst & (kPageSize - 1)) : n;
        mem::copy(phys_to_virt(t->phys).as<void>(), from, chunk);
        dst += chunk, from += chunk, n -= chunk;
    }
}

Result<void> load_segments(AddressSpace& space, const elf::ElfImage& image, const uint8_t* file) {
    for (size_t i = 0; i < image.segment_count; ++i) {
        const elf::ElfSegment& s = image.segments[i];
        const uint64_t start = s.vaddr & ~(kPageSize - 1);
        const uint64_t pages = (s.vaddr + s.memsz - start + kPageSize - 1) / kPageSize;
        TRY(map_user_pages(space, start, pages, segment_prot(s)));
        // poke() writes through the direct map, which the user page's own
        // (perhaps read-only) permissions do not restrict. A segment with
        // no permission at all has no frames, and nothing could read them.
        if (segment_prot(s) != abi::prot::None) poke(space, s.vaddr, file + s.file_offset, s.filesz);
    }
    return {};
}

// Build the stack above; returns the initial RSP.
Result<uint64_t> build_stack(AddressSpace& space, const elf::ElfImage& image, StringView cmdline) {
    const uint64_t bottom = kUserStackTop - kUserStackPages * kPageSize;
    TRY(map_user_pages(space, bottom, kUserStackPages, abi::prot::Read | abi::prot::Write));

    uint64_t sp = kUserStackTop;
    uint64_t argv[kMaxArgs];
    size_t argc = 0;
    for (size_t i = 0; i < cmdline.size() && argc < kMaxArgs;) {  // split on spaces
        if (cmdline[i] == ' ') { ++i; continue; }
        size_t end = cmdline.find(' ', i);
        if (end == StringView::npos) end = cmdline.size();
        sp -= end - i + 1;
        poke(space, sp, cmdline.data() + i, end - i);  // the NUL is already there: zeroed page
        argv[argc++] = sp;
        i = end;
    }
    uint64_t random[2] = {rdtsc(), rdtsc() * 0x9e3779b97f4a7c15ull};  // not secret: a teaching kernel
    sp -= sizeof random;
    poke(space, sp, random, sizeof random);
    const uint64_t random_at = sp;

    const uint64_t auxv[][2] = {
        {uint64_t(abi::Aux::Phdr), image.phdr_vaddr}, {uint64_t(abi::Aux::PhEnt), image.phentsize},
        {uint64_t(abi::Aux::PhNum), image.phnum},     {uint64_t(abi::Aux::PageSz), kPageSize},
        {uint64_t(abi::Aux::Entry), image.entry},     {uint64_t(abi::Aux::Uid), 0},
        {uint64_t(abi::Aux::Euid), 0},                {uint64_t(abi::Aux::Gid), 0},
        {uint64_t(abi::Aux::Egid), 0},                {uint64_t(abi::Aux::Secure), 0},
        {uint64_t(abi::Aux::Random), random_at},      {uint64_t(abi::Aux::Null), 0},
    };
    const size_t words = 1 + (argc + 1) + 1 + 2 * (sizeof auxv / sizeof auxv[0]);
    sp = (sp - words * 8) & ~uint64_t(15);  // argc ends up 16-byte aligned
    uint64_t at = sp;
    const uint64_t count = argc;
    poke(space, at, &count, 8), at += 8;
    poke(space, at, argv, argc * 8), at += argc * 8;
    at += 8;  // argv's NULL (zeroed page)
    at += 8;  // envp's NULL
    poke(space, at, auxv, sizeof auxv);
    return sp;
}

// The program's segments, then its stack: returns the initial RSP.
Result<uint64_t> load_program(AddressSpace& space, const elf::ElfImage& image, const uint8_t* file,
                              StringView cmdline) {
    TRY(load_segments(space, image, file));
    return build_stack(space, image, cmdline);
}

}  // namespace

int allocate_id() { return g_next_id++; }

Result<Process*, const char*> process_create(StringView cmdline, const uint8_t* file, size_t size) {
    const Result<elf::ElfImage, const char*> parsed = elf::parse(file, size, kUserStackTop - kUserStackPages * kPageSize);
    if (!parsed) return Err(parsed.error());
    const elf::ElfImage& image = *parsed;

    Result<Process*> made = make<Process>();
    if (!made) return Err("out of memory for the process");
    Process* p = *made;
    Result<AddressSpace> space = user_space_create();
    Result<uint64_t> rsp = space ? load_program(*space, image, file, cmdline) : Err(space.error());
    if (!rsp) {
        if (space) user_space_destroy(*space);
        delete p;
        return Err("out of memory loading the program");
    }
    p->pid = allocate_id();
    p->space = *space;
    p->entry = image.entry;
    p->initial_rsp = *rsp;
    for (size_t i = 0; i < image.segment_count; ++i) {  // the heap starts after the last segment
        const uint64_t end = (image.segments[i].vaddr + image.segments[i].memsz + kPageSize - 1) & ~(kPageSize - 1);
        if (end > p->brk_start) p->brk_start = end;
    }
    p->brk = p->brk_start;
    const size_t name_len = cmdline.find(' ') == StringView::npos ? cmdline.size() : cmdline.find(' ');
    mem::copy(p->name, cmdline.data(), name_len < sizeof p->name - 1 ? name_len : sizeof p->name - 1);
    return p;
}
