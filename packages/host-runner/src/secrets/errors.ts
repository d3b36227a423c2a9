/** No secret of that id or name belongs to the caller's tenant (404). */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  constructor(readonly selector: string) {
    super(`Secret "${selector}" not found: pass a secret id (sec_…) or name your API key created (Secret.list() shows them).`);
  }
}

/** Another secret of the tenant already has the name (409, as E2B). */
export class SecretNameTakenError extends Error {
  override readonly name = 'SecretNameTakenError';
  constructor(readonly secretName: string) {
    super(`A secret named "${secretName}" already exists: update it (Secret.update) or destroy it first.`);
  }
}
