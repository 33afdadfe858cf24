// A collection and an environment as JSON (Postman's v2.x formats, loosely: unknown fields kept), the
// shapes every source hands on — the cloud API, local files, v12 directories read into v2.1.
import { z } from 'zod';

export const CollectionJsonSchema = z.looseObject({
  info: z.looseObject({ name: z.string(), _postman_id: z.string().optional(), schema: z.string().optional(), updatedAt: z.string().optional() }),
  item: z.array(z.unknown()),
});
export const EnvironmentJsonSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string(),
  values: z.array(z.looseObject({ key: z.string(), value: z.unknown().optional(), enabled: z.boolean().optional(), type: z.string().optional() })),
  updatedAt: z.string().optional(),
});
export type CollectionJson = z.infer<typeof CollectionJsonSchema>;
export type EnvironmentJson = z.infer<typeof EnvironmentJsonSchema>;
