"""Paper anchors: each model output within ±10 % of a published value.

Every anchor states WHICH published value, WHERE it comes from, and which inputs are taken from that source.
Anchors the current models miss are marked xfail (non-strict) with the reason, so the gap stays visible.
"""

import math

import pytest

from mlsysim_core import Q_
from mlsysim_core.resolvers.fleet import DistributedModel
from mlsysim_core.resolvers.node import SingleNodeModel
from mlsysim_core.resolvers.ops import SustainabilityModel
from mlsysim_core.resolvers.optimizers import ParallelismOptimizer
from mlsysim_core.resolvers.serving import ServingModel
from mlsysim_core.resolvers.algorithm import ScalingModel
from mlsysim_core.types import ComputeCore, Datacenter, Fleet, GridProfile, HardwareNode, MemoryHierarchy, NetworkFabric, Node
from mlsysim_core.types import TransformerWorkload

zoo = pytest.importorskip("mlsysim_core.zoo")
Hardware, Models, Systems = zoo.Hardware, zoo.Models, zoo.Systems

TOL = 0.10


def within(value, published, tol=TOL):
    return abs(value - published) <= tol * abs(published)


# 1 ─ ResNet-50 inference on DGX A100 ───────────────────────────────────────────────────────────────
# Published: 329 400 images/s for 8 × A100-SXM-80GB, ResNet-50 v1.5 Offline, INT8, batch 1024 — NVIDIA's closed-division
# MLPerf Inference submission config (mlcommons inference_results, closed/NVIDIA/configs/resnet50/Offline,
# class A100_SXM_80GBx8, offline_expected_qps = 329400) → 41 175 images/s per GPU.
def test_resnet50_dgx_a100_mlperf_offline():
    r = SingleNodeModel().solve(model=Models.Vision.ResNet50, hardware=Hardware.Cloud.A100, batch_size=1024,
                                precision="int8")
    per_gpu = r.throughput.to("1/s").magnitude
    # model: 8.2 GFLOP / (624 TOPS × 0.5) = 26.3 µs per image + 0.51 ms per batch overhead → ≈ 37 300 img/s
    assert r.bottleneck == "Compute"
    assert within(per_gpu, 329_400 / 8), per_gpu


# 2 ─ Llama-2-70B decode ITL on one H100 (memory-bound) ────────────────────────────────────────────────────
# Published value: the memory-bound decode floor ITL ≈ |W| / BW_HBM (Pope et al. 2022, "Efficiently Scaling
# Transformer Inference", §2; seed paper wall 4). FP8 weights 68.98 GB (so the model fits one 80 GB H100) over the
# H100 SXM datasheet 3.35 TB/s = 20.6 ms per token at batch 1.
def test_llama2_70b_itl_on_h100_is_weights_over_bandwidth():
    m, h = Models.Language.Llama2_70B, Hardware.Cloud.H100
    s = ServingModel().solve(model=m, hardware=h, seq_len=512, batch_size=1, precision="fp8")
    floor_ms = m.parameters * 1.0 / h.si.mem_bw * 1e3
    assert s.feasible and s.itl_bottleneck == "Memory"
    assert within(s.itl.to("ms").magnitude, floor_ms), (s.itl, floor_ms)


# 3 ─ Llama 3 405B MFU on 16 384 H100 ───────────────────────────────────────────────────────────────────────
# Published: 41 % MFU (400 TFLOP/s/GPU) — Llama 3 paper (Dubey et al. 2024, arXiv 2407.21783) Table 4: 16 384 GPUs,
# TP 8, CP 1, PP 16, DP 128, seq 8192, 16 M tokens per batch (2048 sequences); 8 192 GPUs gave 43 %, 131 K context 38 %.
@pytest.mark.xfail(strict=False, reason="DistributedModel: PP-16 bubble with 16 micro-batches per replica and "
                                         "non-overlapped TP all-reduces cap MFU near 36 % even with an interleaved "
                                         "schedule (v=4); the selective-activation footprint also exceeds 80 GB")
def test_llama3_405b_mfu_16k_h100():
    d = DistributedModel().solve(model=Models.Language.Llama3_405B, fleet=Systems.Clusters.Llama3_16K, batch_size=2048,
                                 precision="bf16", tp_size=8, pp_size=16, overlap_comm=True, seq_len=8192, v_stages=4)
    assert within(d.mfu, 0.41), d.mfu


# 4 ─ PaLM 540B MFU on 6144 TPU v4 ──────────────────────────────────────────────────────────────────────────
# Published: 46.2 % MFU (57.8 % HFU with rematerialisation) — Chowdhery et al. 2022 (PaLM), §4 and Appendix B:
# 2 pods × 3072 TPU v4, 12-way model parallel × 256-way data parallel per pod, no pipelining, batch 2048 × 2048
# tokens, weights/optimizer sharded over data parallel (modelled as ZeRO-3). Inputs taken from the paper: η = 0.578
# (the reported HFU) and activation recomputation. ICI 300 GB/s per chip per direction and a 100 Gb/s DCN per chip
# are our estimates (the TPU v4 zoo entry lists no ICI figure).
@pytest.mark.xfail(strict=False, reason="full recomputation costs 4/3 hardware FLOPs; PaLM's partial remat costs "
                                         "HFU/MFU = 1.25, so the model lands near 41 % (−11 %)")
def test_palm_mfu_6144_tpu_v4():
    tpu = Hardware.get("TPUv4")
    node = Node(name="TPU v4 pod (ICI domain)", accelerator=tpu, accelerators_per_node=3072, intra_node_bw="300 GB/s",
                intra_node_bw_direction="per_direction", intra_node_latency="1 us")
    fleet = Fleet(name="PaLM 2 × 3072", node=node, count=2,
                  fabric=NetworkFabric(name="DCN", bandwidth="100 Gbps", latency="20 us"))
    palm = TransformerWorkload(name="PaLM 540B", parameters=540.35e9, layers=118, hidden_dim=18432, heads=48)
    d = DistributedModel().solve(model=palm, fleet=fleet, batch_size=2048, precision="bf16", tp_size=12, pp_size=1,
                                 overlap_comm=True, seq_len=2048, zero_stage=3, efficiency=0.578,
                                 activation_recomputation=True)
    assert d.feasible
    assert within(d.mfu, 0.462), d.mfu


# 5 ─ Chinchilla compute-optimal size ───────────────────────────────────────────────────────────────────────
# Published: Chinchilla, 70 B parameters trained on 1.4 T tokens, 5.76e23 FLOP — Hoffmann et al. 2022, Table 3 / §3.
def test_chinchilla_optimal_size():
    r = ScalingModel().solve(compute_budget=Q_(5.76e23, "flop"))
    # P* = √(5.76e23 / 120) = 6.93e10; D* = 20 P* = 1.39e12
    assert within(r.optimal_parameters.magnitude, 70e9)
    assert within(r.optimal_tokens.magnitude, 1.4e12)


# 6 ─ GPT-3 training carbon ─────────────────────────────────────────────────────────────────────────────────
# Published: 552 tCO2e — Patterson et al. 2021, "Carbon Emissions and Large Neural Network Training", Table 4:
# 10 000 V100, 14.8 days, 330 W average per processor (incl. its share of the server), PUE 1.10, 1 287 MWh,
# 0.429 kgCO2e/kWh. Those inputs are fed as-is (330 W as the device's power at MFU = 1), so this anchors the
# accounting CO₂ = E_IT × PUE × CI of SustainabilityModel, not its power model.
PATTERSON_GRID = GridProfile(name="Patterson 2021 (GPT-3, Microsoft)", carbon_intensity="429 gCO2/kWh", pue=1.10)


def _v100_fleet(tdp):
    v100 = HardwareNode(name=f"V100 @ {tdp}", compute=ComputeCore(peak_flops="125 TFLOP/s"),
                        memory=MemoryHierarchy(capacity="32 GiB", bandwidth="900 GB/s"), tdp=tdp)
    node = Node(name="V100 server", accelerator=v100, accelerators_per_node=8, intra_node_bw="300 GB/s")
    return Fleet(name="GPT-3 fleet", node=node, count=1250, fabric=NetworkFabric(name="ib", bandwidth="100 Gbps"))


def test_gpt3_training_carbon_patterson():
    s = SustainabilityModel().solve(fleet=_v100_fleet("330 W"), duration_days=14.8,
                                    datacenter=Datacenter(name="GPT-3 DC", grid=PATTERSON_GRID), mfu=1.0)
    # 10 000 × 330 W × 355.2 h = 1 172 MWh × 1.10 = 1 289 MWh (paper: 1 287) × 0.429 = 553 t
    assert within(s.total_energy_kwh.to("kWh").magnitude / 1e3, 1287)
    assert within(s.carbon_footprint_kg.to("tCO2").magnitude, 552)
    # with the zoo-style 300 W board power the estimate is a lower bound still inside ±10 % (−9 %)
    lo = SustainabilityModel().solve(fleet=_v100_fleet("300 W"), duration_days=14.8,
                                     datacenter=Datacenter(name="GPT-3 DC", grid=PATTERSON_GRID), mfu=1.0)
    assert within(lo.carbon_footprint_kg.to("tCO2").magnitude, 552)


# 7 ─ Llama 3 405B parallelism choice ───────────────────────────────────────────────────────────────────────
# Published: TP = 8 (within an 8-GPU server), PP = 16, DP = 128 on 16 384 H100 — Llama 3 paper Table 4 and §3.3.2
# ("tensor parallelism within a server, where NVLink is fastest"). Batch 2048 × 8192 tokens. We search with full
# activation recomputation: with selective recomputation no 405B factorisation fits 80 GB at 8 K context
# (activations alone are ≈ 73 GB per rank), consistent with Llama 3 needing its memory-balanced PP schedule.
def test_llama3_405b_parallelism_prefers_tp8():
    r = ParallelismOptimizer().solve(model=Models.Language.Llama3_405B, fleet=Systems.Clusters.Llama3_16K,
                                     batch_size=2048, seq_len=8192, precision="bf16", activation_checkpointing="full")
    assert r.feasible
    assert r.best_config["tp"] == 8
    assert r.best_config["tp"] * r.best_config["pp"] * r.best_config["dp"] == 16384
    print(f"\nParallelismOptimizer on Llama3_16K: {r.best_config}, MFU {r.best_mfu:.1%} "
          f"({r.feasible_count} feasible of {r.total_searched})")
