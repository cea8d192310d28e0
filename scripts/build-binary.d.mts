// Types for the parts of scripts/build-binary.mjs that tests and benchmarks import.
export declare const ARM64_SYSROOT: string;
/** argv prefix that runs a binary of `target` on this machine ([] natively, qemu for arm64 on x64). */
export declare function runnerFor(target: 'linux-x64' | 'linux-arm64'): string[];
/** Path of the target's pinned `node` runtime (npm pack + integrity check, cached). */
export declare function nodeRuntime(target: 'linux-x64' | 'linux-arm64'): string;
/** esbuild options of the binary's bundle (without outfile). */
export declare function esbuildOptions(info: { version: string; commit: string }): Record<string, unknown>;
