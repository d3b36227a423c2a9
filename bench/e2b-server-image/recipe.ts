/**
 * What the offline build of E2B's interpreter server image is made of: which Debian 13 packages
 * stand in for the Python requirements E2B pins (its template installs them from PyPI, which this
 * machine cannot reach), which of E2B's files go where (the paths its start-up.sh and server
 * expect), and the Dockerfile that puts them together. E2B's files are read from a checkout at
 * build time; none of them is in this repository.
 */
import { BUILD_CA_ARG } from '../../packages/host-runner/dist/templates/build-ca.js';

/** One of E2B's pinned requirements and the Debian package that provides it. */
export interface Requirement {
  /** The distribution name as E2B's requirements files spell it (without extras). */
  readonly pip: string;
  readonly deb: string;
  /** The name importlib.metadata knows the installed distribution by. */
  readonly dist: string;
}

/**
 * The requirements the server and Jupyter need to answer `POST /execute`, and the data stack its
 * kernel start-up scripts and chart extraction touch (template/requirements.txt's first block,
 * template/server/requirements.txt). uvicorn's `[standard]` extra is uvloop and httptools, which
 * change how fast it serves, so they are installed too. The rest of E2B's list (scikit-learn, spacy,
 * ...) is not imported by a "1+1" round trip and stays out; the build prints that.
 */
export const REQUIREMENTS: readonly Requirement[] = [
  { pip: 'jupyter-server', deb: 'python3-jupyter-server', dist: 'jupyter_server' },
  { pip: 'ipykernel', deb: 'python3-ipykernel', dist: 'ipykernel' },
  { pip: 'ipython', deb: 'python3-ipython', dist: 'ipython' },
  { pip: 'orjson', deb: 'python3-orjson', dist: 'orjson' },
  { pip: 'pandas', deb: 'python3-pandas', dist: 'pandas' },
  { pip: 'matplotlib', deb: 'python3-matplotlib', dist: 'matplotlib' },
  { pip: 'pillow', deb: 'python3-pil', dist: 'pillow' },
  { pip: 'numpy', deb: 'python3-numpy', dist: 'numpy' },
  { pip: 'tornado', deb: 'python3-tornado', dist: 'tornado' },
  { pip: 'fastapi', deb: 'python3-fastapi', dist: 'fastapi' },
  { pip: 'httpx', deb: 'python3-httpx', dist: 'httpx' },
  { pip: 'websockets', deb: 'python3-websockets', dist: 'websockets' },
  { pip: 'uvicorn', deb: 'python3-uvicorn', dist: 'uvicorn' },
  { pip: 'pydantic', deb: 'python3-pydantic', dist: 'pydantic' },
];

/**
 * Debian packages beyond the requirements: the `jupyter` and `uvicorn` commands start-up.sh runs
 * (`jupyter kernelspec` too, which ijavascript's installer calls),
 * uvicorn's `[standard]` extra, and the tools E2B's template installs with apt (curl for the
 * health check, sudo and a `user` account as in its Docker variant).
 */
export const EXTRA_DEBIAN_PACKAGES: readonly string[] = ['jupyter-core', 'jupyter-client', 'jupyter-server', 'uvicorn', 'python3-uvloop', 'python3-httptools', 'curl', 'sudo', 'procps'];

/** The JavaScript kernel's run-time packages (E2B's template uses Node 20 and ijavascript). */
export const JAVASCRIPT_RUNTIME_PACKAGES: readonly string[] = ['nodejs', 'libzmq5'];

/**
 * What compiling ijavascript's zeromq binding against Debian's libzmq and Node headers needs: the
 * npm package ships prebuilt bindings only for older Node ABIs, and building libzmq itself would
 * download its sources from outside the registries.
 */
export const JAVASCRIPT_BUILD_PACKAGES: readonly string[] = ['npm', 'node-gyp', 'libzmq3-dev', 'libnode-dev', 'g++', 'make', 'python3'];

/** From npm: the upstream of E2B's fork (E2B installs e2b-dev/ijavascript from git, which is not a registry). */
export const IJAVASCRIPT_PACKAGE = 'ijavascript@5.2.1';

export function debianPackages(): string[] {
  return [...REQUIREMENTS.map((r) => r.deb), ...EXTRA_DEBIAN_PACKAGES, ...JAVASCRIPT_RUNTIME_PACKAGES];
}

/** E2B's checkout, the files the build reads: the server, its config, its scripts and e2b_charts. */
export const CHECKOUT_FILES = [
  'template/server/main.py',
  'template/start-up.sh',
  'template/jupyter-healthcheck.sh',
  'template/jupyter_server_config.py',
  'template/ipython_kernel_config.py',
  'template/matplotlibrc',
  'template/startup_scripts',
  'template/requirements.txt',
  'template/server/requirements.txt',
  'template/template.py',
  'chart_data_extractor/e2b_charts/__init__.py',
] as const;

/** `name==version` lines of a requirements file, by lower-case name without extras. */
export function parsePins(requirements: string): Map<string, string> {
  const pins = new Map<string, string>();
  for (const raw of requirements.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;]+)/.exec(line);
    if (m?.[1] && m[2]) pins.set(m[1].toLowerCase().replace(/_/g, '-'), m[2]);
  }
  return pins;
}

export interface VersionRow {
  readonly name: string;
  readonly installed: string;
  /** E2B's pin, or undefined when it pins none. */
  readonly pinned: string | undefined;
}

/**
 * "fastapi 0.115.11 (E2B pins 0.111.0)", or "(as E2B pins)" when the upstream version is the same:
 * Debian marks repacked sources (`2.2.3+dfsg`), and a pin of a series (`3.13`) covers its releases.
 */
export function versionText(row: VersionRow): string {
  if (row.pinned === undefined) return `${row.name} ${row.installed}`;
  const upstream = row.installed.replace(/\+.*$/, '');
  const same = upstream === row.pinned || upstream.startsWith(`${row.pinned}.`);
  return `${row.name} ${row.installed} (${same ? 'as E2B pins' : `E2B pins ${row.pinned}`})`;
}

/** The Python and Node versions E2B's template.py starts from (`python:3.13`, NodeSource `setup_20.x`). */
export function templatePins(templatePy: string): Map<string, string> {
  const pins = new Map<string, string>();
  const python = /from_image\(\s*["']python:(\d+(?:\.\d+)*)/.exec(templatePy)?.[1];
  const node = /setup_(\d+)\.x/.exec(templatePy)?.[1];
  if (python) pins.set('python', python);
  if (node) pins.set('node', node);
  return pins;
}

/**
 * ijavascript with its zeromq binding compiled here; only its installed tree is copied into the
 * image (imageDockerfile), so the compilers stay out. The host's extra CA (a TLS-intercepting proxy
 * in front of the npm registry) comes in as the project's build argument and leaves with the step.
 */
export function ijavascriptDockerfile(from: string): string {
  return [
    `FROM ${from}`,
    `ARG ${BUILD_CA_ARG}`,
    'RUN set -eu; apt-get update; \\',
    `    DEBIAN_FRONTEND=noninteractive apt-get install -y -o Dpkg::Options::=--force-unsafe-io --no-install-recommends ${JAVASCRIPT_BUILD_PACKAGES.join(' ')}; \\`,
    `    printf '%s' "$${BUILD_CA_ARG}" > /tmp/build-ca.pem; \\`,
    `    NODE_EXTRA_CA_CERTS=/tmp/build-ca.pem npm_config_zmq_external=true npm_config_nodedir=/usr npm install --global --unsafe-perm --no-audit --no-fund ${IJAVASCRIPT_PACKAGE}; \\`,
    '    rm -f /tmp/build-ca.pem',
    '',
  ].join('\n');
}

export interface DockerfileInput {
  /** The image (id) with the Debian packages installed. */
  readonly from: string;
  /** The image (id) ijavascriptDockerfile built. */
  readonly ijavascript: string;
}

/**
 * The layer on top of the Debian packages, with E2B's files in the build context under `e2b/`.
 * The paths are E2B's (template.py's `is_docker` variant): the server in /root/.server run by
 * `.venv/bin/uvicorn`, Jupyter's config and scripts in /root/.jupyter, IPython's profile and start-up
 * scripts in /root/.ipython, the work directory /home/user of the `user` account. The server's
 * virtualenv holds only the uvicorn command: every package it imports is Debian's.
 */
export function imageDockerfile(input: DockerfileInput): string {
  return [
    `FROM ${input.from}`,
    `COPY --from=${input.ijavascript} /usr/local/lib/node_modules/ijavascript /usr/local/lib/node_modules/ijavascript`,
    // npm's links for the package's commands (the kernel spec runs `ijskernel` from PATH): the
    // stage's /usr/local/bin holds nothing else.
    `COPY --from=${input.ijavascript} /usr/local/bin/ /usr/local/bin/`,
    // What E2B's template runs: the kernel spec named "javascript".
    'RUN ijsinstall --install=global',
    'COPY e2b/server /root/.server',
    'COPY e2b/matplotlibrc /root/.config/matplotlib/.matplotlibrc',
    'COPY e2b/jupyter-healthcheck.sh e2b/start-up.sh e2b/jupyter_server_config.py /root/.jupyter/',
    'COPY e2b/ipython_kernel_config.py /root/.ipython/profile_default/',
    'COPY e2b/startup_scripts /root/.ipython/profile_default/startup',
    'COPY e2b/e2b_charts /usr/lib/python3/dist-packages/e2b_charts',
    'RUN set -eu; \\',
    '    mkdir -p /root/.server/.venv/bin; ln -s /usr/bin/uvicorn /root/.server/.venv/bin/uvicorn; \\',
    '    chmod +x /root/.jupyter/jupyter-healthcheck.sh /root/.jupyter/start-up.sh; \\',
    '    useradd -m user; echo "user ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers; \\',
    '    python3 -m compileall -q /usr/lib/python3/dist-packages/e2b_charts /root/.server',
    'WORKDIR /root',
    'EXPOSE 8888 49999',
    'CMD ["/root/.jupyter/start-up.sh"]',
    '',
  ].join('\n');
}

/** Printed by the build, run in the image: installed versions of the requirements, as JSON. */
export function versionProbe(): string[] {
  const dists = JSON.stringify(REQUIREMENTS.map((r) => [r.pip, r.dist]));
  const py = [
    'import importlib.metadata as m, json, platform, subprocess',
    `out = {pip: m.version(dist) for pip, dist in ${dists}}`,
    'out["python"] = platform.python_version()',
    'out["node"] = subprocess.check_output(["node", "--version"], text=True).strip().lstrip("v")',
    'out["ijavascript"] = json.load(open("/usr/local/lib/node_modules/ijavascript/package.json"))["version"]',
    'print(json.dumps(out))',
  ].join('\n');
  return ['python3', '-c', py];
}
