/*
 * sudo-broker: runs `sudo` requests (sandbox-sudo.c) as the sandbox's root.
 *
 *   sandbox-exec --sudo-broker
 *
 * Started by the agent only in root-enabled sandboxes, as the agent's child: root of the
 * sandbox's user namespace with the agent's capabilities. It listens on the abstract socket
 * @codebox-sudo (sudo-protocol.h), so only this sandbox's network namespace reaches it, and
 * accepts a caller only when SO_PEERCRED (which the kernel fills in, translated into our
 * namespaces) says:
 *   - uid `user` (1000) or root (0) of THIS user namespace: a process of another user namespace
 *     shows as the overflow uid, a forged or other uid is refused;
 *   - a pid visible in our pid namespace (a process outside it has pid 0 here), still running
 *     with that uid.
 * Each accepted request is served by a forked handler: it forks the command (new session,
 * caller's descriptors as 0/1/2, environ from the request) and runs it through
 * sandbox_exec_as(0, 0, ...), the same capability set, no_new_privs and seccomp filter as any
 * root process the agent starts; then it forwards the shim's signals to the command's process
 * group, SIGKILLs the group when the shim's end closes, and reports how the command ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stddef.h>
#include "sudo-protocol.h"

extern char **environ;
int sandbox_exec_as(uid_t uid, gid_t gid, const char *cwd, char **command);

static void refuse(int fd, const char *message) {
  char buffer[512];
  int n = snprintf(buffer, sizeof(buffer), "x%s", message);
  if (send(fd, buffer, (size_t)n, MSG_NOSIGNAL) < 0) { /* the caller is gone anyway */ }
  fprintf(stderr, "sudo-broker: refused: %s\n", message);
  _exit(1);
}

/*
 * The kernel translates SO_PEERCRED into the receiver's namespaces: a pid not visible in our pid
 * namespace comes as 0, a uid not mapped into our user namespace as the overflow uid (65534).
 * So a nonzero pid with uid 0 or 1000 is a process of this sandbox's pid and user namespaces
 * (its own namespaces cannot be nested: unshare and clone's namespace flags are denied), and the
 * abstract socket already confines callers to its network namespace. /proc/<pid>/ns itself is
 * not readable here (that needs CAP_SYS_PTRACE over user's processes, which root lacks), so the
 * pid is checked through /proc/<pid>/status instead: it must still be there with the same uid.
 */
static int pid_has_uid(pid_t pid, uid_t uid) {
  char path[64], line[256];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  FILE *status = fopen(path, "r");
  if (status == NULL) return 0;
  int found = 0;
  while (fgets(line, sizeof(line), status) != NULL) {
    unsigned long real, effective;
    if (sscanf(line, "Uid: %lu %lu", &real, &effective) == 2) {
      found = real == uid && effective == uid;
      break;
    }
  }
  fclose(status);
  return found;
}

static void check_peer(int fd) {
  struct ucred peer;
  socklen_t length = sizeof(peer);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) refuse(fd, "cannot identify the caller");
  if (peer.uid != SUDO_USER_UID && peer.uid != 0) refuse(fd, "only the sandbox's user may use sudo");
  if (peer.pid <= 0 || !pid_has_uid(peer.pid, peer.uid)) refuse(fd, "the caller is not a process of this sandbox");
}

static int read_full(int fd, void *buffer, size_t length) {
  for (size_t got = 0; got < length;) {
    ssize_t n = recv(fd, (char *)buffer + got, length - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  return 0;
}

static void send_status(int fd, char kind, int value) {
  struct sudo_status status = {.kind = kind, .value = value};
  if (send(fd, &status, sizeof(status), MSG_NOSIGNAL) < 0) { /* the caller is gone */ }
}

static void serve(int fd) {
  check_peer(fd);

  struct sudo_header header;
  char control[CMSG_SPACE(3 * sizeof(int))];
  memset(control, 0, sizeof(control));
  struct iovec iov = {.iov_base = &header, .iov_len = sizeof(header)};
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  ssize_t n = recvmsg(fd, &message, MSG_CMSG_CLOEXEC | MSG_WAITALL);
  int fds[3] = {-1, -1, -1};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
  if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS && cmsg->cmsg_len == CMSG_LEN(sizeof(fds)))
    memcpy(fds, CMSG_DATA(cmsg), sizeof(fds));
  if (n != (ssize_t)sizeof(header) || (message.msg_flags & MSG_CTRUNC) || fds[0] < 0 || fds[1] < 0 || fds[2] < 0)
    refuse(fd, "malformed request: expected a header and three descriptors");
  if (header.magic != SUDO_MAGIC || header.length == 0 || header.length > SUDO_MAX_BODY) refuse(fd, "malformed request header");
  char *body = malloc((size_t)header.length + 1);
  if (body == NULL || read_full(fd, body, header.length) != 0) refuse(fd, "truncated request");
  body[header.length] = '\0';
  if (body[header.length - 1] != '\0') refuse(fd, "malformed request body");

  /* Fields: cwd, argc, argv..., env... */
  size_t count = 0;
  for (size_t i = 0; i < header.length; i++)
    if (body[i] == '\0') count++;
  char **fields = calloc(count + 1, sizeof(char *));
  if (fields == NULL) refuse(fd, "out of memory");
  char *at = body;
  for (size_t i = 0; i < count; i++) {
    fields[i] = at;
    at += strlen(at) + 1;
  }
  if (count < 3) refuse(fd, "malformed request: no command");
  char *end = NULL;
  unsigned long argc = strtoul(fields[1], &end, 10);
  if (*end != '\0' || argc == 0 || argc > count - 2) refuse(fd, "malformed request: bad argument count");
  const char *cwd = fields[0];
  char **argv = calloc(argc + 1, sizeof(char *));
  char **env = calloc(count - 2 - argc + 1, sizeof(char *));
  if (argv == NULL || env == NULL) refuse(fd, "out of memory");
  for (unsigned long i = 0; i < argc; i++) argv[i] = fields[2 + i];
  for (size_t i = 2 + argc, e = 0; i < count; i++)
    if (strchr(fields[i], '=') != NULL && fields[i][0] != '=') env[e++] = fields[i];

  pid_t child = fork();
  if (child < 0) refuse(fd, "cannot fork");
  if (child == 0) {
    /* Its own session and process group: signals and the final SIGKILL reach everything it starts. */
    setsid();
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int i = 0; i < 3; i++)
      if (dup2(fds[i], i) < 0) _exit(126);
    environ = env;
    /* No chdir failure for a cwd root cannot enter: fall back to / as sudo would fail less loudly. */
    if (access(cwd, X_OK) != 0) cwd = "/";
    _exit(sandbox_exec_as(0, 0, cwd, argv));
  }
  for (int i = 0; i < 3; i++) close(fds[i]);

  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  for (;;) {
    struct pollfd polls[2] = {{.fd = fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    int ready = poll(polls, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100);
    if (ready < 0 && errno != EINTR) break;
    int status;
    if (waitpid(child, &status, WNOHANG) == child) {
      if (WIFSIGNALED(status)) send_status(fd, 's', WTERMSIG(status));
      else send_status(fd, 'e', WEXITSTATUS(status));
      _exit(0);
    }
    if (ready > 0 && (polls[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      unsigned char signal_number;
      ssize_t got = recv(fd, &signal_number, 1, MSG_DONTWAIT);
      if (got == 1 && signal_number > 0 && signal_number < 65) {
        kill(-child, signal_number);
      } else if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
        /* The shim is gone (killed, or its caller's timeout): so is the command. */
        kill(-child, SIGKILL);
        waitpid(child, &status, 0);
        _exit(0);
      }
    }
  }
  kill(-child, SIGKILL);
  _exit(1);
}

int sudo_broker_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  /* The agent's exit ends the broker (no orphan listening for nobody); handlers are reaped automatically. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) perror("sudo-broker: PR_SET_PDEATHSIG");
  signal(SIGCHLD, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0) {
    perror("sudo-broker: socket");
    return 126;
  }
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  memcpy(address.sun_path + 1, SUDO_SOCKET_NAME, strlen(SUDO_SOCKET_NAME));
  socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(SUDO_SOCKET_NAME));
  if (bind(server, (struct sockaddr *)&address, length) != 0 || listen(server, 128) != 0) {
    perror("sudo-broker: bind @" SUDO_SOCKET_NAME);
    return 126;
  }
  for (;;) {
    int fd = accept4(server, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        if (errno != EINTR && errno != ECONNABORTED) usleep(100000);
        continue;
      }
      perror("sudo-broker: accept");
      return 1;
    }
    pid_t handler = fork();
    if (handler == 0) {
      close(server);
      /* Handlers reap their command themselves. */
      signal(SIGCHLD, SIG_DFL);
      serve(fd);
      _exit(0);
    }
    close(fd);
  }
}
