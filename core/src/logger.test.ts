import { InvalidInputError } from './errors';
import { maskConnectionString } from './log-redaction';
import { createLogger, logLevelFromEnv } from './logger';

/** A logger whose JSON lines land in `lines`. */
function captured(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (chunk: string) => void lines.push(chunk) } });
  return { logger, lines, text: () => lines.join('') };
}

// Secrets, each a distinct string, so a leak of any one of them is caught by name.
const SECRETS = ['pg-pass-1', 'ch-pass-2', 's3-secret-3', 'bearer-token-4', 'db-url-pass-5', 'query-pass-6', 'deep-secret-7', 'env-secret-8', 'cookie-9', 'child-pass-10'];

describe('logger', () => {
  it('redacts secrets and connection-string passwords four levels deep and in child bindings, keeping the rest', () => {
    const { logger, lines, text } = captured();
    logger.debug('connecting', {
      postgresUrl: 'postgres://permafrost:pg-pass-1@db.internal:5432/permafrost',
      clickhouse: { url: 'http://default:ch-pass-2@clickhouse:8123', password: 'ch-pass-2' },
      s3: { endpoint: 'http://s3:9000/bucket', accessKeyId: 'AKIAVISIBLE', secretAccessKey: 's3-secret-3' },
      request: { headers: { authorization: 'Bearer bearer-token-4', cookie: 'cookie-9' } },
      env: { DATABASE_URL: 'postgresql://app:db-url-pass-5@pg/app', PERMAFROST_S3_SECRET_ACCESS_KEY: 'env-secret-8' },
      job: { connectionString: 'postgres://pg/app?sslmode=require&password=query-pass-6' },
      event: { stack: { config: { secret: 'deep-secret-7' } } },
    });
    logger.child({ password: 'child-pass-10' }).debug('child line');
    expect(lines).toHaveLength(2);
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
    const record = JSON.parse(lines[0]!);
    // Not over-redacted: who, where and which key id stay readable.
    expect(record).toMatchObject({
      msg: 'connecting', level: 20,
      postgresUrl: 'postgres://permafrost:***@db.internal:5432/permafrost',
      clickhouse: { url: 'http://default:***@clickhouse:8123', password: '[redacted]' },
      s3: { endpoint: 'http://s3:9000/bucket', accessKeyId: 'AKIAVISIBLE', secretAccessKey: '[redacted]' },
      request: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      env: { DATABASE_URL: 'postgresql://app:***@pg/app' },
      job: { connectionString: 'postgres://pg/app?sslmode=require&password=***' },
      event: { stack: { config: { secret: '[redacted]' } } },
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ msg: 'child line', password: '[redacted]' }); // bindings too
  });

  it('masks only the password part of connection strings', () => {
    expect(maskConnectionString('postgres://u:p@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(maskConnectionString('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(maskConnectionString('http://h:8123/?user=default&password=x&database=d')).toBe('http://h:8123/?user=default&password=***&database=d');
    expect(maskConnectionString('no url here')).toBe('no url here');
  });

  it('takes PERMAFROST_LOG_LEVEL over LOG_LEVEL, LOG_LEVEL alone, else warn; refuses a bad value naming the variable', () => {
    expect(logLevelFromEnv({ PERMAFROST_LOG_LEVEL: 'error', LOG_LEVEL: 'debug' })).toBe('error');
    expect(logLevelFromEnv({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFromEnv({ PERMAFROST_LOG_LEVEL: '', LOG_LEVEL: 'info' })).toBe('info');
    expect(logLevelFromEnv({})).toBe('warn');
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'verbose' })).toThrow(InvalidInputError);
    expect(() => logLevelFromEnv({ PERMAFROST_LOG_LEVEL: 'loud', LOG_LEVEL: 'debug' })).toThrow(/PERMAFROST_LOG_LEVEL="loud" is not a log level/);
  });

  it('createLogger honours the environment: debug lines appear only when LOG_LEVEL asks for them', () => {
    const saved = { p: process.env.PERMAFROST_LOG_LEVEL, l: process.env.LOG_LEVEL };
    try {
      delete process.env.PERMAFROST_LOG_LEVEL;
      const lines: string[] = [];
      const destination = { write: (chunk: string) => void lines.push(chunk) };
      process.env.LOG_LEVEL = 'debug';
      createLogger({ destination }).debug('shown');
      process.env.LOG_LEVEL = 'info';
      createLogger({ destination }).debug('hidden');
      process.env.PERMAFROST_LOG_LEVEL = 'debug';
      createLogger({ destination }).debug('shown again');
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['shown', 'shown again']);
    } finally {
      for (const [key, value] of [['PERMAFROST_LOG_LEVEL', saved.p], ['LOG_LEVEL', saved.l]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
