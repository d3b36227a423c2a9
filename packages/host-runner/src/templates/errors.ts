/** Typed failures of template building. `name` is stable so callers can branch on it. */

export class InvalidTemplateNameError extends Error {
  override readonly name = 'InvalidTemplateNameError';
  constructor(readonly templateName: string) {
    super(
      `Template name ${JSON.stringify(templateName)} is invalid: use 1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  }
}

export class AgentBundleMissingError extends Error {
  override readonly name = 'AgentBundleMissingError';
  constructor(readonly path: string, readonly what: string) {
    super(`The ${what} is missing at ${path}; build it with \`npm run build -w packages/sandbox-agent\` and retry.`);
  }
}

export class RootfsBuildError extends Error {
  override readonly name = 'RootfsBuildError';
  constructor(readonly suite: string, reason: string) {
    super(
      `Building the Debian ${suite} root filesystem failed: ${reason}. debootstrap needs root and access to the Debian mirror; ` +
        'rerun with LOG_LEVEL=debug to see its output.',
    );
  }
}

export class TemplateContextError extends Error {
  override readonly name = 'TemplateContextError';
  constructor(readonly contextDir: string, reason: string) {
    super(`Cannot use ${contextDir} as the template build context: ${reason}.`);
  }
}
