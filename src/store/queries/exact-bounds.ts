/**
 * Conditions keeping a read to a range's exact bounds when they are finer than its
 * milliseconds (TimeRange); their parameters go into `params`.
 */
export function exactBounds(
  r: { fromNs?: bigint | undefined; toNs?: bigint | undefined },
  params: Record<string, unknown>,
): string[] {
  if (r.fromNs === undefined || r.toNs === undefined) return [];
  params.exactFromNs = r.fromNs.toString();
  params.exactToNs = r.toNs.toString();
  return [
    'Timestamp >= fromUnixTimestamp64Nano({exactFromNs:Int64})',
    'Timestamp < fromUnixTimestamp64Nano({exactToNs:Int64})',
  ];
}
