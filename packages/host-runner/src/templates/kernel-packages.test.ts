import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDebianPackageName } from './debian-package-name.js';
import { KernelPackageListError } from './errors.js';
import { defaultKernelPackageListPath, parseKernelPackageList, parseKernelPackages, readKernelPackageList, readKernelPackages } from './kernel-packages.js';

const dir = await mkdtemp(join(tmpdir(), 'codebox-kernel-list-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseKernelPackages', () => {
  it('keeps one name a line in file order, each once, without comments or blank lines', () => {
    const text = ['# Python', 'python3-numpy', '', '  r-base-core   # R itself', 'python3-numpy', '\topenjdk-21-jdk-headless', 'libstdc++6', '#last'].join('\n');
    expect(parseKernelPackages(text, 'list.txt')).toEqual(['python3-numpy', 'r-base-core', 'openjdk-21-jdk-headless', 'libstdc++6']);
    expect(parseKernelPackages('# nothing yet\n\n', 'list.txt')).toEqual([]);
  });

  it('names the file and line of anything that is not one Debian package name and its checks', () => {
    for (const [bad, line] of [
      ['python3-numpy python3-pandas', 2],
      ['Python3', 2],
      ['curl; reboot', 2],
      ['$(id)', 2],
      ['nodejs run:node;id', 2],
      ['nodejs run:/usr/bin/node', 2],
      ['python3-yaml import:', 2],
      ['python3-yaml import:a-b', 2],
      ['python3-yaml require:yaml', 2],
    ] as const) {
      const error = (() => {
        try {
          return parseKernelPackages(`# header\n${bad}\n`, '/src/kernels/debian-packages.txt');
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(KernelPackageListError);
      expect(error).toMatchObject({ name: 'KernelPackageListError', path: '/src/kernels/debian-packages.txt' });
      expect((error as Error).message).toContain(`/src/kernels/debian-packages.txt is unusable: line ${line} (${JSON.stringify(bad)})`);
      expect((error as Error).message).toContain('Each line is one Debian package name');
    }
  });
});

describe('parseKernelPackageList', () => {
  it('reads the import:/run: checks after each name, gathering those of a repeated name', () => {
    const text = ['python3-yaml   import:yaml  # PyYAML', 'npm run:npm run:npx', 'r-base-core', 'python3-yaml import:yaml.cyaml'].join('\n');
    expect(parseKernelPackageList(text, 'list.txt')).toEqual([
      { name: 'python3-yaml', imports: ['yaml', 'yaml.cyaml'], programs: [] },
      { name: 'npm', imports: [], programs: ['npm', 'npx'] },
      { name: 'r-base-core', imports: [], programs: [] },
    ]);
  });
});

describe('readKernelPackages', () => {
  it('reads a list file, and says which file could not be read', async () => {
    await writeFile(join(dir, 'list.txt'), 'python3-numpy\n');
    expect(await readKernelPackages(join(dir, 'list.txt'))).toEqual(['python3-numpy']);
    await expect(readKernelPackages(join(dir, 'missing.txt'))).rejects.toThrow(/missing\.txt is unusable: it cannot be read \(ENOENT\)/);
  });

  it("finds the sandbox-agent package's list, whose every entry is a package name", async () => {
    const names = await readKernelPackages(defaultKernelPackageListPath());
    expect(defaultKernelPackageListPath()).toMatch(/sandbox-agent\/kernels\/debian-packages\.txt$/);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every(isDebianPackageName)).toBe(true);
  });

  it('has, in the real list, a check for each library the issue names and for the tools', async () => {
    const entries = await readKernelPackageList(defaultKernelPackageListPath());
    const imports = entries.flatMap((entry) => entry.imports);
    const programs = entries.flatMap((entry) => entry.programs);
    for (const module of ['seaborn', 'sklearn', 'plotly', 'openpyxl', 'bs4', 'nltk', 'cv2', 'statsmodels', 'xlrd', 'docx', 'tabulate', 'yaml'])
      expect(imports).toContain(module);
    for (const module of ['networkx', 'aiohttp', 'numba', 'skimage', 'soundfile', 'pytest', 'ipywidgets', 'scipy', 'PIL', 'sympy', 'lxml'])
      expect(imports).toContain(module);
    for (const program of ['python', 'pip', 'node', 'npm', 'npx', 'gcc', 'ffmpeg']) expect(programs).toContain(program);
  });
});
