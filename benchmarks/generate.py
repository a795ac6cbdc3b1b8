#!/usr/bin/env python3
"""Generate synthetic claims ledgers of N claims, with planted errors and a manifest of them.

    python benchmarks/generate.py --claims 100000 --out benchmarks/data/claims-100000 [--seed 1]
    python benchmarks/generate.py --shape seed --claims 100000 --out benchmarks/data/seed-100000
    python benchmarks/generate.py --edit-from benchmarks/data/claims-1000000 --out benchmarks/data/claims-1000000-edited

A generated ledger is a complete folder (claims.csv, papers.csv, vocab/metrics.csv, vocab/entities.csv,
vocab/benchmarks.csv, relations.csv, coverage_skips.csv, waivers.csv) that `ledger validate` reads like
the bundled one. It is built to be clean except for what is planted:

* papers have 5-10 claims each; every abstract is made of sentences that print the claimed numbers in
  every form the reader knows (52.30%, 52.30\\%, 2.42x, 2.42×, 2.42-fold, twofold, 52.6k, 1.04B tokens,
  2.9 million, 221,247, three thousand, thirty-two, 2.68 points / pp / percentage points) plus filler;
  every other number an abstract prints (digits inside entity names such as Llama-2-7B or A100,
  rhetorical "two open problems") has a coverage_skips.csv row, so L204/L205 stay quiet;
* baselines are shared across papers with one "true" score per (baseline, benchmark, setting) and one
  latency per (baseline, hardware), so the same quantity is recorded by many papers (value-conflict and
  implied-value checks have real groups to compare), and comparisons (pp, ratio, relative change)
  imply baseline levels that are recorded: the implied-value checks (L401/L402) have work;
* accuracies on benchmarks of known size are k/N by construction (GRIM, L404), sums of counts carry a
  relation in relations.csv (L403), benchmark sizes cite the claim that states them (L406);
* baseline popularity is skewed (index = K * u**skew), as in real ledgers, so some (baseline,
  benchmark) pairs are recorded by many papers.

A share (--error-rate, default 0.5% of claims) of deliberate errors of every code the checks know is
planted (plus 3 each of L006, L010 and L701-L706, which are reported at most 20 times per file or column),
each in its own paper, and written to planted.csv (code, file, line, claim_id, what). The
finding each plant must produce is located by (code, file, line); claim_id is given where there is one.

Deterministic for a given (--claims, --seed, --skew, --error-rate). Streams its output: memory stays
small and 1M claims take well under a minute.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

GENERATOR_VERSION = "3"

CLAIM_COLUMNS = ("claim_id", "paper_id", "subject", "metric", "value", "unit", "baseline", "context",
                 "qualifier", "reading", "quote", "status", "notes")
PAPER_COLUMNS = ("paper_id", "title", "year", "url", "abstract")

# Codes planted in proportion to the ledger size (each gets max(2, rate * N / len) plants).
PROPORTIONAL_CODES = (
    "L101", "L102", "L103", "L104", "L105", "L106", "L107", "L108", "L109",
    "L201", "L202", "L203", "L204", "L205",
    "L301", "L302", "L303",
    "L401", "L402", "L403", "L404", "L405", "L406",
    "L501", "L502", "L503", "L504",
    "L601", "L602",
)
# File-structure codes are reported at most 20 times per file, and the text-hygiene checks (L7xx) at
# most 20 times per table and column, so a fixed few of each are planted.
FIXED_CODES = {"L006": 3, "L010": 3}
FIXED_PAPER_CODES = {"L701": 3, "L702": 3, "L703": 3, "L704": 3, "L705": 3, "L706": 3}

# Which sentence block a host paper must contain for each plant.
NEEDS = {
    "L101": "D", "L102": "D", "L103": "D", "L104": "D", "L105": "D2", "L106": "D", "L107": "D",
    "L201": "D", "L202": "D", "L301": "D", "L303": "D", "L501": "D", "L502": "D", "L503": "D", "L504": "D",
    "L701": "D", "L702": "D", "L704": "D", "L705": "D", "L706": "D",
    "L203": "B", "L302": "I", "L401": "A", "L402": "A", "L404": "A", "L403": "H", "L405": "H", "L406": "G",
}
EXTRA_ROWS = {"L106": 1, "L201": 1, "L202": 1, "L501": 1, "L502": 1}  # plants that add a claim row

METRICS = [
    ("accuracy", "higher", "percent pp relative_percent", "Share of correct predictions, in percent."),
    ("training_speed", "higher", "ratio relative_percent", "Training throughput relative to a baseline."),
    ("latency", "lower", "ratio relative_percent score", "Inference latency (ms per input as a score), or its change."),
    ("compression_ratio", "higher", "ratio relative_percent", "Model compression: original size over compressed size."),
    ("mfu", "higher", "percent pp ratio", "Model FLOPs Utilization: achieved share of peak hardware FLOPs."),
    ("dataset_size", "neutral", "count tokens", "Size of a dataset, corpus or benchmark: examples (count) or tokens."),
    ("model_size", "neutral", "params", "Number of model parameters."),
    ("gpu_count", "neutral", "count", "Number of accelerators a run uses."),
    ("language_count", "neutral", "count", "Number of languages a dataset covers."),
    ("survey_round_count", "neutral", "count", "Number of annotation or survey rounds."),
    ("average_length", "neutral", "count score", "Average length of an example (turns, sentences), as printed."),
    ("memory_usage", "lower", "ratio relative_percent", "Peak memory relative to a baseline."),
    ("throughput", "higher", "ratio relative_percent score", "Examples or tokens processed per second."),
    ("f1", "higher", "percent pp relative_percent", "F1 score in percent."),
    ("bleu", "higher", "score pp relative_percent", "BLEU score."),
    ("miou", "higher", "percent pp relative_percent", "Mean intersection over union, in percent."),
    ("perplexity", "lower", "score ratio relative_percent", "Perplexity on held-out text."),
    ("energy", "lower", "ratio relative_percent score", "Energy per run or per example."),
    ("bit_width", "neutral", "count", "Number of bits of a quantized representation."),
    ("shot_count", "neutral", "count", "Number of in-context examples."),
]

SYLLABLES = ("ka", "lo", "ve", "ri", "du", "mo", "sa", "te", "ni", "zu", "ra", "fe", "bo", "li", "ga", "xo",
             "pe", "qua", "dri", "sto", "mi", "ne", "vo", "ta", "lu", "ke", "si", "ho", "bi", "ru", "ze", "ca",
             "mar", "len", "tor", "vin", "pal", "dex")  # 38
BASELINE_SUFFIXES = ("", "", "", "-XL", "-Base", "-Large", "-2", "-7B", "v2", "-13B", "-3", "++", "-S")
BENCH_SUFFIXES = ("", "", "", "-100", "-2", "-QA", "-Hard", "v2", "-X")
HARDWARE = (("A100", True), ("H100", True), ("V100", True), ("RTX 4090", True), ("MI300", True),
            ("TPUv4", False), ("Gaudi2", False), ("Ascend NPU", False))
SETTINGS = (("", ""), ("few-shot", " in the few-shot setting"), ("fine-tuned", " after fine-tuning"),
            ("linear probe", " under linear probing"))
TASKS = ("long-context language modelling", "image classification", "open-domain question answering",
         "machine translation", "semantic segmentation", "code generation", "speech recognition",
         "retrieval-augmented generation", "mixed-precision quantization", "graph representation learning",
         "multilingual reasoning", "video understanding", "tabular prediction", "dialogue modelling")
ADJECTIVES = ("simple", "scalable", "robust", "efficient", "sparse", "data-centric", "modular", "adaptive")
INTROS = (
    "We present {M}, a {adj} approach to {task}.",
    "This paper introduces {M}, a {adj} method for {task}.",
    "Existing methods for {task} are costly and brittle; we propose {M}, a {adj} alternative.",
    "{task_cap} remains an open problem. We introduce {M} to address it.",
)
MIDDLES = (
    "The method combines a lightweight encoder with a learned routing policy.",
    "Our analysis shows where the gains come from and where they do not.",
    "Unlike prior work, it requires no additional labelled data.",
    "We further study its behaviour under distribution shift and noisy supervision.",
    "Ablations isolate the contribution of each component.",
)
RHETORICAL = (  # a filler with a number the ledger deliberately skips
    ("We address two open problems in {task}.", "two", "two open problems", "non-claim: rhetorical count"),
    ("The design rests on three observations about {task}.", "three", "three observations", "non-claim: rhetorical count"),
)
CLOSINGS = ("Code and data are publicly available.", "We release our code to support future research.",
            "These results suggest a practical path for deployment.", "")
UNIT_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
              "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")
WORD_NUMBERS = [(w, str(i + 2)) for i, w in enumerate(UNIT_WORDS)] + [
    ("thirty-two", "32"), ("sixty-four", "64"), ("twenty-four", "24"), ("forty-eight", "48"), ("a hundred", "100")]
NUMBER_WORDS = frozenset({"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                          "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"})


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    return _NON_SLUG.sub("-", name.lower()).strip("-")


def fmt_h(h: int) -> str:
    """Hundredths as a 2-decimal canonical string (sign kept)."""
    sign = "-" if h < 0 else ""
    h = abs(h)
    return f"{sign}{h // 100}.{h % 100:02d}"


def fmt_t(t: int) -> str:
    """Tenths as a 1-decimal canonical string."""
    return f"{t // 10}.{t % 10}"


def grim_reachable(h: int, n: int) -> bool:
    """Is h/100 percent k/n for some whole k, within the rounding of 2 decimals (margin kept)?"""
    base = (h * n) // 10000
    return any(abs(20000 * k - 2 * h * n) <= n * 1.01 for k in (base - 1, base, base + 1, base + 2) if 0 <= k <= n)


class Generator:
    def __init__(self, n_claims: int, seed: int, skew: float, error_rate: float,
                 baselines: int | None = None, benchmarks: int | None = None):
        self.n, self.seed, self.skew, self.error_rate = n_claims, seed, skew, error_rate
        self.fixed_baselines, self.fixed_benchmarks = baselines, benchmarks
        self.rng = random.Random(seed)
        self._pools()

    # ------------------------------------------------------------------ pools
    def _name(self, i: int, nsyl: int, mult: int, add: int) -> str:
        base = len(SYLLABLES)
        x = (i * mult + add) % (base ** nsyl)
        parts = []
        for _ in range(nsyl):
            x, d = divmod(x, base)
            parts.append(SYLLABLES[d])
        return "".join(parts)

    def _pools(self):
        from ledger.numbers import read_numbers  # the reader the abstracts are written for

        rng, n = self.rng, self.n
        # The pools grow with N by default, so (baseline, benchmark) groups keep their size; fixed pools
        # (--baselines, --benchmarks) make the groups grow with N instead: a stress for cross-claim checks.
        self.n_baselines = self.fixed_baselines or max(40, n // 100)
        self.n_benchmarks = self.fixed_benchmarks or max(24, n // 2500)
        # baselines: 3 syllables + a suffix, some with digits (their numbers get coverage skips)
        self.baselines, self.baseline_slugs, self.baseline_tokens, self.baseline_aliases = [], [], [], []
        for i in range(self.n_baselines):
            name = self._name(i, 3, 7919, 17).capitalize() + BASELINE_SUFFIXES[i % len(BASELINE_SUFFIXES)]
            if name.lower() in NUMBER_WORDS:
                name += "X"
            self.baselines.append(name)
            self.baseline_slugs.append(slug(name))
            self.baseline_tokens.append([m.printed for m in read_numbers(name)])
            self.baseline_aliases.append(name.replace("-", " ") if "-" in name and i % 3 == 0 else "")
        # benchmarks: upper-case names, a size each; most listed in vocab/benchmarks.csv
        self.benchmarks, self.bench_slugs, self.bench_tokens, self.bench_size, self.bench_listed = [], [], [], [], []
        for i in range(self.n_benchmarks):
            name = self._name(i, 2, 104729, 5).upper() + BENCH_SUFFIXES[i % len(BENCH_SUFFIXES)]
            self.benchmarks.append(name)
            self.bench_slugs.append(slug(name))
            self.bench_tokens.append([m.printed for m in read_numbers(name)])
            r = rng.random()
            size = rng.randint(150, 2000) if r < 0.4 else rng.randint(2000, 20000) if r < 0.8 else rng.randint(20000, 200000)
            self.bench_size.append(size)
            self.bench_listed.append(i % 10 < 7)
        self.small_listed = [i for i in range(self.n_benchmarks) if self.bench_listed[i] and self.bench_size[i] <= 2000]
        self.hw_tokens = [[m.printed for m in read_numbers(h)] for h, _ in HARDWARE]
        self.gpu_hw = [i for i, (_, gpu) in enumerate(HARDWARE) if gpu]
        self.truth_acc: dict[tuple[int, int, int], int] = {}  # (baseline, benchmark, setting) -> hundredths
        self.truth_lat: dict[tuple[int, int], int] = {}  # (baseline, hardware) -> tenths of ms
        self.bench_source: dict[int, str] = {}  # benchmark -> first claim_id that states its size
        for text in MIDDLES + CLOSINGS + tuple(r[0] for r in RHETORICAL) + INTROS:
            found = [m.printed for m in read_numbers(text.format(M="Kalo", adj="simple", task=TASKS[0], task_cap="X"))]
            assert found == [] or text in tuple(r[0] for r in RHETORICAL), (text, found)

    def pick_baseline(self) -> int:
        return min(self.n_baselines - 1, int(self.n_baselines * self.rng.random() ** self.skew))

    def pick_benchmark(self) -> int:
        return min(self.n_benchmarks - 1, int(self.n_benchmarks * self.rng.random() ** max(1.0, self.skew * 0.75)))

    def method_name(self, i: int) -> str:
        name = self._name(i, 4, 611953, 12345).capitalize()
        if name.lower() in NUMBER_WORDS:
            name += "X"
        return name + ("", "", "", "-LM", "Net", "Former")[i % 6]

    # ------------------------------------------------------------------ plants schedule
    def schedule(self) -> dict[int, str]:
        est_papers = int(self.n / 7.5 * 0.9)
        per_code = max(2, round(self.error_rate * self.n / len(PROPORTIONAL_CODES)))
        codes = [c for c in PROPORTIONAL_CODES for _ in range(per_code)]
        codes += [c for c, k in FIXED_PAPER_CODES.items() for _ in range(k)]
        if len(codes) > est_papers // 2:
            raise SystemExit(f"--claims {self.n} is too small for {len(codes)} planted errors")
        hosts = self.rng.sample(range(1, est_papers), len(codes))
        return dict(zip(hosts, codes))

    # ------------------------------------------------------------------ one paper
    def paper(self, i: int, budget: int, plant: str | None):
        rng = self.rng
        M = self.method_name(i)
        ms = slug(M)
        pid = f"{17 + (i % 96) // 12:02d}{1 + i % 12:02d}.{i // 96 + 1:05d}"
        task = TASKS[rng.randrange(len(TASKS))]
        claims: list[tuple] = []
        sentences: list[str] = []
        skips: list[tuple] = []
        names: dict[str, list[str]] = {}  # entity names printed in the abstract -> their number tokens
        relations: list[tuple] = []
        notes: dict = {"plant": plant, "plant_rows": [], "relation": None, "G": None}
        status = "verified" if rng.random() < 0.3 else "draft"

        def add(cid, subject, metric, value, unit, baseline, context, qualifier, reading, quote, note=""):
            claims.append([cid, pid, subject, metric, value, unit, baseline, context, qualifier, reading, quote, status, note])
            return len(claims) - 1

        used_bench: set = set()
        used: dict[str, int] = {}

        def block_A(kind):  # accuracy level, points difference, baseline level
            for _ in range(20):
                di = rng.choice(self.small_listed) if kind == "L404" else self.pick_benchmark()
                if di not in used_bench:
                    break
            used_bench.add(di)
            si = 0 if kind in ("L401", "L404") else rng.randrange(len(SETTINGS))
            bi = self.pick_baseline()
            D, B = self.benchmarks[di], self.baselines[bi]
            names[D], names[B] = self.bench_tokens[di], self.baseline_tokens[bi]
            N, listed = self.bench_size[di], self.bench_listed[di]
            key = (bi, di, si)
            if key not in self.truth_acc:
                if listed:
                    kb = rng.randint(int(0.2 * N), int(0.85 * N))
                    self.truth_acc[key] = (20000 * kb + N) // (2 * N)
                else:
                    self.truth_acc[key] = rng.randint(2000, 8500)
            lb = self.truth_acc[key]
            below = kind is None and rng.random() < 0.1
            if listed:
                kb = round(lb * N / 10000)
                dk = max(1, rng.randint(1, max(1, N // 12)))
                km = max(0, kb - dk) if below else min(N, kb + dk)
                lm = (20000 * km + N) // (2 * N)
            else:
                lm = lb - rng.randint(10, 900) if below else min(10000, lb + rng.randint(10, 999))
            if kind == "L404":  # a level no k/N rounds to
                lm = min(lb + rng.randint(20, 500), 9900)
                while grim_reachable(lm, N):
                    lm += 1
            if kind == "L401":
                km = rng.randint(1, max(1, N // 25))
                lm = (20000 * km + N) // (2 * N) if listed else rng.randint(50, 400)
            d = lm - lb
            if kind == "L401":
                d = lm + rng.randint(100, 2000)  # implies a negative baseline level
            elif kind == "L402":
                delta = rng.randint(60, 300)
                d = d - delta if lb + delta <= 10000 else d + delta
            ctx = D + (f"; {SETTINGS[si][0]}" if SETTINGS[si][0] else "")
            if kind == "L401":
                ctx = f"{D}; hard subset"
            stext = " on its hard subset" if kind == "L401" else SETTINGS[si][1]
            LM, LB, dd = fmt_h(lm), fmt_h(lb), fmt_h(d)
            pct = rng.choice(("%", "%", "%", "\\%", " percent"))
            form = rng.randrange(3)
            with_base = kind != "L401" and rng.random() < 0.8 or kind in ("L402", "L404")
            base_txt = f" ({LB}%)" if with_base else ""
            if form == 0:
                word = "below" if d < 0 else "above"
                pp_unit = rng.choice(("points", "pp", "percentage points"))
                sentences.append(f"On {D}{stext}, {M} reaches an accuracy of {LM}{pct}, {fmt_h(abs(d))} {pp_unit} {word} {B}{base_txt}.")
                q_l, q_pp, reading, note = f"{M} reaches an accuracy of {LM}{pct}", f"{fmt_h(abs(d))} {pp_unit} {word} {B}", "explicit", ""
            elif form == 1:
                verb = "trailing" if d < 0 else "outperforming"
                sentences.append(f"{M} achieves {LM}{pct} accuracy on {D}{stext}, {verb} {B}{base_txt} by {fmt_h(abs(d))} pp.")
                q_l, q_pp, reading, note = f"{M} achieves {LM}{pct} accuracy", f"{verb} {B}{base_txt} by {fmt_h(abs(d))} pp", "explicit", ""
            else:
                verb = "falls short of" if d < 0 else "improves over"
                sentences.append(f"On {D}{stext}, {M} reaches {LM}% accuracy and {verb} {B}{base_txt} by {fmt_h(abs(d))}%.")
                q_l, q_pp, reading, note = f"{M} reaches {LM}% accuracy", f"{verb} {B}{base_txt} by {fmt_h(abs(d))}%", "ambiguous", "% read as pp; could be relative"
            n = used.get("A", 0)
            used["A"] = n + 1
            sfx = f"-{self.bench_slugs[di]}" + (f"-{slug(SETTINGS[si][0])}" if SETTINGS[si][0] else "") + ("-hard" if kind == "L401" else "")
            bs = self.baseline_slugs[bi]
            r_l = add(f"{ms}-accuracy{sfx}", M, "accuracy", LM, "percent", "", ctx, "exact", "explicit", q_l)
            r_pp = add(f"{ms}-accuracy-vs-{bs}{sfx}", M, "accuracy", dd, "pp", B, ctx, "exact", reading, q_pp, note)
            if with_base:
                add(f"{ms}-{bs}-accuracy{sfx}", B, "accuracy", LB, "percent", "", ctx, "exact", "explicit", f"{B} ({LB}%)")
            if kind in ("L401", "L402"):
                notes["plant_rows"].append(r_pp)
            elif kind == "L404":
                notes["plant_rows"].append(r_l)

        def block_B(kind):  # speed ratio vs a baseline on a hardware
            bi, hi = self.pick_baseline(), rng.randrange(len(HARDWARE))
            if (bi, hi) in used.setdefault("B_keys", set()):
                bi = (bi + 1) % self.n_baselines
            used["B_keys"].add((bi, hi))
            B, H = self.baselines[bi], HARDWARE[hi][0]
            names[B], names[H] = self.baseline_tokens[bi], self.hw_tokens[hi]
            f = rng.randrange(7)
            if f == 6:
                w, val = rng.choice((("twofold", "2"), ("threefold", "3"), ("fourfold", "4"), ("tenfold", "10")))
                r_txt, value = f"a {w} speedup", val
            else:
                value = f"{rng.randint(105, 999) / 100:.2f}"
                r_txt = (f"{value}x", f"{value}×", f"{value} times", f"{value}-fold", f"{value}x", f"{value}x")[f]
            qual = rng.choice(("exact", "exact", "up_to", "average"))
            pre = {"exact": "", "up_to": "up to ", "average": "on average "}[qual]
            if f == 6:
                quote = f"{pre}{r_txt} in training speed over {B}"
                sentences.append(f"On {H}, {M} delivers {quote}.")
            else:
                quote = f"trains {pre}{r_txt} faster than {B}"
                sentences.append(f"It {quote} on {H}.")
            sfx = f"-{used.get('B', 0)}" if used.get("B") else ""
            used["B"] = used.get("B", 0) + 1
            r = add(f"{ms}-training-speed-vs-{self.baseline_slugs[bi]}{sfx}", M, "training_speed", value, "ratio", B, H, qual, "explicit", quote)
            if kind == "L203":
                claims[r][5] = "relative_percent"
                notes["plant_rows"].append(r)

        def block_C():  # latency: relative change, both levels
            bi, hi = self.pick_baseline(), rng.randrange(len(HARDWARE))
            B, H = self.baselines[bi], HARDWARE[hi][0]
            names[B], names[H] = self.baseline_tokens[bi], self.hw_tokens[hi]
            key = (bi, hi)
            if key not in self.truth_lat:
                self.truth_lat[key] = rng.randint(50, 2000)
            lb = self.truth_lat[key]
            p = rng.randint(5, 60)
            lm = max(1, round(lb * (100 - p) / 100))
            LB, LM = fmt_t(lb), fmt_t(lm)
            pct = rng.choice(("%", "%", "\\%", " percent"))
            q_rel = f"reduces inference latency by {p}{pct} compared to {B}"
            q_lv = f"from {LB} ms to {LM} ms"
            sentences.append(f"On {H}, {M} {q_rel}, {q_lv}.")
            add(f"{ms}-latency-vs-{self.baseline_slugs[bi]}", M, "latency", f"-{p}", "relative_percent", B, H, "exact", "explicit", q_rel)
            add(f"{ms}-latency", M, "latency", LM, "score", "", H, "exact", "explicit", q_lv, "ms per input")
            add(f"{ms}-{self.baseline_slugs[bi]}-latency", B, "latency", LB, "score", "", H, "exact", "explicit", q_lv, "ms per input")

        def count_form(force_noncanonical=False):
            f = rng.randrange(1 if force_noncanonical else 0, 6)
            if f == 0:
                v = rng.randint(100, 999)
                return str(v), str(v)
            if f == 1:
                m = f"{rng.randint(100, 9999) / 10:.1f}"
                return f"{m}k", f"{m}e3"
            if f == 2:
                v = rng.randint(1000, 999999)
                return f"{v:,}", str(v)
            if f == 3:
                m = rng.choice(("1", "2", "1.2", "2.9", "3.5", "6.3", "12"))
                return f"{m} million", f"{m}e6"
            if f == 4:
                w, v = rng.choice(WORD_NUMBERS[:8])
                return f"{w} thousand", f"{v}e3"
            m = f"{rng.randint(10, 999) / 10:.1f}"
            return f"{m}K", f"{m}e3"

        def block_D(kind, with_tokens):  # dataset sizes: examples (count) and tokens
            X, xv = count_form(force_noncanonical=(kind == "L102"))
            q_c = f"We release {X} examples"
            rows = [add(f"{ms}-example-count", M, "dataset_size", xv, "count", "", "examples", "exact", "explicit", q_c)]
            if with_tokens:
                t = rng.randrange(3)
                if t == 0:
                    m = f"{rng.randint(100, 999) / 100:.2f}"
                    Y, yv = f"{m}B", f"{m}e9"
                elif t == 1:
                    m = str(rng.randint(10, 900))
                    Y, yv = f"{m}M", f"{m}e6"
                else:
                    m = rng.choice(("1", "2", "1.5", "3.2"))
                    Y, yv = f"{m} billion", f"{m}e9"
                sentences.append(f"{q_c} and {Y} tokens.")
                rows.append(add(f"{ms}-token-count", M, "dataset_size", yv, "tokens", "", "tokens", "exact", "explicit", f"{Y} tokens"))
            else:
                sentences.append(f"{q_c}.")
            rc = rows[0]
            c = claims[rc]
            if kind == "L101":
                c[11] = ""
            elif kind == "L102":
                c[4] = X  # the printed form, not the canonical one
            elif kind == "L103":
                c[8] = "approx"
            elif kind == "L104":
                c[0] = c[0].replace("-", "_")
            elif kind == "L105":
                claims[rows[1]][0] = c[0]
                rc = rows[1]
            elif kind == "L107":
                c[3] = "dataset_sise"
            elif kind == "L301":
                c[4] = "-" + c[4]
            elif kind == "L303":
                c[5] = "params"
            elif kind == "L503":
                c[2] = M.upper() if i % 2 else f"{M} model"
            elif kind == "L504":
                c[2] = f"{M}-Lite"
            elif kind == "L701":
                c[12] = "count as printed in the\u200b abstract"  # ZERO WIDTH SPACE
            elif kind == "L702":
                c[12] = "checked twice\x07"  # BELL
            elif kind == "L704":
                c[7] = "ex\u0430mples"  # CYRILLIC SMALL LETTER A
            elif kind == "L705":
                c[12] = "count as printed "
            elif kind == "L706":
                c[12] = "@reviewer please check the count"
            elif kind == "L106":
                e = list(c)
                e[0], e[1] = e[0] + "-orphan", f"2501.{i // 96 + 1:05d}"
                claims.append(e)
                rc = len(claims) - 1
            elif kind == "L201":
                e = list(c)
                e[0], e[10] = e[0] + "-v2", e[10].replace("We release", "We publicly release")
                claims.append(e)
                rc = len(claims) - 1
            elif kind == "L202":
                e = list(c)
                mant, _, exp = e[4].partition("e")
                e[0], e[4] = e[0] + "-v2", mant + ("0" if "." in mant else ".0") + (f"e{exp}" if exp else "")
                claims.append(e)
                rc = len(claims) - 1
            elif kind == "L501":
                num = int(float(xv))
                other = 2 * num + 7  # outside the rounding interval of every printed form, "1 million" included
                sentences.append(f"After filtering, {other:,} examples remain.")
                e = list(c)
                e[0], e[4], e[10] = e[0] + "-filtered", str(other), f"{other:,} examples remain"
                claims.append(e)
                rc = len(claims) - 1
            elif kind == "L502":
                e = list(c)
                e[0] = e[0] + "-2"
                claims.append(e)
                rc = len(claims) - 1
            if kind:
                notes["plant_rows"].append(rc)

        def block_E():
            f = rng.randrange(4)
            if f == 0:
                m = rng.choice(("7", "13", "1.3", "2.7", "70", "0.5", "3"))
                P, v = f"{m}B", f"{m}e9"
            elif f == 1:
                m = str(rng.choice((125, 350, 560, 770, 220, 60)))
                P, v = f"{m}M", f"{m}e6"
            else:
                m = rng.choice(("1.3", "7", "13", "2.7"))
                P, v = f"{m} billion", f"{m}e9"
            quote = f"{M} has {P} parameters"
            sentences.append(f"{quote}.")
            add(f"{ms}-parameter-count", M, "model_size", v, "params", "", "", "exact", "explicit", quote)

        def block_F(kind_f):
            w, v = rng.choice(WORD_NUMBERS)
            if kind_f == 0:
                hi = rng.choice(self.gpu_hw)
                H = HARDWARE[hi][0]
                names[H] = self.hw_tokens[hi]
                quote = f"Training uses {w} {H} GPUs"
                sentences.append(f"{quote}.")
                add(f"{ms}-gpu-count", M, "gpu_count", v, "count", "", H, "exact", "explicit", quote)
            elif kind_f == 1:
                quote = f"covers {w} languages"
                sentences.append(f"The data {quote}.")
                add(f"{ms}-language-count", M, "language_count", v, "count", "", "languages", "exact", "explicit", quote)
            else:
                quote = f"{w} rounds of annotation"
                sentences.append(f"We ran {quote}.")
                add(f"{ms}-annotation-round-count", M, "survey_round_count", v, "count", "", "annotation", "exact", "explicit", quote)

        def block_G(kind):  # a benchmark's size, stated by a paper that uses it
            for _ in range(20):
                di = self.pick_benchmark()
                if di not in used_bench:
                    break
            used_bench.add(di)
            D = self.benchmarks[di]
            names[D] = self.bench_tokens[di]
            N = self.bench_size[di]
            quote = f"{D} contains {N:,} test questions"
            sentences.append(f"{quote}.")
            cid = f"{ms}-{self.bench_slugs[di]}-question-count"
            add(cid, D, "dataset_size", str(N), "count", "", "test questions", "exact", "explicit", quote)
            if self.bench_listed[di]:
                self.bench_source.setdefault(di, cid)
            notes["G"] = (di, cid)

        def block_H(kind):  # a sum, with its relation
            a, b = rng.randint(1000, 900000), rng.randint(1000, 900000)
            c = a + b
            if kind == "L403":
                c += rng.randint(10, 5000)
            sentences.append(f"The collection holds {a:,} images and {b:,} videos, {c:,} samples in total.")
            ids = (f"{ms}-image-count", f"{ms}-video-count", f"{ms}-sample-count")
            add(ids[0], M, "dataset_size", str(a), "count", "", "images", "exact", "explicit", f"{a:,} images")
            add(ids[1], M, "dataset_size", str(b), "count", "", "videos", "exact", "explicit", f"{b:,} videos")
            add(ids[2], M, "dataset_size", str(c), "count", "", "samples", "exact", "explicit", f"{c:,} samples in total")
            formula = f"{{{ids[0]}}} + {{{ids[1]}}} == {{{ids[2]}}}"
            if kind == "L405":
                formula = rng.choice((f"{{{ids[0]}}} + {{{ids[1]}x}} == {{{ids[2]}}}", f"{{{ids[0]}}} + == {{{ids[2]}}}"))
            relations.append((f"{ms}-samples-total", formula, "Images and videos make up the samples."))

        def block_I(kind):
            t = rng.randint(20, 129)
            v = fmt_t(t + 1 if t % 10 == 0 else t)  # never x.0: a whole average would be a valid count
            quote = f"dialogues average {v} turns"
            sentences.append(f"Its {quote}.")
            r = add(f"{ms}-average-turns", M, "average_length", v, "score", "", "turns per dialogue", "average", "explicit", quote)
            if kind == "L302":
                claims[r][5] = "count"
                notes["plant_rows"].append(r)

        def block_J():
            hi = rng.randrange(len(HARDWARE))
            H = HARDWARE[hi][0]
            names[H] = self.hw_tokens[hi]
            v = str(rng.randint(20, 70))
            quote = f"{M} reaches about {v}% MFU"
            sentences.append(f"{quote} on {H}.")
            add(f"{ms}-mfu", M, "mfu", v, "percent", "", H, "about", "explicit", quote)

        def block_K():
            bi = self.pick_baseline()
            B = self.baselines[bi]
            names[B] = self.baseline_tokens[bi]
            p = str(rng.randint(5, 80))
            quote = f"a {p}% higher compression ratio than {B}"
            sentences.append(f"It achieves {quote}.")
            add(f"{ms}-compression-vs-{self.baseline_slugs[bi]}", M, "compression_ratio", p, "relative_percent", B, "", "exact", "explicit", quote)

        # -- compose: the plant's block first, then random blocks that fit the budget
        intro = rng.choice(INTROS).format(M=M, adj=rng.choice(ADJECTIVES), task=task, task_cap=task.capitalize())
        sentences.append(intro)
        if rng.random() < 0.3:
            text, num, context, reason = RHETORICAL[rng.randrange(len(RHETORICAL))]
            sentences.append(text.format(task=task))
            skips.append((pid, num, context, reason))
        sizes = {"A": 3, "B": 1, "C": 3, "D2": 2, "D": 1, "E": 1, "F": 1, "G": 1, "H": 3, "I": 1, "J": 1, "K": 1}
        limits = {"A": 2, "B": 2, "C": 1, "D": 1, "E": 1, "F": 3, "G": 1, "H": 1, "I": 1, "J": 1, "K": 1}
        weights = {"A": 3.0, "B": 2.0, "C": 1.5, "D2": 1.5, "D": 0.7, "E": 1.0, "F": 1.5, "G": 1.0, "H": 0.3, "I": 0.4, "J": 0.7, "K": 0.8}
        count = {k: 0 for k in limits}
        f_kinds = [0, 1, 2]
        rng.shuffle(f_kinds)
        need = NEEDS.get(plant)
        remaining = budget
        if need:
            remaining -= sizes[need] + EXTRA_ROWS.get(plant, 0)
        sentences_mid = rng.random() < 0.6
        while True:
            if need:
                b, kind, need = need, plant, None
            else:
                choices = [b for b in sizes if sizes[b] <= remaining and count[b[0]] < limits[b[0]]]
                if not choices:
                    break
                b = rng.choices(choices, [weights[c] for c in choices])[0]
                remaining -= sizes[b]
                kind = None
            count[b[0]] += 1
            if b == "A":
                block_A(kind)
            elif b == "B":
                block_B(kind)
            elif b == "C":
                block_C()
            elif b in ("D", "D2"):
                block_D(kind, b == "D2")
            elif b == "E":
                block_E()
            elif b == "F":
                block_F(f_kinds[count["F"] - 1])
            elif b == "G":
                block_G(kind)
            elif b == "H":
                block_H(kind)
            elif b == "I":
                block_I(kind)
            elif b == "J":
                block_J()
            elif b == "K":
                block_K()
            if sentences_mid and len(sentences) == 3:
                sentences.append(rng.choice(MIDDLES))
        if plant == "L204":
            sentences.append(f"The public leaderboard already lists {rng.randint(12, 99)} submissions.")
        sentences.append(rng.choice(CLOSINGS))
        abstract = " ".join(s for s in sentences if s)
        for name, tokens in names.items():
            for tok in dict.fromkeys(tokens):
                skips.append((pid, tok, name, "name: part of an entity name"))
        if plant == "L205":
            skips.append((pid, "four", "the four remaining issues", "non-claim: rhetorical count"))
            notes["skip_plant"] = len(skips) - 1
        year = str(2017 + (i % 96) // 12)
        url = f"https://arxiv.org/abs/{pid}"
        if plant == "L108":
            year = year[2:]
        elif plant == "L109":
            url = f"arxiv.org/abs/{pid}"
        title = f"{M}: {rng.choice(ADJECTIVES).capitalize()} {task}"
        paper = (pid, title, year, url, abstract)
        return paper, claims, skips, relations, notes, M

    # ------------------------------------------------------------------ the whole ledger
    def write(self, out: Path) -> dict:
        t0 = time.perf_counter()
        rng = self.rng
        out.mkdir(parents=True, exist_ok=True)
        (out / "vocab").mkdir(exist_ok=True)
        plants = self.schedule()
        planted: list[tuple] = []
        entities: list[tuple] = []
        relations_all: list[tuple] = []
        waivers: list[tuple] = []
        waiver_plants: list[str] = []
        collisions: list[tuple] = []
        bench_plants: list[tuple] = []  # (benchmark name, size, source claim id, claims line)
        with contextlib.ExitStack() as stack:
            files = {name: stack.enter_context(open(out / name, "w", encoding="utf-8", newline=""))
                     for name in ("claims.csv", "papers.csv", "coverage_skips.csv")}
            wc, wp, ws = (csv.writer(files[n], lineterminator="\n") for n in ("claims.csv", "papers.csv", "coverage_skips.csv"))
            wc.writerow(CLAIM_COLUMNS)
            wp.writerow(PAPER_COLUMNS)
            ws.writerow(("paper_id", "number", "context", "reason"))
            claim_line, paper_line, skip_line = 2, 2, 2
            done, i = 0, 0
            clean_claim = None
            while done < self.n:
                budget = min(rng.randint(5, 10), self.n - done)
                plant = plants.get(i)
                if plant and budget < 5:
                    plant = None
                paper, claims, skips, relations, notes, M = self.paper(i, budget, plant)
                wp.writerow(paper)
                wc.writerows(claims)
                ws.writerows(skips)
                alias = f"{M} model" if (i % 8 == 0 or plant == "L503") else ""
                entities.append((M, "method", alias))
                if plant == "L703":  # a second entity that differs from this paper's method only in case
                    collisions.append((M.swapcase(), "method", ""))
                if plant in ("L401", "L402", "L404", "L203", "L302", "L101", "L102", "L103", "L104", "L105", "L106",
                             "L107", "L201", "L202", "L301", "L303", "L501", "L502", "L503", "L504",
                             "L701", "L702", "L704", "L705", "L706"):
                    for r in notes["plant_rows"]:
                        planted.append((plant, "claims.csv", claim_line + r, claims[r][0], "claim row"))
                elif plant in ("L204", "L108", "L109"):
                    planted.append((plant, "papers.csv", paper_line, "", "paper row"))
                elif plant == "L205":
                    planted.append((plant, "coverage_skips.csv", skip_line + notes["skip_plant"], "", "skip row"))
                elif plant in ("L403", "L405"):
                    planted.append((plant, "relations.csv", len(relations_all) + 2, "", relations[0][1]))
                elif plant == "L406":
                    di, cid = notes["G"]
                    bench_plants.append((f"{self.benchmarks[di]} subset {len(bench_plants) + 1}", self.bench_size[di] + rng.randint(1, 500), cid))
                elif plant in ("L601", "L602"):
                    waiver_plants.append(plant)
                    cid = claims[0][0]
                    waivers.append((("L301" if plant == "L601" else rng.choice(("L999", "L005"))), cid,
                                    "accepted by the reviewer (synthetic)", "bench"))
                    planted.append((plant, "waivers.csv", len(waivers) + 1, cid, "waiver row"))
                if plant is None and clean_claim is None:
                    clean_claim = claims[0]
                relations_all += relations
                claim_line += len(claims)
                paper_line += 1
                skip_line += len(skips)
                done += len(claims)
                i += 1
            # fixed structural plants at the end of claims.csv: ragged records, then blank lines
            for k in range(FIXED_CODES["L006"]):
                row = list(clean_claim)
                row[0] = f"ragged-row-{k}"
                wc.writerow(row + ["an extra field"])
                planted.append(("L006", "claims.csv", claim_line, "", "record with 14 fields"))
                claim_line += 1
            for k in range(FIXED_CODES["L010"]):
                files["claims.csv"].write("\n")
                planted.append(("L010", "claims.csv", claim_line, "", "blank line"))
                claim_line += 1
        n_papers = i

        # vocab/entities.csv: methods, baselines, benchmarks, hardware
        for bi, name in enumerate(self.baselines):
            entities.append((name, "model" if bi % 2 else "method", self.baseline_aliases[bi]))
        for di, name in enumerate(self.benchmarks):
            entities.append((name, "benchmark", name.replace("-", "") if "-" in name else ""))
        for name, _ in HARDWARE:
            entities.append((name, "hardware", ""))
        for row in collisions:
            entities.append(row)
            planted.append(("L703", "vocab/entities.csv", len(entities) + 1, "", f"entity {row[0]!r} folds like another"))
        self._write(out / "vocab" / "entities.csv", ("entity", "kind", "aliases"), entities)
        self._write(out / "vocab" / "metrics.csv", ("metric", "direction", "units", "description"), METRICS)
        bench_rows = []
        for di, name in enumerate(self.benchmarks):
            if self.bench_listed[di]:
                source = self.bench_source.get(di, f"https://example.org/benchmarks/{slug(name)}")
                bench_rows.append((name, str(self.bench_size[di]), "accuracy", source))
        for name, size, cid in bench_plants:
            bench_rows.append((name, str(size), "accuracy", cid))
            planted.append(("L406", "vocab/benchmarks.csv", len(bench_rows) + 1, "", f"size {size} vs claim {cid}"))
        self._write(out / "vocab" / "benchmarks.csv", ("benchmark", "size", "metrics", "source"), bench_rows)
        self._write(out / "relations.csv", ("relation_id", "formula", "description"), relations_all)
        self._write(out / "waivers.csv", ("code", "claim_id", "reason", "reviewer"), waivers)
        self._write(out / "planted.csv", ("code", "file", "line", "claim_id", "what"), planted)
        info = {"generator_version": GENERATOR_VERSION, "claims": self.n, "papers": n_papers, "seed": self.seed,
                "skew": self.skew, "error_rate": self.error_rate, "planted": len(planted),
                "baselines": self.n_baselines, "benchmarks": self.n_benchmarks,
                "fixed_pools": [self.fixed_baselines, self.fixed_benchmarks],
                "seconds": round(time.perf_counter() - t0, 2)}
        (out / "params.json").write_text(json.dumps(info, indent=2) + "\n")
        return info

    @staticmethod
    def _write(path: Path, header, rows):
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)


def params_key(n: int, seed: int, skew: float, error_rate: float) -> dict:
    return {"generator_version": GENERATOR_VERSION, "claims": n, "seed": seed, "skew": skew, "error_rate": error_rate,
            "fixed_pools": [None, None]}


def is_current(out: Path, n: int, seed: int, skew: float, error_rate: float) -> bool:
    """True if `out` holds a ledger generated with these parameters by this version of the generator."""
    try:
        info = json.loads((out / "params.json").read_text())
    except (OSError, ValueError):
        return False
    return all(info.get(k) == v for k, v in params_key(n, seed, skew, error_rate).items())


def generate(n: int, out: Path, seed: int = 1, skew: float = 2.0, error_rate: float = 0.005,
             baselines: int | None = None, benchmarks: int | None = None) -> dict:
    return Generator(n, seed, skew, error_rate, baselines, benchmarks).write(out)


# ---------------------------------------------------------------------- the "seed" shape: the bundled ledger, replicated
SEED_VERSION = "3"  # 2: plants list the findings on every claim involved; 3: relation descriptions name the copy's papers
SEED_FILES = ("claims.csv", "papers.csv", "coverage_skips.csv", "relations.csv", "waivers.csv")
_ID_TOKEN = r"(?<![A-Za-z0-9-]){}(?![A-Za-z0-9-])"


def seed_digest(src: Path) -> str:
    """Hash of the files the seed shape is built from, so a cached copy is rebuilt when the bundled ledger changes."""
    import hashlib

    h = hashlib.sha256()
    for p in [src / n for n in SEED_FILES] + sorted((src / "vocab").glob("*.csv")):
        if p.is_file():
            h.update(p.relative_to(src).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def seed_paper_id(index: int) -> str:
    """The index-th synthetic arXiv id: yymm.nnnnn with a real month, 99,999 numbers per month, from 0701
    on (about 111M ids before yy passes 99), all distinct and all matching the ledger's arXiv pattern."""
    month, number = divmod(index, 99999)
    yy, mm = divmod(month, 12)
    if yy + 7 > 99:
        raise SystemExit(f"seed shape: {index} papers are more than the synthetic arXiv ids can name")
    return f"{yy + 7:02d}{mm + 1:02d}.{number + 1:05d}"


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        return [], []
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if rows else ([], [])


def _lines(row) -> int:
    """Physical lines csv.writer gives a record (cells with line breaks are written quoted, breaks kept)."""
    return 1 + sum(cell.count("\n") for cell in row)


def seed_is_current(out: Path, n: int, src: Path, plants: bool = True) -> bool:
    try:
        info = json.loads((out / "params.json").read_text())
    except (OSError, ValueError):
        return False
    return (info.get("shape") == "seed" and info.get("seed_version") == SEED_VERSION and info.get("requested") == n
            and info.get("source_digest") == seed_digest(src) and info.get("plants") == plants)


def replicate(src: Path, n: int, out: Path, plants: bool = True) -> dict:
    """Write the ledger of `src` (the bundled one) replicated to at least n claims (whole copies).

    Copy k renames every paper to a fresh synthetic arXiv id (url too), suffixes every claim_id, relation_id
    and group id with `-c{k}` and rewrites the references to them (relation formulas, claim ids named in notes, context and settings,
    waivers, coverage skips), so that each copy validates exactly as the source does; the vocabularies are
    shared. With `plants`, four errors are planted, each in its own copy (never copy 0, so that a changed value
    is the one that disagrees with the first of its group), and listed in planted.csv:

    * a changed value (an integer count of 10 or more, + 1): L202 and L501 on the claim, L204 on its paper (the printed number
      is no longer covered);
    * a broken quote (a word appended): L201 on the claim, L204 on its paper;
    * a stale skip (a row naming a number its paper does not print), appended at the end: L205;
    * a broken relation (`+ 1` added to its left side): L403.
    """
    t0 = time.perf_counter()
    src = src.resolve()
    tables = {name: _read(src / name) for name in SEED_FILES}
    ch, claims = tables["claims.csv"]
    ph, papers = tables["papers.csv"]
    sh, skips = tables["coverage_skips.csv"]
    rh, relations = tables["relations.csv"]
    wh, waivers = tables["waivers.csv"]
    if not claims or not papers:
        raise SystemExit(f"seed shape: {src} has no claims or no papers")
    ci = {c: ch.index(c) for c in ("claim_id", "paper_id", "value", "unit", "quote", "context", "notes")}
    gi = ch.index("group") if "group" in ch else None  # optional column: an old-form ledger has none
    pi = {c: ph.index(c) for c in ("paper_id", "url")}
    settings_at = ch.index("settings") if "settings" in ch else None
    per_copy = len(claims)
    copies = max(1, -(-n // per_copy))
    paper_index = {row[pi["paper_id"]]: j for j, row in enumerate(papers)}
    ids = sorted({row[ci["claim_id"]] for row in claims}, key=len, reverse=True)
    id_set = set(ids)
    id_in_text = re.compile(_ID_TOKEN.format("(" + "|".join(map(re.escape, ids)) + ")"))
    ref = re.compile(r"\{([^{}]+)\}")
    paper_in_text = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, sorted(paper_index, key=len, reverse=True))) + r")(?![\w])")

    # plants: the claims they touch, chosen by rule so that their findings are known in advance
    plant_copy = {}
    if plants:
        if copies < 5:
            raise SystemExit(f"seed shape: --claims {n} gives {copies} copies; planting needs at least 5 "
                             f"({5 * per_copy} claims)")
        in_relation = {m for row in relations for m in ref.findall(row[rh.index("formula")])} if relations else set()
        skipped = {(row[sh.index("paper_id")], row[sh.index("number")]) for row in skips} if skips else set()
        by_paper_value = collections.Counter((r[ci["paper_id"]], r[ci["value"]]) for r in claims)
        candidates = [r for r, row in enumerate(claims)
                      if row[ci["unit"]] == "count" and re.fullmatch(r"[1-9]\d+", row[ci["value"]])
                      and row[ci["claim_id"]] not in in_relation and by_paper_value[(row[ci["paper_id"]], row[ci["value"]])] == 1
                      and (row[ci["paper_id"]], row[ci["value"]]) not in skipped and row[ci["value"]] in row[ci["quote"]]]
        if len(candidates) < 2:
            raise SystemExit(f"seed shape: {src} has fewer than two claims a value or quote plant can use")
        plant_copy = {"value": copies // 5, "quote": 2 * copies // 5, "skip": 3 * copies // 5}
        if relations:
            plant_copy["relation"] = 4 * copies // 5
        value_row, quote_row = candidates[0], candidates[1]

    claim_lines = [_lines(r) for r in claims]
    paper_lines = [_lines(r) for r in papers]
    skip_lines = [_lines(r) for r in skips]
    relation_lines = [_lines(r) for r in relations]
    claim_start = [2 + sum(claim_lines[:r]) for r in range(len(claims))]  # line of record r in copy 0
    paper_start = [2 + sum(paper_lines[:r]) for r in range(len(papers))]
    relation_start = [2 + sum(relation_lines[:r]) for r in range(len(relations))]
    per_copy_lines = {"claims": sum(claim_lines), "papers": sum(paper_lines), "skips": sum(skip_lines),
                      "relations": sum(relation_lines)}
    planted: list[tuple] = []

    out.mkdir(parents=True, exist_ok=True)
    if (src / "vocab").is_dir():
        shutil.copytree(src / "vocab", out / "vocab", dirs_exist_ok=True)
        bh, bench = _read(src / "vocab" / "benchmarks.csv")
        if "source" in bh:  # a benchmark size cites the claim that states it: cite that claim's copy 0
            j = bh.index("source")
            Generator._write(out / "vocab" / "benchmarks.csv", bh,
                             [[*row[:j], row[j] + "-c0" if row[j] in id_set else row[j], *row[j + 1:]] for row in bench])
    with contextlib.ExitStack() as stack:
        writers = {}
        for name, (header, _) in tables.items():
            if header:
                f = stack.enter_context(open(out / name, "w", encoding="utf-8", newline=""))
                writers[name] = csv.writer(f, lineterminator="\n")
                writers[name].writerow(header)
        for k in range(copies):
            sfx = f"-c{k}"
            pids = {p: seed_paper_id(k * len(papers) + j) for p, j in paper_index.items()}

            def rename_text(text: str) -> str:
                return id_in_text.sub(lambda m: m.group(1) + sfx, text) if text else text

            rows = []
            for r, row in enumerate(claims):
                row = list(row)
                row[ci["claim_id"]] += sfx
                if gi is not None and row[gi]:
                    row[gi] += sfx  # a "respectively" list is one group per copy, not one group across copies (L506)
                row[ci["paper_id"]] = pids.get(row[ci["paper_id"]], row[ci["paper_id"]])
                row[ci["context"]], row[ci["notes"]] = rename_text(row[ci["context"]]), rename_text(row[ci["notes"]])
                if settings_at is not None:  # links to setting claims point at this copy's claims
                    row[settings_at] = rename_text(row[settings_at])
                line = claim_start[r] + k * per_copy_lines["claims"]
                j = paper_index.get(claims[r][ci["paper_id"]])
                paper_line = None if j is None else paper_start[j] + k * per_copy_lines["papers"]
                if k == plant_copy.get("value") and r == value_row:
                    row[ci["value"]] = str(int(row[ci["value"]]) + 1)
                    planted += [("L202", "claims.csv", line, row[0], "changed value"),
                                ("L501", "claims.csv", line, row[0], "changed value: conflicts with copy 0"),
                                ("L501", "claims.csv", claim_start[r], claims[r][ci["claim_id"]] + "-c0", "changed value: copy 0's claim is contradicted"),
                                ("L204", "papers.csv", paper_line, "", "changed value: the printed number is uncovered")]
                elif k == plant_copy.get("quote") and r == quote_row:
                    row[ci["quote"]] += " indeed"
                    planted += [("L201", "claims.csv", line, row[0], "broken quote"),
                                ("L204", "papers.csv", paper_line, "", "broken quote: the printed number is uncovered")]
                rows.append(row)
            writers["claims.csv"].writerows(rows)
            rows = []
            for row in papers:
                row = list(row)
                old = row[pi["paper_id"]]
                row[pi["paper_id"]] = pids[old]
                row[pi["url"]] = row[pi["url"]].replace(old, pids[old])
                rows.append(row)
            writers["papers.csv"].writerows(rows)
            if skips:
                j = sh.index("paper_id")
                writers["coverage_skips.csv"].writerows([[*row[:j], pids.get(row[j], row[j]), *row[j + 1:]] for row in skips])
            if relations:
                rows = []
                for r, row in enumerate(relations):
                    row = list(row)
                    row[rh.index("relation_id")] += sfx
                    f = rh.index("formula")
                    row[f] = ref.sub(lambda m: "{" + m.group(1) + (sfx if m.group(1) in id_set else "") + "}", row[f])
                    if "description" in rh:  # a relation between papers names them (L411): name this copy's papers
                        d = rh.index("description")
                        row[d] = paper_in_text.sub(lambda m: pids[m.group(0)], row[d])
                    if k == plant_copy.get("relation") and r == 0 and "==" in row[f]:
                        row[f] = row[f].replace("==", "+ 1 ==", 1)
                        planted.append(("L403", "relations.csv", relation_start[r] + k * per_copy_lines["relations"], "", "broken relation"))
                        for name in dict.fromkeys(ref.findall(relations[r][f])):  # and each claim it names
                            c = next(i for i, cr in enumerate(claims) if cr[ci["claim_id"]] == name)
                            planted.append(("L403", "claims.csv", claim_start[c] + k * per_copy_lines["claims"], name + sfx,
                                            "broken relation: a claim it names"))
                    rows.append(row)
                writers["relations.csv"].writerows(rows)
            if waivers:
                j = wh.index("claim_id")
                writers["waivers.csv"].writerows([[*row[:j], row[j] + sfx if row[j] else row[j], *row[j + 1:]] for row in waivers])
        if "skip" in plant_copy:
            k = plant_copy["skip"]
            pid = seed_paper_id(k * len(papers))
            row = {"paper_id": pid, "number": "four", "context": "the four remaining issues", "reason": "non-claim: rhetorical count"}
            writers["coverage_skips.csv"].writerow([row.get(c, "") for c in sh])
            planted.append(("L205", "coverage_skips.csv", 2 + copies * per_copy_lines["skips"], "", "stale skip"))
    Generator._write(out / "planted.csv", ("code", "file", "line", "claim_id", "what"), planted)
    info = {"shape": "seed", "seed_version": SEED_VERSION, "source": str(src), "source_digest": seed_digest(src),
            "requested": n, "claims": copies * per_copy, "copies": copies, "papers": copies * len(papers),
            "skips": copies * len(skips) + ("skip" in plant_copy), "plants": plants, "planted": len(planted),
            "seconds": round(time.perf_counter() - t0, 2)}
    (out / "params.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


# ---------------------------------------------------------------------- edited copy, for `ledger diff`
EDIT_VERSION = 2  # 2: columns found by name (version 1 edited nothing in a ledger with the optional columns)


def edit_copy(src: Path, out: Path, share: float = 0.01, seed: int = 2) -> dict:
    """Copy a ledger with ~share of its claims edited: status promotions, notes, a few deletions and additions.

    Values and quotes are left alone (they are tied to the abstracts). Writes edits.csv: kind, claim_id.
    """
    t0 = time.perf_counter()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for p in src.rglob("*"):
        rel = p.relative_to(src)
        if p.is_dir():
            (out / rel).mkdir(parents=True, exist_ok=True)
        elif rel.as_posix() not in ("claims.csv", "params.json", "planted.csv"):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, out / rel)
    edits = []
    with open(src / "claims.csv", encoding="utf-8", newline="") as fin, open(out / "claims.csv", "w", encoding="utf-8", newline="") as fout:
        reader, writer = csv.reader(fin), csv.writer(fout, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        # columns by name: a ledger may carry the optional columns (role, settings, ...) in any place
        at = {name: header.index(name) for name in ("claim_id", "context", "status", "notes")}
        for row in reader:
            if len(row) != len(header) or rng.random() >= share:
                writer.writerow(row)
                continue
            r = rng.random()
            if r < 0.6:
                row[at["status"]] = "verified" if row[at["status"]] != "verified" else "disputed"
                edits.append(("status", row[at["claim_id"]]))
            elif r < 0.9:
                row[at["notes"]] = (row[at["notes"]] + "; " if row[at["notes"]] else "") + "reviewed again"
                edits.append(("notes", row[at["claim_id"]]))
            elif r < 0.95:
                edits.append(("deleted", row[at["claim_id"]]))
                continue
            else:
                writer.writerow(row)
                row = list(row)
                row[at["claim_id"]] += "-added"
                row[at["context"]] += "; added setting"
                edits.append(("added", row[at["claim_id"]]))
            writer.writerow(row)
    Generator._write(out / "edits.csv", ("kind", "claim_id"), edits)
    info = {"edited_from": str(src), "edit_version": EDIT_VERSION, "share": share, "seed": seed, "edits": len(edits), "seconds": round(time.perf_counter() - t0, 2)}
    (out / "params.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=10000, help="number of claims (default 10000)")
    ap.add_argument("--out", type=Path, required=True, help="ledger folder to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skew", type=float, default=2.0, help="baseline popularity skew: index = K * u**skew (1 = uniform)")
    ap.add_argument("--error-rate", type=float, default=0.005, help="share of claims with a planted error (default 0.005)")
    ap.add_argument("--baselines", type=int, help="fixed number of baselines (default N/100, at least 40)")
    ap.add_argument("--benchmarks", type=int, help="fixed number of benchmarks (default N/2500, at least 24)")
    ap.add_argument("--edit-from", type=Path, help="instead: write an edited copy of this ledger (for ledger diff)")
    ap.add_argument("--edit-share", type=float, default=0.01)
    ap.add_argument("--shape", choices=("light", "seed"), default="light",
                    help="light: the synthetic ledger above (default); seed: the bundled ledger replicated to --claims")
    ap.add_argument("--source", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="with --shape seed: the ledger folder to replicate (default: the repository root)")
    ap.add_argument("--no-plants", action="store_true", help="with --shape seed: plant no errors")
    args = ap.parse_args(argv)
    if args.edit_from:
        info = edit_copy(args.edit_from, args.out, args.edit_share, args.seed + 1)
    elif args.shape == "seed":
        info = replicate(args.source, args.claims, args.out, plants=not args.no_plants)
    else:
        info = generate(args.claims, args.out, args.seed, args.skew, args.error_rate, args.baselines, args.benchmarks)
    print(json.dumps(info))
    return 0


def run_script(main) -> None:
    """Run a benchmark script's main(): a refusal with a reason (e.g. too few claims to plant) is one line, exit 2."""
    try:
        sys.exit(main())
    except SystemExit as e:
        if isinstance(e.code, str):
            print(f"{Path(sys.argv[0]).name}: {e.code}", file=sys.stderr)
            sys.exit(2)
        raise


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `ledger` from this checkout if not installed
    run_script(main)
