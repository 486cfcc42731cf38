import { z } from 'zod';

/**
 * Every environment variable the stack reads, in one schema, so a bad value fails at start with the
 * variable's name instead of deep inside a driver. A variable set means "use that real server";
 * unset means "start the embedded one".
 */
const optionalUrl = z.url().optional();
const port = z.coerce.number().int().min(1).max(65535).optional();

export const stackEnvSchema = z.object({
  PERMAFROST_CLICKHOUSE_URL: optionalUrl,
  PERMAFROST_CLICKHOUSE_USER: z.string().default('default'),
  PERMAFROST_CLICKHOUSE_PASSWORD: z.string().default(''),
  PERMAFROST_CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('default'),
  DATABASE_URL: optionalUrl,
  PERMAFROST_S3_ENDPOINT: optionalUrl,
  PERMAFROST_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).default('permafrost-cold'),
  PERMAFROST_S3_PREFIX: z.string().regex(/^[A-Za-z0-9._/-]*$/).default('permafrost'),
  PERMAFROST_S3_ACCESS_KEY_ID: z.string().optional(),
  PERMAFROST_S3_SECRET_ACCESS_KEY: z.string().optional(),
  PERMAFROST_S3_RETRY_ATTEMPTS: z.coerce.number().int().min(0).max(100).default(4),
  PERMAFROST_DATA_DIR: z.string().optional(),
  PERMAFROST_POSTGRES_PORT: port,
  PERMAFROST_S3_PORT: port,
});

export type StackEnv = z.infer<typeof stackEnvSchema>;

export class StackConfigError extends Error {
  readonly code = 'STACK_CONFIG';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'StackConfigError';
  }
}

export function readStackEnv(env: NodeJS.ProcessEnv = process.env): StackEnv {
  // Empty strings count as unset: `.env` files and CI matrices often leave a variable defined but blank.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = stackEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const setting = String(issue.path[0]);
    throw new StackConfigError(setting, `${setting} is invalid: ${issue.message} (got ${JSON.stringify(cleaned[setting])})`);
  }
  return parsed.data;
}
