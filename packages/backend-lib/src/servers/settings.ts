import * as v from 'valibot';

/**
 * Every environment variable the stack reads, in one schema, so a bad value fails at start with the
 * variable's name instead of deep inside a driver. A variable set means "use that real server";
 * unset means "start the embedded one". valibot, not zod: every command reads this first, and zod 4
 * took 100–250 ms to load against valibot's 10–20 ms (measured on the CLI's start).
 */
const optionalUrl = v.optional(v.pipe(v.string(), v.url('must be a URL')));
const wholeNumber = (min: number, max: number) =>
  v.pipe(v.string(), v.transform(Number), v.number('must be a number'), v.integer('must be a whole number'), v.minValue(min, `must be ≥ ${min}`), v.maxValue(max, `must be ≤ ${max}`));
const port = v.optional(wholeNumber(1, 65535));
const matching = (pattern: RegExp, fallback: string) => v.optional(v.pipe(v.string(), v.regex(pattern, `must match ${pattern}`)), fallback);

export const stackEnvSchema = v.object({
  PERMAFROST_CLICKHOUSE_URL: optionalUrl,
  PERMAFROST_CLICKHOUSE_USER: v.optional(v.string(), 'default'),
  PERMAFROST_CLICKHOUSE_PASSWORD: v.optional(v.string(), ''),
  PERMAFROST_CLICKHOUSE_DATABASE: matching(/^[A-Za-z_][A-Za-z0-9_]*$/, 'default'),
  DATABASE_URL: optionalUrl,
  PERMAFROST_S3_ENDPOINT: optionalUrl,
  PERMAFROST_S3_BUCKET: matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'permafrost-cold'),
  PERMAFROST_S3_PREFIX: matching(/^[A-Za-z0-9._/-]*$/, 'permafrost'),
  PERMAFROST_S3_ACCESS_KEY_ID: v.optional(v.string()),
  PERMAFROST_S3_SECRET_ACCESS_KEY: v.optional(v.string()),
  PERMAFROST_S3_RETRY_ATTEMPTS: v.optional(wholeNumber(0, 100), '4'),
  PERMAFROST_DATA_DIR: v.optional(v.string()),
  PERMAFROST_POSTGRES_PORT: port,
  PERMAFROST_S3_PORT: port,
});

export type StackEnv = v.InferOutput<typeof stackEnvSchema>;

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
  const parsed = v.safeParse(stackEnvSchema, cleaned);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const setting = String(issue.path?.[0]?.key ?? 'environment');
    throw new StackConfigError(setting, `${setting} is invalid: ${issue.message} (got ${JSON.stringify(cleaned[setting])})`);
  }
  return parsed.output;
}
