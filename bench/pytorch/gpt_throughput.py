"""The workbook's GPT in PyTorch, to compare training throughput with bench/Workbook.Benchmarks `gpt`.

Same model as lib/Workbook/Transformers/Gpt.cs: token and learned position embeddings, pre-norm blocks
(x + attn(LN(x)), x + MLP(LN(x))) with separate biased q, k, v, o projections and a GELU MLP of 4·width,
a final layer norm and a head tied to the token embedding; AdamW (betas 0.9, 0.99, weight decay 0.1 on
matrices only), gradient clipping at 1, random windows of random tokens. The two sizes and the timing
protocol (5 warm-up steps, then N timed steps; float32 matmul reference = best of 1024³ and 2048³) are
the C# harness's. Run with `bench/pytorch/run`, which installs Debian's python3-torch if it is missing.
"""
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        q = self.q(x).view(b, t, h, d // h).transpose(1, 2)  # [B, H, T, d/H]
        k = self.k(x).view(b, t, h, d // h).transpose(1, 2)
        v = self.v(x).view(b, t, h, d // h).transpose(1, 2)
        if hasattr(F, "scaled_dot_product_attention"):  # PyTorch >= 2.0: the fused kernel, as TorchSharp uses
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # PyTorch 1.x: nanoGPT's written-out path
            att = (q @ k.transpose(-2, -1)) / math.sqrt(d // h)  # [B, H, T, T]
            mask = torch.ones(t, t, dtype=torch.bool).tril()
            att = att.masked_fill(~mask, float("-inf")).softmax(-1)
            y = att @ v
        return self.o(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attention = CausalSelfAttention(width, heads)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Gpt(nn.Module):
    def __init__(self, vocabulary, context, layers, heads, width):
        super().__init__()
        self.tokens = nn.Embedding(vocabulary, width)
        self.positions = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        for name, p in self.named_parameters():  # nanoGPT's initialisation, as Gpt.cs
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(("o.weight", "mlp.2.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        x = self.tokens(idx) + self.positions(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        logits = F.linear(self.norm(x), self.tokens.weight)  # tied head
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))


def matmul_flops(n, repeats):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2.0 * n ** 3 / best


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def measure(name, context, layers, heads, width, batch, steps, reference):
    torch.manual_seed(0)
    vocabulary = 65
    model = Gpt(vocabulary, context, layers, heads, width)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.99))
    data = torch.randint(0, vocabulary, (200_000,))

    def step():
        starts = torch.randint(0, len(data) - context - 1, (batch,))
        x = torch.stack([data[s:s + context] for s in starts])
        y = torch.stack([data[s + 1:s + 1 + context] for s in starts])
        optimizer.zero_grad(set_to_none=True)
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    for _ in range(5):
        step()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(steps):
        step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    parameters = sum(p.numel() for p in model.parameters())
    tokens = steps * batch * context
    flops_per_token = 6.0 * (parameters - context * width) + 12.0 * layers * context * width  # as GptBenchmark.FlopsPerToken
    rate = tokens / wall
    print(f"{name}: {parameters:,} parameters, {rate:,.0f} tokens/s ({tokens / cpu:,.0f} per CPU-second), "
          f"{flops_per_token * rate / 1e9:.2f} GFLOP/s = {flops_per_token * rate / reference:.1%} of matmul peak")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}: GPT training throughput, {args.threads} threads, {args.steps} timed steps per size "
          f"(after 5 warm-up steps); fused attention: {hasattr(F, 'scaled_dot_product_attention')}")
    m1024, m2048 = matmul_flops(1024, 20), matmul_flops(2048, 5)
    reference = max(m1024, m2048)
    print(f"float32 matmul: 1024³ {m1024 / 1e9:.1f} GFLOP/s (best of 20), 2048³ {m2048 / 1e9:.1f} GFLOP/s (best of 5); reference = the higher")
    print("load average when starting: " + open("/proc/loadavg").read().strip())
    measure("baby (4 layers, 4 heads, width 128, context 64, batch 12)", 64, 4, 4, 128, 12, args.steps, reference)
    measure("larger (6 layers, 6 heads, width 384, context 128, batch 8)", 128, 6, 6, 384, 8, max(5, args.steps // 3), reference)


if __name__ == "__main__":
    main()
