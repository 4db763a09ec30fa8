/**
 * @file chapters/02-traps/arch/segments.h
 * @brief GDT selectors, in the order `syscall`/`sysret` require. C++ and .S.
 *
 * `syscall` loads CS from STAR[47:32] and SS from that + 8; `sysretq` loads
 * CS from STAR[63:48] + 16 and SS from STAR[63:48] + 8. So the kernel data
 * segment must follow kernel code, and user data must come right before
 * user code, with one slot (32-bit user code, unused here) before them:
 *
 *     0x00 null   0x08 kernel code   0x10 kernel data
 *     0x18 user code (32-bit, STAR[63:48] points here)
 *     0x20 user data   0x28 user code (64-bit)   0x30 TSS (two slots)
 */
#pragma once

#define GDT_KERNEL_CODE 0x08    /**< 64-bit kernel code: STAR[47:32], so `syscall` loads it into CS */
#define GDT_KERNEL_DATA 0x10    /**< kernel data and stack: `syscall` loads it into SS (CS + 8) */
#define GDT_USER_CODE32 0x18    /**< 32-bit user code, unused: STAR[63:48] points here for `sysretq` */
#define GDT_USER_DATA   0x20    /**< user data and stack: `sysretq` loads SS from STAR[63:48] + 8 */
#define GDT_USER_CODE   0x28    /**< 64-bit user code: `sysretq` loads CS from STAR[63:48] + 16 */
#define GDT_TSS         0x30    /**< the TSS descriptor, loaded with `ltr` */
#define GDT_ENTRIES     8       /**< 6 descriptors + the 16-byte TSS descriptor */

#define RPL_USER 3                            /**< requested privilege level in a selector */
#define USER_CS  (GDT_USER_CODE | RPL_USER)   /**< 0x2b: CS of ring-3 code, in every user TrapFrame */
#define USER_SS  (GDT_USER_DATA | RPL_USER)   /**< 0x23: SS of ring-3 code */
