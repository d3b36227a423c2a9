import type { CodeLanguage } from './code-language.js';

/**
 * Every language the agent tools run, in the order a tool schema lists them
 * (`z.enum(CODE_LANGUAGES)`), so the three framework packages offer the same choice.
 */
export const CODE_LANGUAGES = ['python', 'javascript', 'typescript', 'r', 'java', 'bash'] as const satisfies readonly CodeLanguage[];

// A language added to `CodeLanguage` but not listed above fails to compile here.
type Unlisted = Exclude<CodeLanguage, (typeof CODE_LANGUAGES)[number]>;
const everyLanguageListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyLanguageListed;
