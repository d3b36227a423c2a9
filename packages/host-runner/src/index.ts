export type { SandboxBackend, SandboxSpec, SandboxRecord, SandboxLimits } from './sandboxes/sandbox-backend.js';
export type { TemplateCatalog, TemplateImage } from './templates/template-catalog.js';
