// Which feature area a test file of E2B's suites covers, for docs/compatibility.md's per-area table.
import type { SuiteId } from './expectations.ts';

type Rule = readonly [RegExp, string];

const SDK_UNIT = 'SDK unit tests (no sandbox)';
const LATER = 'pause / snapshots / fork / metrics';

const JS_SDK: readonly Rule[] = [
  [/^tests\/sandbox\/commands\//, 'commands'],
  [/^tests\/sandbox\/files\/metadata/, 'file metadata'],
  [/^tests\/sandbox\/files\/watch/, 'watch'],
  [/^tests\/sandbox\/files\/signing/, 'signed URLs'],
  [/^tests\/sandbox\/files\//, 'files'],
  [/^tests\/sandbox\/git\//, 'git'],
  [/^tests\/sandbox\/pty\//, 'pty'],
  [/^tests\/sandbox\/host\./, 'ports / host'],
  [/^tests\/sandbox\/(network|internetAccess)\./, 'network rules / internet'],
  [/^tests\/sandbox\/(snapshot|snapshot-api|fork|metrics|lifecyclePayload)\./, LATER],
  [/^tests\/api\/snapshot\./, LATER],
  [/^tests\/api\/(info|kill|list)\./, 'api (list / info / kill)'],
  [/^tests\/sandbox\/(create|connect|kill|timeout|secure|rpcHeaders|configPropagation)\./, 'lifecycle'],
  [/^tests\/template\//, 'templates'],
  [/^tests\/(volume|secret)\//, 'volumes / secrets'],
];

const PY_SDK: readonly Rule[] = [
  [/^tests\/\w+\/sandbox_\w+\/commands\//, 'commands'],
  [/^tests\/\w+\/sandbox_\w+\/files\/test_metadata/, 'file metadata'],
  [/^tests\/\w+\/sandbox_\w+\/files\/test_watch/, 'watch'],
  [/^tests\/\w+\/sandbox_\w+\/files\/test_secured/, 'signed URLs'],
  [/^tests\/\w+\/sandbox_\w+\/files\//, 'files'],
  [/^tests\/shared\/git\//, 'git'],
  [/^tests\/\w+\/sandbox_\w+\/pty\//, 'pty'],
  [/^tests\/\w+\/sandbox_\w+\/test_host/, 'ports / host'],
  [/^tests\/\w+\/sandbox_\w+\/test_(network|internet_access)/, 'network rules / internet'],
  [/^tests\/\w+\/sandbox_\w+\/test_(snapshot|fork|metrics)/, LATER],
  [/^tests\/\w+\/api_\w+\/test_sbx_snapshot/, LATER],
  [/^tests\/\w+\/api_\w+\//, 'api (list / info / kill)'],
  [/^tests\/\w+\/sandbox_\w+\//, 'lifecycle'],
  [/^tests\/(\w+\/template_\w+|shared\/template)\//, 'templates'],
  [/^tests\/\w+\/volume_\w+\//, 'volumes / secrets'],
];

const CODE_INTERPRETER: readonly Rule[] = [
  [/charts\//, 'code interpreter: charts'],
  [/(data\.test|test_\w*data\.py)/, 'code interpreter: data (DataFrames)'],
  [/images\//, 'code interpreter: images'],
  [/env_vars\//, 'code interpreter: env vars'],
  [/(defaultKernels|kernels|cwd|default_kernels)/i, 'code interpreter: languages'],
  [/(displayData|display_data|custom_repr)/i, 'code interpreter: results'],
  [/systemd/, 'code interpreter: E2B template internals'],
  [/(sandboxUrl|sandbox_url)/, SDK_UNIT],
  [/./, 'code interpreter: execution (contexts, streaming, interrupts)'],
];

const RULES: Record<SuiteId, readonly Rule[]> = {
  'js-sdk': JS_SDK,
  'python-sdk': PY_SDK,
  'ci-js': CODE_INTERPRETER,
  'ci-python': CODE_INTERPRETER,
};

export function areaOf(suite: SuiteId, file: string): string {
  return RULES[suite].find(([pattern]) => pattern.test(file))?.[1] ?? SDK_UNIT;
}

/** The order areas appear in tables: the one the rules list them in, then the catch-all. */
export function areaOrder(): string[] {
  const order: string[] = [];
  for (const rules of Object.values(RULES)) for (const [, area] of rules) if (!order.includes(area)) order.push(area);
  if (!order.includes(SDK_UNIT)) order.push(SDK_UNIT);
  return order;
}
