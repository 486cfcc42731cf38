/** A URL with its password replaced by `***` (for messages and output; the real one stays in settings). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
