/**
 * @file chapters/12-exec/proc/loader.cpp
 * @brief process_create(): an ELF image becomes an address space with a
 * Linux initial stack. (Chapter 12: load_image(), the same for execve,
 * with the arguments and environment it was given.)
 *
 * The initial stack, from the top down, as Linux's exec builds it (what
 * _start finds):
 *
 *     0 (8 bytes)                     the end marker
 *     strings: argv[0] ... argv[argc - 1], envp[0] ... envp[envc - 1],
 *              the file name (AT_EXECFN): the higher, the later
 *     "x86_64"                        AT_PLATFORM
 *     16 random bytes                 AT_RANDOM (if the CPU has a generator)
 *     padding to 16 bytes
 *     auxv: (AT_HWCAP, v) (AT_PAGESZ, v) ... (AT_NULL, 0)
 *     envp: envp[0] ... envp[envc - 1], NULL
 *     argv: argv[0] ... argv[argc - 1], NULL
 *     argc                            <- RSP, 16-byte aligned
 *
 * The words come from the module's command line (proc/cmdline.h): the
 * environment, the program's name, its arguments.
 */
#include "arch/random.h"
#include "common/abi/linux.h"
#include "kernel/heap.h"
#include "kernel/x86.h"
#include "mm/mm.h"
#include "mm/user_space.h"
#include "proc/cmdline.h"
#include "proc/elf.h"
#include "proc/loader.h"
#include "proc/process.h"

namespace {

int g_next_id = 1;
constexpr uint64_t kClockTicksPerSecond = 100;  // USER_HZ: what times() counts in

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

// Put @p text and its NUL just below @p sp; returns where it starts, the new sp.
uint64_t push_string(AddressSpace& space, uint64_t sp, StringView text) {
    sp -= text.size() + 1;
    poke(space, sp, text.data(), text.size());  // the NUL is already there: the page was zeroed
    return sp;
}

// Build the stack above; returns the initial RSP.
Result<uint64_t> build_stack(AddressSpace& space, const elf::ElfImage& image, const CommandLine& line) {
    const uint64_t bottom = kUserStackTop - kUserStackPages * kPageSize;
    TRY(map_user_pages(space, bottom, kUserStackPages, abi::prot::Read | abi::prot::Write));

    // The strings, pushed from the highest down (CommandLine's limits keep
    // them far inside the stack). The program was started by its name, so
    // that is its file name too: what execve("name", ...) would give.
    uint64_t sp = kUserStackTop - 8;
    const uint64_t execfn = sp = push_string(space, sp, line.argv[0]);
    uint64_t envp[sizeof line.envp / sizeof line.envp[0] + 1], argv[CommandLine::kMaxWords + 1];
    for (size_t i = line.envc; i-- > 0;) envp[i] = sp = push_string(space, sp, line.envp[i]);
    for (size_t i = line.argc; i-- > 0;) argv[i] = sp = push_string(space, sp, line.argv[i]);
    envp[line.envc] = argv[line.argc] = 0;
    const uint64_t platform = sp = push_string(space, sp, "x86_64");
    uint64_t random_at = 0;  // no AT_RANDOM at all rather than bytes that are not random
    uint8_t random[16];
    if (random_fill(random, sizeof random)) {
        sp -= sizeof random;
        poke(space, sp, random, sizeof random);
        random_at = sp;
    }

    // Linux's entries in Linux's order (fs/binfmt_elf.c, create_elf_tables).
    using abi::Aux;
    const uint64_t auxv[][2] = {
        {uint64_t(Aux::Hwcap), cpuid(1, 0).edx},  // CPUID leaf 1's EDX, as Linux gives it
        {uint64_t(Aux::PageSz), kPageSize},
        {uint64_t(Aux::ClkTck), kClockTicksPerSecond},
        {uint64_t(Aux::Phdr), image.phdr_vaddr},
        {uint64_t(Aux::PhEnt), image.phentsize},
        {uint64_t(Aux::PhNum), image.phnum},
        {uint64_t(Aux::Base), 0},  // no interpreter
        {uint64_t(Aux::Flags), 0},
        {uint64_t(Aux::Entry), image.entry},
        {uint64_t(Aux::Uid), 0},
        {uint64_t(Aux::Euid), 0},
        {uint64_t(Aux::Gid), 0},
        {uint64_t(Aux::Egid), 0},
        {uint64_t(Aux::Secure), 0},
        {uint64_t(Aux::Random), random_at},
        {uint64_t(Aux::Hwcap2), 0},  // ring 3 may not use FSGSBASE (CR4.FSGSBASE is off), nor MWAIT
        {uint64_t(Aux::ExecFn), execfn},
        {uint64_t(Aux::Platform), platform},
        {uint64_t(Aux::Null), 0},
    };
    uint64_t vectors[2 * sizeof auxv / sizeof auxv[0]];
    size_t n = 0;
    for (const auto& entry : auxv) {
        if (entry[0] == uint64_t(Aux::Random) && random_at == 0) continue;  // left out, not lied about
        vectors[n++] = entry[0];
        vectors[n++] = entry[1];
    }
    const size_t words = 1 + (line.argc + 1) + (line.envc + 1) + n;
    sp = (sp - words * 8) & ~uint64_t(15);  // argc ends up 16-byte aligned
    uint64_t at = sp;
    const uint64_t count = line.argc;
    poke(space, at, &count, 8), at += 8;
    poke(space, at, argv, (line.argc + 1) * 8), at += (line.argc + 1) * 8;
    poke(space, at, envp, (line.envc + 1) * 8), at += (line.envc + 1) * 8;
    poke(space, at, vectors, n * 8);
    return sp;
}

// The program's segments, then its stack: returns the initial RSP.
Result<uint64_t> load_program(AddressSpace& space, const elf::ElfImage& image, const uint8_t* file,
                              const CommandLine& line) {
    TRY(load_segments(space, image, file));
    return build_stack(space, image, line);
}

}  // namespace

int allocate_id() { return g_next_id++; }

Result<LoadedImage> load_image(const uint8_t* file, size_t size, const CommandLine& line) {
    const Result<elf::ElfImage, const char*> parsed = elf::parse(file, size, kUserStackTop - kUserStackPages * kPageSize);
    if (!parsed) return Err(abi::Errno::NoExec);  // Linux's answer for a file no loader takes
    LoadedImage loaded{TRY(user_space_create()), parsed->entry, 0, 0};
    const Result<uint64_t> rsp = load_program(loaded.space, *parsed, file, line);
    if (!rsp) {
        user_space_destroy(loaded.space);
        return Err(rsp.error());
    }
    loaded.initial_rsp = *rsp;
    for (size_t i = 0; i < parsed->segment_count; ++i) {  // the heap starts after the last segment
        const elf::ElfSegment& s = parsed->segments[i];
        const uint64_t end = (s.vaddr + s.memsz + kPageSize - 1) & ~(kPageSize - 1);
        if (end > loaded.brk_start) loaded.brk_start = end;
    }
    return loaded;
}

Result<Process*, const char*> process_create(StringView cmdline, const uint8_t* file, size_t size) {
    const Result<elf::ElfImage, const char*> parsed = elf::parse(file, size, kUserStackTop - kUserStackPages * kPageSize);
    if (!parsed) return Err(parsed.error());
    const elf::ElfImage& image = *parsed;

    Result<CommandLine*> line = make<CommandLine>();  // 5 KiB: too much for a kernel stack
    if (!line) return Err("out of memory for the command line");
    if (const Result<void, const char*> words = parse_command_line(cmdline, **line); !words) {
        delete *line;
        return Err(words.error());
    }
    Result<Process*> made = make<Process>();
    Result<AddressSpace> space = made ? user_space_create() : Err(made.error());
    Result<uint64_t> rsp = space ? load_program(*space, image, file, **line) : Err(space.error());
    if (!rsp) {
        if (space) user_space_destroy(*space);
        if (made) delete *made;
        delete *line;
        return Err("out of memory loading the program");
    }
    Process* p = *made;
    p->pid = allocate_id();
    p->space = *space;
    p->entry = image.entry;
    p->initial_rsp = *rsp;
    for (size_t i = 0; i < image.segment_count; ++i) {  // the heap starts after the last segment
        const uint64_t end = (image.segments[i].vaddr + image.segments[i].memsz + kPageSize - 1) & ~(kPageSize - 1);
        if (end > p->brk_start) p->brk_start = end;
    }
    p->brk = p->brk_start;
    const StringView name = (*line)->argv[0];
    mem::copy(p->name, name.data(), name.size() < sizeof p->name - 1 ? name.size() : sizeof p->name - 1);
    delete *line;
    return p;
}
