import type { SandboxRuntime } from '../sandboxes/sandbox-runtime.js';

/** What the control plane needs to know about templates; `templates/` implements it. */

export interface TemplateImage {
  /** Name users pass as `templateID` (`base`, `code-interpreter-v1`, or a user-built name). */
  name: string;
  /** Docker image reference to start sandboxes from. */
  image: string;
  /** Content hash the image was built from (cache key). */
  contentHash: string;
  createdAt: Date;
  /** Isolation level its sandboxes need (image label `codebox.runtime`); absent: the runner's. */
  runtime?: SandboxRuntime;
}

export interface TemplateCatalog {
  /** The image for a template name, or undefined when no such template is built. */
  resolve(name: string): Promise<TemplateImage | undefined>;
  list(): Promise<TemplateImage[]>;
}
