// A vitest reporter that fails the run when a test was skipped without a listed reason (see
// skip-allow-list.ts). It prints the allowed skips with their reasons too, so the log says what did
// not run and why. Runs filtered by test name (-t) are not checked: their filtered-out tests are
// reported as skipped by vitest itself.
import { relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { SKIP_ALLOW_LIST } from './skip-allow-list.js';

export default class SkipCheckReporter implements Reporter {
  private enforce = true;
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.enforce = !vitest.config.testNamePattern;
  }

  onTestRunEnd(testModules: readonly TestModule[]): void {
    const allowed: string[] = [];
    const unlisted: string[] = [];
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        if (test.result().state !== 'skipped') continue;
        const where = `[${test.project.name}] ${relative(this.root, testModule.moduleId)} > ${test.fullName}`;
        const reason = test.meta().skipReason;
        if (reason !== undefined && Object.hasOwn(SKIP_ALLOW_LIST, reason)) allowed.push(`${where}\n    (${reason})`);
        else unlisted.push(reason === undefined ? where : `${where}\n    (reason "${reason}" is not in test/support/skip-allow-list.ts)`);
      }
    }
    if (allowed.length > 0) process.stdout.write(`\nSkipped with a listed reason (${allowed.length}):\n  ${allowed.join('\n  ')}\n`);
    if (unlisted.length === 0 || !this.enforce) return;
    process.stdout.write(
      `\nSkipped without a listed reason (${unlisted.length}) — a skip is a failure unless test/support/skip-allow-list.ts lists it:\n  ${unlisted.join('\n  ')}\n`,
    );
    process.exitCode = 1;
  }
}
