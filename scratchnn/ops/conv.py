"""Convolution by im2col: every kernel window becomes a column, then one matrix product per layer.

The helpers here (window sizes, padding, the strided window view, blocks of images and their
scratch memory) are shared with pooling.
"""

from __future__ import annotations

import functools
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from scratchnn import parallel
from scratchnn.function import Function

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]  # ((top, bottom), (left, right))


def output_size(
    size: int,
    kernel: int,
    stride: int,
    padding: Pair,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Number of window positions along one axis (PyTorch's formula, ceil_mode as in pooling).

    In ceil_mode a last partial window counts if it starts inside the input or its left padding.
    """
    span = size + padding[0] + padding[1] - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding[0]:
        out -= 1
    return out


def pad(x: np.ndarray, padding: Padding, value: float = 0.0) -> np.ndarray:
    """x (N, C, H, W) surrounded by `value`; x itself when there is nothing to add."""
    (top, bottom), (left, right) = padding
    if top == bottom == left == right == 0:
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, top + h + bottom, left + w + right), value, dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out


def windows(
    padded: np.ndarray,
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    out: Pair,
    writeable: bool = False,
) -> np.ndarray:
    """View (N, C, kH, kW, outH, outW) of padded (N, C, H, W): [.., i, j, h, w] is the pixel
    (h*sH + i*dH, w*sW + j*dW). No copy; writeable views are for scatter-adding gradients."""
    sn, sc, sh, sw = padded.strides
    return as_strided(
        padded,
        (padded.shape[0], padded.shape[1], *kernel, *out),
        (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]),
        writeable=writeable,
    )


def crop(padded: np.ndarray, padding: Padding, size: Pair) -> np.ndarray:
    """The (H, W) region of padded that holds the original input."""
    (top, _), (left, _) = padding
    return padded[:, :, top : top + size[0], left : left + size[1]]


# Images per block are chosen so one block's columns take about this many bytes: small enough
# to stay in cache between building them and multiplying (cache blocking, as BLAS does inside),
# large enough that each block is still one big whole-array step.
BLOCK_BYTES = 1 << 21


_scratch = threading.local()


def scratch(size: int, dtype) -> np.ndarray:
    """A flat array of `size` elements for one block's work: the calling thread's scratch memory,
    kept (as large as its largest request) and reused because fresh memory would page-fault anew
    on every call. Valid until the thread's next call."""
    nbytes = size * np.dtype(dtype).itemsize
    memory = getattr(_scratch, "memory", None)
    if memory is None or memory.nbytes < nbytes:
        memory = _scratch.memory = np.empty(nbytes, np.uint8)
    return memory[:nbytes].view(dtype)


def image_blocks(images: slice, bytes_per_image: int) -> list[slice]:
    """The images cut into consecutive blocks of about BLOCK_BYTES each."""
    size = max(1, BLOCK_BYTES // max(1, bytes_per_image))
    starts = range(images.start, images.stop, size)
    return [slice(start, min(start + size, images.stop)) for start in starts]


class Conv2d(Function):
    """y[n,o,h,w] = b[o] + sum_{c,i,j} W[o,c,i,j] x_pad[n, g(o)c, h*sH + i*dH, w*sW + j*dW];
    with cols = im2col(x):  y = W @ cols + b,  dW = dy @ cols^T,  db = sum dy,
    dx = col2im(W^T @ dy).

    A 3-D input (N, C, L) with a 3-D weight (O, C/g, k) is a 1-D convolution (height 1).
    Two column layouts, each where it is cheaper; columns are built for a block of images at a
    time (see BLOCK_BYTES) and rebuilt in backward rather than kept, which saves both memory
    traffic and memory:

    - per image, (images, groups, C/groups·kH·kW + 1, outH·outW) with a last row of ones: one
      batched product [W | b] @ cols writes y in place, bias included (forward), and sums
      dy_n @ cols_n^T give dW and db together (backward, when a layer has fewer column rows
      than output pixels, as first layers do: there the per-image products are small).
    - whole block, (groups, C/groups·kH·kW, images·outH·gridW): one product per block for dW
      of the other layers and for dx. With stride 1 the grid is as wide as the padded row
      ("wide" rows): each column row is then one contiguous run of the input, so im2col and
      col2im are plain strided copies; the few extra columns get zero gradient.

    With a thread budget above 1 the images are first shared among worker threads
    (scratchnn.parallel), each working through its share block by block: y and dx are written
    into disjoint images, dW and db are summed per worker, then the workers' sums are added.
    """

    def forward(
        self,
        x,
        weight,
        bias=None,
        *,
        stride: Pair = (1, 1),
        padding: Padding = ((0, 0), (0, 0)),
        dilation: Pair = (1, 1),
        groups: int = 1,
    ):
        self.one_d = x.ndim == 3
        if self.one_d:
            x, weight = x[:, :, None], weight[:, :, None]
        n, c, h, w = x.shape
        o, _, kh, kw = weight.shape
        out_h = output_size(h, kh, stride[0], padding[0], dilation[0])
        out_w = output_size(w, kw, stride[1], padding[1], dilation[1])
        wide = stride == (1, 1) and out_h > 1
        (top, bottom), (left, right) = padding
        # a wide grid's last row runs (kW-1)*dW past the padded input: one spare row holds it
        self.padded = pad(x, ((top, bottom + wide), (left, right)))
        self.w_mat = weight.reshape(groups, o // groups, -1)
        self.weight_shape, self.input_hw, self.padding = weight.shape, (h, w), padding
        self.stride, self.dilation, self.out_hw = stride, dilation, (out_h, out_w)
        self.grid = (out_h, left + w + right if wide else out_w)
        y = np.empty((n, o, out_h, out_w), dtype=np.result_type(x, weight))
        w_aug = self.w_mat
        if bias is not None:
            w_aug = np.concatenate([self.w_mat, bias.reshape(groups, -1, 1)], axis=2)
        per_image = y.reshape(n, groups, o // groups, out_h * out_w)

        def outputs(images: slice) -> None:
            """y of a share of the images."""
            for block, cols in self._image_columns(images, ones=bias is not None):
                np.matmul(w_aug, cols, out=per_image[block])

        parallel.run(outputs, parallel.shares(n))
        return y[:, :, 0] if self.one_d else y

    def backward(self, grad):
        needs = self.needs_input_grad
        if self.one_d:
            grad = grad[:, :, None]
        rows = self.w_mat.shape[2]
        bias_grad = len(needs) == 3 and needs[2]
        dx = dw = db = None
        per_image = needs[1] and rows < math.prod(self.out_hw)
        if per_image:
            dw, db = self._weight_grads_per_image(grad, bias_grad)
        if needs[0] or (needs[1] and not per_image):
            dx, block_dw = self._grads_by_blocks(grad, needs[0], needs[1] and not per_image)
            dw = dw if per_image else block_dw
        if bias_grad and db is None:
            db = grad.sum(axis=(0, 2, 3))
        if needs[0]:
            dx = dx[:, :, 0] if self.one_d else dx
        if needs[1]:
            dw = dw.reshape(self.weight_shape)
            dw = dw[:, :, 0] if self.one_d else dw
        return (dx, dw, db)[: len(needs)]

    def _weight_grads_per_image(self, grad, with_bias: bool):
        """(dW, db or None) as sums over images of dy_n @ [cols_n; 1]^T."""
        groups, per_group, rows = self.w_mat.shape
        per_image = grad.reshape(len(grad), groups, per_group, math.prod(self.out_hw))

        def sum_over(images: slice) -> np.ndarray:
            """[dW | db] summed over a share of the images."""
            total = np.zeros((groups, per_group, rows + with_bias), dtype=grad.dtype)
            for block, cols in self._image_columns(images, ones=with_bias):
                total += (per_image[block] @ np.swapaxes(cols, -1, -2)).sum(axis=0)
            return total

        total = functools.reduce(np.add, parallel.run(sum_over, parallel.shares(len(grad))))
        return total[..., :rows], total[..., rows].reshape(-1) if with_bias else None

    def _grads_by_blocks(self, grad, need_dx: bool, need_dw: bool):
        """(dx, dW), each None unless asked for, from whole-block columns."""
        o, out_w = grad.shape[1], grad.shape[3]
        groups, per_group, rows = self.w_mat.shape
        dpadded = np.zeros(self.padded.shape, dtype=grad.dtype) if need_dx else None

        def dx_and_dw_sum(images: slice) -> np.ndarray | None:
            """dx of a share of the images into dpadded; their dW summed (None unless asked)."""
            dw = np.zeros(self.w_mat.shape, dtype=grad.dtype) if need_dw else None
            for block in self._blocks(groups * rows * math.prod(self.grid), images):
                part = grad[block]
                g = np.zeros((o, len(part), *self.grid), dtype=grad.dtype)
                g[..., :out_w] = part.transpose(1, 0, 2, 3)
                g = g.reshape(groups, per_group, -1)
                if need_dw:
                    dw += np.swapaxes(self._block_columns(block) @ np.swapaxes(g, 1, 2), 1, 2)
                if need_dx:
                    self._col2im(np.swapaxes(self.w_mat, 1, 2) @ g, dpadded[block])
            return dw

        dw_sums = parallel.run(dx_and_dw_sum, parallel.shares(len(grad)))
        dx = crop(dpadded, self.padding, self.input_hw) if need_dx else None
        return dx, functools.reduce(np.add, dw_sums) if need_dw else None

    def _blocks(self, values_per_image: int, images: slice) -> list[slice]:
        """The images cut into consecutive blocks whose columns take about BLOCK_BYTES each."""
        return image_blocks(images, values_per_image * self.padded.itemsize)

    def _image_columns(self, images: slice, ones: bool):
        """Yield (block, cols) with cols (images, groups, C/groups·kH·kW (+ 1), outH·outW) for
        consecutive blocks of the images, in the thread's scratch; the extra last row holds ones."""
        groups, _, rows = self.w_mat.shape
        kernel, size = self.weight_shape[2:], math.prod(self.out_hw)
        blocks = self._blocks(groups * (rows + ones) * size, images)
        if not blocks:  # no images
            return
        shape = (blocks[0].stop - blocks[0].start, groups, rows + ones, size)
        buffer = scratch(math.prod(shape), self.padded.dtype).reshape(shape)
        if ones:
            buffer[:, :, rows] = 1
        for block in blocks:
            images = self.padded[block]
            view = windows(images, kernel, self.stride, self.dilation, self.out_hw)
            split = (len(images), groups, -1, *kernel, *self.out_hw)  # splits axes only: views
            np.copyto(buffer[: len(images), :, :rows].reshape(split), view.reshape(split))
            yield block, buffer[: len(images)]

    def _block_columns(self, block: slice) -> np.ndarray:
        """im2col of a block of images: (groups, C/groups·kH·kW, images·outH·gridW)."""
        images = self.padded[block]
        view = windows(images, self.weight_shape[2:], self.stride, self.dilation, self.grid)
        cols = np.ascontiguousarray(view.transpose(1, 2, 3, 0, 4, 5))
        return cols.reshape(self.w_mat.shape[0], -1, len(images) * math.prod(self.grid))

    def _col2im(self, dcols: np.ndarray, dpadded: np.ndarray) -> None:
        """Scatter-add column gradients of a block of images onto their padded input gradient."""
        kh, kw = self.weight_shape[2:]
        view = windows(dpadded, (kh, kw), self.stride, self.dilation, self.grid, writeable=True)
        view = view.transpose(1, 2, 3, 0, 4, 5)
        dcols = dcols.reshape(view.shape)
        for i in range(kh):
            for j in range(kw):
                view[:, i, j] += dcols[:, i, j]
