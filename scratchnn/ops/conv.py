"""Convolution by im2col: every kernel window becomes a column, then one matrix product per layer.

The helpers here (window sizes, padding, the strided window view) are shared with pooling.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

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


class Conv2d(Function):
    """y[n,o,h,w] = b[o] + sum_{c,i,j} W[o,c,i,j] x_pad[n, g(o)c, h*sH + i*dH, w*sW + j*dW];
    with cols = im2col(x):  y = W @ cols,  dW = dy @ cols^T,  db = sum dy,  dx = col2im(W^T @ dy).

    A 3-D input (N, C, L) with a 3-D weight (O, C/g, k) is a 1-D convolution (height 1).
    Columns are laid out (C·kH·kW, N·outH·outW) so each product is one large matrix product per
    group. With stride 1 the column grid is as wide as the padded row ("wide" rows): each column
    row is then one contiguous run of the input, which makes im2col and col2im plain strided
    copies; the few extra columns are dropped from the output and get zero gradient.
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
        grid_w = left + w + right if wide else out_w
        # a wide grid's last row runs (kW-1)*dW past the padded input: one spare row holds it
        padded = pad(x, ((top, bottom + wide), (left, right)))
        view = windows(padded, (kh, kw), stride, dilation, (out_h, grid_w))
        cols = np.ascontiguousarray(view.transpose(1, 2, 3, 0, 4, 5))
        cols = cols.reshape(groups, -1, n * out_h * grid_w)
        w_mat = weight.reshape(groups, o // groups, -1)
        product = (w_mat @ cols).reshape(o, n, out_h, grid_w)[..., :out_w].transpose(1, 0, 2, 3)
        y = np.empty((n, o, out_h, out_w), dtype=product.dtype)
        if bias is None:
            np.copyto(y, product)
        else:
            np.add(product, bias[:, None, None], out=y)
        self.cols, self.w_mat, self.weight_shape = cols, w_mat, weight.shape
        self.padded_shape, self.input_hw, self.padding = padded.shape, (h, w), padding
        self.stride, self.dilation, self.grid = stride, dilation, (out_h, grid_w)
        return y[:, :, 0] if self.one_d else y

    def backward(self, grad):
        needs = self.needs_input_grad
        if self.one_d:
            grad = grad[:, :, None]
        n, o, out_h, out_w = grad.shape
        groups, per_group, _ = self.w_mat.shape
        grid_h, grid_w = self.grid
        g = np.empty((o, n, grid_h, grid_w), dtype=grad.dtype)
        g[..., :out_w] = grad.transpose(1, 0, 2, 3)
        g[..., out_w:] = 0
        g = g.reshape(groups, per_group, -1)
        dx = dw = db = None
        if needs[0]:
            dcols = np.swapaxes(self.w_mat, 1, 2) @ g
            dx = self._col2im(dcols.reshape(-1, *self.weight_shape[2:], n, grid_h, grid_w))
        if needs[1]:
            dw = np.swapaxes(self.cols @ np.swapaxes(g, 1, 2), 1, 2).reshape(self.weight_shape)
            if self.one_d:
                dw = dw[:, :, 0]
        if len(needs) == 3 and needs[2]:
            db = grad.sum(axis=(0, 2, 3))
        return (dx, dw, db)[: len(needs)]

    def _col2im(self, dcols: np.ndarray) -> np.ndarray:
        """Scatter-add column gradients (C, kH, kW, N, h, w) back onto the padded input."""
        dpadded = np.zeros(self.padded_shape, dtype=dcols.dtype)
        kh, kw = dcols.shape[1:3]
        view = windows(dpadded, (kh, kw), self.stride, self.dilation, self.grid, writeable=True)
        view = view.transpose(1, 2, 3, 0, 4, 5)
        for i in range(kh):
            for j in range(kw):
                view[:, i, j] += dcols[:, i, j]
        dx = crop(dpadded, self.padding, self.input_hw)
        return dx[:, :, 0] if self.one_d else dx
