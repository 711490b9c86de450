/**
 * Seeded pseudo-random numbers for the simulations: the same seed gives the same noise, so a
 * simulated experiment (and a failing test) can be replayed exactly. Not for cryptography.
 */

/** Golden-ratio increment of mulberry32's Weyl sequence. */
const WEYL = 0x6d2b79f5;

/**
 * mulberry32 (Tommy Ettinger): a 32-bit generator with one word of state, a period of 2^32 and
 * good statistical quality for noise. Fast enough to call once per pixel.
 */
export class Random {
  private state: number;

  /** `seed` is any number; only its low 32 bits matter. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    this.state = (this.state + WEYL) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniformly distributed number in [0, 1). */
  uniform(): number {
    return this.uint32() / 4294967296;
  }

  /**
   * A standard normal deviate (mean 0, standard deviation 1) by the Box-Muller transform:
   * for independent uniforms u1 in (0, 1] and u2, `sqrt(-2 ln u1) cos(2 pi u2)` is normal.
   */
  gaussian(): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** Number of entries of {@link normalTable}: a power of two, indexed by 16 random bits. */
export const NORMAL_TABLE_SIZE = 65536;

let table: Float32Array | undefined;

/**
 * 65,536 standard normal deviates drawn once with a fixed seed. Per-pixel noise picks entries
 * with 16 random bits, which costs an integer hash instead of a logarithm and a cosine; the
 * table is large enough that the picked values are indistinguishable from fresh draws in an image.
 */
export function normalTable(): Float32Array {
  if (table === undefined) {
    const random = new Random(0x5eed);
    table = new Float32Array(NORMAL_TABLE_SIZE);
    for (let i = 0; i < NORMAL_TABLE_SIZE; i++) table[i] = random.gaussian();
  }
  return table;
}
