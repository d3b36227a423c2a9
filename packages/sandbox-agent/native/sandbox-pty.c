/*
 * The terminal side of a PTY process (sandbox-exec's `--pty` and `--pty-resize` modes).
 *
 * The agent opens /dev/ptmx itself and keeps the master: its output is then read by Node like
 * any pipe (backpressure included) and no descriptor has to travel back over a socket, which
 * Node cannot receive without a native addon. What Node cannot do is the ioctls, so they are
 * here: the started process gets the master at descriptor 3, unlocks it, opens the slave, makes
 * it its controlling terminal and its stdin/stdout/stderr, closes the master and then goes on
 * through the same privilege drop, seccomp filter and exec as every other user process. No
 * relay process stays behind, and the process the client sees (its pid) is the command itself.
 *
 *   sandbox-exec --pty <cols> <rows> <uid> <gid> <cwd> -- <cmd> [args...]   (master at fd 3,
 *                                                                             ready pipe at fd 4)
 *   sandbox-exec --pty-resize <cols> <rows>                                   (master at fd 0)
 *
 * The slave stays owned by the uid that opened the master (the agent), mode 0620 group tty, as
 * with envd (creack/pty opens it the same way); the process holds it open on 0-2 and /dev/tty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define PTY_MASTER_FD 3
/*
 * Closed once the slave is this process's terminal: the agent reads the master only then, since
 * gVisor reads a master whose slave was never opened as hung up (EIO), where Linux says EAGAIN.
 */
#define PTY_READY_FD 4

static int fail(const char *what) {
  fprintf(stderr, "sandbox-exec: %s: %s\n", what, strerror(errno));
  return 126;
}

/* Terminal sizes are 16-bit in the kernel's winsize; 0 means "unknown" to programs. */
static int parse_size(const char *text, unsigned short *out) {
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value > 0xffffUL) return -1;
  *out = (unsigned short)value;
  return 0;
}

static int parse_winsize(const char *cols, const char *rows, struct winsize *size) {
  memset(size, 0, sizeof(*size));
  if (parse_size(cols, &size->ws_col) != 0 || parse_size(rows, &size->ws_row) != 0) {
    fprintf(stderr, "sandbox-exec: terminal size must be two numbers 0-65535, got '%s' '%s'\n", cols, rows);
    return -1;
  }
  return 0;
}

/* The slave of `master`: TIOCGPTPEER needs no path lookup; older kernels get it by name. */
static int open_slave(int master) {
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave >= 0) return slave;
  unsigned number = 0;
  if (ioctl(master, TIOCGPTN, &number) != 0) return -1;
  char path[32];
  snprintf(path, sizeof(path), "/dev/pts/%u", number);
  return open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/*
 * Makes the slave of the master at fd 3 this process's controlling terminal and stdio. The agent
 * spawned this process detached, so it already leads a new session with no terminal.
 */
int sandbox_pty_attach(const char *cols, const char *rows) {
  struct winsize size;
  if (parse_winsize(cols, rows, &size) != 0) return 126;
  int unlock = 0;
  if (ioctl(PTY_MASTER_FD, TIOCSPTLCK, &unlock) != 0) return fail("unlock the pty");
  if (ioctl(PTY_MASTER_FD, TIOCSWINSZ, &size) != 0) return fail("set the terminal size");
  int slave = open_slave(PTY_MASTER_FD);
  if (slave < 0) return fail("open the pty's terminal");
  if (setsid() < 0 && errno != EPERM) return fail("setsid");
  if (ioctl(slave, TIOCSCTTY, 0) != 0) return fail("make the pty the controlling terminal");
  for (int fd = 0; fd <= 2; fd++) {
    if (dup2(slave, fd) < 0) return fail("dup2 the pty's terminal");
  }
  /* The command must not hold the master: the agent sees the terminal hang up when it ends. */
  if (slave > 2) close(slave);
  close(PTY_MASTER_FD);
  close(PTY_READY_FD);
  return 0;
}

/* Sets the window size of the master at fd 0; the kernel sends SIGWINCH to the foreground job. */
int sandbox_pty_resize_main(int argc, char **argv) {
  struct winsize size;
  if (argc != 4) {
    fprintf(stderr, "usage: sandbox-exec --pty-resize <cols> <rows>  (the pty master at fd 0)\n");
    return 126;
  }
  if (parse_winsize(argv[2], argv[3], &size) != 0) return 126;
  if (ioctl(0, TIOCSWINSZ, &size) != 0) return fail("set the terminal size");
  return 0;
}
