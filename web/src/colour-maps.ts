/** Colour maps for camera images: 256 RGBA entries each, interpolated from a few stops. */

const STOPS: Readonly<Record<string, readonly [number, number, number][]>> = {
  gray: [[0, 0, 0], [255, 255, 255]],
  viridis: [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
  inferno: [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]],
  hot: [[0, 0, 0], [230, 0, 0], [255, 210, 0], [255, 255, 255]],
};

/** Names of the colour maps. */
export const COLOUR_MAPS = Object.keys(STOPS);

const tables = new Map<string, Uint32Array>();

/** The map `name` as 256 packed RGBA pixels (little-endian: 0xAABBGGRR), for a Uint32Array view of ImageData. */
export function colourTable(name: string): Uint32Array {
  let table = tables.get(name);
  if (table !== undefined) return table;
  const stops = STOPS[name] ?? (STOPS['gray'] as readonly [number, number, number][]);
  table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const at = (i / 255) * (stops.length - 1);
    const k = Math.min(Math.floor(at), stops.length - 2);
    const f = at - k;
    const a = stops[k] as [number, number, number];
    const b = stops[k + 1] as [number, number, number];
    const [r, g, bl] = [0, 1, 2].map((c) => Math.round((a[c] as number) + ((b[c] as number) - (a[c] as number)) * f)) as [number, number, number];
    table[i] = (255 << 24) | (bl << 16) | (g << 8) | r;
  }
  tables.set(name, table);
  return table;
}

/**
 * The colour saturated pixels are drawn in, per map: one no value of the map has (red on grey
 * and viridis, cyan on the warm maps), RGBA packed as in {@link colourTable}.
 */
export function saturationColour(map: string): number {
  const [r, g, b] = map === 'hot' || map === 'inferno' ? [0, 230, 255] : [255, 0, 0];
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/**
 * Draws 16-bit `pixels` (width × height) into `image` through `map`, `low`..`high` spread over
 * the map; pixels at or above `saturation` in {@link saturationColour}. Returns how many were.
 */
export function paint(image: ImageData, pixels: Uint16Array, low: number, high: number, map: string, saturation = 65536): number {
  const table = colourTable(map);
  const marked = saturationColour(map);
  const out = new Uint32Array(image.data.buffer);
  const scale = 255 / Math.max(1, high - low);
  let saturated = 0;
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i] as number;
    if (p >= saturation) {
      out[i] = marked;
      saturated++;
      continue;
    }
    const v = (p - low) * scale;
    out[i] = table[v <= 0 ? 0 : v >= 255 ? 255 : v | 0] as number;
  }
  return saturated;
}

/** The values below which `lowFraction` and `highFraction` of the pixels lie (a 16-bit histogram). */
export function percentiles(pixels: Uint16Array, lowFraction: number, highFraction: number): [number, number] {
  const counts = new Uint32Array(65536);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] as number;
    counts[v] = (counts[v] as number) + 1;
  }
  const lowCount = pixels.length * lowFraction;
  const highCount = pixels.length * highFraction;
  let sum = 0;
  let low = 0;
  let high = 65535;
  let foundLow = false;
  for (let v = 0; v < 65536; v++) {
    sum += counts[v] as number;
    if (!foundLow && sum >= lowCount) {
      low = v;
      foundLow = true;
    }
    if (sum >= highCount) {
      high = v;
      break;
    }
  }
  return [low, Math.max(high, low + 1)];
}
