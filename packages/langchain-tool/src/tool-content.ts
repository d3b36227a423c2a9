import type { ImagePart, ToolOutput } from '@codebox/core-client';
import type { ContentBlock } from '@langchain/core/messages';

/** What a Codebox tool hands the model: plain text, or text followed by image blocks. */
export type ToolContent = string | (ContentBlock.Text | ContentBlock.Multimodal.Image)[];

/** An image as LangChain's standard image block, which chat-model integrations translate for their provider. */
export function imageBlock(image: ImagePart): ContentBlock.Multimodal.Image {
  return { type: 'image', mimeType: image.mimeType, data: image.data };
}

/**
 * Shaped output as tool-message content. Text alone stays a string, which every provider
 * takes in a tool message; images become image blocks after the text when `includeImages` is
 * set. Without them the text still describes each image (`[image/png 640×480, 23 KB]`), for
 * providers that accept only text in tool results (e.g. OpenAI Chat Completions).
 */
export function toolContent(shaped: Pick<ToolOutput, 'text' | 'images'>, includeImages: boolean): ToolContent {
  if (!includeImages || shaped.images.length === 0) return shaped.text;
  return [{ type: 'text', text: shaped.text }, ...shaped.images.map(imageBlock)];
}
