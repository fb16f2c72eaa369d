/** One measured point of the read-time model: Q documents in the read model, C events in the log, the read time. */
export interface ReadPoint {
  readonly q: number;
  readonly c: number;
  readonly ns: number;
}

/** The coefficients of RT = k0 + k1·Q + k2·C, in ns, ns per document and ns per event. */
export interface ReadModelFit {
  readonly k0: number;
  readonly k1: number;
  readonly k2: number;
}

/**
 * Least squares fit of the design notes' read time RT = k1·Q + k2·C, with an intercept k0 (the
 * fixed cost of one query, which would otherwise be charged to k1 and k2): the normal equations
 * of [1, Q, C], solved by Cramer's rule.
 */
export function fitReadModel(points: readonly ReadPoint[]): ReadModelFit {
  const rows = points.map((p) => [1, p.q, p.c]);
  const a = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((sum, r) => sum + r[i]! * r[j]!, 0)));
  const b = [0, 1, 2].map((i) => rows.reduce((sum, r, n) => sum + r[i]! * points[n]!.ns, 0));
  const det = determinant(a);
  const solve = (column: number) => determinant(a.map((row, i) => row.map((value, j) => (j === column ? b[i]! : value)))) / det;
  return { k0: solve(0), k1: solve(1), k2: solve(2) };
}

function determinant(m: readonly (readonly number[])[]): number {
  const [[a, b, c], [d, e, f], [g, h, i]] = m as [[number, number, number], [number, number, number], [number, number, number]];
  return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}
