"""ParallelismOptimizer, BatchingOptimizer, PlacementOptimizer (search over forward models).

Hand-built hardware so the search spaces can be counted by hand.
"""

import math

import pytest

from mlsysim_core import Q_
from mlsysim_core.resolvers.optimizers import (
    BatchingOptimizer, ParallelismOptimizer, PlacementOptimizer, divisors, network_rtt_s, tp_splits_attention,
)
from mlsysim_core.types import (
    ComputeCore, Fleet, GridProfile, HardwareNode, IOInterconnect, MemoryHierarchy, NetworkFabric, Node,
    SparseTransformerWorkload, StorageHierarchy, TransformerWorkload,
)
from mlsysim_core.validation import InputError

H100 = HardwareNode(
    name="H100-like", compute=ComputeCore(peak_flops="989 TFLOP/s"),
    memory=MemoryHierarchy(capacity="80 GiB", bandwidth="3.35 TB/s"), tdp="700 W", unit_cost="25000 USD",
    storage=StorageHierarchy(capacity="2 TB", bandwidth="7 GB/s"), interconnect=IOInterconnect(name="pcie", bandwidth="64 GB/s"),
)
NODE = Node(name="dgx", accelerator=H100, accelerators_per_node=8, intra_node_bw="900 GB/s")
IB = NetworkFabric(name="ib-ndr", bandwidth="400 Gbps", latency="5 us")
L70 = TransformerWorkload(name="L70", parameters=70.6e9, layers=80, hidden_dim=8192, heads=64, kv_heads=8)
L8 = TransformerWorkload(name="L8", parameters=8.03e9, layers=32, hidden_dim=4096, heads=32, kv_heads=8)
L405 = TransformerWorkload(name="L405", parameters=405e9, layers=126, hidden_dim=16384, heads=128, kv_heads=8)
MOE = SparseTransformerWorkload(name="moe", parameters=47e9, active_parameters=13e9, experts=8, active_experts_per_token=2,
                                layers=32, hidden_dim=4096, heads=32, kv_heads=8)


def fleet(nodes):
    return Fleet(name=f"{nodes}x8", node=NODE, count=nodes, fabric=IB)


# ---------------------------------------------------------------- divisors
def test_divisors():
    assert divisors(1) == [1]
    assert divisors(24) == [1, 2, 3, 4, 6, 8, 12, 24]
    assert divisors(16) == [1, 2, 4, 8, 16]
    assert divisors(49) == [1, 7, 49]


# ---------------------------------------------------------------- parallelism
def test_parallelism_searches_all_divisors_not_only_powers_of_two():
    r = ParallelismOptimizer().solve(model=L70, fleet=fleet(3), batch_size=48, seq_len=4096)
    # N = 24, tp ∈ {1,2,3,4,6,8} (≤ 8 GPUs/node); pp over divisors of 24/tp:
    # d(24)=8 + d(12)=6 + d(8)=4 + d(6)=4 + d(4)=3 + d(3)=2 = 27 factorisations
    assert r.total_searched == 27 == r.search_space_size
    assert r.feasible and r.feasible_count >= 1
    cfg = r.best_config
    assert cfg["tp"] * cfg["pp"] * cfg["dp"] * cfg["ep"] == 24
    # some feasible candidate uses a non-power-of-two degree (3 or 6)
    searched = [c["config"] for c in r.top_candidates]
    assert any(v in (3, 6, 12, 24) for c in searched for v in c.values())


def test_parallelism_best_is_the_max_mfu_and_consistent_with_distributed_model():
    from mlsysim_core.resolvers.fleet import DistributedModel

    f = fleet(8)
    r = ParallelismOptimizer().solve(model=L70, fleet=f, batch_size=256, seq_len=4096, top_k=50)
    mfus = [c["mfu"] for c in r.top_candidates]
    assert mfus == sorted(mfus, reverse=True) and r.best_mfu == mfus[0]
    assert len(r.top_candidates) == r.feasible_count
    assert 0 < r.best_mfu <= 0.5  # MFU cannot exceed η = 0.5
    c = r.best_config
    local = 256 // c["dp"]
    d = DistributedModel().solve(model=L70, fleet=f, batch_size=256, precision="bf16", tp_size=c["tp"], pp_size=c["pp"],
                                 overlap_comm=True, seq_len=4096, microbatch_count=local)
    assert d.mfu == pytest.approx(r.best_mfu)
    assert r.best_step_time.to("s").magnitude == pytest.approx(d.step_latency_total.to("s").magnitude)
    # 70B needs model parallelism on 80 GB: tp·pp > 1
    assert c["tp"] * c["pp"] > 1
    assert r.objective_value == r.best_mfu and r.binding_wall == 14


def test_tp_must_split_attention_heads_evenly():
    # rule: heads % tp == 0; kv_heads % tp == 0 when tp ≤ kv_heads, else tp % kv_heads == 0 (KV replicated)
    assert [t for t in range(1, 17) if tp_splits_attention(t, 64, 8)] == [1, 2, 4, 8, 16]  # Llama-3-70B
    assert tp_splits_attention(8, 128, 8) and tp_splits_attention(16, 128, 8)  # 16 % 8 == 0: each KV head on 2 ranks
    assert not tp_splits_attention(12, 48, 8)  # 48 % 12 == 0 but 12 ranks cannot share 8 KV heads evenly
    assert tp_splits_attention(12, 48, 1)  # PaLM multi-query: the one KV head is replicated
    assert not tp_splits_attention(3, 64, 64) and tp_splits_attention(4, 64, None)  # MHA: only heads % tp
    assert not tp_splits_attention(6, 32, 8) and tp_splits_attention(2, 32, 4)
    assert tp_splits_attention(8, 128, None, latent_kv=True) and not tp_splits_attention(3, 128, None, latent_kv=True)
    assert tp_splits_attention(1, 7, 7)


def test_parallelism_optimizer_applies_the_head_rule():
    r = ParallelismOptimizer().solve(model=L70, fleet=fleet(3), batch_size=48, seq_len=4096, top_k=100)
    # N = 24, tp ≤ 8: tp 3 (d(8) = 4 pp choices) and tp 6 (d(4) = 3) do not divide 64 heads → 7 of 27 rejected
    assert r.total_searched == 27 and r.head_rejected == 4 + 3
    assert {c["config"]["tp"] for c in r.top_candidates} <= {1, 2, 4, 8}
    assert any("split attention heads unevenly" in t for t in r.trace)
    # a 24-head model (heads 24, kv 8) on the same fleet: tp 3 divides the heads but not the 8 KV heads,
    # tp 6 neither; tp ∈ {1, 2, 4, 8} survive
    m24 = TransformerWorkload(name="m24", parameters=1e9, layers=24, hidden_dim=2048, heads=24, kv_heads=8)
    r24 = ParallelismOptimizer().solve(model=m24, fleet=fleet(3), batch_size=48, seq_len=1024, top_k=100)
    assert r24.head_rejected == 7 and {c["config"]["tp"] for c in r24.top_candidates} <= {1, 2, 4, 8}


def test_parallelism_limits_and_batch():
    r = ParallelismOptimizer().solve(model=L8, fleet=fleet(3), batch_size=48, seq_len=2048, max_tp=1)
    assert all(c["config"]["tp"] == 1 for c in r.top_candidates)
    # batch 1 on 24 GPUs: only dp = 1 is usable → tp·pp = 24 with tp ≤ 8: (3,8),(4,6),(6,4),(8,3) plus tp 1/2 need pp 24/12
    r1 = ParallelismOptimizer().solve(model=L8, fleet=fleet(3), batch_size=1, seq_len=2048, top_k=100)
    assert r1.feasible and all(c["config"]["dp"] == 1 for c in r1.top_candidates)


def test_parallelism_infeasible_is_a_result_naming_wall_2():
    r = ParallelismOptimizer().solve(model=L405, fleet=fleet(1), batch_size=8, seq_len=4096)
    assert r.feasible is False and r.binding_wall == 2
    assert r.feasible_count == 0 and r.best_config == {} and r.memory_rejected == r.total_searched
    assert any("Memory wall" in t for t in r.trace)


def test_parallelism_moe_expert_parallel():
    r = ParallelismOptimizer().solve(model=MOE, fleet=fleet(2), batch_size=64, seq_len=2048, top_k=100)
    eps = {c["config"]["ep"] for c in r.top_candidates}
    assert eps <= {1, 2, 4, 8} and max(eps) > 1  # ep divides the 8 experts and is explored


def test_parallelism_zero_and_recompute_widen_the_feasible_set():
    base = ParallelismOptimizer().solve(model=L70, fleet=fleet(4), batch_size=128, seq_len=4096)
    more = ParallelismOptimizer().solve(model=L70, fleet=fleet(4), batch_size=128, seq_len=4096, zero_stage=1,
                                        activation_checkpointing="full")
    assert more.feasible_count >= base.feasible_count


@pytest.mark.parametrize("kw,field", [
    ({"batch_size": 0}, "batch_size"), ({"model": H100}, "model"), ({"fleet": H100}, "fleet"),
    ({"precision": "fp12"}, "precision"), ({"optimizer": "lamb"}, "optimizer"), ({"zero_stage": 4}, "zero_stage"),
])
def test_parallelism_invalid(kw, field):
    with pytest.raises(InputError) as e:
        ParallelismOptimizer().solve(**({"model": L8, "fleet": fleet(1), "batch_size": 8} | kw))
    assert e.value.field == field


def test_parallelism_deterministic():
    a = ParallelismOptimizer().solve(model=L70, fleet=fleet(3), batch_size=48, seq_len=4096)
    b = ParallelismOptimizer().solve(model=L70, fleet=fleet(3), batch_size=48, seq_len=4096)
    assert a.model_dump() == b.model_dump()


# ---------------------------------------------------------------- batching
def _p99(b, lam, sla_out=128, seq=2048, replicas=1):
    from mlsysim_core.resolvers.node import TailLatencyModel
    from mlsysim_core.resolvers.serving import ServingModel

    s = ServingModel()
    ttft1 = s.solve(model=L8, hardware=H100, seq_len=seq, batch_size=1).ttft.to("s").magnitude
    itl = s.solve(model=L8, hardware=H100, seq_len=seq, batch_size=b).itl.to("s").magnitude
    t = ttft1 + sla_out * itl
    q = TailLatencyModel().solve(arrival_rate_qps=lam, service_latency_ms=t * 1e3, num_replicas=b * replicas)
    return q.p99_latency.to("s").magnitude if q.is_stable else math.inf


def test_batching_hand_check_against_its_definition():
    # P99 is the 99th percentile of the response time (exponential service: ≥ ln 100 ≈ 4.6 × the mean service)
    r = BatchingOptimizer().solve(model=L8, hardware=H100, seq_len=2048, sla_latency=Q_(8, "s"), arrival_rate_qps=20,
                                  max_search_batch=64)
    assert r.feasible and r.is_feasible and r.binding_wall == 7
    b = r.best_batch_size
    assert _p99(b, 20) <= 8.0
    assert b == 64 or _p99(b + 1, 20) > 8.0  # nothing larger in range meets the SLA
    assert r.p99_latency.to("s").magnitude == pytest.approx(_p99(b, 20))
    assert r.best_config == {"max_batch_size": b} and r.objective_value == b


def test_batching_looser_sla_allows_larger_batches():
    tight = BatchingOptimizer().solve(model=L8, hardware=H100, seq_len=2048, sla_latency="6 s", arrival_rate_qps=5)
    loose = BatchingOptimizer().solve(model=L8, hardware=H100, seq_len=2048, sla_latency="12 s", arrival_rate_qps=5)
    assert loose.best_batch_size > tight.best_batch_size >= 1


def test_batching_infeasible_results():
    # SLA below one request's service time (≥ 128 ITLs ≈ 0.7 s): wall 7
    r = BatchingOptimizer().solve(model=L8, hardware=H100, seq_len=2048, sla_latency_ms=100, arrival_rate_qps=1)
    assert not r.feasible and r.binding_wall == 7 and r.best_batch_size == 0
    # 70B fp16 (141 GB) on an 80 GiB device: wall 2
    m = BatchingOptimizer().solve(model=L70, hardware=H100, seq_len=2048, sla_latency="10 s", arrival_rate_qps=1)
    assert not m.feasible and m.binding_wall == 2
    # overload: 10 000 req/s cannot be served by one device at any batch
    o = BatchingOptimizer().solve(model=L8, hardware=H100, seq_len=2048, sla_latency="3 s", arrival_rate_qps=10_000,
                                  max_search_batch=32)
    assert not o.feasible and o.binding_wall == 7


@pytest.mark.parametrize("kw,field", [
    ({"sla_latency": None}, "sla_latency"), ({"sla_latency_ms": 5}, "sla_latency"),
    ({"arrival_rate_qps": -1}, "arrival_rate_qps"), ({"seq_len": 0}, "seq_len"), ({"max_search_batch": 0}, "max_search_batch"),
])
def test_batching_invalid(kw, field):
    args = {"model": L8, "hardware": H100, "seq_len": 512, "sla_latency": "1 s", "arrival_rate_qps": 1} | kw
    with pytest.raises(InputError) as e:
        BatchingOptimizer().solve(**args)
    assert e.value.field == field


# ---------------------------------------------------------------- placement
HYDRO = GridProfile(name="HydroNorth", carbon_intensity="20 gCO2/kWh", pue=1.06, wue="0 L/kWh",
                    electricity_price="0.08 USD/kWh", lat=46.8, lon=-71.2)
COAL = GridProfile(name="CoalCheap", carbon_intensity="800 gCO2/kWh", pue=1.2, electricity_price="0.04 USD/kWh",
                   lat=41.9, lon=-93.1)
FAR = GridProfile(name="FarAway", carbon_intensity="10 gCO2/kWh", pue=1.1, electricity_price="0.02 USD/kWh",
                  lat=1.35, lon=103.8)


def test_rtt_hand_number():
    # a quarter of a great circle: d = π/2 · 6371 km = 10 007.5 km; RTT = 2 · 1.5 · d / 2e8 m/s = 150.1 ms
    assert network_rtt_s(0, 0, 0, 90) == pytest.approx(2 * 1.5 * (math.pi / 2 * 6.371e6) / 2e8)
    assert network_rtt_s(10, 20, 10, 20) == 0


def test_placement_carbon_tax_flips_the_choice():
    f = fleet(4)
    cheap = PlacementOptimizer().solve(fleet=f, duration_days=365, regions=[HYDRO, COAL], carbon_tax_per_ton=0, mfu=0.4)
    assert cheap.best_region == "CoalCheap"
    taxed = PlacementOptimizer().solve(fleet=f, duration_days=365, regions=[HYDRO, COAL], carbon_tax_per_ton=500, mfu=0.4)
    assert taxed.best_region == "HydroNorth"
    # objective = TCO + tax × tonnes
    b = taxed
    assert b.objective_value.to("USD").magnitude == pytest.approx(
        b.lowest_tco.to("USD").magnitude + 500 * b.carbon_footprint.to("tCO2").magnitude)
    assert b.total_searched == 2 and b.feasible_count == 2 and b.best_config == {"region": "HydroNorth"}


def test_placement_latency_sla_excludes_far_regions():
    f = fleet(1)
    free = PlacementOptimizer().solve(fleet=f, duration_days=30, regions=[HYDRO, COAL, FAR], carbon_tax_per_ton=100)
    assert free.best_region == "FarAway"
    near = PlacementOptimizer().solve(fleet=f, duration_days=30, regions=[HYDRO, COAL, FAR], carbon_tax_per_ton=100,
                                      sla_latency="50 ms", user_location=(40.7, -74.0))  # users in New York
    assert near.best_region == "HydroNorth" and near.feasible_count == 2
    assert near.network_rtt.to("ms").magnitude < 50
    none = PlacementOptimizer().solve(fleet=f, duration_days=30, regions=[FAR], sla_latency="5 ms", user_location=(40.7, -74.0))
    assert not none.feasible and none.binding_wall == 7 and none.feasible_count == 0


@pytest.mark.parametrize("kw,field", [
    ({"regions": []}, "regions"), ({"regions": [42]}, "regions"), ({"carbon_tax_per_ton": -5}, "carbon_tax_per_ton"),
    ({"mfu": 2}, "mfu"), ({"user_location": (100, 0)}, "user_location"), ({"fleet": "x"}, "fleet"),
])
def test_placement_invalid(kw, field):
    with pytest.raises(InputError) as e:
        PlacementOptimizer().solve(**({"fleet": fleet(1), "duration_days": 30, "regions": [HYDRO]} | kw))
    assert e.value.field == field


def test_placement_default_regions_from_zoo():
    zoo = pytest.importorskip("mlsysim_core.zoo")
    if not hasattr(zoo, "Grids"):
        pytest.skip("Grids zoo not available yet")
    r = PlacementOptimizer().solve(fleet=fleet(1), duration_days=365, carbon_tax_per_ton=100, mfu=0.5)
    assert r.feasible and r.total_searched >= 3
