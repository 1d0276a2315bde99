// Stand-in for the Node built-ins (node:fs, node:path, node:crypto, node:zlib, node:buffer; node:v8 and node:worker_threads,
// which the kernel loader imports only when it runs under Node) that src/index.ts reaches through its file helpers (readTextFile, saveCheckpoint, loadCheckpoint, writeFileAtomic,
// trainLoop's checkpoint check). The page never calls those: it reads files with the browser's
// File API and goes through the byte-level encodeCheckpoint / decodeCheckpoint instead. The Vite
// config aliases the built-ins to this module, so the bundle carries no Node code, and a call that
// slips through fails with a message that says why rather than "x is not a function".

function unavailable(name: string): () => never {
  return () => {
    throw new Error(`${name} is a Node.js built-in and does not exist in the browser (the web page uses encodeCheckpoint / decodeCheckpoint on bytes)`);
  };
}

// node:fs
export const readFileSync = unavailable('readFileSync');
export const statSync = unavailable('statSync');
export const existsSync = unavailable('existsSync');
export const openSync = unavailable('openSync');
export const closeSync = unavailable('closeSync');
export const writeSync = unavailable('writeSync');
export const fsyncSync = unavailable('fsyncSync');
export const fstatSync = unavailable('fstatSync');
export const readSync = unavailable('readSync');
export const readdirSync = unavailable('readdirSync');
export const renameSync = unavailable('renameSync');
export const unlinkSync = unavailable('unlinkSync');
export const mkdirSync = unavailable('mkdirSync');
// node:path
export const dirname = unavailable('dirname');
export const basename = unavailable('basename');
export const join = unavailable('join');
// node:crypto
export const randomBytes = unavailable('randomBytes');
// node:zlib (gzip-compressed texts are read by readTextFile; the page decompresses with DecompressionStream)
export const gunzipSync = unavailable('gunzipSync');
// node:buffer (only read inside the file helpers above; a plain object so that importing it is harmless)
export const constants = { MAX_LENGTH: 2 ** 31 - 1, MAX_STRING_LENGTH: 2 ** 29 - 24 };
