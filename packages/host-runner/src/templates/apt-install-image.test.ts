import { describe, expect, it } from 'vitest';
import { aptInstallDockerfile } from './apt-install-image.js';

describe('aptInstallDockerfile', () => {
  it('starts FROM an image id as well as a reference, and installs exactly the given packages', () => {
    const dockerfile = aptInstallDockerfile({ from: 'sha256:6f5334a80fac', suite: 'trixie', packages: ['python3-numpy', 'r-base-core'] });
    expect(dockerfile.split('\n')[0]).toBe('FROM sha256:6f5334a80fac');
    expect(dockerfile).toContain('apt-get install -y -o Dpkg::Options::=--force-unsafe-io --no-install-recommends python3-numpy r-base-core; \\');
    expect(dockerfile).toContain('[ "$VERSION_CODENAME" = trixie ]');
  });
});
