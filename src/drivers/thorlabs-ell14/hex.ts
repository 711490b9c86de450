/** Positions on the ELLx wire: 32-bit two's complement pulses as 8 uppercase hex digits. */

/** 32-bit two's complement as 8 uppercase hex digits. */
export function hex(value: number): string {
  return (value >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** 8 hex digits as a signed 32-bit number. */
export function signed(text: string): number {
  return Number.parseInt(text, 16) | 0;
}
