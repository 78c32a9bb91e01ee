"""Pooling over (N, C, H, W): max, average and adaptive average, by loops over kernel offsets.

Each kernel offset (i, j) is one strided view of the padded input holding that offset of every
window, so a k x k pool is k*k whole-array steps, never a loop over pixels. When max pooling's
windows tile the padded input exactly (stride = kernel, as in the common MaxPool2d(2)), one copy
first makes each offset's plane contiguous: the steps then read contiguous memory, and the forward
pass, copy included, takes about a quarter less time.

Max pooling shares the images among the library's worker threads (scratchnn.parallel) and works
through each share a cache-sized block of images at a time (conv.BLOCK_BYTES), as convolution
does: the block's copy and steps stay in cache, and the copy goes to the thread's scratch memory.
"""

from __future__ import annotations

import numpy as np

from scratchnn import parallel
from scratchnn.function import Function
from scratchnn.ops.conv import Padding, Pair, crop, image_blocks, output_size, pad, scratch, windows


def _geometry(
    shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, ceil_mode
) -> tuple[Pair, Padding]:
    """Output size and the padding (extended on the far side for ceil_mode's last window)."""
    out, pads = [], []
    for size, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation):
        n = output_size(size, k, s, (p, p), d, ceil_mode)
        reach = (n - 1) * s + d * (k - 1) + 1
        out.append(n)
        pads.append((p, max(p, reach - size - p)))
    return (out[0], out[1]), (pads[0], pads[1])


def _offsets(kernel: Pair):
    """Kernel offsets (i, j) in row-major order, the order PyTorch scans a window."""
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def _contiguous_offsets(view: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """The windows view (N, C, kH, kW, outH, outW) copied into the start of a flat buffer so
    that each offset's plane [:, :, i, j] is one contiguous block; same shape, same values."""
    order = (2, 3, 0, 1, 4, 5)  # swaps (N, C) with (kH, kW), so it is its own inverse
    planes = buffer[: view.size].reshape(view.transpose(order).shape)
    np.copyto(planes, view.transpose(order))
    return planes.transpose(order)


def _max_and_first_argmax(view: np.ndarray, offsets, best: np.ndarray, where: np.ndarray) -> None:
    """Each window's maximum into best and the index of its first maximum into where."""
    np.copyto(best, view[:, :, 0, 0])
    for i, j in offsets[1:]:
        np.maximum(best, view[:, :, i, j], out=best)
    # index of the first maximum = how many leading offsets all miss it
    missed = view[:, :, 0, 0] != best
    np.copyto(where, missed)
    for i, j in offsets[1:-1]:
        missed &= view[:, :, i, j] != best
        where += missed


class MaxPool2d(Function):
    """y = max of each window (padding counts as -inf, NaN propagates);  dx = dy routed to the
    window's first maximum in row-major order (to its last element when the window holds NaN)."""

    def forward(
        self,
        x,
        *,
        kernel: Pair,
        stride: Pair,
        padding: Pair,
        dilation: Pair = (1, 1),
        ceil_mode: bool = False,
    ):
        out, self.padding = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
        padded = pad(x, self.padding, value=-np.inf)
        tiles = padded.shape[2:] == (out[0] * kernel[0], out[1] * kernel[1])
        self.tiling = stride == kernel and dilation == (1, 1) and tiles
        offsets = _offsets(kernel)
        best = np.empty((*x.shape[:2], *out), dtype=x.dtype)
        where = np.empty(best.shape, dtype=np.min_scalar_type(len(offsets) - 1))

        def pool(images: slice) -> None:
            """best and where of a share of the images, a cache-sized block at a time."""
            blocks = image_blocks(images, padded[:1].nbytes)
            # tiling windows: each block copied offset-contiguous into the thread's scratch
            buffer = scratch(padded[blocks[0]].size, x.dtype) if self.tiling and blocks else None
            for block in blocks:
                view = windows(padded[block], kernel, stride, dilation, out)
                if buffer is not None:
                    view = _contiguous_offsets(view, buffer)
                _max_and_first_argmax(view, offsets, best[block], where[block])

        parallel.run(pool, parallel.shares(len(x)))
        self.where, self.padded_shape, self.input_hw = where, padded.shape, x.shape[2:]
        self.kernel, self.stride, self.dilation = kernel, stride, dilation
        return best

    def backward(self, grad):
        # windows that tile the input assign every element of dpadded: nothing to clear first
        dpadded = (np.empty if self.tiling else np.zeros)(self.padded_shape, dtype=grad.dtype)
        extents = [d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation)]
        overlapping = any(s < e for s, e in zip(self.stride, extents))

        def route(images: slice) -> None:
            """dpadded of a share of the images, a cache-sized block at a time."""
            for block in image_blocks(images, dpadded[:1].nbytes):
                out_grad, where = grad[block], self.where[block]
                view = windows(
                    dpadded[block], self.kernel, self.stride, self.dilation, grad.shape[2:], True
                )
                for index, (i, j) in enumerate(_offsets(self.kernel)):
                    share = view[:, :, i, j]
                    if overlapping:
                        share += out_grad * (where == index)
                    else:  # each input element belongs to one window at most: assign
                        np.multiply(out_grad, where == index, out=share)

        parallel.run(route, parallel.shares(len(grad)))
        return (crop(dpadded, self.padding, self.input_hw),)


def _window_counts(size: int, out: int, kernel: int, stride: int, padding: int, with_pad: bool):
    """How many elements each window along one axis averages (PyTorch's rule)."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    if with_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Function):
    """y = sum of each window / window size (with or without its padding);
    dx = dy / window size spread over the window."""

    def forward(
        self,
        x,
        *,
        kernel: Pair,
        stride: Pair,
        padding: Pair,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ):
        one = (1, 1)
        out, self.padding = _geometry(x.shape, kernel, stride, padding, one, ceil_mode)
        counts = [
            _window_counts(size, n, k, s, p, count_include_pad)
            for size, n, k, s, p in zip(x.shape[2:], out, kernel, stride, padding)
        ]
        self.scale = (1.0 / np.outer(*counts)).astype(x.dtype)
        padded = pad(x, self.padding)
        view = windows(padded, kernel, stride, one, out)
        total = view[:, :, 0, 0].copy()
        for i, j in _offsets(kernel)[1:]:
            total += view[:, :, i, j]
        self.padded_shape, self.input_hw, self.kernel, self.stride = (
            padded.shape,
            x.shape[2:],
            kernel,
            stride,
        )
        total *= self.scale
        return total

    def backward(self, grad):
        dpadded = np.zeros(self.padded_shape, dtype=grad.dtype)
        view = windows(dpadded, self.kernel, self.stride, (1, 1), grad.shape[2:], True)
        share = grad * self.scale
        for i, j in _offsets(self.kernel):
            view[:, :, i, j] += share
        return (crop(dpadded, self.padding, self.input_hw),)


def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size) averaging matrix: row k averages [floor(k*size/out), ceil((k+1)*size/out))."""
    k = np.arange(out)
    start = (k * size) // out
    end = -((-(k + 1) * size) // out)
    columns = np.arange(size)
    inside = (columns >= start[:, None]) & (columns < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """y = x_flat @ P^T with P = kron(A_h, A_w), A rows averaging PyTorch's adaptive windows;
    dx = dy_flat @ P."""

    def forward(self, x, *, output_size: Pair):
        n, c, h, w = x.shape
        rows = _adaptive_matrix(h, output_size[0], x.dtype)
        cols = _adaptive_matrix(w, output_size[1], x.dtype)
        self.matrix, self.shape = np.kron(rows, cols), x.shape
        y = x.reshape(n * c, h * w) @ self.matrix.T
        return y.reshape(n, c, *output_size)

    def backward(self, grad):
        n, c = grad.shape[:2]
        return ((grad.reshape(n * c, -1) @ self.matrix).reshape(self.shape),)
