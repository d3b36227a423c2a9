/*
 * gvisor-compat.so: preloaded (/etc/ld.so.preload) into every process of a runsc sandbox only.
 *
 * The gVisor that Debian ships (runsc 0.0~20221219) answers EINVAL to statx(2) and
 * newfstatat(2) when the flags hold AT_NO_AUTOMOUNT; Linux has accepted that flag for years and
 * coreutils passes it on every call (`ls`, `stat`: "Invalid argument"). The mask is not the
 * problem: every STATX_* mask is accepted without that flag. A seccomp filter cannot rewrite an
 * argument, and answering ENOSYS does not help either: glibc's fallback passes the same flags to
 * fstatat, which gVisor rejects the same way. So the libc entry points drop the flag before the
 * system call. That is exact, not an approximation: gVisor has no automount points, so
 * AT_NO_AUTOMOUNT never changes a result there.
 *
 * Raw syscall(2) only (no dlsym): the library must load into any glibc a template has, and
 * dlsym moved to GLIBC_2.34. Programs that make the system call themselves (static binaries,
 * libuv's statx) are not covered; none of those seen pass the flag.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

/* <fcntl.h>'s value; <sys/stat.h> is left out so these definitions need not match its prototypes. */
#define AT_NO_AUTOMOUNT 0x800

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "gvisor-compat: struct stat must match the kernel's (64-bit x86 or arm)"
#endif

struct statx;
struct stat;

#define VISIBLE __attribute__((visibility("default")))

VISIBLE int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf) {
  return (int)syscall(SYS_statx, dirfd, path, flags & ~AT_NO_AUTOMOUNT, mask, buf);
}

/* On 64-bit x86 and arm, glibc's struct stat and stat64 are the kernel's newfstatat layout. */
static int stat_at(int dirfd, const char *path, struct stat *buf, int flags) {
  return (int)syscall(SYS_newfstatat, dirfd, path, buf, flags & ~AT_NO_AUTOMOUNT);
}

/* glibc >= 2.33 exports these names; older binaries call the __fxstatat pair below. */
VISIBLE int fstatat(int dirfd, const char *path, struct stat *buf, int flags) { return stat_at(dirfd, path, buf, flags); }
VISIBLE int fstatat64(int dirfd, const char *path, struct stat *buf, int flags) { return stat_at(dirfd, path, buf, flags); }
VISIBLE int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags) {
  (void)ver;
  return stat_at(dirfd, path, buf, flags);
}
VISIBLE int __fxstatat64(int ver, int dirfd, const char *path, struct stat *buf, int flags) {
  (void)ver;
  return stat_at(dirfd, path, buf, flags);
}
