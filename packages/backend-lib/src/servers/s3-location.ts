/** Where cold data lives in S3, as ClickHouse sees it (Node itself never talks to S3). */
export interface S3Location {
  /** Scheme, host and port, e.g. http://127.0.0.1:4569 or http://minio:9000. */
  endpoint: string;
  bucket: string;
  /** Key prefix inside the bucket under which everything of this deployment lives, no slashes around. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const trimSlashes = (s: string) => s.replace(/^\/+|\/+$/g, '');

/** URL of a key (or a glob) under the deployment's prefix. */
export function s3Url(location: S3Location, ...keyParts: string[]): string {
  const parts = [location.bucket, location.prefix, ...keyParts].map(trimSlashes).filter((p) => p.length > 0);
  return `${location.endpoint.replace(/\/+$/, '')}/${parts.join('/')}`;
}

/** The S3 disk of the `cold_storage` policy keeps its objects under `<prefix>/disk/`. */
export function diskEndpoint(location: S3Location): string {
  return `${s3Url(location, 'disk')}/`;
}
