// The Codebox demo: what an agent does with a sandbox, through the E2B-compatible client.
// Run it with `bash scripts/demo.sh` (starts a local runner), or point CODEBOX_API_URL and
// CODEBOX_API_KEY at a runner you started with `npx codebox serve`.
import { Sandbox } from '@codebox/core-client';

const step = (title: string): void => console.log(`\n\x1b[1m▶ ${title}\x1b[0m`);
const runnerPort = process.env.CODEBOX_DEMO_PORT ?? '3000';

async function tour(sandbox: Sandbox): Promise<void> {
  step('Who runs the code, and with what');
  const who = await sandbox.commands.run('id; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; python3 --version');
  process.stdout.write(who.stdout);

  step('Write a program into the sandbox and run it, streaming its output');
  await sandbox.files.write(
    '/home/user/primes.py',
    ['import time', 'for n in range(2, 30):', '    if all(n % d for d in range(2, n)):', '        print(n, flush=True)', '        time.sleep(0.1)'].join('\n'),
  );
  await sandbox.commands.run('python3 primes.py', {
    onStdout: (text) => {
      process.stdout.write(`  prime: ${text}`);
    },
  });

  step('A background process that reads stdin');
  const proc = await sandbox.commands.run('read name; echo "hello, $name"', { background: true, stdin: true });
  await sandbox.commands.sendStdin(proc.pid, 'codebox\n');
  console.log(`  ${(await proc.wait()).stdout.trim()}`);

  step('Files in and out');
  await sandbox.files.write('/home/user/data/numbers.txt', Array.from({ length: 5 }, (_, i) => String(i * i)).join('\n'));
  const sum = await sandbox.commands.run(`python3 -c "print(sum(map(int, open('data/numbers.txt'))))"`);
  console.log(`  sum of squares: ${sum.stdout.trim()}`);
  for (const entry of await sandbox.files.list('/home/user')) console.log(`  ${(entry.type ?? '?').padEnd(4)} ${entry.path}`);

  step('Failures are typed');
  try {
    await sandbox.commands.run('ls /nope');
  } catch (error) {
    console.log(`  ${(error as Error).name}: exit ${(error as { exitCode?: number }).exitCode}`);
  }

  step('The sandbox cannot reach the host it runs on');
  // Connect to the runner's own port through the sandbox's default gateway (the host).
  const probe = await sandbox.commands.run(`python3 - <<'PY'
import socket, struct
routes = [line.split() for line in open('/proc/net/route')][1:]
gateways = [socket.inet_ntoa(struct.pack('<L', int(r[2], 16))) for r in routes if r[1] == '00000000']
if not gateways:
    print('no network at all')
else:
    try:
        socket.create_connection((gateways[0], ${runnerPort}), timeout=2)
        print('reached the host at', gateways[0], '(not isolated!)')
    except OSError as error:
        print('host', gateways[0], 'unreachable:', error.__class__.__name__)
PY`);
  console.log(`  ${probe.stdout.trim()}`);
}

const started = Date.now();
const sandbox = await Sandbox.create('base', { metadata: { from: 'demo' } });
step(`Sandbox ${sandbox.sandboxId} is up (${Date.now() - started} ms)`);
try {
  await tour(sandbox);
} finally {
  await sandbox.kill();
}
console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s; the sandbox is killed.`);
