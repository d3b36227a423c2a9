import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { runHostCommand } from '../host/host-command.js';
import { VOLUME_OWNER, type ResolvedVolumeMount } from '../volumes/volume-backend.js';
import { IDMAP_MOUNT, ROOT_UID_BLOCK } from './root-layers.js';
import { sandboxVolumeMount, type HostVolumeStore } from './volume-store.js';

/** How a sandbox's ids relate to the volume's canonical ones (VOLUME_OWNER is the templates' `user`). */
export type VolumeIdmap =
  /** One host uid (= gid) for the sandbox's `user`: canonical 1000 ↔ that uid, 0 ↔ 0; other ids show as nobody. */
  | { kind: 'user'; hostUid: number }
  /** Root mode's block: canonical 0..65535 ↔ the block, so ids inside the sandbox equal ids on the volume. */
  | { kind: 'block'; hostFirst: number };

/** A bind of the container spec: the sandbox's idmapped view of a volume, at the path it asked for. */
export interface VolumeBind {
  source: string;
  target: string;
}

/**
 * Mounts each volume once per sandbox, idmapped and writable, under `<sandboxDir>/volumes/<id>`
 * (native/idmap-mount.c), and returns the binds for the container. Files the sandbox writes land
 * on the volume owned by the canonical ids, so the next sandbox, with another host uid, owns them
 * too. The mounts go with the sandbox dir (sandbox-stopping.ts unmounts below it); while one
 * exists, HostVolumeStore.delete refuses the volume.
 */
export async function mountSandboxVolumes(
  store: HostVolumeStore,
  tenant: string,
  dataDir: string,
  sandboxId: string,
  mounts: readonly ResolvedVolumeMount[],
  idmap: VolumeIdmap,
  logger: Logger,
): Promise<VolumeBind[]> {
  const binds: VolumeBind[] = [];
  const made = new Map<string, string>();
  for (const mount of mounts) {
    let source = made.get(mount.volumeId);
    if (source === undefined) {
      const target = sandboxVolumeMount(dataDir, sandboxId, mount.volumeId);
      await mkdir(target, { recursive: true, mode: 0o700 });
      const [hostFirst, count, diskFirst] =
        idmap.kind === 'user' ? [idmap.hostUid, 1, VOLUME_OWNER.uid] : [idmap.hostFirst, ROOT_UID_BLOCK, 0];
      // One uid: root maps to itself too, for gVisor's gofer (it creates as host root, then chowns).
      const flags = idmap.kind === 'user' ? ['--rw', '--map-root'] : ['--rw'];
      await store.withMountSource(tenant, mount.volumeId, (volume) =>
        runHostCommand(IDMAP_MOUNT, [...flags, volume, target, String(hostFirst), String(count), String(diskFirst)], { logger }),
      );
      source = target;
      made.set(mount.volumeId, source);
    }
    binds.push({ source, target: mount.path });
  }
  return binds;
}
