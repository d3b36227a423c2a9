import { Marked, type Token, type Tokens } from 'marked';
import { languageOfLabel, type CodeLanguage } from '@codebox/protocol';

/** A fenced code block found in a model's answer. */
export interface CodeBlock {
  language: CodeLanguage;
  /** The block's content, without the fences. */
  code: string;
  /** The fence label as written (`''` when there was none). */
  label: string;
}

/** Unlabelled fences are Python, the language models reach for and `runCode`'s default. */
export const DEFAULT_CODE_LANGUAGE: CodeLanguage = 'python';

// A private instance: extensions someone registered on the global `marked` must not change
// what counts as a code block here.
const markdown = new Marked();

/**
 * The fenced code blocks in `text`, in order, found with a CommonMark lexer (`marked`), so
 * fences of any length, `~~~` fences, blocks inside lists and block quotes, and fences
 * containing other fences are handled as Markdown renders them.
 *
 * Left out on purpose: inline code spans (they are prose, like `x = 1`), indented code blocks
 * (models indent example output and quoted text far more often than code meant to run), blocks
 * labelled with a language that cannot run (`json`, `text`, `output`, ...), and empty blocks.
 * Unlabelled fences count as {@link DEFAULT_CODE_LANGUAGE}.
 */
export function extractCode(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  // The callback is synchronous, so walkTokens' array of results holds nothing to await.
  void markdown.walkTokens(markdown.lexer(text), (token: Token) => {
    if (token.type !== 'code') return;
    const code = token as Tokens.Code;
    if (code.codeBlockStyle === 'indented') return;
    const label = (code.lang ?? '').trim();
    const language = label === '' ? DEFAULT_CODE_LANGUAGE : languageOfLabel(label);
    if (!language || code.text.trim() === '') return;
    blocks.push({ language, code: code.text, label });
  });
  return blocks;
}
