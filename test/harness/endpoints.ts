/**
 * Where the real services of the test stack listen. The global setup provides one of these to
 * every integration test (vitest `inject('stack')`), whether the stack runs as local processes
 * or as testcontainers.
 */
export interface StackEndpoints {
  /** Kafka bootstrap servers, e.g. ['127.0.0.1:19092']. */
  kafkaBrokers: string[];
  /** Confluent-compatible Schema Registry base URL (Apicurio: .../apis/ccompat/v7). */
  schemaRegistryUrl: string;
  /** Iceberg REST catalog base URL (without /v1). */
  catalogUri: string;
  /** Warehouse location the catalog creates tables under, e.g. s3://warehouse/ */
  warehouse: string;
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    bucket: string;
  };
  /** The query oracle: a long-lived Spark session plus PyIceberg behind a small HTTP API. */
  oracleUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}
