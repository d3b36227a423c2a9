import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@e2b/code-interpreter';
import { defaultKernelPackageListPath, readKernelPackageList, type KernelPackageEntry } from '@codebox/host-runner';
import { useRunner } from '../support/use-runner.js';

// What LLM-written code expects of `code-interpreter-v1` (and `base`) beyond the kernels: every
// library and tool packages/sandbox-agent/kernels/debian-packages.txt lists, and `pip install` /
// `npm install` as `user`, through the official SDK. All in sandboxes without network: the
// packages installed are files the test makes in the sandbox itself.
useRunner();

const entries: KernelPackageEntry[] = await readKernelPackageList(defaultKernelPackageListPath());
const modules = entries.flatMap((entry) => entry.imports);
const programs = entries.flatMap((entry) => entry.programs);

/** Imports each module in a fresh interpreter, so one module's import cannot hide another's failure. */
const IMPORT_ALL = `
import json, subprocess, sys
failed = {}
for name in ${JSON.stringify(modules)}:
    run = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
    if run.returncode != 0:
        failed[name] = (run.stderr.strip().splitlines() or ["exit %d" % run.returncode])[-1]
print(json.dumps(failed))
`;

/** `P --version` (ffmpeg: `-version`) for every program; prints those that are missing or fail, with their output's last line. */
const RUN_ALL = `failed=0
for p in ${programs.join(' ')}; do
  if ! out="$("$p" --version 2>&1 </dev/null || "$p" -version 2>&1 </dev/null)"; then echo "$p: $(printf '%s' "$out" | tail -n 1)"; failed=1; fi
done
exit $failed`;

/**
 * Writes `/home/user/wheels/<name>-1.0-py3-none-any.whl`, a wheel of one module `name` whose
 * `VALUE` is the string `name`: a zip of the module and its dist-info, as any build backend makes.
 */
const MAKE_WHEEL = `
import base64, hashlib, os, sys, zipfile
name, version = sys.argv[1], "1.0"
files = {
    f"{name}.py": f"VALUE = {name!r}\\n",
    f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n",
    f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: codebox-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
for path, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(text.encode())}")
record.append(f"{name}-{version}.dist-info/RECORD,,")
os.makedirs("/home/user/wheels", exist_ok=True)
with zipfile.ZipFile(f"/home/user/wheels/{name}-{version}-py3-none-any.whl", "w") as wheel:
    for path, text in files.items():
        wheel.writestr(path, text)
    wheel.writestr(f"{name}-{version}.dist-info/RECORD", "\\n".join(record) + "\\n")
`;

async function makeWheels(sandbox: Sandbox, names: readonly string[]): Promise<void> {
  await sandbox.files.write('/home/user/make_wheel.py', MAKE_WHEEL);
  for (const name of names) await sandbox.commands.run(`python3 /home/user/make_wheel.py ${name}`);
}

describe('code-interpreter-v1 packages', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.create('code-interpreter-v1', { allowInternetAccess: false });
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('imports every Python module the package list names', async () => {
    expect(modules.length).toBeGreaterThan(30);
    const execution = await sandbox.runCode(IMPORT_ALL, { timeoutMs: 300_000 });
    expect(execution.error).toBeUndefined();
    expect(JSON.parse(execution.logs.stdout.join(''))).toEqual({});
  });

  it('runs every program the package list names, as user', async () => {
    const run = await sandbox.commands.run(RUN_ALL, { timeoutMs: 120_000 }).catch((err: unknown) => err);
    expect(run).toMatchObject({ exitCode: 0, stdout: '' });
    const compiled = await sandbox.commands.run(
      'printf "#include <stdio.h>\\nint main(void){puts(\\"compiled\\");return 0;}\\n" > ~/hello.c && gcc -o ~/hello ~/hello.c && ~/hello',
    );
    expect(compiled.stdout).toBe('compiled\n');
  });

  it('pip-installs as user from a command, `!pip` and `%pip`, each importable in the running kernel', async () => {
    // The kernel is up before anything is installed: the user site must be on its path already.
    expect((await sandbox.runCode('import site, sys; site.getusersitepackages() in sys.path')).text).toBe('True');
    await makeWheels(sandbox, ['pkprobe_cmd', 'pkprobe_bang', 'pkprobe_magic']);
    const installed = await sandbox.commands.run('pip install --no-index /home/user/wheels/pkprobe_cmd-1.0-py3-none-any.whl');
    expect(installed.stdout).toMatch(/Successfully installed pkprobe[-_]cmd-1\.0/);
    expect((await sandbox.runCode('import pkprobe_cmd; print(pkprobe_cmd.VALUE)')).logs.stdout).toEqual(['pkprobe_cmd\n']);

    const bang = await sandbox.runCode('!pip install --no-index /home/user/wheels/pkprobe_bang-1.0-py3-none-any.whl');
    expect(bang.error).toBeUndefined();
    expect(bang.logs.stdout.join('')).toMatch(/Successfully installed pkprobe[-_]bang-1\.0/);
    expect((await sandbox.runCode('import pkprobe_bang; print(pkprobe_bang.VALUE)')).logs.stdout).toEqual(['pkprobe_bang\n']);

    const magic = await sandbox.runCode('%pip install --no-index /home/user/wheels/pkprobe_magic-1.0-py3-none-any.whl');
    expect(magic.error).toBeUndefined();
    expect(magic.logs.stdout.join('')).toMatch(/Successfully installed pkprobe[-_]magic-1\.0/);
    expect((await sandbox.runCode('import pkprobe_magic; print(pkprobe_magic.VALUE)')).logs.stdout).toEqual(['pkprobe_magic\n']);

    // Into the user site, beside the template's own packages, which still import.
    const where = await sandbox.commands.run('python -c "import pkprobe_cmd, numpy, sklearn; print(pkprobe_cmd.__file__)"');
    expect(where.stdout.trim()).toMatch(/^\/home\/user\/\.local\/lib\/python3\.\d+\/site-packages\/pkprobe_cmd\.py$/);
  });

  it('npm-installs a package file as user in the home directory, and the JavaScript kernel requires it', async () => {
    const packed = await sandbox.commands.run(
      [
        'mkdir -p /home/user/src/pkprobe-npm && cd /home/user/src/pkprobe-npm',
        `printf '%s' '{"name":"pkprobe-npm","version":"1.0.0","main":"index.js"}' > package.json`,
        `printf '%s' 'exports.hello = () => "hello from pkprobe-npm";' > index.js`,
        'npm pack --silent',
      ].join(' && '),
    );
    expect(packed.stdout.trim()).toBe('pkprobe-npm-1.0.0.tgz');
    // No audit or funding look-ups: the package is a local file, the sandbox has no network.
    const installed = await sandbox.commands.run('npm install --no-audit --no-fund /home/user/src/pkprobe-npm/pkprobe-npm-1.0.0.tgz', { cwd: '/home/user' });
    expect(installed.exitCode).toBe(0);
    const required = await sandbox.runCode('require("pkprobe-npm").hello()', { language: 'javascript' });
    expect(required.error).toBeUndefined();
    expect(required.text).toContain('hello from pkprobe-npm');
    const fromNode = await sandbox.commands.run('node -e "console.log(require(\'pkprobe-npm\').hello())"', { cwd: '/home/user' });
    expect(fromNode.stdout).toBe('hello from pkprobe-npm\n');
  });
});

describe('base', () => {
  it('has `python` as well as `python3`, and pip installs as user', async () => {
    const sandbox = await Sandbox.create('base', { allowInternetAccess: false });
    try {
      const python = await sandbox.commands.run('python --version && python3 --version');
      expect(python.stdout).toMatch(/^Python 3\.\d+\.\d+\nPython 3\.\d+\.\d+\n$/);
      await makeWheels(sandbox, ['pkprobe_base']);
      const installed = await sandbox.commands.run('pip install --no-index /home/user/wheels/pkprobe_base-1.0-py3-none-any.whl && python -c "import pkprobe_base; print(pkprobe_base.VALUE)"');
      expect(installed.stdout).toMatch(/Successfully installed pkprobe[-_]base-1\.0/);
      expect(installed.stdout.trim().split('\n').at(-1)).toBe('pkprobe_base');
    } finally {
      await sandbox.kill();
    }
  });
});
