/**
 * How long the fuzz tests run: a few hundred seeded cases each in `make test` (fast, and the same
 * cases every time), many more with `make fuzz` (FUZZ_RUNS, and FUZZ_SEED for new cases). A
 * failure prints its seed and the shrunk case: run it again with FUZZ_SEED to reproduce.
 */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_207);
export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);

/** fast-check parameters for one property. */
export function fuzzParameters(scale = 1): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(FUZZ_RUNS * scale)) };
}
