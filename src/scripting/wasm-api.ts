/**
 * The few WebAssembly JavaScript APIs the sandbox uses, typed here: the project's `lib` setting
 * (ES2023, no DOM) and `@types/node` 20 do not declare the `WebAssembly` global.
 */

/** A compiled WebAssembly module (`WebAssembly.Module`); it can be posted to workers. */
export interface WasmModule {
  readonly [wasmModuleBrand]?: never;
}
declare const wasmModuleBrand: unique symbol;

/** A WebAssembly linear memory (`WebAssembly.Memory`). */
export interface WasmMemory {
  /** The memory's bytes; its `byteLength` grows in 64 KiB pages up to the maximum. */
  readonly buffer: ArrayBuffer;
}

/** What this module uses of the `WebAssembly` namespace. */
export interface WasmApi {
  /** Compiles a module off the calling thread. */
  compile(bytes: Uint8Array): Promise<WasmModule>;
  /** A memory of `initial` 64 KiB pages that can grow to `maximum` pages and no further. */
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}

/** The `WebAssembly` global of the running Node. */
export const wasmApi: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Bytes in one WebAssembly memory page. */
export const WASM_PAGE_BYTES = 65536;
