"""Named physics defaults (seed paper / upstream conventions).

Every number a resolver uses that is not an input lives here, with its source.
Pure floats in base units (seconds, bytes, flop, USD, ...). No pint.
"""
from __future__ import annotations

# --- single-node roofline (seed paper §2.2; Williams 2009 roofline) ---
DEFAULT_EFFICIENCY = 0.5  # η: achieved fraction of peak FLOP/s
FRAMEWORK_LAYER_TAX_S = 1e-5  # 0.01 ms framework overhead per layer
# Activation traffic per sample lives with the workload (types/workloads.py: WorkloadSI.act_bytes).
FALLBACK_OFFLOAD_BW = 64e9  # B/s, host link (PCIe Gen5 x16) when weights spill off-device

# η for tuned, frontier-scale dense training (hidden ≥ 8K, bf16, large GEMMs): the fraction of dense peak the
# step's compute kernels sustain, *before* communication, pipeline bubbles and recomputation are charged
# (DistributedModel charges those separately). Evidence: H100 dense BF16 tensor-core kernels reach 70–75 % of
# peak (FlashAttention-3, Shah et al. 2024: 740 TFLOP/s = 75 % of 989), less for norms/elementwise/attention
# backward; a 480B dense transformer on 2,048 TPU v4 sustained 63 % of peak over whole steps, model + remat
# FLOPs (Google Cloud blog, MLPerf Training v1.1 open division, Dec 2021) — a lower bound on kernel efficiency.
# An input choice for well-optimised large runs, used by the paper anchors; the general default stays 0.5.
FRONTIER_TRAINING_EFFICIENCY = 0.60

# --- power / energy ---
IDLE_POWER_FRACTION = 0.3  # P = TDP·(0.3 + 0.7·MFU)
DYNAMIC_POWER_FRACTION = 0.7
FALLBACK_TDP_W = 700.0  # H100 SXM board power; only when an accelerator lists no TDP (the trace says so)
# No region given → the zoo grid ``Grids.US_Avg`` (EIA 2023 367 gCO2/kWh, PUE 1.40, WUE 1.8 L/kWh, $0.08/kWh);
# the resolvers look it up by this key so the zoo row is the single source of truth.
FALLBACK_GRID_KEY = "US_Avg"

# --- communication ---
OVERLAP_EFFICIENCY = 0.85  # fraction of communication hidden behind compute
NVLINK_LATENCY_S = 500e-9  # α, intra-node
IB_LATENCY_S = 5e-6  # α, InfiniBand inter-node
# Dragonfly global-link bisection relative to a full-bisection fat tree under uniform traffic
# (upstream heuristic; Kim et al. 2008 size global links for ≈ full bisection, minus routing loss).
DRAGONFLY_BISECTION = 0.85

# --- training memory / checkpoints (Rajbhandari 2020 ZeRO) ---
ADAM_BYTES_PER_PARAM = 12  # fp32 master + m + v
CHECKPOINT_BYTES_PER_PARAM_ADAM = 14  # fp16 weights + Adam state
CHECKPOINT_BYTES_PER_PARAM_SGD = 4

# --- achieved memory bandwidth (memory-bound terms: decode, weight streaming) ---
# η_mem: the fraction of datasheet bandwidth a memory-bound kernel sustains, separate from compute η.
# HBM 0.70: batch-1 decode measured with gpt-fast on an A100-80GB (pytorch-labs/gpt-fast README, benchmarks table):
# Llama-2-7B fp16 1,397 GB/s and Llama-2-70B int8 1,323 GB/s of the 2,039 GB/s datasheet = 0.69 / 0.65.
# GDDR 0.80, LPDDR 0.65, DDR 0.70, SRAM 0.90, flash 0.90: estimates (STREAM-class copy kernels on discrete GDDR
# GPUs reach 85–90 % of peak, SoC LPDDR shared with CPU/GPU agents 60–75 %; on-chip SRAM and execute-in-place
# flash are near their nominal rate). Override per call with ``memory_efficiency=``.
MEMORY_EFFICIENCY_BY_KIND: dict[str, float] = {
    "HBM": 0.70, "GDDR": 0.80, "LPDDR": 0.65, "DDR": 0.70, "SRAM": 0.90, "flash": 0.90,
}
# memory kind when a device does not state one, by its category
MEMORY_KIND_BY_CATEGORY: dict[str, str] = {
    "cloud": "HBM", "workstation": "GDDR", "edge": "LPDDR", "mobile": "LPDDR", "tiny": "SRAM", "wafer": "SRAM",
}

# --- tensor-parallel serving (Shoeybi et al. 2019, Megatron-LM: 2 all-reduces per layer per forward pass) ---
TP_ALL_REDUCES_PER_DECODER_LAYER = 2
# Effective per-step latency of one small-message collective step in decode, on top of the link's α: kernel launch,
# the rank-to-rank synchronisation barrier and skew between ranks (a decode all-reduce of a few kB is pure latency).
# 5.5 µs + NVLink α 0.5 µs = 6 µs per ring step ⇒ 12 µs per TP-2 all-reduce, 84 µs per TP-8 all-reduce. Estimate,
# consistent with the TP-2/TP-4/TP-8 decode measurements in tests/core/test_measured_anchors.py (NIM, vLLM CI,
# PyTorch/IBM blog); NCCL's own small-message all-reduce on 8 NVLink GPUs is ≈ 10–20 µs, the rest is skew.
TP_STEP_SYNC_OVERHEAD_S = 5.5e-6
# Devices per node when neither a node nor a zoo node is known (HGX/DGX-class NVLink domain).
DEFAULT_DEVICES_PER_NODE = 8
# α of a PCIe peer-to-peer link when a device has no NVLink-class link.
PCIE_LATENCY_S = 2e-6

# --- serving (Kwon 2023 PagedAttention; Leviathan 2023 speculative decoding) ---
KV_PAGE_TOKENS = 16
SPECULATIVE_DRAFT_TOKENS = 4
DEFAULT_NETWORK_BW = 100e9  # B/s, prefill→decode KV transfer link in disaggregated serving
FALLBACK_INJECTION_BW = 100e9  # B/s, weight-streaming injection link when the device lists none
WAFER_KV_OVERHEAD = 1.1  # on-wafer KV/activation need = 1.1 × KV (upstream WeightStreamingModel)

# --- storage / checkpoints ---
FALLBACK_STORAGE_BW = 1e9  # B/s per writer when the device lists no local storage bandwidth (upstream convention)
DEFAULT_FILESYSTEM_BW = 500e9  # B/s aggregate parallel-filesystem limit (Lustre/GPFS class)
CHECKPOINT_STALL_THRESHOLD_S = 60.0  # a checkpoint write longer than this is flagged as a storage bottleneck

# --- privacy ---
DP_SGD_SLOWDOWN_COEFF = 2.0  # slowdown = 1 + 2/ε (central)
DP_SLOWDOWN_COEFF_LOW = 1.0  # literature band for slowdown = 1 + c/ε, c ∈ [1, 4] (see ResponsibleEngineeringModel)
DP_SLOWDOWN_COEFF_HIGH = 4.0

# --- economics ---
ELECTRICITY_USD_PER_KWH = 0.12  # seed-paper price (a GridProfile's default); no-region runs use Grids.US_Avg
MAINTENANCE_FRACTION_PER_YEAR = 0.05
AMORTIZATION_YEARS = 3.0
HOURS_PER_YEAR = 8760.0
SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600.0
J_PER_KWH = 3.6e6

# --- training-parallelism search ---
MEMORY_HEADROOM = 0.9  # usable fraction of HBM for training state (allocator fragmentation, CUDA context)

# --- wide-area network (placement) ---
FIBER_SPEED_M_S = 2.0e8  # light in glass ≈ c / 1.47 (refractive index of silica fibre)
ROUTE_STRETCH = 1.5  # real fibre routes are ~1.5× the great-circle distance
EARTH_RADIUS_M = 6.371e6  # mean Earth radius (haversine)

# --- scaling laws (Hoffmann 2022 Chinchilla; Kaplan 2020) ---
CHINCHILLA_TOKENS_PER_PARAM = 20
TRAINING_FLOPS_PER_PARAM_TOKEN = 6  # C = 6·P·D

# --- inference-time compute ---
TOKENS_PER_REASONING_STEP = 50

__all__ = [n for n in dir() if n.isupper()]
