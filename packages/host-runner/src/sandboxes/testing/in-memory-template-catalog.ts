import type { TemplateCatalog, TemplateImage } from '../../templates/template-catalog.js';

/** Unit-test double of `TemplateCatalog` holding a fixed set of templates. */
export class InMemoryTemplateCatalog implements TemplateCatalog {
  readonly #templates: Map<string, TemplateImage>;

  constructor(names: readonly string[] = ['base', 'code-interpreter-v1']) {
    this.#templates = new Map(
      names.map((name) => [name, { name, image: `codebox/${name}:latest`, contentHash: `hash-${name}`, createdAt: new Date(0) }]),
    );
  }

  async resolve(name: string): Promise<TemplateImage | undefined> {
    return this.#templates.get(name);
  }

  async list(): Promise<TemplateImage[]> {
    return [...this.#templates.values()];
  }
}
