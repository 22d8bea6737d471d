/** A value the writer model cannot hold exactly (an impossible date, a decimal that does not fit): dead-letters the record. */
export class Violation extends Error {}
