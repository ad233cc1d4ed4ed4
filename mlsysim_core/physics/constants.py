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

# --- power / energy ---
IDLE_POWER_FRACTION = 0.3  # P = TDP·(0.3 + 0.7·MFU)
DYNAMIC_POWER_FRACTION = 0.7
FALLBACK_PUE = 1.12

# --- communication ---
OVERLAP_EFFICIENCY = 0.85  # fraction of communication hidden behind compute
NVLINK_LATENCY_S = 500e-9  # α, intra-node
IB_LATENCY_S = 5e-6  # α, InfiniBand inter-node

# --- training memory / checkpoints (Rajbhandari 2020 ZeRO) ---
ADAM_BYTES_PER_PARAM = 12  # fp32 master + m + v
CHECKPOINT_BYTES_PER_PARAM_ADAM = 14  # fp16 weights + Adam state
CHECKPOINT_BYTES_PER_PARAM_SGD = 4

# --- serving (Kwon 2023 PagedAttention; Leviathan 2023 speculative decoding) ---
KV_PAGE_TOKENS = 16
SPECULATIVE_DRAFT_TOKENS = 4
DEFAULT_NETWORK_BW = 100e9  # B/s, prefill→decode KV transfer link in disaggregated serving
FALLBACK_INJECTION_BW = 100e9  # B/s, weight-streaming injection link when the device lists none
WAFER_KV_OVERHEAD = 1.1  # on-wafer KV/activation need = 1.1 × KV (upstream WeightStreamingModel)

# --- privacy ---
DP_SGD_SLOWDOWN_COEFF = 2.0  # slowdown = 1 + 2/ε

# --- economics ---
ELECTRICITY_USD_PER_KWH = 0.12
MAINTENANCE_FRACTION_PER_YEAR = 0.05
AMORTIZATION_YEARS = 3.0
HOURS_PER_YEAR = 8760.0
SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600.0
J_PER_KWH = 3.6e6

# --- scaling laws (Hoffmann 2022 Chinchilla; Kaplan 2020) ---
CHINCHILLA_TOKENS_PER_PARAM = 20
TRAINING_FLOPS_PER_PARAM_TOKEN = 6  # C = 6·P·D

# --- inference-time compute ---
TOKENS_PER_REASONING_STEP = 50

__all__ = [n for n in dir() if n.isupper()]
