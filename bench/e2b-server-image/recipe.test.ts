import { describe, expect, it } from 'vitest';
import { isDebianPackageName } from '../../packages/host-runner/dist/templates/debian-package-name.js';
import { debianPackages, ijavascriptDockerfile, imageDockerfile, parsePins, REQUIREMENTS, templatePins, versionProbe, versionText } from './recipe.ts';

describe("the offline recipe of E2B's server image", () => {
  it("reads E2B's pins, extras and comments aside", () => {
    const pins = parsePins('# Jupyter\njupyter-server==2.20.0\nuvicorn[standard]==0.30.1  # server\ne2b_charts\n\nPyYAML == 6.0 ; python_version>"3"\n');
    expect([...pins]).toEqual([
      ['jupyter-server', '2.20.0'],
      ['uvicorn', '0.30.1'],
      ['pyyaml', '6.0'],
    ]);
  });

  it('says how each installed version stands to the pin', () => {
    expect(versionText({ name: 'fastapi', installed: '0.115.11', pinned: '0.111.0' })).toBe('fastapi 0.115.11 (E2B pins 0.111.0)');
    expect(versionText({ name: 'httpx', installed: '0.28.1', pinned: '0.28.1' })).toBe('httpx 0.28.1 (as E2B pins)');
    expect(versionText({ name: 'pandas', installed: '2.2.3+dfsg', pinned: '2.2.3' })).toBe('pandas 2.2.3+dfsg (as E2B pins)');
    expect(versionText({ name: 'python', installed: '3.13.5', pinned: '3.13' })).toBe('python 3.13.5 (as E2B pins)');
    expect(versionText({ name: 'node', installed: '20.19.2', pinned: '2' })).toBe('node 20.19.2 (E2B pins 2)');
    expect(versionText({ name: 'ijavascript', installed: '5.2.1', pinned: undefined })).toBe('ijavascript 5.2.1');
  });

  it("reads the Python and Node versions E2B's template starts from", () => {
    const pins = templatePins('Template()\n  .from_image("python:3.13")\n  .run_cmd("curl -fsSL https://deb.nodesource.com/setup_20.x | bash -")');
    expect([...pins]).toEqual([
      ['python', '3.13'],
      ['node', '20'],
    ]);
    expect(templatePins('nothing').size).toBe(0);
  });

  it('installs only Debian package names: the server, Jupyter and the JavaScript runtime', () => {
    for (const name of debianPackages()) expect(isDebianPackageName(name), name).toBe(true);
    expect(debianPackages()).toEqual(expect.arrayContaining(['python3-fastapi', 'python3-jupyter-server', 'jupyter-core', 'jupyter-client', 'uvicorn', 'nodejs', 'libzmq5']));
  });

  it("puts E2B's files where its start-up.sh and server look for them", () => {
    const dockerfile = imageDockerfile({ from: 'sha256:abc', ijavascript: 'sha256:def' });
    expect(dockerfile.split('\n')[0]).toBe('FROM sha256:abc');
    expect(dockerfile).toContain('COPY e2b/server /root/.server');
    expect(dockerfile).toContain('ln -s /usr/bin/uvicorn /root/.server/.venv/bin/uvicorn');
    expect(dockerfile).toContain('COPY e2b/jupyter-healthcheck.sh e2b/start-up.sh e2b/jupyter_server_config.py /root/.jupyter/');
    expect(dockerfile).toContain('COPY e2b/startup_scripts /root/.ipython/profile_default/startup');
    expect(dockerfile).toContain('useradd -m user');
    expect(dockerfile).toContain('CMD ["/root/.jupyter/start-up.sh"]');
    expect(dockerfile).toContain('COPY --from=sha256:def /usr/local/lib/node_modules/ijavascript');
    expect(dockerfile).toContain('COPY --from=sha256:def /usr/local/bin/ /usr/local/bin/');
    expect(dockerfile).toContain('RUN ijsinstall --install=global');
  });

  it("compiles ijavascript with the host's CA only for the step that downloads", () => {
    const dockerfile = ijavascriptDockerfile('sha256:abc');
    expect(dockerfile).toContain('ARG CODEBOX_BUILD_CA_CERT');
    expect(dockerfile).toContain('NODE_EXTRA_CA_CERTS=/tmp/build-ca.pem npm_config_zmq_external=true');
    expect(dockerfile.trimEnd().endsWith('rm -f /tmp/build-ca.pem')).toBe(true);
  });

  it('asks the image for every requirement it installed', () => {
    const [, , script] = versionProbe();
    for (const r of REQUIREMENTS) expect(script).toContain(`"${r.dist}"`);
    expect(script).toContain('ijavascript');
  });
});
