/*
 * sandbox-exec: the last step between the Codebox agent and user code.
 *
 * The agent runs as uid 0 with CAP_SETUID/SETGID/SETPCAP/KILL. Node's own uid/gid spawn
 * options would leave the capability bounding set (and a runtime's inheritable set) intact
 * and cannot add a seccomp filter, so every user process is started through this helper:
 *
 *   sandbox-exec <uid> <gid> <cwd> -- <cmd> [args...]
 *
 * Order matters: PR_CAPBSET_DROP needs CAP_SETPCAP, so it runs before the uid change; the
 * uid change clears the permitted/effective sets; capset() then clears what setuid keeps
 * (inheritable), ambient is cleared explicitly; no_new_privs lets an unprivileged process
 * install the filter; chdir runs as the user so the kernel checks the user's access.
 * Before all that, the process makes itself the OOM killer's first choice (oom_score_adj 1000,
 * inherited by its children): when user code exhausts the sandbox's memory, the kernel kills
 * user code, not the agent that serves every request. Raising the score needs no privilege, but
 * /proc/self stops being ours to write once the uid changes, so it comes first.
 * Exit codes: 126 setup failed, 127 command not found (as a shell would report).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* io_uring got the same numbers on every architecture (the unified syscall table). */
#define NR_IO_URING_SETUP 425
#define NR_IO_URING_REGISTER 427
/* x86-64's x32 ABI marks its syscall numbers with this bit; mask it so x32 cannot bypass. */
#define X32_SYSCALL_BIT 0x40000000u

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define COMPAT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define COMPAT_ARCH AUDIT_ARCH_ARM
#else
#error "sandbox-exec: unsupported architecture"
#endif

static void die(const char *what) {
  fprintf(stderr, "sandbox-exec: %s: %s\n", what, strerror(errno));
  exit(126);
}

static unsigned long parse_id(const char *text, const char *what) {
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value == 0 || value > 0x7fffffffUL) {
    fprintf(stderr, "sandbox-exec: %s must be a non-zero number, got '%s'\n", what, text);
    exit(126);
  }
  return value;
}

static void drop_bounding_set(void) {
  for (int cap = 0; cap <= 63; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      /* EINVAL: past the kernel's last capability; every real one is gone. */
      if (errno == EINVAL) return;
      die("PR_CAPBSET_DROP");
    }
  }
}

static void clear_capability_sets(void) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  if (syscall(SYS_capset, &header, data) != 0) die("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) die("clear ambient capabilities");
}

static void install_seccomp_filter(void) {
  struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, COMPAT_ARCH, 1, 0),
    /* An architecture we did not write this filter for: fail closed. */
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~X32_SYSCALL_BIT),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NR_IO_URING_SETUP, 0, 2),
    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, NR_IO_URING_REGISTER, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) die("install seccomp filter");
}

static void prefer_as_oom_victim(void) {
  FILE *adj = fopen("/proc/self/oom_score_adj", "w");
  // Best effort: without /proc the sandbox still works, only the agent is less protected.
  if (adj == NULL) return;
  fputs("1000", adj);
  fclose(adj);
}

int main(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: sandbox-exec <uid> <gid> <cwd> -- <cmd> [args...]\n");
    return 126;
  }
  uid_t uid = (uid_t)parse_id(argv[1], "uid");
  gid_t gid = (gid_t)parse_id(argv[2], "gid");
  const char *cwd = argv[3];
  char **command = &argv[5];

  prefer_as_oom_victim();
  drop_bounding_set();
  if (setgroups(0, NULL) != 0) die("setgroups");
  if (setresgid(gid, gid, gid) != 0) die("setresgid");
  if (setresuid(uid, uid, uid) != 0) die("setresuid");
  clear_capability_sets();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS");
  install_seccomp_filter();
  if (chdir(cwd) != 0) die("chdir");

  execvp(command[0], command);
  int code = errno == ENOENT ? 127 : 126;
  fprintf(stderr, "sandbox-exec: %s: %s\n", command[0], strerror(errno));
  return code;
}
