/**
 * @file chapters/05-percpu/arch/timer.cpp
 * @brief PIT channel 0, mode 2 (rate generator), 1193182 Hz / 11932 = 100 Hz.
 */
#include "arch/timer.h"

#include "arch/pic.h"
#include "kernel/console.h"
#include "kernel/x86.h"

namespace {
constexpr uint32_t kPitHz = 1193182;
constexpr uint32_t kTickHz = 100;
volatile uint64_t g_user_ticks = 0;
volatile uint64_t g_kernel_ticks = 0;
}  // namespace

void timer_init() {
    const uint16_t divisor = kPitHz / kTickHz;
    outb(0x43, 0x34);  // channel 0, low byte then high byte, mode 2
    outb(0x40, divisor & 0xff);
    outb(0x40, divisor >> 8);
    pic_unmask(0);
    kprint("[Timer] PIT at {} Hz on IRQ 0 (vector {})\n", kTickHz, kTimerVector);
}

void timer_interrupt(const TrapFrame& frame) {
    if (frame.from_user()) g_user_ticks = g_user_ticks + 1;
    else g_kernel_ticks = g_kernel_ticks + 1;
    pic_end_of_interrupt(0);
}

TimerTicks timer_ticks() { return {g_user_ticks, g_kernel_ticks}; }

void timer_wait_for_kernel_tick() {
    const uint64_t before = g_kernel_ticks;
    while (g_kernel_ticks == before) asm volatile("sti; hlt; cli" ::: "memory");
}
