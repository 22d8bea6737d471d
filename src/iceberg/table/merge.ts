/**
 * Manifest merging, the behaviour of Iceberg's `commit.manifest-merge.enabled`.
 *
 * Every fast append adds a manifest; planning cost grows with their number. Merging bin-packs the
 * manifests of each partition spec by size (target `commit.manifest.target-size-bytes`) and
 * rewrites each multi-manifest bin as one manifest. The bin holding the newest manifest is only
 * merged once it has `commit.manifest.min-count-to-merge` manifests, so small appends stay cheap;
 * packing runs from the oldest end so the under-filled bin is the newest one, merged next time.
 */
import { EntryStatus, type LongId, type ManifestContent, type ManifestEntry, type ManifestFile } from '../spec/types.js';
import { manifestKey, sameId } from './state.js';

export interface MergeSettings {
  enabled: boolean;
  minCountToMerge: number;
  targetSizeBytes: number;
}

/** Iceberg's defaults (TableProperties.MANIFEST_*). */
export const DEFAULT_MERGE_SETTINGS: MergeSettings = {
  enabled: true,
  minCountToMerge: 100,
  targetSizeBytes: 8 * 1024 * 1024,
};

/** Settings from table properties; explicit overrides win. */
export function mergeSettings(properties: Record<string, string> | undefined, overrides: Partial<MergeSettings> = {}): MergeSettings {
  const num = (key: string, fallback: number): number => {
    const n = Number(properties?.[key]);
    return properties?.[key] !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  const enabledProp = properties?.['commit.manifest-merge.enabled'];
  return {
    enabled: overrides.enabled ?? (enabledProp === undefined ? DEFAULT_MERGE_SETTINGS.enabled : enabledProp.toLowerCase() === 'true'),
    minCountToMerge: overrides.minCountToMerge ?? num('commit.manifest.min-count-to-merge', DEFAULT_MERGE_SETTINGS.minCountToMerge),
    targetSizeBytes: overrides.targetSizeBytes ?? num('commit.manifest.target-size-bytes', DEFAULT_MERGE_SETTINGS.targetSizeBytes),
  };
}

/**
 * Greedy packing with a lookback of one, from the end: keeps manifest order (so files age off in
 * order) and leaves the first bin as the one that may be under-filled.
 */
export function packFromEnd<T>(items: readonly T[], weight: (t: T) => number, target: number): T[][] {
  const bins: T[][] = [];
  let bin: T[] = [];
  let size = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const w = weight(item);
    if (bin.length > 0 && size + w > target) {
      bins.push(bin);
      bin = [];
      size = 0;
    }
    bin.unshift(item);
    size += w;
  }
  if (bin.length > 0) bins.push(bin);
  return bins.reverse();
}

export interface MergeContext {
  /** Raw entries of a manifest this snapshot wrote, inherited entries for committed manifests. */
  readEntries(manifest: ManifestFile): Promise<ManifestEntry[]>;
  writeManifest(specId: number, content: ManifestContent, entries: ManifestEntry[]): Promise<ManifestFile>;
}

export class ManifestMerger {
  /** Merged manifests by bin, reused when a commit is retried on the same bins. */
  private readonly cache = new Map<string, ManifestFile>();
  /** Committed manifests replaced by merged ones since last reset. */
  replacedCount = 0;
  /** The snapshot being produced: its own added and deleted entries keep their status. */
  snapshotId: LongId = 0;

  constructor(private readonly ctx: MergeContext) {}

  /** Merges manifests of one content type, given newest first (this snapshot's new manifests first). */
  async merge(manifests: readonly ManifestFile[], settings: MergeSettings): Promise<ManifestFile[]> {
    if (!settings.enabled || manifests.length === 0) return [...manifests];
    const first = manifests[0]!;
    const bySpec = new Map<number, ManifestFile[]>();
    for (const m of manifests) {
      const group = bySpec.get(m.partitionSpecId) ?? [];
      group.push(m);
      bySpec.set(m.partitionSpecId, group);
    }
    const out: ManifestFile[] = [];
    // Newest specs first, as Java orders groups.
    for (const specId of [...bySpec.keys()].sort((a, b) => b - a)) {
      const bins = packFromEnd(bySpec.get(specId)!, (m) => m.manifestLength, settings.targetSizeBytes);
      for (const bin of bins) {
        if (bin.length === 1 || (bin.includes(first) && bin.length < settings.minCountToMerge)) {
          out.push(...bin);
        } else {
          out.push(await this.mergeBin(specId, bin));
        }
      }
    }
    return out;
  }

  private async mergeBin(specId: number, bin: ManifestFile[]): Promise<ManifestFile> {
    for (const m of bin) if (!sameId(m.addedSnapshotId, this.snapshotId)) this.replacedCount++;
    const key = bin.map(manifestKey).join('\n');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const entries: ManifestEntry[] = [];
    for (const manifest of bin) {
      for (const entry of await this.ctx.readEntries(manifest)) {
        const ours = entry.snapshotId !== null && sameId(entry.snapshotId, this.snapshotId);
        if (entry.status === EntryStatus.Deleted) {
          // Deletes of earlier snapshots are history; only this snapshot's deletes are kept.
          if (ours) entries.push(entry);
        } else if (entry.status === EntryStatus.Added && ours) {
          entries.push(entry);
        } else {
          entries.push({ ...entry, status: EntryStatus.Existing });
        }
      }
    }
    const merged = await this.ctx.writeManifest(specId, bin[0]!.content, entries);
    this.cache.set(key, merged);
    return merged;
  }
}
