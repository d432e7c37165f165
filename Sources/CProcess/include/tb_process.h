#ifndef TB_PROCESS_H
#define TB_PROCESS_H

#include <sys/types.h>

/* Starts argv[0] (searched on PATH) with standard input and output on
 * `tty_path` and standard error appended to `log_path`, in its own process
 * group, with every other descriptor closed, no blocked signals, and
 * SIGKILL delivered to it when the calling process dies (PR_SET_PDEATHSIG),
 * so an emulator never outlives the tool that started it.
 * Returns the child's pid, or -errno when it could not be started. */
pid_t tb_spawn_on_tty(char *const argv[], const char *tty_path, const char *log_path);

#endif
