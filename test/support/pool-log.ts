/**
 * Ids of the pooled containers a runner has logged ready (of one template, or all), in order. A
 * pooled container exists before its agent answers; the runner logs it once it can be handed over.
 * No vitest here: the bench reads runner logs with it too.
 */
export function pooledReadyIds(output: string, template?: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"msg":"pooled container ready"') && (template === undefined || line.includes(`"template":"${template}"`)))
    .flatMap((line) => /"sandboxId":"([a-z0-9]+)"/.exec(line)?.[1] ?? []);
}
