#!/usr/bin/env python3
"""Numerical error of Winograd F(2x2,3x3) and F(4x4,3x3) in float32 against the direct
convolution in float64, on ResNet-like 3x3 layers (He-initialised weights, unit-normal or
post-ReLU batch-normalised inputs). Also the float32 direct convolution (im2col + sgemm order) as
the floor. Relative errors are normalised by the reference's RMS (per-element relative error is
meaningless near zero outputs): max |y - ref| / rms(ref) and mean |y - ref| / rms(ref).

Usage: python3 bench/winograd/f43_error.py   (numpy only; a few seconds)
"""
import numpy as np

def mats(kind):
    if kind == 2:
        BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
        G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]]
        AT = [[1, 1, 1, 0], [0, 1, -1, -1]]
    else:  # Lavin & Gray, interpolation points 0, ±1, ±2, ∞
        BT = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
              [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
        G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
             [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]
        AT = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
    return [np.array(m, dtype=np.float32) for m in (BT, G, AT)]

def direct(x, w, dtype):
    n, c, h, wd = x.shape
    co = w.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))).astype(dtype)
    y = np.zeros((n, co, h, wd), dtype=dtype)
    for i in range(3):
        for j in range(3):
            y += np.einsum('oc,nchw->nohw', w[:, :, i, j].astype(dtype), xp[:, :, i:i + h, j:j + wd])
    return y

def winograd(x, w, m):
    BT, G, AT = mats(m)
    a = m + 2
    n, c, h, wd = x.shape
    co = w.shape[0]
    th, tw = -(-h // m), -(-wd // m)
    xp = np.zeros((n, c, th * m + 2, tw * m + 2), dtype=np.float32)
    xp[:, :, 1:h + 1, 1:wd + 1] = x
    # patches [n, c, th, tw, a, a]
    d = np.stack([np.stack([xp[:, :, ty * m:ty * m + a, tx * m:tx * m + a] for tx in range(tw)], 2)
                  for ty in range(th)], 2)
    V = np.einsum('ij,nctujk,lk->nctuil', BT, d, BT).astype(np.float32)
    U = np.einsum('ij,ocjk,lk->ocil', G, w.astype(np.float32), G).astype(np.float32)
    M = np.einsum('ocil,nctuil->notuil', U, V).astype(np.float32)
    Y = np.einsum('ij,notujk,lk->notuil', AT, M, AT).astype(np.float32)
    y = Y.transpose(0, 1, 2, 4, 3, 5).reshape(n, co, th * m, tw * m)
    return y[:, :, :h, :wd]

def errors(y, ref):
    e = np.abs(y.astype(np.float64) - ref)
    rms = np.sqrt(np.mean(ref ** 2))
    return e.max() / rms, e.mean() / rms

rng = np.random.default_rng(0)
print('| layer (n, c→co, h×w) | input | direct fp32 max / mean | F(2×2,3×3) max / mean | F(4×4,3×3) max / mean |')
print('|---|---|---|---|---|')
for (n, c, co, h) in [(4, 64, 64, 28), (4, 128, 128, 14), (4, 256, 256, 7), (4, 512, 512, 4)]:
    w = (rng.standard_normal((co, c, 3, 3)) * np.sqrt(2 / (9 * c))).astype(np.float32)
    for kind in ('normal', 'relu(bn)'):
        x = rng.standard_normal((n, c, h, h)).astype(np.float32)
        if kind != 'normal':
            x = np.maximum(x, 0)
        ref = direct(x.astype(np.float64), w.astype(np.float64), np.float64)
        row = [errors(direct(x, w, np.float32), ref), errors(winograd(x, w, 2), ref), errors(winograd(x, w, 4), ref)]
        print(f'| {n}, {c}→{co}, {h}×{h} | {kind} | ' + ' | '.join(f'{a:.2e} / {b:.2e}' for a, b in row) + ' |')
