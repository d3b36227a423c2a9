/*
 * sandbox-exec: the last step between the Codebox agent and user code.
 *
 * The agent runs as uid 0 with CAP_SETUID/SETGID/SETPCAP/KILL. Node's own uid/gid spawn
 * options would leave the capability bounding set (and a runtime's inheritable set) intact
 * and cannot add a seccomp filter, so every user process is started through this helper:
 *
 *   sandbox-exec [--pty <cols> <rows>] <uid> <gid> <cwd> -- <cmd> [args...]
 *
 * With --pty the process first takes the terminal of the pty master at fd 3 (sandbox-pty.c).
 * uid 0 (root mode only, inside the sandbox's user namespace) keeps ROOT_CAPABILITIES; every
 * other uid keeps none.
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
#include <sys/socket.h>
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

/*
 * socket(2) and socketpair(2) numbers differ per architecture and ABI, so each names its own.
 * i386 also reaches them through the socketcall(2) multiplexer, whose arguments sit behind a
 * pointer seccomp cannot read; COMPAT_SOCKETCALL 0 means the compat ABI has none (ARM EABI).
 */
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define COMPAT_ARCH AUDIT_ARCH_I386
#define NATIVE_SOCKET 41
#define NATIVE_SOCKETPAIR 53
#define NATIVE_UNSHARE 272
#define NATIVE_MOUNT 165
#define COMPAT_UNSHARE 310
#define COMPAT_MOUNT 21
#define COMPAT_SOCKET 359
#define COMPAT_SOCKETPAIR 360
#define COMPAT_SOCKETCALL 102
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define COMPAT_ARCH AUDIT_ARCH_ARM
#define NATIVE_SOCKET 198
#define NATIVE_SOCKETPAIR 199
#define NATIVE_UNSHARE 97
#define NATIVE_MOUNT 40
#define COMPAT_UNSHARE 337
#define COMPAT_MOUNT 21
#define COMPAT_SOCKET 281
#define COMPAT_SOCKETPAIR 288
#define COMPAT_SOCKETCALL 0
#else
#error "sandbox-exec: unsupported architecture"
#endif

/* The filter reads the low 32 bits of int arguments, which is where they are on little-endian. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sandbox-exec: the seccomp argument offsets assume a little-endian machine"
#endif

/* socketcall(2) call numbers (linux/net.h). */
#define SOCKETCALL_SOCKET 1
#define SOCKETCALL_SOCKETPAIR 8
/* Netlink protocols user code needs: route (glibc's getaddrinfo, ip) and sock_diag (ss). */
#define NETLINK_ROUTE_PROTOCOL 0
#define NETLINK_SOCK_DIAG_PROTOCOL 4

static void die(const char *what) {
  fprintf(stderr, "sandbox-exec: %s: %s\n", what, strerror(errno));
  exit(126);
}

static unsigned long parse_id(const char *text, const char *what) {
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value > 0x7fffffffUL) {
    fprintf(stderr, "sandbox-exec: %s must be a number, got '%s'\n", what, text);
    exit(126);
  }
  return value;
}

/*
 * uid 0 is only ever started inside a sandbox's own user namespace (root mode), where it is an
 * unprivileged host uid. In the initial namespace (uid_map "0 0 4294967295") uid 0 is the host's
 * root: refused, whatever the agent asks.
 */
static int in_initial_user_namespace(void) {
  FILE *map = fopen("/proc/self/uid_map", "r");
  if (map == NULL) return 1;
  unsigned long inside = 1, outside = 1, count = 0;
  int fields = fscanf(map, "%lu %lu %lu", &inside, &outside, &count);
  fclose(map);
  return fields != 3 || (inside == 0 && outside == 0 && count == 4294967295UL);
}

/*
 * What root keeps inside its user namespace: enough for apt/dpkg (chown, DAC override, setuid to
 * _apt) and low ports; no SYS_ADMIN (mounts), NET_RAW/NET_ADMIN, SYS_PTRACE, SYS_MODULE, MKNOD.
 * Capabilities of a user namespace only ever act on what that namespace owns.
 */
static const int ROOT_CAPABILITIES[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,           CAP_FSETID,     CAP_KILL,
                                        CAP_SETGID, CAP_SETUID,       CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_SETFCAP,
                                        CAP_AUDIT_WRITE};
#define ROOT_CAPABILITY_COUNT (sizeof(ROOT_CAPABILITIES) / sizeof(ROOT_CAPABILITIES[0]))

static int is_root_capability(int cap) {
  for (unsigned i = 0; i < ROOT_CAPABILITY_COUNT; i++)
    if (ROOT_CAPABILITIES[i] == cap) return 1;
  return 0;
}

static void drop_bounding_set(int keep_root) {
  for (int cap = 0; cap <= 63; cap++) {
    if (keep_root && is_root_capability(cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      /* EINVAL: past the kernel's last capability; every real one is gone. */
      if (errno == EINVAL) return;
      die("PR_CAPBSET_DROP");
    }
  }
}

static void clear_capability_sets(int keep_root) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  for (unsigned i = 0; keep_root && i < ROOT_CAPABILITY_COUNT; i++) {
    int cap = ROOT_CAPABILITIES[i];
    data[cap / 32].permitted |= 1u << (cap % 32);
    data[cap / 32].effective |= 1u << (cap % 32);
  }
  if (syscall(SYS_capset, &header, data) != 0) die("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) die("clear ambient capabilities");
}

/*
 * The seccomp program is assembled with labels instead of hand-counted jump offsets: classic
 * BPF jumps are relative, and one miscount would silently allow or deny the wrong call.
 */
enum label {
  L_NATIVE,
  L_COMPAT,
  L_SOCKET,
  L_SOCKETPAIR,
  L_FAMILY,
  L_NETLINK,
  L_SOCKETCALL,
  L_ALLOW,
  L_EPERM,
  L_EAFNOSUPPORT,
  L_EPROTONOSUPPORT,
  L_KILL,
  L_COUNT,
  L_NEXT = -1,
};

#define MAX_INSTRUCTIONS 64

struct program {
  struct sock_filter code[MAX_INSTRUCTIONS];
  int jt[MAX_INSTRUCTIONS];
  int jf[MAX_INSTRUCTIONS];
  int at[L_COUNT];
  unsigned len;
};

static void emit(struct program *p, unsigned short code, unsigned k, int jt, int jf) {
  if (p->len >= MAX_INSTRUCTIONS) {
    fprintf(stderr, "sandbox-exec: seccomp program too long\n");
    exit(126);
  }
  p->code[p->len] = (struct sock_filter)BPF_JUMP(code, k, 0, 0);
  p->jt[p->len] = jt;
  p->jf[p->len] = jf;
  p->len++;
}

static void stmt(struct program *p, unsigned short code, unsigned k) { emit(p, code, k, L_NEXT, L_NEXT); }
static void place(struct program *p, enum label l) { p->at[l] = (int)p->len; }
static void load_arg(struct program *p, int index) {
  stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 8u * (unsigned)index);
}
static void ret_errno(struct program *p, int err) { stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)); }

/* Turns label references into relative offsets; a backward or too-long jump is a bug here. */
static void resolve(struct program *p) {
  for (unsigned i = 0; i < p->len; i++) {
    int targets[2] = {p->jt[i], p->jf[i]};
    int offsets[2] = {0, 0};
    for (int t = 0; t < 2; t++) {
      if (targets[t] == L_NEXT) continue;
      offsets[t] = p->at[targets[t]] - (int)i - 1;
      if (p->at[targets[t]] < 0 || offsets[t] < 0 || offsets[t] > 255) {
        fprintf(stderr, "sandbox-exec: bad seccomp jump at %u\n", i);
        exit(126);
      }
    }
    p->code[i].jt = (unsigned char)offsets[0];
    p->code[i].jf = (unsigned char)offsets[1];
  }
}

/*
 * Per ABI: socket calls go to the family check; io_uring, unshare and mount are EPERM; everything
 * else is allowed. A root-enabled sandbox runs under a Docker profile that allows unshare and
 * mount (its sandbox-root helper needs them to build the sandbox's user namespace); no user
 * process, root included, may make another user namespace (the kernel's userns attack surface)
 * or mount anything.
 */
static void dispatch(struct program *p, unsigned socket_nr, unsigned socketpair_nr, unsigned socketcall_nr,
                     unsigned unshare_nr, unsigned mount_nr) {
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, unshare_nr, L_EPERM, L_NEXT);
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, mount_nr, L_EPERM, L_NEXT);
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, socket_nr, L_SOCKET, L_NEXT);
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, socketpair_nr, L_SOCKETPAIR, L_NEXT);
  if (socketcall_nr != 0) emit(p, BPF_JMP | BPF_JEQ | BPF_K, socketcall_nr, L_SOCKETCALL, L_NEXT);
  emit(p, BPF_JMP | BPF_JGE | BPF_K, NR_IO_URING_SETUP, L_NEXT, L_ALLOW);
  emit(p, BPF_JMP | BPF_JGT | BPF_K, NR_IO_URING_REGISTER, L_ALLOW, L_EPERM);
}

/*
 * On top of Docker's profile: io_uring_* (its submission path bypasses seccomp for the calls it
 * carries, and Docker 20.10 allows it) and every socket family user code has no use for.
 * AF_VSOCK is not scoped by the network namespace (on a VM host it reaches the hypervisor);
 * AF_PACKET, AF_ALG, AF_KEY, AF_TIPC, AF_RDS, AF_XDP... are kernel attack surface only.
 * Denied families get EAFNOSUPPORT, what programs already handle for "not built in"; netlink
 * is limited to route (getaddrinfo, ip) and sock_diag (ss), others get EPROTONOSUPPORT.
 */
static void install_seccomp_filter(void) {
  struct program p;
  memset(&p, 0, sizeof(p));
  for (int l = 0; l < L_COUNT; l++) p.at[l] = -1;

  stmt(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, L_NATIVE, L_NEXT);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, COMPAT_ARCH, L_COMPAT, L_NEXT);
  /* An architecture we did not write this filter for: fail closed. */
  stmt(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

  place(&p, L_NATIVE);
  stmt(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  stmt(&p, BPF_ALU | BPF_AND | BPF_K, ~X32_SYSCALL_BIT);
  dispatch(&p, NATIVE_SOCKET, NATIVE_SOCKETPAIR, 0, NATIVE_UNSHARE, NATIVE_MOUNT);

  place(&p, L_COMPAT);
  stmt(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  dispatch(&p, COMPAT_SOCKET, COMPAT_SOCKETPAIR, COMPAT_SOCKETCALL, COMPAT_UNSHARE, COMPAT_MOUNT);

  /* socketcall's family sits behind a pointer: creating sockets that way fails closed. */
  place(&p, L_SOCKETCALL);
  load_arg(&p, 0);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, SOCKETCALL_SOCKET, L_EAFNOSUPPORT, L_NEXT);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, SOCKETCALL_SOCKETPAIR, L_EAFNOSUPPORT, L_ALLOW);

  place(&p, L_SOCKET);
  load_arg(&p, 0);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, L_NETLINK, L_FAMILY);

  place(&p, L_SOCKETPAIR);
  load_arg(&p, 0);
  place(&p, L_FAMILY);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, L_ALLOW, L_NEXT);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, AF_INET, L_ALLOW, L_NEXT);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, L_ALLOW, L_NEXT);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, L_ALLOW, L_EAFNOSUPPORT);

  place(&p, L_NETLINK);
  load_arg(&p, 2);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, NETLINK_ROUTE_PROTOCOL, L_ALLOW, L_NEXT);
  emit(&p, BPF_JMP | BPF_JEQ | BPF_K, NETLINK_SOCK_DIAG_PROTOCOL, L_ALLOW, L_EPROTONOSUPPORT);

  place(&p, L_ALLOW);
  stmt(&p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  place(&p, L_EPERM);
  ret_errno(&p, EPERM);
  place(&p, L_EAFNOSUPPORT);
  ret_errno(&p, EAFNOSUPPORT);
  place(&p, L_EPROTONOSUPPORT);
  ret_errno(&p, EPROTONOSUPPORT);
  place(&p, L_KILL);
  stmt(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

  resolve(&p);
  struct sock_fprog program = {.len = (unsigned short)p.len, .filter = p.code};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) die("install seccomp filter");
}

static void prefer_as_oom_victim(void) {
  FILE *adj = fopen("/proc/self/oom_score_adj", "w");
  // Best effort: without /proc the sandbox still works, only the agent is less protected.
  if (adj == NULL) return;
  fputs("1000", adj);
  fclose(adj);
}

int sandbox_root_main(int argc, char **argv);
int sandbox_sudo_main(int argc, char **argv);
int sudo_broker_main(int argc, char **argv);
int sandbox_pty_attach(const char *cols, const char *rows);
int sandbox_pty_resize_main(int argc, char **argv);

/*
 * Becomes uid/gid (capabilities, no_new_privs, seccomp as above), enters cwd and execs command
 * with the current environ. Returns only on failure: 127 command not found, 126 otherwise.
 * The sudo broker calls it too, in the child that runs a root command.
 */
int sandbox_exec_as(uid_t uid, gid_t gid, const char *cwd, char **command) {
  int root = uid == 0;
  if (root && in_initial_user_namespace()) {
    fprintf(stderr, "sandbox-exec: uid 0 is only started inside a sandbox's user namespace\n");
    return 126;
  }

  prefer_as_oom_victim();
  drop_bounding_set(root);
  if (setgroups(0, NULL) != 0) die("setgroups");
  if (setresgid(gid, gid, gid) != 0) die("setresgid");
  if (setresuid(uid, uid, uid) != 0) die("setresuid");
  clear_capability_sets(root);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS");
  install_seccomp_filter();
  if (chdir(cwd) != 0) die("chdir");

  execvp(command[0], command);
  int code = errno == ENOENT ? 127 : 126;
  fprintf(stderr, "sandbox-exec: %s: %s\n", command[0], strerror(errno));
  return code;
}

int main(int argc, char **argv) {
  /* One static binary, three roles: /usr/local/bin/sudo is a symlink to it (see sandbox-sudo.c). */
  const char *slash = strrchr(argv[0], '/');
  if (strcmp(slash ? slash + 1 : argv[0], "sudo") == 0) return sandbox_sudo_main(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--root-namespace") == 0) return sandbox_root_main(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--sudo-broker") == 0) return sudo_broker_main(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--pty-resize") == 0) return sandbox_pty_resize_main(argc, argv);
  /* --pty <cols> <rows>: the pty master is at fd 3; its terminal becomes stdio (sandbox-pty.c). */
  if (argc > 3 && strcmp(argv[1], "--pty") == 0) {
    int code = sandbox_pty_attach(argv[2], argv[3]);
    if (code != 0) return code;
    argv[3] = argv[0];
    argv += 3;
    argc -= 3;
  }
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: sandbox-exec [--pty <cols> <rows>] <uid> <gid> <cwd> -- <cmd> [args...]\n");
    return 126;
  }
  uid_t uid = (uid_t)parse_id(argv[1], "uid");
  gid_t gid = (gid_t)parse_id(argv[2], "gid");
  return sandbox_exec_as(uid, gid, argv[3], &argv[5]);
}
