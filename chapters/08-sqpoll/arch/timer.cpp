/**
 * @file chapters/08-sqpoll/arch/timer.cpp
 * @brief PIT channel 0, mode 2 (rate generator), 1193182 Hz / 1193 = 1000 Hz;
 * and the CMOS real-time clock, read once at boot. (Chapter 08: and the
 * TSC's rate, measured once against the PIT: the CPU-time clocks count TSC
 * ticks, which a 1 ms tick is far too coarse to split between two threads
 * that take turns many times a millisecond.)
 */
#include "arch/timer.h"

#include "arch/pic.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "sched/thread.h"

namespace {
constexpr uint32_t kPitHz = 1193182;
constexpr uint32_t kTickHz = 1000;
volatile uint64_t g_user_ticks = 0;
volatile uint64_t g_kernel_ticks = 0;
int64_t g_boot_epoch = 0;
uint64_t g_tsc_per_ms = 0;
constexpr int kCalibrationTicks = 10;

// One CMOS register (0x70 selects it, 0x71 reads it), binary-coded decimal.
uint8_t cmos(uint8_t reg) {
    outb(0x70, reg);
    const uint8_t bcd = inb(0x71);
    return static_cast<uint8_t>((bcd >> 4) * 10 + (bcd & 0x0f));
}

// Days from 1970-01-01 to year-month-day (the civil-from-days formula, inverted).
int64_t days_since_epoch(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = y / 400, yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// The CMOS clock (UTC, BCD, 24-hour: as QEMU and Bochs keep it), as seconds since 1970.
int64_t read_rtc() {
    while (true) {
        outb(0x70, 0x0a);
        if (!(inb(0x71) & 0x80)) break;  // no update in progress
    }
    const int64_t s = cmos(0x00), min = cmos(0x02), h = cmos(0x04), d = cmos(0x07), mon = cmos(0x08);
    const int64_t y = 2000 + cmos(0x09);
    return days_since_epoch(y, mon, d) * 86400 + h * 3600 + min * 60 + s;
}
}  // namespace

void timer_init() {
    g_boot_epoch = read_rtc();
    const uint16_t divisor = kPitHz / kTickHz;
    outb(0x43, 0x34);  // channel 0, low byte then high byte, mode 2
    outb(0x40, divisor & 0xff);
    outb(0x40, divisor >> 8);
    pic_unmask(0);
    kprint("[Timer] PIT at {} Hz on IRQ 0 (vector {}); the clocks count its ticks\n", kTickHz, kTimerVector);
    // From the start of one tick to the start of the tenth after it.
    timer_wait_for_kernel_tick();
    const uint64_t start = rdtsc();
    for (int i = 0; i < kCalibrationTicks; ++i) timer_wait_for_kernel_tick();
    g_tsc_per_ms = (rdtsc() - start) / kCalibrationTicks;
    kprint("[Timer] TSC: {} ticks per ms, against the PIT; the CPU-time clocks count them\n", g_tsc_per_ms);
}

uint64_t tsc_to_ns(uint64_t ticks) {
    if (g_tsc_per_ms == 0) return 0;  // not measured yet: no thread has run
    // Whole milliseconds, then the rest: no 128-bit product (and no libgcc to divide one).
    return ticks / g_tsc_per_ms * 1000000 + ticks % g_tsc_per_ms * 1000000 / g_tsc_per_ms;
}

void timer_interrupt(const TrapFrame& frame) {
    if (frame.from_user()) g_user_ticks = g_user_ticks + 1;
    else g_kernel_ticks = g_kernel_ticks + 1;
    pic_end_of_interrupt(0);
    sched_tick();
}

TimerTicks timer_ticks() { return {g_user_ticks, g_kernel_ticks}; }

void timer_wait_for_kernel_tick() {
    const uint64_t before = g_kernel_ticks;
    while (g_kernel_ticks == before) asm volatile("sti; hlt; cli" ::: "memory");
}

int64_t boot_epoch_seconds() { return g_boot_epoch; }
