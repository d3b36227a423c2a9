/*
 * A TCP connect from inside a sandbox that says what it ran into, one word on stdout:
 * CONNECTED; REFUSED (the target was reached and answered with a reset, so nothing blocked the
 * way: never a pass for an isolation test); TIMEOUT (dropped on the way, which is what the
 * runner's firewall does); otherwise the error's class name and errno (e.g. unreachable routes).
 */

/** The probe as Python source (3 s connect timeout). */
export function connectProbeSource(host: string, port: number): string {
  return [
    'import socket',
    's = socket.socket()',
    's.settimeout(3)',
    'try:',
    `  s.connect((${JSON.stringify(host)}, ${port}))`,
    '  print("CONNECTED")',
    'except ConnectionRefusedError:',
    '  print("REFUSED")',
    'except (socket.timeout, TimeoutError):',
    '  print("TIMEOUT")',
    'except OSError as e:',
    '  print(type(e).__name__, e.errno)',
  ].join('\n');
}

/** The probe as an argv (docker exec, a host command). */
export function connectProbeArgv(host: string, port: number): string[] {
  return ['python3', '-c', connectProbeSource(host, port)];
}

/** The probe as a shell command line (`commands.run`); the source holds no single quote. */
export function connectProbeCommand(host: string, port: number): string {
  return `python3 -c '${connectProbeSource(host, port)}'`;
}
