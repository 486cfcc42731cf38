import { EngineError, exceptionText, httpStatusFor, streamExceptionBlock, toEngineException } from './errors';
import { classifyParameters, credentialsOf, decodeRequest, firstKeyword, outputFormatOf, parseMultipart, statementText } from './http-protocol';
import { extractErrorAtTheEndOfChunk } from '@clickhouse/client';

describe('http-protocol', () => {
  it('separates transport fields, bound parameters and settings', () => {
    const { fields, params, settings } = classifyParameters([
      ['query_id', 'q'], ['param_ws', "a\\'b"], ['wait_end_of_query', '1'], ['max_threads', '2'], ['database', 'd'],
    ]);
    expect(Object.fromEntries(fields)).toEqual({ query_id: 'q', wait_end_of_query: '1', database: 'd' });
    expect(params).toEqual({ ws: "a\\'b" }); // unchanged: the engine parses ClickHouse's escaped form
    expect(settings).toEqual({ max_threads: '2' });
  });

  it('joins the query parameter and the body with a newline, as ClickHouse does', () => {
    expect(statementText({ query: 'INSERT INTO t FORMAT JSONEachRow', body: Buffer.from('{"a":1}\n') })).toBe('INSERT INTO t FORMAT JSONEachRow\n{"a":1}\n');
    expect(statementText({ query: undefined, body: Buffer.from('SELECT 1') })).toBe('SELECT 1');
    expect(statementText({ query: 'SELECT 1', body: Buffer.alloc(0) })).toBe('SELECT 1');
  });

  it('reads the first keyword past comments and parentheses, and a trailing FORMAT', () => {
    expect(firstKeyword('  -- c\n/* x */ (select 1)')).toBe('SELECT');
    expect(firstKeyword('WITH 1 AS x SELECT x')).toBe('WITH');
    expect(outputFormatOf('SELECT 1\nFORMAT JSONEachRow', 'TabSeparated')).toBe('JSONEachRow');
    expect(outputFormatOf('SELECT 1', 'CSV')).toBe('CSV');
  });

  it('parses the multipart body the client builds for large parameters', () => {
    const boundary = '----clickhouse-js-x';
    const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT {v:String}\r\n--${boundary}\r\nContent-Disposition: form-data; name="param_v"\r\n\r\nline1\\nline2\r\n--${boundary}--\r\n`);
    expect(parseMultipart(body, boundary)).toEqual([['query', 'SELECT {v:String}'], ['param_v', 'line1\\nline2']]);
    const request = decodeRequest({ method: 'POST', url: new URL('http://x/?query_id=1'), contentType: `multipart/form-data; boundary=${boundary}`, body });
    expect(request.query).toBe('SELECT {v:String}');
    expect(request.params).toEqual({ v: 'line1\\nline2' });
    expect(request.body.length).toBe(0);
  });

  it('finds credentials in headers, basic auth or URL parameters', () => {
    const url = new URL('http://x/?user=u3&password=p3');
    expect(credentialsOf({ 'x-clickhouse-user': 'u1', 'x-clickhouse-key': 'p1' }, url)).toEqual({ user: 'u1', password: 'p1' });
    expect(credentialsOf({ authorization: `Basic ${Buffer.from('u2:p:2').toString('base64')}` }, url)).toEqual({ user: 'u2', password: 'p:2' });
    expect(credentialsOf({}, url)).toEqual({ user: 'u3', password: 'p3' });
  });
});

describe('errors', () => {
  it('turns chDB exceptions into ClickHouse ones and maps statuses as the server does', () => {
    const e = toEngineException(new Error('Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE)'));
    expect(e).toEqual({ code: 60, type: 'UNKNOWN_TABLE', message: 'Table default.x does not exist.' });
    expect(exceptionText(e, '26.7')).toBe('Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE) (version 26.7)\n');
    expect(toEngineException(new TypeError('boom'))).toMatchObject({ code: 1001, type: 'STD_EXCEPTION' });
    expect(toEngineException(new EngineError(115, 'UNKNOWN_SETTING', 'x'))).toMatchObject({ code: 115 });
    expect([httpStatusFor(60), httpStatusFor(62), httpStatusFor(516), httpStatusFor(395)]).toEqual([404, 400, 403, 500]);
  });

  it('writes the mid-stream exception block the client parses', () => {
    const block = streamExceptionBlock({ code: 395, type: 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO', message: 'Value passed.' }, '26.7', 'abcd1234');
    const err = extractErrorAtTheEndOfChunk(Buffer.concat([Buffer.from('{"x":0}\n'), block]), 'abcd1234');
    expect(err).toMatchObject({ code: '395', type: 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO' });
  });
});
