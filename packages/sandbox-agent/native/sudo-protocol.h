/*
 * The wire between the `sudo` shim (sandbox-sudo.c) and the agent's sudo broker (sudo-broker.c).
 *
 * The broker listens on an abstract unix socket: abstract names are scoped by the network
 * namespace, so only processes of this sandbox can reach it (each container has its own), and
 * there is no socket file for anyone to chmod, replace or leave behind.
 *
 * shim -> broker: one message carrying the caller's stdin/stdout/stderr (SCM_RIGHTS) and a
 *   header {magic, body length}; then the body: NUL-terminated fields
 *   cwd, argc (decimal), argv[0..argc-1], env entries (NAME=value) to the end.
 * broker -> shim: 'x' + a message, then close (refused); or, once the command ends,
 *   'e' + exit code or 's' + signal number, each as a 4-byte int.
 * shim -> broker while the command runs: one byte per signal the shim received, forwarded to the
 *   command's process group. The shim's end closing (it was killed) SIGKILLs the group.
 */
#ifndef CODEBOX_SUDO_PROTOCOL_H
#define CODEBOX_SUDO_PROTOCOL_H

#include <stdint.h>

#define SUDO_SOCKET_NAME "codebox-sudo"
#define SUDO_MAGIC 0x43425344u /* "CBSD" */
#define SUDO_MAX_BODY (2u << 20)
/* The uid of `user` in every template (SANDBOX_UID in @codebox/protocol). */
#define SUDO_USER_UID 1000u

struct sudo_header {
  uint32_t magic;
  uint32_t length;
};

struct sudo_status {
  char kind; /* 'e' exit, 's' signal */
  int32_t value;
} __attribute__((packed));

#endif
