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
  /**
   * PostgreSQL for floe catalog's `store: {type: postgres}`: a URL with credentials to the `floe`
   * database; the user may create databases (tests make one each).
   */
  postgresUrl: string;
}

/** How the global setup obtained the stack. */
export type StackMode = 'local' | 'containers';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
    /** 'local' processes (scripts/stack) or testcontainers. */
    stackMode: StackMode;
    /**
     * True when this test run found the stack down (or partly down) and started it itself; the
     * global setup then stops what it started at teardown unless FLOE_KEEP_STACK is set.
     */
    stackStartedByHarness: boolean;
    /** The services the harness started (empty when everything was already healthy). */
    stackServicesStartedByHarness: string[];
  }
}
