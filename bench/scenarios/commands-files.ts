// Command round trip and a 1 MiB file write + read, through the official SDK and ours, against the
// same operations through Docker's API on a plain container of the same image.
import * as e2b from 'e2b';
import { pack } from 'tar-stream';
import { Sandbox } from '@codebox/core-client';
import { createPlain, execPlain, removePlain, sandboxImage } from '../plain-container.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario } from '../scenario.ts';
import { summarizeTimed, timeEach } from '../stats.ts';

const MIB = 1024 * 1024;

/** A tar archive holding one file, for Docker's PUT /archive. */
async function tarOf(name: string, data: Uint8Array): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name }, Buffer.from(data));
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const commandsAndFiles: Scenario = {
  id: 'commands-files',
  title: 'Command round trip; 1 MiB file write + read',
  async run(ctx): Promise<ScenarioResult[]> {
    const runs = ctx.runs(50, 10);
    const ours = await Sandbox.create('base', ctx.opts);
    try {
      const official = await e2b.Sandbox.connect(ours.sandboxId);
      const image = await sandboxImage(ctx.docker, ours.sandboxId);
      const plain = await createPlain(ctx.docker, { image, runtime: ctx.runtime, cmd: ['sleep', 'infinity'] });
      try {
        await plain.start();
        // Every path warm before timing.
        await official.commands.run('echo hi');
        await ours.commands.run('echo hi');
        await execPlain(plain, ['/bin/bash', '-l', '-c', 'echo hi']);
        ctx.progress(`commands.run("echo hi"), ${runs} each`);
        const officialCmd = 'official e2b SDK commands.run("echo hi")';
        const dockerCmd = 'docker exec /bin/bash -l -c "echo hi" in a plain container of the same image';
        const cmd = [
          summarizeTimed(officialCmd, await timeEach(runs, () => official.commands.run('echo hi'))),
          summarizeTimed('Codebox client commands.run("echo hi")', await timeEach(runs, () => ours.commands.run('echo hi'))),
          summarizeTimed(dockerCmd, await timeEach(runs, () => execPlain(plain, ['/bin/bash', '-l', '-c', 'echo hi']))),
        ];
        ctx.progress(`files.write + read 1 MiB, ${runs} each`);
        const payload = new Uint8Array(MIB).map((_, i) => i % 251);
        const check = (back: Uint8Array): void => {
          if (back.length !== MIB || back[MIB - 1] !== (MIB - 1) % 251) throw new Error('the file came back changed');
        };
        const officialFile = 'official e2b SDK files.write + files.read, 1 MiB';
        const dockerFile = "Docker's PUT + GET /archive of a 1 MiB file, plain container of the same image";
        const tar = await tarOf('bench.bin', payload);
        const file = [
          summarizeTimed(
            officialFile,
            await timeEach(runs, async () => {
              await official.files.write('/home/user/bench.bin', payload.buffer);
              check(await official.files.read('/home/user/bench.bin', { format: 'bytes' }));
            }),
          ),
          summarizeTimed(
            'Codebox client files.write + files.read, 1 MiB',
            await timeEach(runs, async () => {
              await ours.files.write('/home/user/bench.bin', payload);
              check(await ours.files.read('/home/user/bench.bin', { format: 'bytes' }));
            }),
          ),
          summarizeTimed(
            dockerFile,
            await timeEach(runs, async () => {
              await plain.putArchive(tar, { path: '/tmp' });
              const stream = await plain.getArchive({ path: '/tmp/bench.bin' });
              let bytes = 0;
              for await (const chunk of stream) bytes += (chunk as Buffer).length;
              if (bytes < MIB) throw new Error('short archive');
            }),
          ),
        ];
        return [
          measuredResult({
            id: 'command-round-trip',
            title: 'Command round trip',
            runtime: ctx.runtime,
            method: `A base sandbox, warm; ${runs} commands one after another through each client (a login shell, as the SDKs run commands). The baseline runs the same login shell with docker exec in a plain container of the same image.`,
            samples: cmd,
            measured: officialCmd,
            baseline: { sample: dockerCmd, note: 'the same command through the container engine, without Codebox' },
            targets: [],
          }),
          measuredResult({
            id: 'file-1mib',
            title: '1 MiB file write + read',
            runtime: ctx.runtime,
            method: `${runs} times: 1 MiB written to the sandbox's home and read back (checked) through each client. The baseline copies the same bytes in and out of a plain container through Docker's archive API.`,
            samples: file,
            measured: officialFile,
            baseline: { sample: dockerFile, note: 'the same bytes in and out through the container engine' },
            targets: [],
          }),
        ];
      } finally {
        await removePlain(plain);
      }
    } finally {
      await ours.kill();
    }
  },
};
