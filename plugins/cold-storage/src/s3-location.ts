/** Where cold objects live, as ClickHouse reaches S3: the data layer's own description (one shape for both). */
export type { S3Location } from '@permafrost/backend-lib/servers';
