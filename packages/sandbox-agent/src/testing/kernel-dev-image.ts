// Test support: the image the Python, R and Java kernel tests run in. It is the real
// `code-interpreter-v1` template, which carries every package in kernels/debian-packages.txt;
// the integration layer's global setup (test/support/templates-ready.ts) builds it before any
// test file starts. The tests mount their own freshly built bridges, helper and harness over it.
import { execFileSync } from 'node:child_process';

const KERNEL_IMAGE = 'codebox/code-interpreter-v1:latest';
/** On every container these tests make, so they remove only their own. */
export const DEV_IMAGE_LABEL = 'codebox.test=sandbox-agent-kernels';

export function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', KERNEL_IMAGE], { stdio: 'ignore' });
    return process.geteuid?.() === 0;
  } catch {
    return false;
  }
}

export function kernelImage(): string {
  return KERNEL_IMAGE;
}
