// Types for the parts of scripts/write-build-info.mjs that the build, tests and benchmarks import.
export interface BuildInfo {
  version: string;
  commit: string;
}
export declare const ROOT: string;
export declare function buildInfo(): BuildInfo;
export declare function buildInfoModule(info?: BuildInfo): string;
