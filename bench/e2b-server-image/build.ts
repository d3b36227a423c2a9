// Builds E2B's interpreter server image (`e2b-code-interpreter:local`, the bench's baseline for
// runCode) without PyPI: a Debian 13 tree by debootstrap, Debian's packages for what the server and
// Jupyter import, and E2B's own server, configuration and scripts copied from a checkout of
// e2b-dev/code-interpreter at build time. See --help.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs, promisify } from 'node:util';
import Docker from 'dockerode';
import { pino } from 'pino';
import { BASE_ROOTFS_RECIPE } from '../../packages/host-runner/dist/templates/base-rootfs-recipe.js';
import { buildRootfsWithDebootstrap } from '../../packages/host-runner/dist/templates/debootstrap-rootfs.js';
import { BUILD_CA_ARG, readHostCaBundle } from '../../packages/host-runner/dist/templates/build-ca.js';
import { buildPackageLayer } from '../../packages/host-runner/dist/templates/package-layer.js';
import { chooseRootfsSource, probeRootfsHost } from '../../packages/host-runner/dist/templates/rootfs-source.js';
import { DockerImageBackend } from '../../packages/host-runner/dist/docker/docker-image-backend.js';
import { E2B_IMAGE, E2bInterpreterServer, SOURCE_LABEL, VERSIONS_LABEL } from '../e2b-interpreter-server.ts';
import {
  CHECKOUT_FILES,
  debianPackages,
  IJAVASCRIPT_PACKAGE,
  ijavascriptDockerfile,
  imageDockerfile,
  parsePins,
  REQUIREMENTS,
  templatePins,
  versionProbe,
  versionText,
  type VersionRow,
} from './recipe.ts';

const run = promisify(execFile);
/** Upper bound of each docker build (apt-get and npm downloads on a shared 2-core machine). */
const BUILD_TIMEOUT_MS = 40 * 60_000;

const HELP = `Usage: node bench/e2b-server-image/build.ts --from <e2b-dev/code-interpreter checkout> [options]

Builds ${E2B_IMAGE} (BENCH_E2B_IMAGE), E2B's own interpreter server (Jupyter on 8888, its FastAPI
server on 49999), from Debian 13 packages instead of PyPI: debootstrap of trixie, apt-get install of
Debian's fastapi, uvicorn, jupyter-server, ipykernel, pandas, matplotlib, ... and E2B's server,
configuration, start-up scripts and e2b_charts package taken from the checkout. Prints the installed
versions beside E2B's pins and stores them in the image (label ${VERSIONS_LABEL}), where the bench
reads them for docs/benchmarks.md. Needs root, debootstrap and dockerd; reaches only the Debian mirror
and (for the JavaScript kernel) the npm registry. Takes ~3-5 min on 2 cores.

Options:
  --from <dir>         a checkout of https://github.com/e2b-dev/code-interpreter, or a bare git
                       directory of it (its HEAD is archived); required
  --tag <image>        the image to build (default ${E2B_IMAGE})
  --mirror <url>       Debian mirror for debootstrap (default ${BASE_ROOTFS_RECIPE.mirror})
  --work-dir <dir>     scratch space for the Debian tree (default: a new directory under ${tmpdir()})
  --verbose            every line of the docker builds
  -h, --help           this text

Get a checkout: git clone https://github.com/e2b-dev/code-interpreter`;

const { values: args } = parseArgs({
  options: {
    from: { type: 'string' },
    tag: { type: 'string', default: E2B_IMAGE },
    mirror: { type: 'string', default: BASE_ROOTFS_RECIPE.mirror },
    'work-dir': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(HELP);
  process.exit(0);
}

class BuildFailedError extends Error {
  override readonly name = 'BuildFailedError';
}

const started = Date.now();
function progress(message: string): void {
  process.stderr.write(`[e2b-image ${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${message}\n`);
}

// The template machinery logs with pino; its messages become progress lines.
const logger = pino(
  { level: args.verbose ? 'debug' : 'info', base: undefined, timestamp: false },
  {
    write(line: string) {
      const { msg, durationMs } = JSON.parse(line) as { msg?: string; durationMs?: number };
      if (msg) progress(`${msg}${durationMs === undefined ? '' : ` (${Math.round(durationMs / 1000)} s)`}`);
    },
  },
);

/** E2B's files in a directory: the checkout itself, or HEAD of a bare git directory archived into scratch. */
async function sourceTree(from: string, scratch: string): Promise<{ dir: string; commit: string | undefined }> {
  const dir = resolve(from);
  const gitCommit = async (gitArgs: string[]) => (await run('git', [...gitArgs, 'rev-parse', 'HEAD']).catch(() => undefined))?.stdout.trim();
  if (existsSync(join(dir, 'template'))) return { dir, commit: await gitCommit(['-C', dir]) };
  if (existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects'))) {
    const out = join(scratch, 'e2b-source');
    await mkdir(out, { recursive: true });
    progress(`archiving HEAD of ${dir}`);
    await pipeline(['git', `--git-dir=${dir}`, 'archive', 'HEAD', 'template', 'chart_data_extractor'], ['tar', '-x', '-C', out]);
    return { dir: out, commit: await gitCommit([`--git-dir=${dir}`]) };
  }
  throw new BuildFailedError(`${dir} is neither a checkout of e2b-dev/code-interpreter nor its git directory (no template/, no HEAD)`);
}

async function pipeline(left: string[], right: string[]): Promise<void> {
  const [lcmd, ...largs] = left as [string, ...string[]];
  const [rcmd, ...rargs] = right as [string, ...string[]];
  const a = spawn(lcmd, largs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const b = spawn(rcmd, rargs, { stdio: ['pipe', 'inherit', 'inherit'] });
  a.stdout.pipe(b.stdin);
  const exit = (child: typeof a | typeof b) => new Promise<number | null>((ok, fail) => child.on('error', fail).on('close', ok));
  const [ca, cb] = await Promise.all([exit(a), exit(b)]);
  if (ca !== 0 || cb !== 0) throw new BuildFailedError(`${left.join(' ')} | ${right.join(' ')} failed (${ca}, ${cb})`);
}

/** A directory as a build context (tar stream). */
function tarOf(dir: string): Readable {
  return spawn('tar', ['-C', dir, '-c', '--exclude=__pycache__', '.'], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
}

function dockerfileOnly(dir: string, dockerfile: string): Readable {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return tarOf(dir);
}

/** The build context: the Dockerfile and E2B's files under e2b/. */
async function buildContext(source: string, dir: string, dockerfile: string): Promise<Readable> {
  await mkdir(join(dir, 'e2b'), { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
  const t = (p: string) => join(source, 'template', p);
  for (const name of ['server', 'startup_scripts', 'matplotlibrc', 'jupyter-healthcheck.sh', 'start-up.sh', 'jupyter_server_config.py', 'ipython_kernel_config.py']) {
    await cp(t(name), join(dir, 'e2b', name), { recursive: true });
  }
  await cp(join(source, 'chart_data_extractor/e2b_charts'), join(dir, 'e2b/e2b_charts'), { recursive: true });
  // Anything a local run of E2B's server left behind (a virtualenv, caches) stays out of the image.
  await rm(join(dir, 'e2b/server/.venv'), { recursive: true, force: true });
  return tarOf(dir);
}

async function main(): Promise<void> {
  if (!args.from) throw new BuildFailedError(`--from <dir> is required: a checkout of e2b-dev/code-interpreter (git clone https://github.com/e2b-dev/code-interpreter), or its git directory`);
  const choice = chooseRootfsSource('debootstrap', await probeRootfsHost());
  if (choice.unusable) throw new BuildFailedError(`cannot debootstrap: ${choice.unusable}`);

  const docker = new Docker();
  const images = new DockerImageBackend(docker);
  const scratch = args['work-dir'] ? resolve(args['work-dir']) : await mkdtemp(join(tmpdir(), 'e2b-image-'));
  await mkdir(scratch, { recursive: true });
  const repo = 'codebox-e2b-baseline';
  const step = String(process.pid);
  const labels = { 'codebox.e2b-baseline.build': step };
  const temporary: string[] = [];
  try {
    const { dir: source, commit } = await sourceTree(args.from, scratch);
    const missing = CHECKOUT_FILES.filter((f) => !existsSync(join(source, f)));
    if (missing.length > 0) throw new BuildFailedError(`${source} lacks ${missing.join(', ')}: is it e2b-dev/code-interpreter?`);
    const pins = new Map([
      ...parsePins(await readFile(join(source, 'template/requirements.txt'), 'utf8')),
      ...parsePins(await readFile(join(source, 'template/server/requirements.txt'), 'utf8')),
      ...templatePins(await readFile(join(source, 'template/template.py'), 'utf8')),
    ]);
    progress(`E2B's checkout: ${source}${commit ? ` at ${commit.slice(0, 12)}` : ''}`);
    const skipped = [...pins.keys()].filter((name) => !REQUIREMENTS.some((r) => r.pip === name) && name !== 'python' && name !== 'node');
    progress(`not installed (a "1+1" round trip does not import them): ${skipped.join(', ')}`);

    const packages = debianPackages();
    const recipe = { ...BASE_ROOTFS_RECIPE, mirror: args.mirror };
    progress(`1/5 debootstrap ${recipe.suite} from ${recipe.mirror}`);
    const rootfs = { repo, tag: `rootfs-${step}`, labels };
    temporary.push(`${repo}:${rootfs.tag}`);
    const rootfsId = await buildRootfsWithDebootstrap(images, recipe, scratch, rootfs, logger);

    progress(`2/5 apt-get install ${packages.length} Debian packages: ${packages.join(' ')}`);
    const layer = { repo, tag: `packages-${step}`, labels };
    temporary.push(`${repo}:${layer.tag}`);
    const layerId = await buildPackageLayer(images, { fromImageId: rootfsId, suite: recipe.suite, packages, target: layer, timeoutMs: BUILD_TIMEOUT_MS }, logger);

    // E2B's server creates a JavaScript context at start-up and does not start without the kernel.
    progress(`3/5 the JavaScript kernel: ${IJAVASCRIPT_PACKAGE} from npm, its zeromq binding compiled against Debian's libzmq`);
    const jsRef = `${repo}:ijavascript-${step}`;
    temporary.push(jsRef);
    const ca = await readHostCaBundle();
    const ijavascript = await images.build(
      dockerfileOnly(join(scratch, 'ijavascript'), ijavascriptDockerfile(layerId)),
      { tags: [jsRef], labels, buildArgs: ca ? { [BUILD_CA_ARG]: ca } : {}, signal: AbortSignal.timeout(BUILD_TIMEOUT_MS) },
      logger,
    );

    progress("4/5 E2B's server, configuration and start-up scripts");
    const staged = `${repo}:image-${step}`;
    temporary.push(staged);
    const context = await buildContext(source, join(scratch, 'context'), imageDockerfile({ from: layerId, ijavascript }));
    const stagedId = await images.build(context, { tags: [staged], labels, signal: AbortSignal.timeout(BUILD_TIMEOUT_MS) }, logger);

    progress('5/5 versions and a smoke test');
    const probe = await run('docker', ['run', '--rm', '--network', 'none', '--label', `codebox.e2b-baseline.build=${step}`, stagedId, ...versionProbe()]);
    const installed = JSON.parse(probe.stdout) as Record<string, string>;
    const rows: VersionRow[] = Object.entries(installed).map(([name, version]) => ({ name, installed: version, pinned: pins.get(name) }));
    const text = `built from Debian 13 packages: ${rows.map(versionText).join(', ')}`;
    progress(text);

    // The smoke test runs before the tag moves, so a failed build leaves the previous image in place.
    const server = await E2bInterpreterServer.start(docker, stagedId);
    try {
      await server.execute('1+1', 'python');
      await server.execute('1+1', 'javascript');
    } finally {
      await server.close();
    }
    progress(`E2B's server answers POST /execute "1+1" in Python and JavaScript`);

    const previous = await images.inspect(args.tag);
    const finalLabels = { [VERSIONS_LABEL]: text, [SOURCE_LABEL]: `e2b-dev/code-interpreter${commit ? `@${commit}` : ''}` };
    // The labels need the versions, known only once the image exists: one more build, of no layer.
    const imageId = await images.build(dockerfileOnly(join(scratch, 'final'), `FROM ${stagedId}\n`), { tags: [args.tag], labels: finalLabels }, logger);
    if (previous && previous.id !== imageId && (await images.removeIfUnused(previous.id))) progress(`removed the previous ${args.tag} (${previous.id.slice(7, 19)})`);
    progress(`${args.tag} (${imageId.slice(7, 19)}) built in ${Math.round((Date.now() - started) / 60_000)} min`);
  } finally {
    // Untagging keeps the layers the final image is made of; the ijavascript stage goes entirely.
    for (const ref of temporary.reverse()) await docker.getImage(ref).remove().catch(() => undefined);
    // A failed docker build keeps the layers of its finished steps as untagged images.
    const leftovers = await docker.listImages({ filters: { label: [`codebox.e2b-baseline.build=${step}`], dangling: ['true'] } });
    for (const image of leftovers) await docker.getImage(image.Id).remove().catch(() => undefined);
    if (!args['work-dir']) await rm(scratch, { recursive: true, force: true });
    else for (const d of ['context', 'ijavascript', 'final', 'e2b-source']) await rm(join(scratch, d), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  progress(`failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exit(1);
});
