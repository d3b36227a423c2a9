/*
 * sudo: run a command as root in a root-enabled sandbox, for `user` (E2B gives `user`
 * passwordless sudo; agents run `sudo apt-get install ...`).
 *
 * Every sandbox process runs with no_new_privs, so a setuid sudo cannot work. This shim (the
 * sandbox-exec binary, reached through the /usr/local/bin/sudo symlink) instead hands the request
 * to the agent's broker (sudo-broker.c) with the caller's stdio descriptors; the broker starts
 * the command as the sandbox's root through the same path as every user process, and reports
 * how it ended. The shim forwards the signals it gets and exits as the command did. Written in C
 * and static, like the rest of this binary: no dependency in the image, and `sudo true` costs a
 * fork/exec rather than a Node start.
 *
 * Supported: sudo [-n] [-E] [-H] [-k] [-u root] [-i | -s] [--] [command [args...]], their long
 * spellings, -h, -V. Anything else is refused with a clear message (exit 1), as is any user but
 * root: the sandbox has only `user` and `root`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stddef.h>
#include "sudo-protocol.h"

extern char **environ;

#define SECURE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void fail(const char *message) {
  fprintf(stderr, "sudo: %s\n", message);
  exit(1);
}

static void usage(FILE *out) {
  fputs("usage: sudo [-n] [-E] [-H] [-u root] [-i | -s] [--] [command [args...]]\n"
        "Codebox's sudo runs commands as the sandbox's root (root-enabled sandboxes only).\n",
        out);
}

/* A growable NUL-separated body. */
struct body {
  char *data;
  size_t len, cap;
};

static void add(struct body *b, const char *text) {
  size_t n = strlen(text) + 1;
  if (b->len + n > SUDO_MAX_BODY) fail("the command line and environment are too large");
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->data = realloc(b->data, b->cap);
    if (b->data == NULL) fail("out of memory");
  }
  memcpy(b->data + b->len, text, n);
  b->len += n;
}

static void add_env(struct body *b, const char *name, const char *value) {
  size_t n = strlen(name) + strlen(value) + 2;
  char *entry = malloc(n);
  if (entry == NULL) fail("out of memory");
  snprintf(entry, n, "%s=%s", name, value);
  add(b, entry);
  free(entry);
}

/* sudo's default env_keep/env_check list: terminal, locale, display; nothing that changes what runs. */
static int kept_by_default(const char *entry) {
  static const char *const KEEP[] = {"TERM=",    "COLORTERM=", "LANG=",     "LANGUAGE=", "TZ=",  "DISPLAY=", "XAUTHORITY=",
                                     "COLORS=",  "LS_COLORS=", "HOSTNAME=", "HISTSIZE=", "PS1=", "PS2=",     "LC_",
                                     "COLUMNS=", "LINES=",     "NO_COLOR=", "http_proxy=", "https_proxy=", "no_proxy=",
                                     "HTTP_PROXY=", "HTTPS_PROXY=", "NO_PROXY=", "DEBIAN_FRONTEND="};
  for (unsigned i = 0; i < sizeof(KEEP) / sizeof(KEEP[0]); i++)
    if (strncmp(entry, KEEP[i], strlen(KEEP[i])) == 0) return 1;
  return 0;
}

/* Variables sudo always sets for the target user, so a kept copy must not come first. */
static int set_by_sudo(const char *entry) {
  static const char *const SET[] = {"HOME=", "USER=", "LOGNAME=", "SHELL=", "PATH=", "MAIL=",
                                    "SUDO_USER=", "SUDO_UID=", "SUDO_GID=", "SUDO_COMMAND="};
  for (unsigned i = 0; i < sizeof(SET) / sizeof(SET[0]); i++)
    if (strncmp(entry, SET[i], strlen(SET[i])) == 0) return 1;
  return 0;
}

/* root's login shell from /etc/passwd (no NSS in a static binary); /bin/sh when unreadable. */
static char *root_shell(void) {
  static char shell[256] = "/bin/sh";
  FILE *passwd = fopen("/etc/passwd", "r");
  if (passwd == NULL) return shell;
  char line[1024];
  while (fgets(line, sizeof(line), passwd) != NULL) {
    if (strncmp(line, "root:", 5) != 0) continue;
    char *field = line;
    for (int i = 0; i < 6 && field != NULL; i++) field = strchr(field, ':') ? strchr(field, ':') + 1 : NULL;
    if (field != NULL && field[0] == '/') {
      field[strcspn(field, "\n")] = '\0';
      snprintf(shell, sizeof(shell), "%s", field);
    }
    break;
  }
  fclose(passwd);
  return shell;
}

/* As sudo -i/-s do: the command becomes one `-c` string, every character but [A-Za-z0-9_$-] escaped. */
static char *shell_command(char **args) {
  size_t n = 1;
  for (char **a = args; *a != NULL; a++) n += 2 * strlen(*a) + 1;
  char *out = malloc(n);
  if (out == NULL) fail("out of memory");
  size_t at = 0;
  for (char **a = args; *a != NULL; a++) {
    if (a != args) out[at++] = ' ';
    for (const char *c = *a; *c != '\0'; c++) {
      if (!(*c == '_' || *c == '-' || *c == '$' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
        out[at++] = '\\';
      out[at++] = *c;
    }
  }
  out[at] = '\0';
  return out;
}

static int is_root_name(const char *name) { return strcmp(name, "root") == 0 || strcmp(name, "#0") == 0 || strcmp(name, "0") == 0; }

static void check_user(const char *name) {
  if (!is_root_name(name)) {
    fprintf(stderr, "sudo: only root is available through sudo in a Codebox sandbox, not '%s'\n", name);
    exit(1);
  }
}

/* A closed stdio descriptor is passed as /dev/null, so the command's 0/1/2 are never something else. */
static int stdio_fd(int fd) {
  if (fcntl(fd, F_GETFD) >= 0) return fd;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) fail("cannot open /dev/null");
  return null;
}

static int connect_broker(void) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("cannot create a socket");
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  memcpy(address.sun_path + 1, SUDO_SOCKET_NAME, strlen(SUDO_SOCKET_NAME));
  socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(SUDO_SOCKET_NAME));
  if (connect(fd, (struct sockaddr *)&address, length) != 0) {
    if (errno == ECONNREFUSED || errno == ENOENT)
      fail("root access is off for this sandbox (it was created without root access: turned off, or a runsc sandbox, which has no root mode), so sudo is not available");
    fprintf(stderr, "sudo: cannot reach the sandbox's sudo broker: %s\n", strerror(errno));
    exit(1);
  }
  return fd;
}

static void send_request(int fd, const struct body *b) {
  struct sudo_header header = {.magic = SUDO_MAGIC, .length = (uint32_t)b->len};
  int fds[3] = {stdio_fd(0), stdio_fd(1), stdio_fd(2)};
  char control[CMSG_SPACE(sizeof(fds))];
  memset(control, 0, sizeof(control));
  struct iovec iov = {.iov_base = &header, .iov_len = sizeof(header)};
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
  memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
  /*
   * A refused caller may see the broker close before the request is sent (EPIPE): its refusal is
   * still queued on our end, so a failed send is not fatal; relay() reads and prints the answer.
   */
  if (sendmsg(fd, &message, MSG_NOSIGNAL) != (ssize_t)sizeof(header)) return;
  for (size_t sent = 0; sent < b->len;) {
    ssize_t n = send(fd, b->data + sent, b->len - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    sent += (size_t)n;
  }
}

/* Waits for the command's end, forwarding signals; exits as the command did. */
static int relay(int fd, int signals) {
  for (;;) {
    struct pollfd polls[2] = {{.fd = fd, .events = POLLIN}, {.fd = signals, .events = POLLIN}};
    if (poll(polls, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fail("poll");
    }
    if (polls[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      if (read(signals, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
        unsigned char number = (unsigned char)info.ssi_signo;
        if (send(fd, &number, 1, MSG_NOSIGNAL) != 1) { /* the broker is gone; the status read says how */ }
      }
    }
    if (polls[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      /* The broker sends one answer and closes: read to the end. */
      char buffer[1024];
      ssize_t n = 0;
      for (;;) {
        ssize_t got = recv(fd, buffer + n, sizeof(buffer) - 1 - (size_t)n, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += got;
        if ((size_t)n == sizeof(buffer) - 1) break;
      }
      if (n <= 0) fail("the sudo broker went away before the command finished");
      if (buffer[0] == 'x') {
        buffer[n] = '\0';
        fprintf(stderr, "sudo: %s\n", buffer + 1);
        return 1;
      }
      struct sudo_status status;
      if ((size_t)n < sizeof(status)) fail("the sudo broker sent a short status");
      memcpy(&status, buffer, sizeof(status));
      if (status.kind == 'e') return status.value & 0xff;
      if (status.kind == 's') {
        /* Die of the same signal, as sudo does, so the caller's shell sees it; 128+n if it is caught. */
        signal(status.value, SIG_DFL);
        sigset_t all;
        sigemptyset(&all);
        sigaddset(&all, status.value);
        sigprocmask(SIG_UNBLOCK, &all, NULL);
        raise(status.value);
        return 128 + status.value;
      }
      fail("the sudo broker sent an unknown status");
    }
  }
}

int sandbox_sudo_main(int argc, char **argv) {
  int preserve_env = 0, login = 0, shell = 0;
  int i = 1;
  for (; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      i++;
      break;
    }
    if (arg[0] != '-' || arg[1] == '\0') break;
    if (arg[1] == '-') {
      if (strcmp(arg, "--non-interactive") == 0 || strcmp(arg, "--set-home") == 0 || strcmp(arg, "--reset-timestamp") == 0) continue;
      if (strcmp(arg, "--preserve-env") == 0) { preserve_env = 1; continue; }
      if (strcmp(arg, "--login") == 0) { login = 1; continue; }
      if (strcmp(arg, "--shell") == 0) { shell = 1; continue; }
      if (strncmp(arg, "--user=", 7) == 0) { check_user(arg + 7); continue; }
      if (strcmp(arg, "--user") == 0) {
        if (i + 1 >= argc) fail("option '--user' requires an argument");
        check_user(argv[++i]);
        continue;
      }
      if (strcmp(arg, "--help") == 0) { usage(stdout); return 0; }
      if (strcmp(arg, "--version") == 0) { puts("Codebox sudo (broker to the sandbox's root)"); return 0; }
      fprintf(stderr, "sudo: option '%s' is not supported by Codebox's sudo\n", arg);
      usage(stderr);
      return 1;
    }
    for (const char *flag = arg + 1; *flag != '\0'; flag++) {
      switch (*flag) {
        case 'n': case 'H': case 'k': break; /* never asks for a password; HOME is always root's */
        case 'E': preserve_env = 1; break;
        case 'i': login = 1; break;
        case 's': shell = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': puts("Codebox sudo (broker to the sandbox's root)"); return 0;
        case 'u':
          if (flag[1] != '\0') check_user(flag + 1);
          else if (i + 1 < argc) check_user(argv[++i]);
          else fail("option requires an argument -- 'u'");
          flag += strlen(flag) - 1;
          break;
        default:
          fprintf(stderr, "sudo: option '-%c' is not supported by Codebox's sudo\n", *flag);
          usage(stderr);
          return 1;
      }
    }
  }
  if (login && shell) fail("you may not specify both the -i and -s options");
  char **command = &argv[i];
  if (command[0] == NULL && !login && !shell) {
    usage(stderr);
    return 1;
  }

  const char *root_sh = root_shell();
  const char *caller_shell = getenv("SHELL");
  const char *run_shell = login ? root_sh : (caller_shell != NULL && caller_shell[0] == '/' ? caller_shell : root_sh);
  char cwd[4096];
  if (login) snprintf(cwd, sizeof(cwd), "/root");
  else if (getcwd(cwd, sizeof(cwd)) == NULL) snprintf(cwd, sizeof(cwd), "/");

  char *args[5];
  char **final = command;
  if (login || shell) {
    int n = 0;
    args[n++] = (char *)run_shell;
    if (login) args[n++] = "-l";
    if (command[0] != NULL) {
      args[n++] = "-c";
      args[n++] = shell_command(command);
    }
    args[n] = NULL;
    final = args;
  }

  struct body b = {0};
  add(&b, cwd);
  int count = 0;
  while (final[count] != NULL) count++;
  char number[16];
  snprintf(number, sizeof(number), "%d", count);
  add(&b, number);
  for (int a = 0; a < count; a++) add(&b, final[a]);
  for (char **e = environ; *e != NULL; e++) {
    if (set_by_sudo(*e)) continue;
    if ((preserve_env && !login) || kept_by_default(*e)) add(&b, *e);
  }
  if (preserve_env && !login && getenv("HOME") != NULL) add_env(&b, "HOME", getenv("HOME"));
  else add_env(&b, "HOME", "/root");
  add_env(&b, "USER", "root");
  add_env(&b, "LOGNAME", "root");
  add_env(&b, "SHELL", root_sh);
  add_env(&b, "MAIL", "/var/mail/root");
  add_env(&b, "PATH", SECURE_PATH);
  char id[16];
  snprintf(id, sizeof(id), "%u", (unsigned)getuid());
  add_env(&b, "SUDO_UID", id);
  snprintf(id, sizeof(id), "%u", (unsigned)getgid());
  add_env(&b, "SUDO_GID", id);
  add_env(&b, "SUDO_USER", getenv("USER") != NULL ? getenv("USER") : "user");
  {
    size_t n = 1;
    for (char **a = command; *a != NULL; a++) n += strlen(*a) + 1;
    char *joined = calloc(n + 1, 1);
    if (joined == NULL) fail("out of memory");
    for (char **a = command; *a != NULL; a++) {
      if (a != command) strcat(joined, " ");
      strcat(joined, *a);
    }
    add_env(&b, "SUDO_COMMAND", command[0] != NULL ? joined : run_shell);
    free(joined);
  }

  /* Signals are read from a signalfd from here on: none may kill the shim and orphan the command. */
  sigset_t forwarded;
  sigemptyset(&forwarded);
  int numbers[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGALRM};
  for (unsigned s = 0; s < sizeof(numbers) / sizeof(numbers[0]); s++) sigaddset(&forwarded, numbers[s]);
  sigprocmask(SIG_BLOCK, &forwarded, NULL);
  int signals = signalfd(-1, &forwarded, SFD_CLOEXEC);
  if (signals < 0) fail("signalfd");

  int fd = connect_broker();
  send_request(fd, &b);
  return relay(fd, signals);
}
