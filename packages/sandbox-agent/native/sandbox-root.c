/*
 * sandbox-root: root mode's container entry (`sandbox-exec --root-namespace ...`).
 *
 *   sandbox-exec --root-namespace <hostFirst> <count> <layers> -- <agent command...>
 *
 * Puts the agent, and so every process it starts, in a user namespace of its own where ids
 * 0..count-1 are host ids hostFirst..hostFirst+count-1 (the sandbox's uid block): root inside is
 * an unprivileged host uid. The runner bound, at /run/codebox-root/layers/0..layers-1 (top first),
 * the template image's layers as idmapped mounts (their root-owned files show as hostFirst), and
 * at /run/codebox-root/disk a directory of the sandbox's disk image. An overlay of those layers
 * with its upper layer on the disk then replaces /usr, /etc, /var and /opt, so root can install
 * packages, and the disk limit bounds what it writes.
 *
 * The steps that need the container's real root happen here, before the namespace exists:
 * - the agent's listening socket is bound in /run/codebox (host root's 0700 directory, which the
 *   namespace cannot reach) and handed over as fd 3 ($CODEBOX_AGENT_SOCKET_FD);
 * - the id map is written by this parent process, which stays in the parent namespace: only a
 *   writer with CAP_SETUID there may map more than its own id.
 * The child keeps, inside its namespace, SYS_ADMIN only until its mounts are made, then the
 * agent's set (SETUID/SETGID/SETPCAP/KILL) plus what sandbox-exec gives root processes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOT_DIR "/run/codebox-root"
#define MERGED ROOT_DIR "/disk/merged"
#define AGENT_SOCKET_FD 3
#define MAX_LAYERS 64

static void die(const char *what) {
  fprintf(stderr, "sandbox-root: %s: %s\n", what, strerror(errno));
  exit(126);
}

static unsigned long parse_number(const char *text, const char *what, unsigned long max) {
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value == 0 || value > max) {
    fprintf(stderr, "sandbox-root: %s must be a number from 1 to %lu, got '%s'\n", what, max, text);
    exit(126);
  }
  return value;
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die(path);
  close(fd);
}

/* Binds the agent's socket as real root, 0600 by umask, and moves it to AGENT_SOCKET_FD. */
static void bind_agent_socket(void) {
  const char *path = getenv("CODEBOX_AGENT_SOCKET");
  if (path == NULL || path[0] != '/') {
    fprintf(stderr, "sandbox-root: CODEBOX_AGENT_SOCKET must be an absolute path\n");
    exit(126);
  }
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(address.sun_path)) {
    fprintf(stderr, "sandbox-root: socket path too long\n");
    exit(126);
  }
  strcpy(address.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  unlink(path);
  mode_t saved = umask(0177);
  if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) die("bind agent socket");
  umask(saved);
  if (listen(fd, 511) != 0) die("listen");
  if (fd != AGENT_SOCKET_FD) {
    if (dup2(fd, AGENT_SOCKET_FD) < 0) die("dup2");
    close(fd);
  }
  if (setenv("CODEBOX_AGENT_SOCKET_FD", "3", 1) != 0) die("setenv");
}

/* An O_PATH handle on a mount the overlays are about to hide, to bind it back on top. */
static int keep(const char *path) { return open(path, O_PATH | O_CLOEXEC); }

static void bind_back(int fd, const char *target, int directory, unsigned long extra) {
  if (fd < 0) return;
  struct stat st;
  if (lstat(target, &st) != 0) {
    /* The overlay is writable by us: make the mount point. */
    if (directory ? mkdir(target, 0755) != 0 : close(open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) != 0) die(target);
  }
  char source[64];
  snprintf(source, sizeof(source), "/proc/self/fd/%d", fd);
  if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) die(target);
  if (extra != 0 && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | extra, NULL) != 0) die(target);
  close(fd);
}

/* /root too: root's home, 0700 and owned by the real root (unmapped) on the image's rootfs. */
static const char *const OVERLAID[] = {"usr", "etc", "var", "opt", "root"};

/* Capabilities the agent keeps: its own four plus what sandbox-exec hands root processes. */
static const int AGENT_CAPABILITIES[] = {CAP_SETUID, CAP_SETGID,       CAP_SETPCAP,          CAP_KILL,       CAP_CHOWN,
                                         CAP_FOWNER, CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_SETFCAP,    CAP_SYS_CHROOT,
                                         CAP_AUDIT_WRITE, CAP_NET_BIND_SERVICE};

static void limit_bounding_set(void) {
  for (int cap = 0; cap <= 63; cap++) {
    int keep_it = 0;
    for (unsigned i = 0; i < sizeof(AGENT_CAPABILITIES) / sizeof(AGENT_CAPABILITIES[0]); i++)
      if (AGENT_CAPABILITIES[i] == cap) keep_it = 1;
    if (keep_it) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) return;
      die("PR_CAPBSET_DROP");
    }
  }
}

static void enter_namespace(int layers, int ready_fd, int mapped_fd) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die("PR_SET_PDEATHSIG");
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) die("unshare(CLONE_NEWUSER|CLONE_NEWNS)");
  char byte = 'r';
  if (write(ready_fd, &byte, 1) != 1) die("signal parent");
  if (read(mapped_fd, &byte, 1) != 1 || byte != 'm') {
    fprintf(stderr, "sandbox-root: the parent did not map the namespace\n");
    exit(126);
  }
  if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) die("become root in the namespace");
  if (setgroups(0, NULL) != 0) die("setgroups");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("make mounts private");

  int hosts = keep("/etc/hosts"), hostname = keep("/etc/hostname"), resolv = keep("/etc/resolv.conf");
  int agent = keep("/opt/codebox");
  if (agent < 0) die("/opt/codebox");

  char options[4096];
  int used = snprintf(options, sizeof(options), "lowerdir=");
  for (int i = 0; i < layers; i++) {
    used += snprintf(options + used, sizeof(options) - (size_t)used, "%s" ROOT_DIR "/layers/%d", i == 0 ? "" : ":", i);
  }
  used += snprintf(options + used, sizeof(options) - (size_t)used,
                   ",upperdir=" ROOT_DIR "/disk/upper,workdir=" ROOT_DIR "/disk/work,userxattr");
  if (used >= (int)sizeof(options)) {
    fprintf(stderr, "sandbox-root: overlay options too long\n");
    exit(126);
  }
  if (mount("overlay", MERGED, "overlay", MS_NOSUID | MS_NODEV, options) != 0) die("mount the root overlay");
  for (unsigned i = 0; i < sizeof(OVERLAID) / sizeof(OVERLAID[0]); i++) {
    char source[256], target[64];
    snprintf(source, sizeof(source), MERGED "/%s", OVERLAID[i]);
    snprintf(target, sizeof(target), "/%s", OVERLAID[i]);
    if (mkdir(source, 0755) != 0 && errno != EEXIST) die(source);
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) die(target);
  }
  /* Docker's per-container files, and the agent's own files: never the overlay's copies. */
  bind_back(hosts, "/etc/hosts", 0, 0);
  bind_back(hostname, "/etc/hostname", 0, 0);
  bind_back(resolv, "/etc/resolv.conf", 0, 0);
  bind_back(agent, "/opt/codebox", 1, MS_RDONLY | MS_NOSUID | MS_NODEV);
  /* The layers and the raw upper directory stay reachable only through the overlay. */
  if (mount("tmpfs", ROOT_DIR, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0) die(ROOT_DIR);
  limit_bounding_set();
}

int sandbox_root_main(int argc, char **argv) {
  /* argv: sandbox-exec --root-namespace <hostFirst> <count> <layers> -- cmd... */
  if (argc < 7 || strcmp(argv[5], "--") != 0) {
    fprintf(stderr, "usage: sandbox-exec --root-namespace <hostFirst> <count> <layers> -- <cmd> [args...]\n");
    return 126;
  }
  unsigned long host_first = parse_number(argv[2], "hostFirst", 0x7fffffffUL);
  unsigned long count = parse_number(argv[3], "count", 65536);
  int layers = (int)parse_number(argv[4], "layers", MAX_LAYERS);
  char **command = &argv[6];
  if (host_first + count > 0x80000000UL) {
    fprintf(stderr, "sandbox-root: the uid block passes 2^31\n");
    return 126;
  }

  bind_agent_socket();
  int ready[2], mapped[2];
  if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(mapped, O_CLOEXEC) != 0) die("pipe");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    close(ready[0]);
    close(mapped[1]);
    enter_namespace(layers, ready[1], mapped[0]);
    execvp(command[0], command);
    die(command[0]);
  }
  close(ready[1]);
  close(mapped[0]);
  close(AGENT_SOCKET_FD);
  char byte;
  if (read(ready[0], &byte, 1) != 1) {
    fprintf(stderr, "sandbox-root: the child did not create its namespace\n");
    return 126;
  }
  char path[64], map[96];
  snprintf(map, sizeof(map), "0 %lu %lu\n", host_first, count);
  snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
  write_file(path, map);
  snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)child);
  write_file(path, map);
  byte = 'm';
  if (write(mapped[1], &byte, 1) != 1) die("signal child");

  /* Nothing left to do as root but wait: give up every capability, forward stop signals. */
  for (int cap = 0; cap <= 63; cap++)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break;
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  if (syscall(SYS_capset, &header, data) != 0) die("capset");

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGCHLD);
  sigprocmask(SIG_BLOCK, &signals, NULL);
  for (;;) {
    int status;
    pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGTERM || signal_number == SIGINT) kill(child, signal_number);
  }
}
