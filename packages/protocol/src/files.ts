import { z } from 'zod';

/**
 * envd's plain-HTTP file transfer (`GET|POST /files`). A `POST` answers one entry per written
 * file, the subset of E2B's `EntryInfo` its SDK reads.
 */
export const writtenFileSchema = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(['file', 'dir', 'symlink']).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type WrittenFile = z.infer<typeof writtenFileSchema>;

export const writtenFilesSchema = z.array(writtenFileSchema);
