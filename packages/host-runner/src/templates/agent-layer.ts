import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { AGENT_COMPILE_CACHE_DIR, AGENT_DIR, AGENT_SOCKET_DIR, GVISOR_COMPAT_LIBRARY, SANDBOX_GID, SANDBOX_HOME, SANDBOX_UID, SANDBOX_USER } from '@codebox/protocol';
import type { AgentBundle } from './agent-bundle.js';

/**
 * Makes the sandbox user exactly `user` 1000:1000 with home /home/user and bash, whatever the
 * base image had: Ubuntu images ship an `ubuntu` user at uid 1000, user templates built FROM
 * codebox/base already have `user`. `sudo` is /usr/local/bin/sudo, a link to sandbox-exec (its
 * sudo mode asks the agent's broker; it works only in root-enabled sandboxes): ahead of any
 * setuid /usr/bin/sudo in PATH, which no_new_privs would defeat anyway.
 */
const SETUP_SCRIPT = [
  'set -eu',
  `other="$(getent passwd ${SANDBOX_UID} | cut -d: -f1)"`,
  `if [ -n "$other" ] && [ "$other" != ${SANDBOX_USER} ]; then userdel "$other"; fi`,
  `group="$(getent group ${SANDBOX_GID} | cut -d: -f1)"`,
  `if [ -z "$group" ]; then groupadd -g ${SANDBOX_GID} ${SANDBOX_USER}; elif [ "$group" != ${SANDBOX_USER} ]; then groupmod -n ${SANDBOX_USER} "$group"; fi`,
  `if ! id -u ${SANDBOX_USER} >/dev/null 2>&1; then useradd -u ${SANDBOX_UID} -g ${SANDBOX_GID} -d ${SANDBOX_HOME} -s /bin/bash -m ${SANDBOX_USER}; fi`,
  `usermod -d ${SANDBOX_HOME} -s /bin/bash ${SANDBOX_USER}`,
  `mkdir -p ${SANDBOX_HOME} ${AGENT_SOCKET_DIR}`,
  `chown ${SANDBOX_UID}:${SANDBOX_GID} ${SANDBOX_HOME}`,
  `mkdir -p /usr/local/bin && ln -sfn ${AGENT_DIR}/sandbox-exec /usr/local/bin/sudo`,
  // Last, once /opt/codebox is complete: the agent compiles its bundle and writes V8's code cache.
  `NODE_COMPILE_CACHE=${AGENT_COMPILE_CACHE_DIR} ${AGENT_DIR}/bin/node ${AGENT_DIR}/agent.mjs --prepare-compile-cache`,
].join('; ');

/** In the context; becomes /opt/codebox/kernels, where the agent looks beside its own file. */
const KERNELS_DIR = 'codebox/kernels';

type EntryHeader = Parameters<ReturnType<typeof tar.pack>['entry']>[0];

/** The Dockerfile that turns any Debian/Ubuntu image into a Codebox template. */
export function agentLayerDockerfile(baseImage: string): string {
  return [
    `FROM ${baseImage}`,
    // A user Dockerfile may end as another user or with its own entrypoint; the agent needs neither.
    'USER root',
    // COPY makes everything root:root; a later chown would copy the 100 MB Node binary into another layer.
    `COPY codebox/ ${AGENT_DIR}/`,
    `RUN ${SETUP_SCRIPT}`,
    `WORKDIR ${SANDBOX_HOME}`,
    'ENTRYPOINT []',
    `CMD ["${AGENT_DIR}/bin/node", "${AGENT_DIR}/agent.mjs"]`,
    '',
  ].join('\n');
}

/**
 * The build context: the Dockerfile plus /opt/codebox's files, root-owned with fixed modes
 * (directories 0755; kernel files 0644, or 0755 when executable in the agent build).
 */
export function agentLayerContext(baseImage: string, bundle: AgentBundle): Readable {
  const pack = tar.pack();
  const owner = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(0) };
  const add = (header: EntryHeader, body: Buffer = Buffer.alloc(0)) =>
    new Promise<void>((resolve, reject) => pack.entry({ ...owner, ...header }, body, (err) => (err ? reject(err) : resolve())));
  const addFile = (name: string, path: string, size: number, mode: number) =>
    new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ ...owner, name, size, mode }, (err) => (err ? reject(err) : resolve()));
      createReadStream(path).on('error', reject).pipe(entry);
    });
  void (async () => {
    await add({ name: 'Dockerfile', mode: 0o644 }, Buffer.from(agentLayerDockerfile(baseImage)));
    await add({ name: 'codebox', type: 'directory', mode: 0o755 });
    await add({ name: 'codebox/bin', type: 'directory', mode: 0o755 });
    await addFile('codebox/bin/node', bundle.nodePath, bundle.nodeSize, 0o755);
    await add({ name: 'codebox/agent.mjs', mode: 0o644 }, bundle.agent);
    await add({ name: 'codebox/sandbox-exec', mode: 0o755 }, bundle.sandboxExec);
    if (bundle.gvisorCompat) {
      const name = `codebox/${GVISOR_COMPAT_LIBRARY.slice(AGENT_DIR.length + 1)}`;
      await add({ name: name.slice(0, name.lastIndexOf('/')), type: 'directory', mode: 0o755 });
      await add({ name, mode: 0o644 }, bundle.gvisorCompat.content);
    }
    // Beside agent.mjs, where the agent looks for them (sandbox-agent services/native-addon.ts).
    for (const addon of bundle.addons) await add({ name: `codebox/${addon.name}`, mode: 0o644 }, addon.content);
    if (bundle.kernels) {
      await add({ name: KERNELS_DIR, type: 'directory', mode: 0o755 });
      for (const dir of bundle.kernels.directories) await add({ name: `${KERNELS_DIR}/${dir}`, type: 'directory', mode: 0o755 });
      for (const file of bundle.kernels.files) await add({ name: `${KERNELS_DIR}/${file.path}`, mode: file.mode }, file.content);
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return pack as unknown as Readable;
}
