/* Process start-up that Swift cannot express: prctl is variadic, and the
 * steps between fork and exec must be async-signal-safe calls only. */
#define _GNU_SOURCE
#include "tb_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

pid_t tb_spawn_on_tty(char *const argv[], const char *tty_path, const char *log_path) {
    const pid_t parent = getpid();
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) return -errno;
    const pid_t pid = fork();
    if (pid < 0) {
        const int e = errno;
        close(status_pipe[0]);
        close(status_pipe[1]);
        return -e;
    }
    if (pid == 0) {
        int error = 0;
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
        setpgid(0, 0);
        const int tty = open(tty_path, O_RDWR | O_NOCTTY);
        const int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (tty < 0 || log < 0 || dup2(tty, 0) < 0 || dup2(tty, 1) < 0 || dup2(log, 2) < 0) {
            error = errno;
        } else {
            for (int fd = 3; fd < 1024; ++fd) {
                if (fd != status_pipe[1]) close(fd);
            }
            execvp(argv[0], argv);
            error = errno;
        }
        /* Tell the parent why exec failed (the pipe closes silently on success). */
        ssize_t ignored = write(status_pipe[1], &error, sizeof error);
        (void)ignored;
        _exit(127);
    }
    close(status_pipe[1]);
    int child_error = 0;
    ssize_t n;
    do {
        n = read(status_pipe[0], &child_error, sizeof child_error);
    } while (n < 0 && errno == EINTR);
    close(status_pipe[0]);
    return n == sizeof child_error ? -child_error : pid;
}
