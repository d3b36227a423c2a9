import type { TemplateCatalog, TemplateImage } from '../../templates/template-catalog.js';
import type { SandboxRuntime } from '../sandbox-runtime.js';

/** Unit-test double of `TemplateCatalog` holding a fixed set of templates. */
export class InMemoryTemplateCatalog implements TemplateCatalog {
  readonly #templates: Map<string, TemplateImage>;

  /** `runtimes`: templates that name their own isolation level (the `codebox.runtime` label). */
  constructor(names: readonly string[] = ['base', 'code-interpreter-v1'], runtimes: Readonly<Record<string, SandboxRuntime>> = {}) {
    this.#templates = new Map(
      names.map((name) => {
        const runtime = runtimes[name];
        const image: TemplateImage = { name, image: `codebox/${name}:latest`, contentHash: `hash-${name}`, createdAt: new Date(0) };
        return [name, runtime ? { ...image, runtime } : image];
      }),
    );
  }

  /** Adds (or replaces) a template, as a build would. */
  add(name: string): void {
    this.#templates.set(name, { name, image: `codebox/${name}:latest`, contentHash: `hash-${name}`, createdAt: new Date(0) });
  }

  async resolve(name: string): Promise<TemplateImage | undefined> {
    return this.#templates.get(name);
  }

  async list(): Promise<TemplateImage[]> {
    return [...this.#templates.values()];
  }
}
