// Test support: the image the Python, R and Java kernel tests run in. It is the real
// `code-interpreter-v1` template, which carries every package in kernels/debian-packages.txt;
// the integration layer's global setup (test/support/templates-ready.ts) builds it before any
// test file starts. The tests mount their own freshly built bridges, helper and harness over it.
import { requireDockerImage, requireRoot } from '../../../../test/support/test-prerequisites.js';

const KERNEL_IMAGE = 'codebox/code-interpreter-v1:latest';
/** On every container these tests make, so they remove only their own. */
export const DEV_IMAGE_LABEL = 'codebox.test=sandbox-agent-kernels';

/** The image, once this host can run it: fails with what is missing (root, the image), never skips. */
export function kernelImage(): string {
  requireRoot('the kernel tests (the agent in the dev image)');
  requireDockerImage(KERNEL_IMAGE, 'the kernel tests');
  return KERNEL_IMAGE;
}
