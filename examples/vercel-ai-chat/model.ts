// Which model the chat talks to: a real one when OPENAI_API_KEY is set, else the scripted one.
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModel } from 'ai';
import { scriptedModel } from './scripted-model.ts';

export interface ChatModel {
  model: LanguageModel;
  /** What to tell the user about the model (the first line each program prints). */
  label: string;
  /** Whether the model is handed the charts as images, or only their text descriptions. */
  seesImages: boolean;
}

/** `scriptedCode`: what the scripted model runs instead of its recorded program (same output lines). */
export function chatModel(opts: { scriptedCode?: string } = {}): ChatModel {
  const apiKey = process.env.OPENAI_API_KEY;
  if (!apiKey) return { model: scriptedModel(opts.scriptedCode), label: 'scripted (set OPENAI_API_KEY to use a real model)', seesImages: true };

  const baseURL = process.env.OPENAI_BASE_URL;
  const modelId = process.env.OPENAI_MODEL ?? 'gpt-5-mini';
  const openai = createOpenAI({ apiKey, ...(baseURL ? { baseURL } : {}) });
  // OpenAI's Responses API takes images in tool results. OpenAI-compatible servers (Ollama,
  // vLLM, ...) speak Chat Completions, whose tool messages are text only: an image there would
  // arrive as a JSON dump of its base64, so those models get the image's description instead.
  if (baseURL) return { model: openai.chat(modelId), label: `${modelId} at ${baseURL}`, seesImages: false };
  return { model: openai(modelId), label: `${modelId} (OpenAI)`, seesImages: true };
}
