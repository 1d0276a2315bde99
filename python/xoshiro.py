"""The run's random generator, xoshiro128** seeded through splitmix32 (src/engine/random.ts), with a
fast way to draw many numbers at once that gives exactly the numbers of drawing them one by one.

The fast way: the generator's state update is linear over GF(2) (xor, shifts and rotations of the
128 state bits), s ← A·s, so jumping n draws ahead is one 128 × 128 bit-matrix product, Aⁿ·s.
To draw D numbers, K lanes start at the states A^(j·M)·s (j < K, M = ⌈D / K⌉ draws per lane) and
all step together in numpy; lane j's outputs are draws j·M … j·M + M − 1 of the sequential stream,
and the state after all D draws is A^D·s. The matrices depend only on D, and are made once.
"""
import numpy as np

M32 = 0xFFFFFFFF
FAST_FROM = 1 << 15  # fewer draws than this: the plain loop


def _step(s0, s1, s2, s3):
    t = (s1 << 9) & M32
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
    return s0, s1, s2, ((s3 << 11) | (s3 >> 21)) & M32


def _out(s1):
    x = (s1 * 5) & M32
    return ((((x << 7) | (x >> 25)) & M32) * 9) & M32


# ---- 128-bit states as Python ints (s0 in bits 0..31, …, s3 in bits 96..127), matrices as 128 columns ----

def _pack(s):
    return s[0] | s[1] << 32 | s[2] << 64 | s[3] << 96


def _unpack(v):
    return [(v >> (32 * i)) & M32 for i in range(4)]


def _matvec(cols, v):
    r, k = 0, 0
    while v:
        if v & 1:
            r ^= cols[k]
        v >>= 1
        k += 1
    return r


def _matmul(a, b):
    return [_matvec(a, col) for col in b]


def _power(a, n):
    result = [1 << k for k in range(128)]  # the identity
    while n:
        if n & 1:
            result = _matmul(a, result)
        a = _matmul(a, a)
        n >>= 1
    return result


_A = [_pack(_step(*_unpack(1 << k))) for k in range(128)]  # one draw's state update, column by column


def _apply(cols, states):
    """The bit matrix applied to many states at once: states (n, 4) uint32 -> (n, 4) uint32."""
    c = np.array([_unpack(col) for col in cols], dtype=np.uint32)  # (128, 4)
    bits = ((states[:, :, None] >> np.arange(32, dtype=np.uint32)) & 1).reshape(len(states), 128).astype(bool)
    return np.bitwise_xor.reduce(np.where(bits[:, :, None], c[None], np.uint32(0)), axis=1)


class Rng:
    """xoshiro128**; its four-integer state goes into checkpoints as metadata 'rng'."""

    def __init__(self, seed_or_state):
        if isinstance(seed_or_state, int):
            x, s = seed_or_state & M32, []
            for _ in range(4):  # splitmix32
                x = (x + 0x9E3779B9) & M32
                z = x
                z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
                z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
                s.append((z ^ (z >> 16)) & M32)
        else:
            s = [int(v) for v in seed_or_state]
        if not any(s):
            s[0] = 1  # the all-zero state is a fixed point
        self.s = s
        self._plans = {}

    def state(self):
        return list(self.s)

    def uint32s(self, n):
        """The next n 32-bit draws, as a uint32 array."""
        return self._fast(n) if n >= FAST_FROM else self._slow(n)

    def uniforms(self, n):
        """n floats in [0, 1), each from two draws (27 + 26 bits), exactly as Rng.uniform()."""
        d = self.uint32s(2 * n)
        return ((d[0::2] >> 5).astype(np.float64) * 67108864 + (d[1::2] >> 6)) / 9007199254740992

    def _slow(self, n):
        s0, s1, s2, s3 = self.s
        out = np.empty(n, dtype=np.uint32)
        for i in range(n):
            out[i] = _out(s1)
            s0, s1, s2, s3 = _step(s0, s1, s2, s3)
        self.s = [s0, s1, s2, s3]
        return out

    def _fast(self, n):
        K = 1 << min(12, max(0, (n // 256).bit_length() - 1))  # lanes, a power of two; each takes M ≥ 256 draws
        M = -(-n // K)
        if n not in self._plans:  # A^(M·2^l) for the doubling of the lanes, and A^n for the final state
            jumps, j = [], _power(_A, M)
            for _ in range(K.bit_length() - 1):
                jumps.append(j)
                j = _matmul(j, j)
            self._plans = {n: (jumps, _power(_A, n))}
        jumps, final = self._plans[n]
        lanes = np.array([self.s], dtype=np.uint32)
        for j in jumps:  # lanes 0..2^l − 1 -> 0..2^(l+1) − 1
            lanes = np.concatenate([lanes, _apply(j, lanes)])
        s0, s1, s2, s3 = (lanes[:, i].copy() for i in range(4))
        out = np.empty((M, K), dtype=np.uint32)
        for i in range(M):
            x = s1 * np.uint32(5)
            out[i] = ((x << np.uint32(7)) | (x >> np.uint32(25))) * np.uint32(9)
            t = s1 << np.uint32(9)
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
            s3 = (s3 << np.uint32(11)) | (s3 >> np.uint32(21))
        self.s = _unpack(_matvec(final, _pack(self.s)))
        return out.T.reshape(-1)[:n]
