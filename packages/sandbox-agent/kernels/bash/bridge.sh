# The bash kernel: one persistent shell per context, driven by the agent over fd 3.
#
# Requests on fd 3 are NUL-terminated fields (bash strings cannot hold NUL, so no escaping is
# needed): nonce, number of env vars N, N times NAME=VALUE, code. Replies on fd 3 are JSON
# lines. User code runs in this shell (so cd, variables and functions persist) with fd 3
# closed, stdin at EOF, and stdout/stderr going straight to the agent. After each cell the
# bridge writes a fence (NUL "codebox:" nonce NUL) on stdout and stderr, so the agent knows
# all of the cell's output has arrived before it reports the end.
#
# Interrupt (SIGINT to the process group): the foreground command dies; the INT trap then
# turns on a DEBUG trap that, with extdebug, skips every further command and returns from
# every function up to the cell, so the rest of the cell does not run and the shell survives.

__codebox_interrupted=0

__codebox_skip() {
  if ((__codebox_interrupted)) && [[ " ${FUNCNAME[*]} " == *" __codebox_cell "* ]]; then
    return 2
  fi
  return 0
}

__codebox_on_interrupt() {
  __codebox_interrupted=1
  shopt -s extdebug
  trap '__codebox_skip' DEBUG
}

__codebox_cell() {
  eval "$1"
}

trap '__codebox_on_interrupt' INT
printf '{"type":"ready"}\n' >&3

while IFS= read -r -d '' -u 3 __codebox_nonce; do
  IFS= read -r -d '' -u 3 __codebox_count
  __codebox_names=()
  __codebox_saved=()
  __codebox_had=()
  for ((__codebox_i = 0; __codebox_i < __codebox_count; __codebox_i++)); do
    IFS= read -r -d '' -u 3 __codebox_pair
    __codebox_name=${__codebox_pair%%=*}
    __codebox_names+=("$__codebox_name")
    if [[ -v $__codebox_name ]]; then
      __codebox_had+=(1)
      __codebox_saved+=("${!__codebox_name}")
    else
      __codebox_had+=(0)
      __codebox_saved+=('')
    fi
    export "$__codebox_pair"
  done
  IFS= read -r -d '' -u 3 __codebox_code
  # A late interrupt of the previous cell must not cancel this one.
  __codebox_interrupted=0

  __codebox_cell "$__codebox_code" 3>&-
  __codebox_status=$?

  trap - DEBUG
  shopt -u extdebug
  for ((__codebox_i = 0; __codebox_i < ${#__codebox_names[@]}; __codebox_i++)); do
    if ((__codebox_had[__codebox_i])); then
      export "${__codebox_names[__codebox_i]}=${__codebox_saved[__codebox_i]}"
    else
      unset "${__codebox_names[__codebox_i]}"
    fi
  done
  printf '\0codebox:%s\0' "$__codebox_nonce"
  printf '\0codebox:%s\0' "$__codebox_nonce" >&2
  if ((__codebox_interrupted)); then __codebox_stopped=true; else __codebox_stopped=false; fi
  printf '{"type":"done","nonce":"%s","exit_code":%d,"interrupted":%s}\n' "$__codebox_nonce" "$__codebox_status" "$__codebox_stopped" >&3
done
