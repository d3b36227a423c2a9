// The Java kernel for real: JDK 21's jshell API inside the dev image, started through
// sandbox-exec as uid 1000, driven through the `Kernel` interface.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKernelContainer, type KernelContainer, type RemoteKernel } from '../../testing/kernel-container.js';
import { arrivalOf, record } from '../../testing/recording-sink.js';

describe('java kernel (jshell bridge) in the dev image', () => {
  let container: KernelContainer;
  let kernel: RemoteKernel;

  beforeAll(async () => {
    container = await startKernelContainer();
    container.exec(['mkdir', '-p', '/tmp/java-context']);
    kernel = container.openKernel('java');
    const started = Date.now();
    await kernel.start();
    console.log(`java kernel: start ${Date.now() - started} ms (incl. docker exec), idle RSS ${((await kernel.memoryKiB()) / 1024).toFixed(1)} MiB`);
  });

  afterAll(() => container?.close());

  it('prints, keeps state across calls and counts executions', async () => {
    const first = await record(kernel, 'System.out.println("hello world");\nint x = 41;');
    expect(first.stdout).toBe('hello world\n');
    expect(first.errors).toEqual([]);
    const second = await record(kernel, 'x + 1');
    expect(second.results).toEqual([{ bundle: { 'text/plain': '42' }, isMainResult: true }]);
    expect(second.outcome?.executionCount).toBe((first.outcome?.executionCount ?? 0) + 1);
    const declared = await record(kernel, 'String greet(String who) { return "hi " + who; }\ngreet("you")');
    expect(declared.results[0]?.bundle['text/plain']).toBe('"hi you"');
  });

  it('runs a complete program: a class with public static void main', async () => {
    const program = await record(
      kernel,
      'import java.util.*;\n\npublic class Main {\n    public static void main(String[] args) throws Exception {\n        List<String> words = new ArrayList<>(List.of("b", "a"));\n        Collections.sort(words);\n        System.out.println("main ran " + words);\n    }\n}\n',
    );
    expect(program.errors).toEqual([]);
    expect(program.stdout).toBe('main ran [a, b]\n');
  });

  it('runs the seed program and reports what its main throws (no network here)', async () => {
    const seed = await record(
      kernel,
      '\nimport java.net.*;\nimport java.io.*;\n\npublic class Main {\n    public static void main(String[] args) throws Exception {\n' +
        '        URL url = new URL("https://httpbin.org/json");\n        HttpURLConnection conn = (HttpURLConnection) url.openConnection();\n' +
        '        BufferedReader in = new BufferedReader(new InputStreamReader(conn.getInputStream()));\n        String inputLine;\n' +
        '        while ((inputLine = in.readLine()) != null) {\n            System.out.println(inputLine);\n        }\n        in.close();\n    }\n}\n    ',
    );
    expect(seed.errors).toHaveLength(1);
    expect(seed.errors[0]?.name).toBe('java.net.UnknownHostException');
    expect(seed.errors[0]?.traceback).toMatch(/\tat Main\.main\(/);
  });

  it('ends the cell, not the kernel, when the program calls System.exit', async () => {
    await record(kernel, 'int survivor = 7;');
    const clean = await record(kernel, 'public class Exits {\n  public static void main(String[] args) {\n    System.out.println("bye");\n    System.exit(0);\n  }\n}');
    expect(clean.failure).toBeUndefined();
    expect(clean.errors).toEqual([]);
    expect(clean.stdout).toBe('bye\n');
    const failing = await record(kernel, 'System.exit(3);\nSystem.out.println("not reached");');
    expect(failing.errors).toEqual([{ name: 'SystemExit', value: '3', traceback: 'System.exit(3)' }]);
    expect(failing.stdout).toBe('');
    expect((await record(kernel, 'survivor')).results[0]?.bundle['text/plain']).toBe('7');
  });

  it('reports exceptions and compile errors, then runs the next call', async () => {
    const thrown = await record(kernel, 'int zero = 0;\nint broken = 1 / zero;');
    expect(thrown.errors).toHaveLength(1);
    expect(thrown.errors[0]).toMatchObject({ name: 'java.lang.ArithmeticException', value: '/ by zero' });
    expect(thrown.errors[0]?.traceback).toMatch(/^java\.lang\.ArithmeticException: \/ by zero\n\tat /);
    const compile = await record(kernel, 'int y = "text";');
    expect(compile.errors[0]?.name).toBe('CompilationException');
    expect(compile.errors[0]?.value).toMatch(/incompatible types/);
    expect(compile.errors[0]?.traceback).toContain('int y = "text";');
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('2');
  });

  it('streams each line when printed, also from processes it starts', async () => {
    const streamed = await record(kernel, 'System.out.println("a");\nThread.sleep(1000);\nSystem.out.println("b");');
    expect(arrivalOf(streamed, 'b') - arrivalOf(streamed, 'a')).toBeGreaterThanOrEqual(800);
    const child = await record(kernel, 'new ProcessBuilder("sh", "-c", "echo one; sleep 1; echo two").inheritIO().start().waitFor();');
    expect(child.stdout).toBe('one\ntwo\n');
    expect(arrivalOf(child, 'two') - arrivalOf(child, 'one')).toBeGreaterThanOrEqual(800);
  });

  it('gives the code and the processes it starts an empty stdin, not the agent\'s commands', async () => {
    const reading = await record(kernel, 'System.out.println(System.in.read());\nnew ProcessBuilder("cat").inheritIO().start().waitFor();');
    expect(reading.stdout).toBe('-1\n');
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('2');
  });

  it('applies env vars to one execution only', async () => {
    const withVar = await record(kernel, 'System.out.println(System.getenv("CODEBOX_T"));\nnew ProcessBuilder("sh", "-c", "echo $CODEBOX_T").inheritIO().start().waitFor();', {
      envVars: { CODEBOX_T: 'set-for-one' },
    });
    expect(withVar.stdout).toBe('set-for-one\nset-for-one\n');
    expect((await record(kernel, 'System.getenv("CODEBOX_T")')).results[0]?.bundle['text/plain']).toBe('null');
  });

  it('runs in the context cwd', async () => {
    const other = container.openKernel('java', '/tmp/java-context');
    const cwd = await record(other, 'System.out.println(new java.io.File("f.txt").getAbsolutePath());\njava.nio.file.Files.writeString(java.nio.file.Path.of("f.txt"), "x");');
    expect(cwd.stdout).toBe('/tmp/java-context/f.txt\n');
    expect(container.exec(['cat', '/tmp/java-context/f.txt'])).toBe('x');
    await other.shutdown();
  });

  it('interrupts on abort, keeps state, and answers the next call in the same kernel', async () => {
    await record(kernel, 'String kept = "still here";');
    const sleeping = await record(kernel, 'Thread.sleep(30_000);', { abortAfterMs: 500 });
    expect(sleeping.failure).toBeUndefined();
    expect(sleeping.errors).toHaveLength(1);
    expect(sleeping.ms).toBeLessThan(2_000);
    const busy = await record(kernel, 'long n = 0; while (true) { n++; }', { abortAfterMs: 500 });
    expect(busy.failure).toBeUndefined();
    expect(busy.errors).toHaveLength(1);
    expect(busy.ms).toBeLessThan(2_000);
    const child = await record(kernel, 'new ProcessBuilder("sleep", "30").inheritIO().start().waitFor();', { abortAfterMs: 500 });
    expect(child.failure).toBeUndefined();
    expect(child.ms).toBeLessThan(2_000);
    expect(container.exec(['sh', '-c', 'pgrep -f "^sleep 30$" || echo none']).trim()).toBe('none');
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('2');
    expect((await record(kernel, 'kept')).results[0]?.bundle['text/plain']).toBe('"still here"');
  });

  it('restarts a kernel that died, with a clear error', async () => {
    await record(kernel, 'int doomed = 1;');
    // Runtime.halt is caught like System.exit; a SIGKILL is what an OOM kill looks like.
    const died = await record(kernel, 'new ProcessBuilder("kill", "-9", String.valueOf(ProcessHandle.current().pid())).start().waitFor();\nThread.sleep(5000);');
    expect(died.failure?.name).toBe('KernelDiedError');
    expect(died.failure?.message).toMatch(/was killed by SIGKILL/);
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('2');
    expect((await record(kernel, 'doomed')).errors[0]?.name).toBe('CompilationException');
  });
});
