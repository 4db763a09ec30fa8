/**
 * @file chapters/07-threads/sys/futex.h
 * @brief Futexes: threads sleeping on a 32-bit word of user memory.
 *
 * A futex is any aligned int of the program's memory. FUTEX_WAIT sleeps if
 * the word still holds the value the caller saw (the check and the sleep
 * are one step under the scheduler lock, so a FUTEX_WAKE after the caller
 * changed the word cannot be missed); FUTEX_WAKE wakes sleepers on that
 * address. C libraries build mutexes, condition variables and
 * pthread_join on these two operations.
 */
#pragma once

#include <cstdint>

/// Wake up to @p count threads sleeping on the futex at user address @p uaddr.
/// Returns how many were woken.
int futex_wake(uint64_t uaddr, int count);

/// At the exit of thread @p tid: every futex on its robust list (at user
/// address @p head, set_robust_list) that it still holds gets
/// FUTEX_OWNER_DIED, and one of its waiters is woken, so the next locker
/// learns (EOWNERDEAD) instead of waiting forever.
void futex_exit_robust_list(uint64_t head, int tid);
