/*
 * user/musl/argv.c - what a program finds on its initial stack: its
 * arguments, its environment and the auxiliary vector, as the C library
 * hands them over (argv, environ, getauxval).
 *
 * Printed with the program's own name as the prefix, so the same source
 * serves musl (argv) and glibc (glibc-argv, user/glibc/glibc-argv.c).
 * Values that depend on the machine or on where the program was started
 * from (the CPU's features, addresses, the file's path) are printed as
 * facts about them; the rest must be what Linux gives.
 * getenv("HOME") is the C library's answer; the auxiliary vector is read
 * where the kernel put it.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char** environ;
extern char _start[];              /* the entry point the ELF header names */
extern const char __ehdr_start[];  /* the ELF header, mapped with the first segment */

static const char* me = "?";

static const char* yes(int fact) { return fact ? "yes" : "no"; }

/* The auxiliary vector as the kernel wrote it, after the environment's
 * NULL: glibc's getauxval() answers some types with values of its own
 * (AT_HWCAP on x86-64), and this program checks the kernel. */
static const Elf64_auxv_t* auxv;

static unsigned long aux(unsigned long type) {
    for (const Elf64_auxv_t* a = auxv; a->a_type != AT_NULL; ++a)
        if (a->a_type == type) return a->a_un.a_val;
    return 0;
}

static const char* base_name(const char* path) {
    const char* slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int main(int argc, char** argv) {
    me = base_name(argv[0]);
    printf("%s: argc = %d\n", me, argc);
    for (int i = 0; i < argc; ++i) printf("%s: argv[%d] = \"%s\" (%zu bytes)\n", me, i, argv[i], strlen(argv[i]));
    printf("%s: argv[argc] is NULL: %s\n", me, yes(argv[argc] == NULL));
    int envc = 0;
    for (char** e = environ; *e; ++e) printf("%s: envp[%d] = \"%s\"\n", me, envc++, *e);
    printf("%s: %d environment variables; getenv(\"HOME\") = \"%s\"\n", me, envc, getenv("HOME"));
    printf("%s: the environment follows argv's NULL: %s\n", me, yes(environ == argv + argc + 1));

    char** end = environ;
    while (*end) ++end;
    auxv = (const Elf64_auxv_t*)(end + 1);
    /* Linux also gives AT_SYSINFO_EHDR (the vDSO) and AT_MINSIGSTKSZ; the
     * course's kernel has neither, and from 6.3 AT_RSEQ_FEATURE_SIZE and
     * AT_RSEQ_ALIGN, for rseq(), which it does not have either (see chapter
     * 04's differences). */
    printf("%s: auxv types in order:", me);
    for (const Elf64_auxv_t* a = auxv; a->a_type != AT_NULL; ++a)
        if (a->a_type != AT_SYSINFO_EHDR && a->a_type != AT_MINSIGSTKSZ && a->a_type != 27 /* AT_RSEQ_FEATURE_SIZE */ &&
            a->a_type != 28 /* AT_RSEQ_ALIGN */)
            printf(" %lu", a->a_type);
    printf("\n");
    printf("%s: getauxval agrees with the vector for AT_PAGESZ, AT_ENTRY, AT_RANDOM, AT_EXECFN: %s\n", me,
           yes(getauxval(AT_PAGESZ) == aux(AT_PAGESZ) && getauxval(AT_ENTRY) == aux(AT_ENTRY) &&
               getauxval(AT_RANDOM) == aux(AT_RANDOM) && getauxval(AT_EXECFN) == aux(AT_EXECFN)));

    const Elf64_Ehdr* ehdr = (const Elf64_Ehdr*)__ehdr_start;
    printf("%s: AT_PHDR is the program headers' address: %s\n", me,
           yes(aux(AT_PHDR) == (unsigned long)__ehdr_start + ehdr->e_phoff));
    printf("%s: AT_PHENT = %lu, AT_PHNUM is e_phnum: %s\n", me, aux(AT_PHENT),
           yes(aux(AT_PHNUM) == ehdr->e_phnum));
    printf("%s: AT_PAGESZ = %lu, AT_CLKTCK = %lu\n", me, aux(AT_PAGESZ), aux(AT_CLKTCK));
    printf("%s: AT_ENTRY is _start: %s\n", me, yes(aux(AT_ENTRY) == (unsigned long)_start));
    printf("%s: AT_BASE = %lu, AT_FLAGS = %lu (no interpreter)\n", me, aux(AT_BASE), aux(AT_FLAGS));
    printf("%s: AT_UID, AT_EUID, AT_GID, AT_EGID are the ids: %s\n", me,
           yes(aux(AT_UID) == getuid() && aux(AT_EUID) == geteuid() && aux(AT_GID) == getgid() &&
               aux(AT_EGID) == getegid()));
    printf("%s: AT_SECURE = %lu\n", me, aux(AT_SECURE));
    const unsigned char* random = (const unsigned char*)aux(AT_RANDOM);
    int zeros = 0;
    for (int i = 0; random && i < 16; ++i) zeros += random[i] == 0;
    printf("%s: AT_RANDOM: 16 bytes, not all zero: %s\n", me, yes(random && zeros < 16));
    const unsigned long hwcap = aux(AT_HWCAP);
    printf("%s: AT_HWCAP has FPU, TSC, SSE and SSE2 (CPUID 1 EDX bits 0, 4, 25, 26): %s\n", me,
           yes((hwcap & 0x6000011) == 0x6000011));
    printf("%s: AT_HWCAP2 bits beyond RING3MWAIT and FSGSBASE: %lu\n", me, aux(AT_HWCAP2) & ~3ul);
    const char* platform = (const char*)aux(AT_PLATFORM);
    printf("%s: AT_PLATFORM = \"%s\"\n", me, platform ? platform : "(none)");
    const char* execfn = (const char*)aux(AT_EXECFN);
    printf("%s: AT_EXECFN names this program: %s\n", me, yes(execfn && strcmp(base_name(execfn), me) == 0));
    return 0;
}
