#!/usr/bin/env python3
"""PyTorch's own training step of our CLIP, to measure the pipeline's trainer against.

The model mirrors src/Trainer/Models/*.cs (pre-LN blocks, 4x GELU MLP, class token, ln_pre, no attention dropout,
text pooled at the end token) under OpenAI CLIP's state-dict names, and reads our model-config files (open_clip's
model-config form). A step is forward, CLIP's contrastive loss, backward and an AdamW step on random tensors.

Usage: clip_step.py --model ViT-B/32|NAME|FILE.json [--vocab-size N] [--context-length N] [--end-id N]
                    [--batch B] [--steps N] [--warmup W] [--threads T] [--device cpu|cuda]
                    [--precision fp32|bf16|fp16] [--grad-checkpointing] [--seed S] [--count-params]
Prints one JSON line: samples_per_s, peak_memory_mb, params, torch, device, precision, batch, threads, ...
Runs on Debian 12's python3-torch 1.13 and on PyTorch 2.x.
"""
import argparse
import contextlib
import inspect
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils import checkpoint as torch_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))
# Where our model configs are found by name: beside this script in the bundle, or in the repository.
CONFIG_DIRS = [os.path.join(HERE, "configs"), os.path.join(HERE, "..", "..", "src", "Trainer", "Models", "Configs")]


def fail(message, code=2):
    print(f"clip_step: error: {message}", file=sys.stderr)
    sys.exit(code)


def load_config(model):
    if os.path.isfile(model):
        path = model
    else:
        name = model.replace("/", "-")
        candidates = [os.path.join(d, name + ".json") for d in CONFIG_DIRS]
        path = next((c for c in candidates if os.path.isfile(c)), None)
        if path is None:
            fail(f"no model config '{model}' (looked for {', '.join(candidates)})")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Block(nn.Module):
    """Pre-LN: x + attn(ln_1(x)), then x + mlp(ln_2(x)) with a 4x GELU MLP (ours: ResidualAttentionBlock.cs)."""

    def __init__(self, width, heads, causal, mlp_ratio=4):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, dropout=0.0, batch_first=True)
        self.ln_2 = nn.LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(width, hidden))
        self.mlp.add_module("gelu", nn.GELU())
        self.mlp.add_module("c_proj", nn.Linear(hidden, width))
        self.causal = causal
        # PyTorch 2.x can take is_causal as a hint beside the mask (and then pick a causal kernel); 1.13 cannot.
        self._is_causal_hint = "is_causal" in inspect.signature(nn.MultiheadAttention.forward).parameters

    def attention(self, x):
        mask = None
        kwargs = {}
        if self.causal:
            n = x.shape[1]
            mask = torch.full((n, n), float("-inf"), device=x.device, dtype=x.dtype).triu_(1)
            if self._is_causal_hint:
                kwargs["is_causal"] = True
        return self.attn(x, x, x, need_weights=False, attn_mask=mask, **kwargs)[0]

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, causal, mlp_ratio=4):
        super().__init__()
        self.resblocks = nn.ModuleList([Block(width, heads, causal, mlp_ratio) for _ in range(layers)])
        self.grad_checkpointing = False
        # CLIP's initialisation, as ours (ResidualAttentionBlock.Initialize).
        proj_std = width ** -0.5 * (2 * layers) ** -0.5
        for block in self.resblocks:
            nn.init.normal_(block.attn.in_proj_weight, std=width ** -0.5)
            nn.init.normal_(block.attn.out_proj.weight, std=proj_std)
            nn.init.normal_(block.mlp.c_fc.weight, std=(2 * width) ** -0.5)
            nn.init.normal_(block.mlp.c_proj.weight, std=proj_std)
            for bias in (block.attn.in_proj_bias, block.attn.out_proj.bias, block.mlp.c_fc.bias, block.mlp.c_proj.bias):
                nn.init.zeros_(bias)

    def forward(self, x):
        for block in self.resblocks:
            if self.grad_checkpointing and torch.is_grad_enabled():
                x = torch_checkpoint.checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
        return x


class VisionTransformer(nn.Module):
    def __init__(self, image_size, patch_size, width, layers, heads, embed_dim, mlp_ratio=4):
        super().__init__()
        scale = width ** -0.5
        grid = image_size // patch_size
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads, causal=False, mlp_ratio=mlp_ratio)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, embed_dim))

    def forward(self, images):
        x = self.conv1(images).flatten(2).transpose(1, 2)  # [B, grid², W]
        # Under autocast the patches come out in half precision; the class token and positions (float32) promote
        # the residual stream back to float32, as the layer norms need on 1.13's CPU autocast.
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = torch.cat([cls.to(x.dtype), x], dim=1) + self.positional_embedding
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj


class Clip(nn.Module):
    def __init__(self, cfg, vocab_size, context_length, end_id):
        super().__init__()
        v, t = cfg["vision_cfg"], cfg["text_cfg"]
        embed_dim = cfg["embed_dim"]
        vision_width = v["width"]
        # Ours: vision heads = width / head_width, head_width 64 unless given (OpenClipModelConfig.cs).
        head_width = v.get("head_width", 64)
        if vision_width % head_width:
            fail(f"vision_cfg.width {vision_width} is not a multiple of vision_cfg.head_width {head_width}")
        self.visual = VisionTransformer(v["image_size"], v["patch_size"], vision_width, v["layers"],
                                        vision_width // head_width, embed_dim, v.get("mlp_ratio", 4))
        text_width = t["width"]
        self.context_length = context_length
        self.end_id = end_id
        self.token_embedding = nn.Embedding(vocab_size, text_width)
        self.positional_embedding = nn.Parameter(torch.empty(context_length, text_width))
        self.transformer = Transformer(text_width, t["layers"], t.get("heads", 8), causal=True,
                                       mlp_ratio=t.get("mlp_ratio", 4))
        self.ln_final = nn.LayerNorm(text_width)
        self.text_projection = nn.Parameter(torch.empty(text_width, embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        nn.init.normal_(self.text_projection, std=text_width ** -0.5)

    def set_grad_checkpointing(self, enabled):
        self.visual.transformer.grad_checkpointing = enabled
        self.transformer.grad_checkpointing = enabled

    def encode_image(self, images):
        return F.normalize(self.visual(images), dim=-1)

    def encode_text(self, tokens):
        x = self.token_embedding(tokens) + self.positional_embedding
        x = self.ln_final(self.transformer(x))
        # Pooled at the end token: OpenAI's argmax of the ids (the end token has the largest), or a given id's place.
        ends = tokens.argmax(dim=-1) if self.end_id is None else tokens.eq(self.end_id).int().argmax(dim=-1)
        return F.normalize(x[torch.arange(x.shape[0], device=x.device), ends] @ self.text_projection, dim=-1)

    def forward(self, images, tokens):
        return self.encode_image(images), self.encode_text(tokens)


def clip_loss(images, texts, logit_scale):
    logits = logit_scale.exp() * images @ texts.t()
    labels = torch.arange(logits.shape[0], device=logits.device)
    return (F.cross_entropy(logits.float(), labels) + F.cross_entropy(logits.t().float(), labels)) / 2


def optimizer_of(model, lr=5e-4, weight_decay=0.2):
    # open_clip's rule, as ours (ClipModel.Decays): no decay for gains, biases, layer norms, the logit scale.
    decayed, undecayed = [], []
    for name, p in model.named_parameters():
        (decayed if p.ndim >= 2 and "ln_" not in name and "logit_scale" not in name else undecayed).append(p)
    return torch.optim.AdamW([{"params": decayed, "weight_decay": weight_decay},
                              {"params": undecayed, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.98), eps=1e-6)


def grad_scaler(enabled):
    # torch.amp.GradScaler('cuda') on 2.3+; torch.cuda.amp.GradScaler before (deprecated after).
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)


def random_batch(batch, image_size, vocab_size, context_length, end_id, device, generator):
    images = torch.randn(batch, 3, image_size, image_size, generator=generator).to(device)
    end = vocab_size - 1 if end_id is None else end_id
    tokens = torch.randint(1, max(2, vocab_size - 2), (batch, context_length), generator=generator)
    tokens[tokens == end] = 1
    lengths = torch.randint(2, context_length + 1, (batch,), generator=generator)
    for row, length in enumerate(lengths.tolist()):
        tokens[row, length - 1] = end
        tokens[row, length:] = 0
    return images, tokens.to(device)


def main():
    parser = argparse.ArgumentParser(description="PyTorch's training step of our CLIP, timed on random tensors.")
    parser.add_argument("--model", default="ViT-B/32", help="a config name (ViT-B/32, small, ...) or a JSON file")
    parser.add_argument("--vocab-size", type=int, help="override text_cfg.vocab_size")
    parser.add_argument("--context-length", type=int, help="override text_cfg.context_length")
    parser.add_argument("--end-id", type=int, help="pool at this token's place [default: argmax of the ids, as OpenAI]")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10, help="timed steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--threads", type=int, help="intra-op threads [default: torch's]")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--grad-checkpointing", action="store_true", help="recompute each block in backward")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count-params", action="store_true", help="print the parameter count only")
    args = parser.parse_args()
    if args.batch < 2:
        fail("--batch must be at least 2 (the contrastive loss needs negatives)")
    if args.steps < 1 or args.warmup < 0:
        fail("--steps must be at least 1 and --warmup at least 0")
    if args.device == "cpu" and args.precision == "fp16":
        fail("--precision fp16 is for cuda (with a GradScaler); on cpu use bf16")
    if args.device == "cuda" and not torch.cuda.is_available():
        fail("--device cuda: torch.cuda.is_available() is False", code=3)

    cfg = load_config(args.model)
    vocab_size = args.vocab_size or cfg["text_cfg"]["vocab_size"]
    context_length = args.context_length or cfg["text_cfg"]["context_length"]
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    model = Clip(cfg, vocab_size, context_length, args.end_id)
    params = sum(p.numel() for p in model.parameters())
    result = {"model": args.model, "params": params, "vocab_size": vocab_size, "context_length": context_length,
              "torch": torch.__version__}
    if args.count_params:
        print(json.dumps(result), flush=True)
        return

    device = torch.device(args.device)
    model.to(device)
    model.set_grad_checkpointing(args.grad_checkpointing)
    optimizer = optimizer_of(model)
    amp_dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[args.precision]
    scaler = grad_scaler(args.precision == "fp16" and args.device == "cuda")
    generator = torch.Generator().manual_seed(args.seed)
    images, tokens = random_batch(args.batch, cfg["vision_cfg"]["image_size"], vocab_size, context_length,
                                  args.end_id, device, generator)

    def autocast():
        # fp32 runs without autocast at all (1.13's CPU autocast refuses any dtype but bfloat16, even disabled).
        return torch.autocast(args.device, dtype=amp_dtype) if amp_dtype is not None else contextlib.nullcontext()

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            image_features, text_features = model(images, tokens)
            loss = clip_loss(image_features, text_features, model.logit_scale)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        return loss

    def sync():
        if args.device == "cuda":
            torch.cuda.synchronize()

    try:
        for _ in range(args.warmup):
            step()
        sync()
        start = time.perf_counter()
        for _ in range(args.steps):
            loss = step()
        final_loss = loss.item()  # waits for the device too
        sync()
        elapsed = time.perf_counter() - start
    except RuntimeError as error:
        if "out of memory" in str(error).lower():
            fail(f"out of memory at batch {args.batch}: {str(error).splitlines()[0]}", code=4)
        raise

    if args.device == "cuda":
        peak_mb = torch.cuda.max_memory_allocated() / 2 ** 20
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    result.update({
        "samples_per_s": round(args.batch * args.steps / elapsed, 3),
        "peak_memory_mb": round(peak_mb, 1),
        "device": args.device,
        "gpu": torch.cuda.get_device_name() if args.device == "cuda" else None,
        "precision": args.precision,
        "grad_checkpointing": args.grad_checkpointing,
        "batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "threads": torch.get_num_threads(),
        "loss": round(final_loss, 4),
    })
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
