import { OPEN_EGRESS } from '../egress/egress-policy.js';
import type { SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { generateSandboxId } from '../sandboxes/sandbox-ids.js';
import type { TemplateImage } from '../templates/template-catalog.js';
import type { PoolShape } from './pool-eligibility.js';

/**
 * A warm-pool container's spec: a cold create's of the same template and shape with no owner yet
 * (empty tenant, metadata, env vars and tokens, open egress); the hand-over brings the owner's.
 * `expiresAt` is never acted on: a pooled container is no sandbox until handed over, and the
 * hand-over writes the real expiry.
 */
export function pooledSandboxSpec(template: TemplateImage, shape: PoolShape, now: Date, expiresAt: Date): SandboxSpec {
  return {
    sandboxId: generateSandboxId(),
    tenant: '',
    templateId: template.name,
    image: shape.image,
    metadata: {},
    envVars: {},
    allowInternetAccess: true,
    startedAt: now,
    expiresAt,
    limits: shape.limits,
    runtime: shape.runtime,
    network: { egress: OPEN_EGRESS, allowPublicTraffic: true },
    pooled: true,
  };
}
