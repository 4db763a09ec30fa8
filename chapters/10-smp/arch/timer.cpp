/**
 * @file chapters/10-smp/arch/timer.cpp
 * @brief The local APIC timers, timed against PIT channel 2; and the CMOS
 * real-time clock, read once at boot.
 *
 * The APIC timer counts down at the bus clock divided by 16, whose rate no
 * register tells: CPU 0 lets it count for 10 ms of the PIT (1193182 Hz,
 * the one clock of known rate a PC has) and divides. Every CPU's timer
 * runs at the same rate, so the others reuse the figure. PIT channel 2 is
 * used for the measuring because it can be watched without an interrupt:
 * in mode 0 its output, readable in bit 5 of port 0x61, rises when the
 * count reaches zero. The same 10 ms give the time-stamp counter's rate,
 * which chapter 08's CPU-time clocks need (chapter 08 counted it over ten
 * ticks of PIT channel 0, which no longer interrupts).
 */
#include "arch/timer.h"

#include <atomic>

#include "arch/lapic.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/x86.h"
#include "sched/thread.h"

namespace {
constexpr uint32_t kPitHz = 1193182;
constexpr uint32_t kTickHz = 1000;
constexpr uint32_t kCalibrationMs = 10;
std::atomic<uint64_t> g_user_ticks{0};    // summed over every CPU
std::atomic<uint64_t> g_kernel_ticks{0};
int64_t g_boot_epoch = 0;
uint32_t g_counts_per_tick = 0;           // APIC timer counts in 1/kTickHz s

// PIT channel 2 and the port that gates it (and the PC speaker).
constexpr uint16_t kPitChannel2 = 0x42;
constexpr uint16_t kPitCommand = 0x43;
constexpr uint16_t kSpeakerPort = 0x61;
constexpr uint8_t kGate2 = 1 << 0;        // channel 2 counts while this is set
constexpr uint8_t kSpeakerData = 1 << 1;  // off: the count must not reach the speaker
constexpr uint8_t kOut2 = 1 << 5;         // channel 2's output (read)

// Count @p count PIT ticks (at most 65535) on channel 2, mode 0, and wait
// for its output to rise at the end.
void pit_count(uint16_t count) {
    outb(kSpeakerPort, static_cast<uint8_t>((inb(kSpeakerPort) & ~kSpeakerData) | kGate2));
    outb(kPitCommand, 0xb0);  // channel 2, low byte then high byte, mode 0, binary
    outb(kPitChannel2, count & 0xff);
    outb(kPitChannel2, count >> 8);  // the count starts here; the output is low until it ends
    while (!(inb(kSpeakerPort) & kOut2)) cpu_relax();
}
uint64_t g_tsc_per_ms = 0;

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

void pit_delay_us(uint32_t us) {
    for (uint64_t left = uint64_t{us} * kPitHz / 1000000 + 1; left > 0;) {
        const uint16_t count = left > 0xffff ? 0xffff : static_cast<uint16_t>(left);
        pit_count(count);
        left -= count;
    }
}

void timer_init() {
    g_boot_epoch = read_rtc();
    lapic_timer_begin_count();
    const uint64_t tsc_start = rdtsc();
    pit_delay_us(kCalibrationMs * 1000);
    g_tsc_per_ms = (rdtsc() - tsc_start) / kCalibrationMs;
    g_counts_per_tick = lapic_timer_counted() / (kCalibrationMs * kTickHz / 1000);  // counts / ticks in 10 ms
    if (g_counts_per_tick == 0) panic("the local APIC timer did not count during {} ms of the PIT", kCalibrationMs);
    lapic_timer_start(g_counts_per_tick, kTimerVector);
    kprint("[Timer] Local APIC timer: {} counts a tick (the bus clock / 16, timed against the PIT); {} Hz on every "
           "CPU (vector {}); the clocks count CPU 0's ticks\n",
           g_counts_per_tick, kTickHz, kTimerVector);
    kprint("[Timer] TSC: {} ticks per ms, against the PIT; the CPU-time clocks count them\n", g_tsc_per_ms);
}

uint64_t tsc_to_ns(uint64_t ticks) {
    if (g_tsc_per_ms == 0) return 0;  // not measured yet: no thread has run
    // Whole milliseconds, then the rest: no 128-bit product (and no libgcc to divide one).
    return ticks / g_tsc_per_ms * 1000000 + ticks % g_tsc_per_ms * 1000000 / g_tsc_per_ms;
}

void timer_start_cpu() { lapic_timer_start(g_counts_per_tick, kTimerVector); }

void timer_interrupt(const TrapFrame& frame) {
    (frame.from_user() ? g_user_ticks : g_kernel_ticks).fetch_add(1, std::memory_order_relaxed);
    lapic_eoi();
    sched_tick();
}

TimerTicks timer_ticks() { return {g_user_ticks.load(), g_kernel_ticks.load()}; }

void timer_wait_for_kernel_tick() {
    const uint64_t before = g_kernel_ticks.load();
    while (g_kernel_ticks.load() == before) asm volatile("sti; hlt; cli" ::: "memory");
}

int64_t boot_epoch_seconds() { return g_boot_epoch; }
