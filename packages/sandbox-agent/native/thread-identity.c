/*
 * thread-identity.node: switches the effective uid, gid and groups of the CALLING THREAD only.
 *
 * The agent checks a caller's file access by running path system calls as that user
 * (services/identity.ts, asUser). Node's process.seteuid()/setegid()/setgroups() go through
 * glibc, which by POSIX must change every thread of the process: it signals each thread
 * (SIGSETXID) and waits for all of them, per call. The agent has ~11 threads (V8's platform
 * workers, libuv's pool), so one asUser (six calls) cost 0.8 ms under runc and 17 ms under
 * gVisor's ptrace platform, where every signal is a round trip through the sentry (measured in
 * a sandbox, a stat inside asUser, p50 of 50). Linux keeps credentials per thread; the raw
 * system calls change only the caller's, six system calls and no signals.
 *
 * Per thread is also the narrower grant: asUser runs synchronous calls on the JavaScript thread,
 * and the other threads (async file I/O of other requests on libuv's pool) stay root instead of
 * briefly becoming the user.
 *
 * Exports switchThread(uid, gid, groups), which also goes back (to uid 0). Raw
 * syscall(2) only, like gvisor-compat.c, so the add-on loads into any glibc the template's Node
 * runs on; Node resolves the napi_* symbols at load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define NAPI_VERSION 8
#include <node_api.h>

#define MAX_GROUPS 64

static napi_value throw_errno(napi_env env, const char *call, int err) {
  char message[128];
  char code[16];
  snprintf(message, sizeof message, "%s: %s", call, strerror(err));
  snprintf(code, sizeof code, "%d", err);
  napi_throw_error(env, code, message);
  return NULL;
}

/* The calling thread's effective uid (the raw call: glibc's is the same system call). */
static uid_t thread_euid(void) {
  uid_t real, effective, saved;
  if (syscall(SYS_getresuid, &real, &effective, &saved) != 0) return (uid_t)-1;
  return effective;
}

/*
 * switchThread(uid, gid, groups): the calling thread's effective uid and gid become uid and gid
 * and its supplementary groups `groups`; the real and saved ids stay (root), so the thread can
 * come back. Order: back to euid 0 first when the thread is someone else (changing gid and
 * groups needs the capabilities euid 0 restores), then groups and gid, then the uid last.
 */
static napi_value switch_thread(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) {
    napi_throw_type_error(env, NULL, "switchThread(uid, gid, groups) takes three arguments");
    return NULL;
  }
  uint32_t uid, gid, count;
  bool is_array = false;
  if (napi_get_value_uint32(env, argv[0], &uid) != napi_ok || napi_get_value_uint32(env, argv[1], &gid) != napi_ok ||
      napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[2], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "switchThread(uid, gid, groups): two numbers and an array of numbers");
    return NULL;
  }
  if (count > MAX_GROUPS) {
    napi_throw_range_error(env, NULL, "switchThread: more than 64 groups");
    return NULL;
  }
  gid_t groups[MAX_GROUPS];
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    uint32_t value;
    if (napi_get_element(env, argv[2], i, &element) != napi_ok || napi_get_value_uint32(env, element, &value) != napi_ok) {
      napi_throw_type_error(env, NULL, "switchThread: groups must be numbers");
      return NULL;
    }
    groups[i] = (gid_t)value;
  }
  if (thread_euid() != 0 && syscall(SYS_setresuid, -1, 0, -1) != 0) return throw_errno(env, "setresuid(euid 0)", errno);
  if (syscall(SYS_setgroups, (size_t)count, groups) != 0) return throw_errno(env, "setgroups", errno);
  if (syscall(SYS_setresgid, -1, (gid_t)gid, -1) != 0) return throw_errno(env, "setresgid", errno);
  if (uid != 0 && syscall(SYS_setresuid, -1, (uid_t)uid, -1) != 0) return throw_errno(env, "setresuid", errno);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
      {"switchThread", NULL, switch_thread, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}
