"""Recurrent layers as fused ops: one op runs one layer over a whole time-major sequence.

The input projection x_t @ W_ih^T + b for every step is one matrix product before the loop;
the loop over time does only what the recurrence needs (one h @ W_hh^T per step), and backward
through time likewise keeps one product per step, with the weight gradients summed over all
steps by one product each afterwards. Gate nonlinearities are computed inside the op.
Inputs: x (T, N, I), h0 (N, H), weights (G*H, I) and (G*H, H), optional biases (G*H,).
"""

from __future__ import annotations

import numpy as np

from scratchnn.function import Function


def _sigmoid_(a: np.ndarray) -> np.ndarray:
    """a <- 1 / (1 + e^-a), in place, as 0.5 tanh(a / 2) + 0.5 (no overflow)."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _project(x: np.ndarray, weight: np.ndarray, *biases) -> np.ndarray:
    """x @ W^T plus the given biases, for all steps at once: (T, N, G*H)."""
    out = x @ weight.T
    for bias in biases:
        if bias is not None:
            out += bias
    return out


def _recurrent_grads(op: Function, d_in, d_hidden, dh0, *extra) -> tuple:
    """The op's gradients in input order (x, h0, *extra, W_ih, W_hh, b_ih, b_hh) from the
    pre-activation gradients of the input side (d_in) and hidden side (d_hidden), (T, N, G*H)."""
    needs = op.needs_input_grad
    n_state = 2 + len(extra)
    want = needs[n_state:] + (False,) * (4 - len(needs[n_state:]))
    flat_in = d_in.reshape(-1, d_in.shape[-1])
    flat_hidden = d_hidden.reshape(-1, d_hidden.shape[-1])
    return (
        d_in @ op.w_ih if needs[0] else None,
        dh0 if needs[1] else None,
        *extra,
        flat_in.T @ op.x.reshape(-1, op.x.shape[-1]) if want[0] else None,
        flat_hidden.T @ op.h_prev.reshape(-1, op.h_prev.shape[-1]) if want[1] else None,
        flat_in.sum(axis=0) if want[2] else None,
        flat_hidden.sum(axis=0) if want[3] else None,
    )[: len(needs)]


class RNNLayer(Function):
    """h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu; y = (h_1..h_T);
    backward through time: da_t = (dy_t + da_{t+1} W_hh) act'(a_t),  dW_hh = sum da_t^T h_{t-1}."""

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, nonlinearity: str = "tanh"):
        pre = _project(x, w_ih, b_ih, b_hh)
        hs = np.empty((len(x) + 1, *h0.shape), dtype=pre.dtype)
        hs[0] = h0
        for t in range(len(x)):
            a = pre[t]
            a += hs[t] @ w_hh.T
            if nonlinearity == "tanh":
                np.tanh(a, out=hs[t + 1])
            else:
                np.maximum(a, 0, out=hs[t + 1])
        self.x, self.h_prev, self.hs, self.w_ih, self.w_hh = x, hs[:-1], hs[1:], w_ih, w_hh
        self.nonlinearity = nonlinearity
        return hs[1:]

    def backward(self, grad):
        hs = self.hs
        slope = 1 - hs * hs if self.nonlinearity == "tanh" else (hs > 0).astype(grad.dtype)
        d_pre = np.empty_like(grad)
        dh = np.zeros_like(grad[0])
        for t in reversed(range(len(grad))):
            dh += grad[t]
            np.multiply(dh, slope[t], out=d_pre[t])
            dh = d_pre[t] @ self.w_hh
        return _recurrent_grads(self, d_pre, d_pre, dh)


class LSTMLayer(Function):
    """Gates (i, f, g, o) = (sig, sig, tanh, sig)(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh);
    c_t = f c_{t-1} + i g,  h_t = o tanh(c_t).  Output (T+1, N, H): h_1..h_T, then c_T.
    Backward: dc_t = dc_{t+1} f_{t+1} + dh_t o_t tanh'(c_t);  di = dc g,  df = dc c_{t-1},
    dg = dc i,  do = dh tanh(c_t), each times its gate's derivative.
    """

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        steps, hidden = len(x), h0.shape[-1]
        gates = _project(x, w_ih, b_ih, b_hh).reshape(steps, -1, 4, hidden)
        # sigmoid(a) = 0.5 tanh(a / 2) + 0.5 and tanh(a) = 1 tanh(a) + 0: one tanh for all gates
        scale = np.array([0.5, 0.5, 1.0, 0.5], dtype=gates.dtype)[:, None]
        shift = np.array([0.5, 0.5, 0.0, 0.5], dtype=gates.dtype)[:, None]
        out = np.empty((steps + 1, *h0.shape), dtype=gates.dtype)  # h_1..h_T, c_T
        cs = np.empty_like(out)  # c_0..c_T
        cs[0] = c0
        h = h0
        for t in range(steps):
            a = gates[t]
            a += (h @ w_hh.T).reshape(a.shape)
            a *= scale
            np.tanh(a, out=a)
            a *= scale
            a += shift
            c = cs[t + 1]
            np.multiply(a[:, 1], cs[t], out=c)
            c += a[:, 0] * a[:, 2]
            h = out[t]
            np.multiply(a[:, 3], np.tanh(c), out=h)
        out[steps] = cs[steps]
        self.x, self.w_ih, self.w_hh = x, w_ih, w_hh
        self.h_prev = np.concatenate([h0[None], out[: steps - 1]])
        self.gates, self.cs, self.scale, self.shift = gates, cs, scale, shift
        return out

    def backward(self, grad):
        steps = len(grad) - 1
        gates, cs = self.gates, self.cs
        i, f, g, o = (gates[:, :, k] for k in range(4))
        tanh_c = np.tanh(cs[1:])
        # each gate's derivative from its value: sig' = s(1 - s), tanh' = 1 - t^2, in one form
        slope = self.scale * self.scale - np.square(gates - self.shift)
        # d(gate pre-activation) = (dc, dc, dc, dh) * factor, factor = (g, c_prev, i, tanh c) slope
        factor = np.stack([g, cs[:-1], i, tanh_c], axis=2)
        factor *= slope
        dc_from_h = o * (1 - tanh_c * tanh_c)
        d_pre = np.empty_like(gates)
        dh = np.zeros_like(grad[0])
        dc = grad[steps].copy()
        for t in reversed(range(steps)):
            dh += grad[t]
            dc += dh * dc_from_h[t]
            np.multiply(dc[:, None], factor[t, :, :3], out=d_pre[t, :, :3])
            np.multiply(dh, factor[t, :, 3], out=d_pre[t, :, 3])
            dc *= f[t]
            dh = d_pre[t].reshape(len(dh), -1) @ self.w_hh
        d_pre = d_pre.reshape(steps, len(dh), -1)
        needs = self.needs_input_grad
        return _recurrent_grads(self, d_pre, d_pre, dh, dc if needs[2] else None)


class GRULayer(Function):
    """r, z = sig(x W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T + b_h{r,z});
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn));  h_t = (1 - z) n + z h_{t-1}.
    Backward: dn = dh (1 - z) tanh',  dz = dh (h_{t-1} - n) sig',  dr = dn (h W_hn^T + b_hn) sig';
    the hidden-side gradient of the n block is dn r;  dh_{t-1} = dh z + d_hidden W_hh.
    """

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        steps, hidden = len(x), h0.shape[-1]
        pre = _project(x, w_ih, b_ih)
        hs = np.empty((steps + 1, *h0.shape), dtype=pre.dtype)
        hs[0] = h0
        rz = np.empty((steps, len(h0), 2 * hidden), dtype=pre.dtype)
        n = np.empty((steps, *h0.shape), dtype=pre.dtype)
        hn = np.empty_like(n)  # h W_hn^T + b_hn, needed by backward
        for t in range(steps):
            hw = _project(hs[t], w_hh, b_hh)
            np.add(pre[t, :, : 2 * hidden], hw[:, : 2 * hidden], out=rz[t])
            _sigmoid_(rz[t])
            hn[t] = hw[:, 2 * hidden :]
            np.multiply(rz[t, :, :hidden], hn[t], out=n[t])
            n[t] += pre[t, :, 2 * hidden :]
            np.tanh(n[t], out=n[t])
            z = rz[t, :, hidden:]
            np.subtract(hs[t], n[t], out=hs[t + 1])
            hs[t + 1] *= z
            hs[t + 1] += n[t]
        self.x, self.h_prev, self.w_ih, self.w_hh = x, hs[:-1], w_ih, w_hh
        self.rz, self.n, self.hn = rz, n, hn
        return hs[1:]

    def backward(self, grad):
        hidden = self.n.shape[-1]
        r, z, n = self.rz[..., :hidden], self.rz[..., hidden:], self.n
        to_z = (self.h_prev - n) * z * (1 - z)
        to_n = (1 - z) * (1 - n * n)
        to_r = self.hn * r * (1 - r)
        d_hidden = np.empty((*grad.shape[:2], 3 * hidden), dtype=grad.dtype)
        dn = np.empty_like(grad)
        dh = np.zeros_like(grad[0])
        for t in reversed(range(len(grad))):
            dh += grad[t]
            np.multiply(dh, to_n[t], out=dn[t])
            np.multiply(dn[t], to_r[t], out=d_hidden[t, :, :hidden])
            np.multiply(dh, to_z[t], out=d_hidden[t, :, hidden : 2 * hidden])
            np.multiply(dn[t], r[t], out=d_hidden[t, :, 2 * hidden :])
            dh *= z[t]
            dh += d_hidden[t] @ self.w_hh
        d_in = np.concatenate([d_hidden[..., : 2 * hidden], dn], axis=-1)
        return _recurrent_grads(self, d_in, d_hidden, dh)
