// The part of node-gyp-build cowloop uses (the package ships no types).
declare module 'node-gyp-build' {
  /** The addon file for this platform, architecture, ABI and libc; throws when there is none. */
  export function path(dir: string): string;
}
