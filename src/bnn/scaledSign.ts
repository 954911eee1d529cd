// The BN-free binary activation of the FBNN (docs/methods-cil.md §3.3): a = sign(g_c · (y / √fanIn) + b_c),
// where y is the integer ±1·±1 pre-activation of a binary conv/dense layer, 1/√fanIn the fixed
// topology-derived scale and (g_c, b_c) an optional learnable per-channel gain and bias.
//
// The float32 arithmetic is spelled out (preActivation) and shared with deploy.ts: conversion to
// integer thresholds replays exactly this expression for every reachable y, so the deployed packed
// network makes the same sign decision as this float simulation, bit for bit.
import { initialize } from '../engine/init.js';
import { fmt, ShapeError } from '../engine/shape.js';
import { customOp, type Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { steSign, type Quantizer } from './quantizers.js';

/** The float32 value whose sign is the activation: fround(fround(fround(y·s)·g) + b). */
export function preActivation(y: number, scale: number, gain: number, bias: number): number {
  return Math.fround(Math.fround(Math.fround(y * scale) * gain) + bias);
}

/** The fixed BN replacement: 1/√fanIn (a sum of fanIn independent ±1 products has variance fanIn). */
export function fanInScale(fanIn: number): number {
  if (!Number.isInteger(fanIn) || fanIn < 1) throw new RangeError(`fanInScale: fanIn must be a positive integer, got ${fanIn}`);
  return 1 / Math.sqrt(fanIn);
}

/** Checks that q is a sign quantizer (values ±1, sign(0) = +1): the only kind deploy can fold. */
export function assertSignQuantizer(where: string, q: Quantizer): void {
  if (q.bits !== 1 || q.value(0) !== 1 || q.value(-1) !== -1 || q.value(1) !== 1 || q.value(-1e-30) !== -1) {
    throw new TypeError(`${where}: activation quantizer '${q.name}' must map to ±1 with sign(0) = +1 (e.g. steSign, approxSign)`);
  }
}

export interface ScaledSignConfig {
  channels: number;
  fanIn: number;
  /** Learn a per-channel gain and bias (default true); false gives a plain sign(y). */
  learnable?: boolean;
  quantizer?: Quantizer;
}

export class ScaledSign extends Module {
  readonly channels: number;
  readonly fanIn: number;
  readonly scale: number;
  readonly gain: Tensor;
  readonly bias: Tensor;
  readonly quantizer: Quantizer;
  readonly learnable: boolean;

  constructor(cfg: ScaledSignConfig) {
    super();
    if (!Number.isInteger(cfg.channels) || cfg.channels < 1) throw new RangeError(`ScaledSign: channels must be a positive integer, got ${cfg.channels}`);
    this.channels = cfg.channels;
    this.fanIn = cfg.fanIn;
    this.scale = fanInScale(cfg.fanIn);
    this.quantizer = cfg.quantizer ?? steSign();
    assertSignQuantizer('ScaledSign', this.quantizer);
    this.learnable = cfg.learnable ?? true;
    this.gain = initialize([cfg.channels], { kind: 'ones' }, undefined, this.learnable);
    this.bias = initialize([cfg.channels], { kind: 'zeros' }, undefined, this.learnable);
    if (this.learnable) { this.addParam('gain', this.gain); this.addParam('bias', this.bias); }
  }

  /** y: [N, C] or [N, C, H, W] integer-valued pre-activations → ±1. */
  forward(y: Tensor): Tensor {
    if ((y.rank !== 2 && y.rank !== 4) || y.shape[1] !== this.channels) {
      throw new ShapeError('ScaledSign', `input must be [N, ${this.channels}] or [N, ${this.channels}, H, W], got ${fmt(y.shape)}`);
    }
    const C = this.channels, plane = y.rank === 4 ? y.shape[2] * y.shape[3] : 1, s = this.scale, q = this.quantizer;
    const inputs = this.learnable ? [y, this.gain, this.bias] : [y];
    const G = this.gain.f32, B = this.bias.f32;
    const ste = this.quantizer.name === 'ste_sign'; // inlined fast path of the default quantizer
    // Rows × channels × plane, in memory order (no per-element index arithmetic: this op runs on
    // every binary layer's output, forward and backward).
    const rows = y.shape[0];
    return customOp('scaledSign', inputs, y.shape, ([Y]) => {
      const out = new Float32Array(Y.length);
      for (let r = 0, i = 0; r < rows; r++) {
        for (let c = 0; c < C; c++) {
          const g = G[c], b = B[c];
          for (let e = i + plane; i < e; i++) {
            const z = preActivation(Y[i], s, g, b);
            out[i] = ste ? (z >= 0 ? 1 : -1) : q.value(z);
          }
        }
      }
      return out;
    }, (gy, [Y]) => {
      const gY = new Float32Array(Y.length), gG = new Float32Array(C), gB = new Float32Array(C);
      for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < C; c++) {
        const g = G[c], b = B[c];
        let sg = 0, sb = 0;
        for (let e = i + plane; i < e; i++) {
          const z = preActivation(Y[i], s, g, b);
          const dz = gy[i] * (ste ? (z <= 1 && z >= -1 ? 1 : 0) : q.grad(z));
          if (dz === 0) continue;
          gY[i] = dz * g * s;
          sg += dz * Y[i] * s;
          sb += dz;
        }
        gG[c] += sg; gB[c] += sb;
      }
      return this.learnable ? [gY, gG, gB] : [gY];
    });
  }
}
