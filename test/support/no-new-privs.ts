/**
 * A command that prints the calling process's no_new_privs flag (`1` or `0`), asked of the kernel
 * with prctl(PR_GET_NO_NEW_PRIVS) rather than read from /proc/self/status: gVisor's status file
 * has no NoNewPrivs line, while its prctl answers as Linux does. Runs Python, which every
 * template has.
 */
export const NO_NEW_PRIVS_PROBE = `python3 -c "import ctypes; print(ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))"`;
