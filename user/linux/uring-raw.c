/*
 * user/linux/uring-raw.c - io_uring with nothing but Linux's own header and
 * raw syscalls: no liburing, no libc, none of the course's code.
 *
 * Set up a ring, map it as Linux documents (one mmap for both rings when
 * IORING_FEAT_SINGLE_MMAP is offered, else three), queue a batch of NOPs,
 * two WRITEs to fd 1 and one invalid opcode, submit them with one
 * io_uring_enter(GETEVENTS), and print every CQE. io_uring promises no
 * order between the completions of different requests (Linux hands the
 * WRITEs to a worker, so the bad opcode's CQE often comes first), so they
 * are printed by user_data. The output must then be the same on Linux and
 * on the course kernel: tools/same_as_linux.py compares the two.
 * Build: gcc -static -nostdlib -fno-pie -no-pie -O2 (see tools/user.mk).
 */
#include <linux/io_uring.h>
#include <stddef.h>
#include <stdint.h>

#define SYS_write 1
#define SYS_mmap 9
#define SYS_exit_group 231
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static void put(const char* s) {
    size_t n = 0;
    while (s[n]) n++;
    sys6(SYS_write, 1, (long)s, (long)n, 0, 0, 0);
}

static void put_num(long v) {
    char buf[24];
    int i = sizeof buf;
    int neg = v < 0;
    unsigned long u = neg ? 0UL - (unsigned long)v : (unsigned long)v;
    buf[--i] = 0;
    do buf[--i] = (char)('0' + u % 10); while ((u /= 10) != 0);
    if (neg) buf[--i] = '-';
    put(buf + i);
}

static void die(const char* what, long err) {
    put("uring-raw: ");
    put(what);
    put(" failed: ");
    put_num(err);
    put("\n");
    sys6(SYS_exit_group, 1, 0, 0, 0, 0, 0);
}

static void* map(int fd, size_t len, long offset) {
    long p = sys6(SYS_mmap, 0, (long)len, 3 /* PROT_READ|PROT_WRITE */, 0x8001 /* MAP_SHARED|MAP_POPULATE */, fd,
                  offset);
    if (p < 0 && p > -4096) die("mmap", p);
    return (void*)p;
}

/* The kernel enters _start with RSP 16-byte aligned, not as after a call
 * (RSP + 8): let GCC realign it, or its SSE stores to the stack fault. */
__attribute__((force_align_arg_pointer)) void _start(void) {
    struct io_uring_params p;
    for (size_t i = 0; i < sizeof p; i++) ((char*)&p)[i] = 0;
    int fd = (int)sys6(SYS_io_uring_setup, 8, (long)&p, 0, 0, 0, 0);
    if (fd < 0) die("io_uring_setup", fd);

    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && cq_len > sq_len) sq_len = cq_len;
    char* sq = map(fd, sq_len, IORING_OFF_SQ_RING);
    char* cq = single ? sq : map(fd, cq_len, IORING_OFF_CQ_RING);
    struct io_uring_sqe* sqes = map(fd, p.sq_entries * sizeof(struct io_uring_sqe), IORING_OFF_SQES);
    put(single ? "uring-raw: rings mapped once (IORING_FEAT_SINGLE_MMAP)\n" : "uring-raw: rings mapped twice\n");

    uint32_t* sq_tail = (uint32_t*)(sq + p.sq_off.tail);
    uint32_t* sq_array = (uint32_t*)(sq + p.sq_off.array);
    uint32_t mask = *(uint32_t*)(sq + p.sq_off.ring_mask);
    static const char line1[] = "uring-raw: first WRITE\n";
    static const char line2[] = "uring-raw: second WRITE\n";
    uint32_t tail = *sq_tail;
    for (int i = 0; i < 6; i++) {  /* 3 NOPs, 2 WRITEs, 1 bad opcode */
        struct io_uring_sqe* s = &sqes[tail & mask];
        for (size_t b = 0; b < sizeof *s; b++) ((char*)s)[b] = 0;
        s->user_data = 100 + (uint64_t)i;
        s->fd = -1;
        if (i < 3) {
            s->opcode = IORING_OP_NOP;
        } else if (i < 5) {
            const char* text = i == 3 ? line1 : line2;
            s->opcode = IORING_OP_WRITE;
            s->fd = 1;
            s->addr = (uint64_t)(uintptr_t)text;
            s->len = (uint32_t)((i == 3 ? sizeof line1 : sizeof line2) - 1);
            s->off = (uint64_t)-1;
        } else {
            s->opcode = 0xee;  /* no such opcode */
        }
        sq_array[tail & mask] = tail & mask;
        tail++;
    }
    __atomic_store_n(sq_tail, tail, __ATOMIC_RELEASE);

    long submitted = sys6(SYS_io_uring_enter, fd, 6, 6, IORING_ENTER_GETEVENTS, 0, 0);
    put("uring-raw: io_uring_enter submitted ");
    put_num(submitted);
    put("\n");

    uint32_t* cq_head = (uint32_t*)(cq + p.cq_off.head);
    uint32_t* cq_tail = (uint32_t*)(cq + p.cq_off.tail);
    uint32_t cq_mask = *(uint32_t*)(cq + p.cq_off.ring_mask);
    struct io_uring_cqe* cqes = (struct io_uring_cqe*)(cq + p.cq_off.cqes);
    uint32_t head = *cq_head;
    uint32_t end = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE);
    long res[6];
    int seen[6] = {0};
    for (; head != end; head++) {
        uint64_t id = cqes[head & cq_mask].user_data - 100;
        if (id < 6) res[id] = cqes[head & cq_mask].res, seen[id] = 1;
    }
    __atomic_store_n(cq_head, head, __ATOMIC_RELEASE);
    for (int i = 0; i < 6; i++) {
        put("uring-raw: cqe user_data=");
        put_num(100 + i);
        if (seen[i]) {
            put(" res=");
            put_num(res[i]);
        } else {
            put(" missing");
        }
        put("\n");
    }
    put("uring-raw: done\n");
    sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
}
