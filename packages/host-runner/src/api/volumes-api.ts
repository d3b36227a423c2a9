import type { Hono } from 'hono';
import { z } from 'zod';
import { NotSupportedError } from './errors.js';
import { parseJsonBody } from './request-body.js';
import type { VolumeMountRequest } from './volume-mounts.js';
import { assertVolumeName } from '../volumes/volume-names.js';
import type { ResolvedVolumeMount, VolumeBackend, VolumeInfo } from '../volumes/volume-backend.js';

type Env = { Variables: { tenant: string } };

const newVolumeSchema = z.object({ name: z.string() });

function unavailable(): never {
  throw new NotSupportedError('Named volumes are not available from this runner (its backend keeps none).');
}

/** E2B's `VolumeAndToken` (no `domain`: the content API is on the runner's own URL). */
function toVolumeAndToken(volume: VolumeInfo): { volumeID: string; name: string; token: string } {
  return { volumeID: volume.volumeId, name: volume.name, token: volume.token };
}

/** E2B's team volume API: `GET/POST /volumes`, `GET/DELETE /volumes/{volumeID}`, per API key. */
export function volumeRoutes(app: Hono<Env>, volumes: VolumeBackend | undefined): void {
  app.get('/volumes', async (c) => {
    const list = await (volumes ?? unavailable()).list(c.get('tenant'));
    return c.json(list.map((volume) => ({ volumeID: volume.volumeId, name: volume.name })));
  });
  app.post('/volumes', async (c) => {
    const body = await parseJsonBody(c.req.raw, newVolumeSchema);
    const volume = await (volumes ?? unavailable()).create(c.get('tenant'), assertVolumeName(body.name));
    return c.json(toVolumeAndToken(volume), 201);
  });
  app.get('/volumes/:volumeID', async (c) => {
    return c.json(toVolumeAndToken(await (volumes ?? unavailable()).get(c.get('tenant'), c.req.param('volumeID'))));
  });
  app.delete('/volumes/:volumeID', async (c) => {
    await (volumes ?? unavailable()).delete(c.get('tenant'), c.req.param('volumeID'));
    return c.body(null, 204);
  });
}

/** A create's `volumeMounts` by name → the tenant's volumes (VolumeNotFoundError naming the first unknown). */
export async function resolveVolumeMounts(
  volumes: VolumeBackend | undefined,
  tenant: string,
  mounts: readonly VolumeMountRequest[],
): Promise<ResolvedVolumeMount[]> {
  if (mounts.length === 0) return [];
  const backend = volumes ?? unavailable();
  const resolved: ResolvedVolumeMount[] = [];
  for (const mount of mounts) {
    const volume = await backend.getByName(tenant, mount.name);
    resolved.push({ volumeId: volume.volumeId, name: volume.name, path: mount.path });
  }
  return resolved;
}
