#ifndef PSREC_CPTY_SHIM_H
#define PSREC_CPTY_SHIM_H
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* glibc declares these only under _XOPEN_SOURCE/_GNU_SOURCE, which Swift's Glibc module
   is not built with; they are plain libc functions (POSIX.1-2001, ptsname_r GNU). */
int posix_openpt(int flags);
int grantpt(int fd);
int unlockpt(int fd);
int ptsname_r(int fd, char *buf, size_t buflen);
int pipe2(int fds[2], int flags);
int setresuid(uid_t ruid, uid_t euid, uid_t suid);
int setresgid(gid_t rgid, gid_t egid, gid_t sgid);
int execvpe(const char *file, char *const argv[], char *const envp[]);

/* What failed in the child, reported through psrec_spawn_session's `stage`. */
enum {
    PSREC_SPAWN_PIPE = 1, PSREC_SPAWN_FORK, PSREC_SPAWN_SETSID, PSREC_SPAWN_OPEN_TTY,
    PSREC_SPAWN_SETGROUPS, PSREC_SPAWN_SETGID, PSREC_SPAWN_SETUID, PSREC_SPAWN_EXEC
};

/* Starts argv[0] (searched in this process's PATH, as posix_spawnp does) as a session leader with the pty slave
   `slave` as its controlling terminal and descriptors 0, 1 and 2, and no other descriptor
   (the recording's among them: the session must never hold it). With `drop`, the child takes
   the account's groups, gid and uid (real, effective and saved) before exec, and checks that
   root cannot be regained.

   In C because only async-signal-safe calls may run between fork and exec in a threaded
   process (the recorder has a writer thread); everything is prepared by the caller. Returns
   the pid, or -1 with `*stage` (PSREC_SPAWN_*) and `*error` (errno) set; an exec failure is
   reported through a close-on-exec pipe, so a missing command is an error here and not an
   exit status 127 later. */
static inline pid_t psrec_spawn_session(const char *slave, char *const argv[], char *const envp[],
                                        int drop, uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
                                        int *stage, int *error) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) { *stage = PSREC_SPAWN_PIPE; *error = errno; return -1; }
    pid_t pid = fork();
    if (pid < 0) {
        *stage = PSREC_SPAWN_FORK; *error = errno;
        close(report[0]); close(report[1]);
        return -1;
    }
    if (pid == 0) {
        int failure[2] = {0, 0};
        struct sigaction defaults;
        sigset_t none;
        close(report[0]);
        for (int s = 1; s < NSIG; s++) {
            if (s == SIGKILL || s == SIGSTOP) continue;
            defaults.sa_handler = SIG_DFL;
            defaults.sa_flags = 0;
            sigemptyset(&defaults.sa_mask);
            sigaction(s, &defaults, NULL);
        }
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (setsid() < 0) { failure[0] = PSREC_SPAWN_SETSID; goto fail; }
        int tty = open(slave, O_RDWR);
        if (tty < 0) { failure[0] = PSREC_SPAWN_OPEN_TTY; goto fail; }
        ioctl(tty, TIOCSCTTY, 0);
        if (dup2(tty, 0) < 0 || dup2(tty, 1) < 0 || dup2(tty, 2) < 0) { failure[0] = PSREC_SPAWN_OPEN_TTY; goto fail; }
        if (tty > 2) close(tty);
        if (drop) {
            /* The terminal becomes the user's, as sshd makes it (tools that open it by name,
               such as pinentry or write, need that); the group stays grantpt's. */
            if (fchown(0, uid, (gid_t)-1) != 0 || fchmod(0, 0620) != 0) { failure[0] = PSREC_SPAWN_OPEN_TTY; goto fail; }
            /* Raw system calls: glibc's wrappers would signal every thread of the parent
               (its setxid broadcast), and the child has only this one. */
            if (syscall(SYS_setgroups, (size_t)ngroups, groups) != 0) { failure[0] = PSREC_SPAWN_SETGROUPS; goto fail; }
            if (syscall(SYS_setresgid, gid, gid, gid) != 0) { failure[0] = PSREC_SPAWN_SETGID; goto fail; }
            if (syscall(SYS_setresuid, uid, uid, uid) != 0) { failure[0] = PSREC_SPAWN_SETUID; goto fail; }
            if (uid != 0 && (syscall(SYS_setresuid, 0, 0, 0) == 0 || syscall(SYS_setgroups, 0, NULL) == 0)) {
                errno = EPERM; failure[0] = PSREC_SPAWN_SETUID; goto fail;
            }
        }
        /* Every descriptor but 0, 1, 2 and the report pipe (close-on-exec) goes; one by one
           on kernels before 5.9, which lack close_range. */
        if ((report[1] > 3 && syscall(SYS_close_range, 3U, (unsigned)report[1] - 1, 0U) != 0)
            || syscall(SYS_close_range, (unsigned)report[1] + 1, ~0U, 0U) != 0) {
            for (int fd = 3; fd < 65536; fd++) if (fd != report[1]) close(fd);
        }
        execvpe(argv[0], argv, envp);
        failure[0] = PSREC_SPAWN_EXEC;
    fail:
        failure[1] = errno;
        (void)!write(report[1], failure, sizeof failure);
        _exit(127);
    }
    close(report[1]);
    int failure[2];
    ssize_t n;
    do { n = read(report[0], failure, sizeof failure); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof failure) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *stage = failure[0]; *error = failure[1];
        return -1;
    }
    return pid;
}
#endif
