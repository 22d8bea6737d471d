/** `floe status` wiring: the configured catalog, storage and Kafka client, then tableStatuses. */
import type { FloeConfig } from '../config/index.js';
import type { Logger } from '../util/log.js';
import { CatalogTableStore, createCatalog, createKafka, s3Options } from './table-store.js';
import { tableStatuses, type TableStatus } from './status.js';

export async function collectStatus(config: FloeConfig, log: Logger): Promise<TableStatus[]> {
  const catalog = createCatalog(config, log);
  const store = new CatalogTableStore(catalog, s3Options(config), log);
  return tableStatuses({ config, kafka: createKafka(config, log), catalog, io: (t) => store.io(t) });
}
