/** Where cold objects live, as ClickHouse reaches S3 (the same shape as the dev stack's S3Location). */
export interface S3Location {
  endpoint: string;
  bucket: string;
  /** Key prefix of this deployment inside the bucket, no leading or trailing slash. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
}
