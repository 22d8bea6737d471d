/**
 * Names for the records a non-Avro mapper generates into its Avro-shaped writer model: legal Avro
 * identifiers (letters, digits, `_`, not starting with a digit), unique within one writer schema,
 * since Avro refuses two named types with one name.
 */
export function avroIdent(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  return s;
}

export class AvroNames {
  private readonly taken = new Set<string>();

  /** `hint` made an identifier, with `_2`, `_3`… appended while it is taken. */
  next(hint: string): string {
    const base = avroIdent(hint);
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}
