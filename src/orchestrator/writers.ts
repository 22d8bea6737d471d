/** The daemon's table writers, one per target table, created on first use. */
import type { Route } from './router.js';
import type { TableWriter } from './table-writer.js';

export class WriterSet {
  private readonly byName = new Map<string, TableWriter>();
  private create: ((route: Route) => TableWriter) | undefined;

  configure(create: (route: Route) => TableWriter): void {
    this.create = create;
  }

  get(route: Route): TableWriter {
    let w = this.byName.get(route.fullName);
    if (!w) {
      if (!this.create) throw new Error('WriterSet used before configure()');
      w = this.create(route);
      this.byName.set(route.fullName, w);
    }
    return w;
  }

  /** The writer of a table, if there is one (never creates it). */
  peek(fullName: string): TableWriter | undefined {
    return this.byName.get(fullName);
  }

  all(): TableWriter[] {
    return [...this.byName.values()];
  }

  /** Waits until no flush is in progress. */
  async settled(): Promise<void> {
    await Promise.all(this.all().map((w) => w.settled()));
  }
}
